// Gateways with @sluice/quota in the pipeline, on the real Redis under a per-run key prefix.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { openaiConfig } from './gateway.js';

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const ADMIN_KEY = 'sluice-admin-test-key-quota-0001';

/** `sluice:quota:<runid>:` — never shared between tests, so no test touches another's keys. */
export const runPrefix = (): string => `sluice:quota:${randomUUID().slice(0, 8)}:`;

export interface QuotaYaml {
  upstream: string;
  models?: string[];
  /** quota's `with:` (JSON is YAML). */
  quota: Record<string, unknown>;
  redis?: boolean;
  logLevel?: string;
}

export function quotaConfig(o: QuotaYaml): string {
  const pipeline = `  - use: '@sluice/auth'
  - use: '@sluice/quota'
    with: ${JSON.stringify(o.quota)}
  - use: '@sluice/retry'
    with: { maxAttempts: 2, backoff: 1ms, maxBackoff: 5ms }
  - use: '@sluice/router'`;
  const yaml = openaiConfig([{ name: 'up', baseUrl: o.upstream, models: o.models ?? ['gpt-4o-mini'] }], { pipeline, server: `adminKey: ${ADMIN_KEY}` });
  const state = o.redis === false ? '' : `\nstate: { redis: '${REDIS_URL}' }`;
  return yaml.replace('logging: { level: info }', `logging: { level: ${o.logLevel ?? 'warn'} }${state}`);
}

/** Deletes every key under a prefix (SCAN, never FLUSHALL: other tests share this Redis). */
export async function dropPrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let dropped = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) dropped += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  return dropped;
}

export async function hget(key: string, field: string): Promise<string | null> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    return await redis.hget(key, field);
  } finally {
    await redis.quit();
  }
}

export const chatBody = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 20, ...extra });

export async function chat(url: string, key: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: chatBody(extra),
  });
}

export async function admin<T>(url: string, path: string): Promise<T> {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export interface RecordView {
  requestId: string;
  status: string;
  cost: number;
  estimate: number;
  counted: string;
  tokens: { input: number; output: number };
}

/** Waits for an event the gateway reports (records written), with a deadline instead of a fixed sleep. */
export async function until<T>(probe: () => Promise<T | undefined>, what: string, deadlineMs = 10_000): Promise<T> {
  const stop = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > stop) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
