// What auth adds per request, in process: `node --import tsx plugins/auth/test/bench-hot-path.ts`.
// The middleware runs N times against a no-op next() for a key from gateway.yaml, a stored key (cache hit) and the
// bare next() as the baseline; store calls during the timed runs are counted (must be 0).
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import type { GatewayConfig, Middleware, PluginApi, RelayContext, RelayResult } from '@sluice/core';
import auth, { dropSharedEmbeddedStore, sharedEmbeddedStore } from '../src/index.js';
import { newSecret } from '../src/records.js';

const N = Number(process.env['BENCH_N'] ?? 500_000);
const STATIC = 'sk-static-bench-key-0123456789abcdef';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child() { return silent; } } as unknown as PluginApi['log'];
const config = {
  tenants: [{ id: 'static', group: 'default', metadata: {}, keys: [{ key: STATIC, id: 'static', enabled: true, metadata: {} }] }],
  channels: [],
} as unknown as GatewayConfig;
const name = `bench-${randomUUID()}`;
const api: PluginApi = {
  name: '@sluice/auth',
  log: silent,
  config,
  channels: { all: () => [], get: () => undefined, serving: () => [], models: () => new Map() },
  state: { redis: null, mongo: null, check: async () => ({}), close: async () => {} },
  before: [],
  onClose: () => {},
  route: () => {},
  invoke: () => Promise.reject(new Error('not used by auth')),
};

const store = sharedEmbeddedStore(name);
let storeCalls = 0;
const find = store.findKeyByHash.bind(store);
store.findKeyByHash = (hash) => (storeCalls++, find(hash));
const secret = newSecret();
const now = Date.now();
await store.createTenant({ id: 'acme', group: 'default', enabled: true, metadata: {}, createdAt: now, updatedAt: now });
await store.createKey({ id: 'key_bench', hash: secret.hash, prefix: secret.prefix, tenant: 'acme', enabled: true, models: ['gpt-4o*'], ips: ['127.0.0.0/8'], metadata: {}, createdAt: now, updatedAt: now });

const middleware = (await auth.setup(api, {
  cacheTtl: '10m',
  cacheSize: 1000,
  failedAuth: { limit: 20, window: '1m' },
  redisPrefix: 'sluice:auth:',
  collectionPrefix: 'sluice_auth_',
  sharedStore: name,
  adminChannels: true,
})) as Middleware;

const result: RelayResult = { kind: 'response', usage: {}, response: { operation: 'count_tokens', inputTokens: 1 } };
const next = (): Promise<RelayResult> => Promise.resolve(result);
const context = (key: string): RelayContext =>
  ({
    operation: 'chat',
    request: { operation: 'chat', model: 'gpt-4o-mini', messages: [], stream: false, includeUsage: false },
    headers: { authorization: `Bearer ${key}` },
    query: {},
    clientIp: '127.0.0.1',
    note() {},
  }) as unknown as RelayContext;

async function time(label: string, run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20_000; i++) await run(); // warm-up (JIT, and the one cache miss)
  const before = storeCalls;
  const started = performance.now();
  for (let i = 0; i < N; i++) await run();
  const ns = ((performance.now() - started) * 1e6) / N;
  process.stdout.write(`${label.padEnd(34)} ${ns.toFixed(0).padStart(6)} ns/request   store calls: ${storeCalls - before}\n`);
  return ns;
}

const base = await time('baseline (next() only)', next);
const stat = await time('auth, key from gateway.yaml', () => middleware(context(STATIC), next));
const stored = await time('auth, stored key (cache hit)', () => middleware(context(secret.key), next));
process.stdout.write(`auth adds ≈ ${(stat - base).toFixed(0)} ns (static) / ${(stored - base).toFixed(0)} ns (stored, globs + CIDR) per request\n`);
dropSharedEmbeddedStore(name);
