// "A cache hit answers at least 3× faster than a miss": p50 of N sequential misses (distinct questions) against
// p50 of N hits (the same questions again), through the wire-exact OpenAI upstream answering after a realistic
// delay (100 ms before the body: less than a real model's first token). The delay also keeps the verdict
// stable on a machine busy with other work, where every request is slowed alike.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { Redis } from 'ioredis';
import { startOpenAIUpstream } from './mocks/openai-upstream.js';
import { startGateway, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const KEY = 'sk-cache-speed-test-key-00000001';
const PREFIX = `sluice:cache:speed-${randomUUID()}:`;
const N = 15;
const UPSTREAM_DELAY_MS = 100;

const upstream = await startOpenAIUpstream({ apiKey: UPSTREAM_KEY, firstChunkDelayMs: UPSTREAM_DELAY_MS, record: false });

const yaml = (state: string): string => `version: 1
server: { host: 127.0.0.1 }
logging: { level: warn }
${state}
pipeline:
  - use: '@sluice/auth'
  - use: '@sluice/cache'
    with: { ttl: 1m, keyPrefix: '${PREFIX}' }
  - use: '@sluice/retry'
  - use: '@sluice/router'
adapters: ['@sluice/adapter-openai']
channels:
  - { name: speed-${randomUUID().slice(0, 8)}, adapter: openai, baseUrl: '${upstream.url}', keys: ['${UPSTREAM_KEY}'], models: [gpt-4o] }
tenants:
  - id: bench
    keys: [{ key: ${KEY} }]
`;

async function timed(gw: TestGateway, question: string, stream: boolean): Promise<{ ms: number; cache: string | null }> {
  const started = performance.now();
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: question }], ...(stream && { stream: true, stream_options: { include_usage: true } }) }),
  });
  const text = await response.text(); // to the last byte
  if (response.status !== 200 || (stream && !text.endsWith('data: [DONE]\n\n'))) throw new Error(`bad answer ${response.status}: ${text.slice(0, 200)}`);
  return { ms: performance.now() - started, cache: response.headers.get('x-sluice-cache') };
}

const p50 = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function measure(gw: TestGateway, stream: boolean): Promise<{ miss: number; hit: number }> {
  const questions = Array.from({ length: N }, () => `speed ${randomUUID()}`);
  const misses: number[] = [];
  const hits: number[] = [];
  for (const q of questions) {
    const r = await timed(gw, q, stream);
    if (r.cache !== 'miss') throw new Error(`expected a miss, got ${r.cache}`);
    misses.push(r.ms);
  }
  for (const q of questions) {
    const r = await timed(gw, q, stream);
    if (r.cache !== 'hit') throw new Error(`expected a hit, got ${r.cache}`);
    hits.push(r.ms);
  }
  return { miss: p50(misses), hit: p50(hits) };
}

const check = async (gw: TestGateway, stream: boolean, ok: (pass: boolean, message: string) => void): Promise<void> => {
  const { miss, hit } = await measure(gw, stream);
  ok(miss / hit >= 3, `p50 miss ${miss.toFixed(2)} ms ÷ p50 hit ${hit.toFixed(2)} ms = ${(miss / hit).toFixed(1)}× (≥ 3×)`);
};

const embedded = await startGateway(yaml(''));
const redisBacked = await startGateway(yaml(`state: { redis: '${REDIS_URL}' }`));
t.teardown(async () => {
  await embedded.stop();
  await redisBacked.stop();
  await upstream.close();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

t.test('embedded store, JSON: a hit is at least 3× faster than a miss', (t) => check(embedded, false, (pass, m) => t.ok(pass, m)));
t.test('redis store, JSON: a hit is at least 3× faster than a miss', (t) => check(redisBacked, false, (pass, m) => t.ok(pass, m)));
t.test('redis store, stream (to the last byte): a hit is at least 3× faster than a miss', (t) => check(redisBacked, true, (pass, m) => t.ok(pass, m)));
