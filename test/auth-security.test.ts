// Failed-auth throttling (in process and across instances through Redis), and no key — ours, the admin key or
// an upstream's — in any log line, whatever happened.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { dropSharedEmbeddedStore, hashKey } from '@sluice/auth';
import { startOpenAIUpstream } from './mocks/openai-upstream.js';
import { UPSTREAM_KEY } from './helpers/gateway.js';
import { admin, ADMIN_KEY, authConfig, chat, http, models, REDIS_URL, STATIC_KEY, startAuthGateway, uniqueRedisPrefix } from './helpers/auth-gateway.js';
import { startGateway } from './helpers/gateway.js';

const WRONG = 'sk-sluice-wrong-key-00000000000000000000000000000000000';

t.test('repeated failures from one address → 429 with retry-after; other addresses unaffected', async (t) => {
  const gw = await startAuthGateway({ trustProxy: true, authWith: '{ failedAuth: { limit: 3, window: 1m } }' });
  t.teardown(() => gw.stop());
  for (let i = 0; i < 3; i++) t.equal((await chat(gw.url, WRONG, 'mock-gpt', { ip: '198.51.100.1' })).status, 401, `failure ${i + 1}: 401`);
  const limited = await chat(gw.url, WRONG, 'mock-gpt', { ip: '198.51.100.1' });
  t.equal(limited.status, 429, 'the 4th: 429');
  t.equal(limited.body.error.sluice_code, 'SLUICE_ERR_RATE_LIMITED');
  const retryAfter = Number(limited.headers['retry-after']);
  t.ok(retryAfter >= 1 && retryAfter <= 60, `retry-after ${retryAfter}s`);
  t.equal((await chat(gw.url, STATIC_KEY, 'mock-gpt', { ip: '198.51.100.1' })).status, 429, 'even a good key waits: the address is blocked');
  t.equal((await chat(gw.url, STATIC_KEY, 'mock-gpt', { ip: '198.51.100.2' })).status, 200, 'another address is served');
  for (let i = 0; i < 5; i++) t.equal((await chat(gw.url, undefined, 'mock-gpt', { ip: '198.51.100.3' })).status, 401, 'no key: 401');
  t.equal((await chat(gw.url, STATIC_KEY, 'mock-gpt', { ip: '198.51.100.3' })).status, 200, 'calls without a key guess nothing and are not counted');
  // Disabled and expired keys count like unknown ones: a different count would tell that the key exists.
  await admin(gw.url).createTenant('acme');
  const expired = await admin(gw.url).createKey('acme', { expires: '2001-01-01' });
  for (let i = 0; i < 3; i++) t.equal((await chat(gw.url, expired.key, 'mock-gpt', { ip: '198.51.100.4' })).status, 401);
  t.equal((await chat(gw.url, expired.key, 'mock-gpt', { ip: '198.51.100.4' })).status, 429, 'an expired key is throttled like a wrong one');
  // IPv6: one /64 is one bucket.
  for (let i = 0; i < 3; i++) await chat(gw.url, WRONG, 'mock-gpt', { ip: `2001:db8:5:6::${i + 1}` });
  t.equal((await chat(gw.url, WRONG, 'mock-gpt', { ip: '2001:db8:5:6::99' })).status, 429, 'a new address in the same /64 is throttled');
  t.equal((await chat(gw.url, STATIC_KEY, 'mock-gpt', { ip: '2001:db8:5:7::1' })).status, 200, 'the next /64 is not');
});

t.test('with Redis, failures on two instances add up', async (t) => {
  const prefix = uniqueRedisPrefix();
  const yaml = authConfig({ redis: true, trustProxy: true, authWith: `{ redisPrefix: '${prefix}', failedAuth: { limit: 4, window: 1m } }` });
  const a = await startGateway(yaml);
  const b = await startGateway(yaml);
  t.teardown(async () => {
    await a.stop();
    await b.stop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  const ip = '203.0.113.50';
  for (const gw of [a, b, a, b]) t.equal((await chat(gw.url, WRONG, 'mock-gpt', { ip })).status, 401);
  t.equal((await chat(b.url, WRONG, 'mock-gpt', { ip })).status, 429, 'the 5th failure overall, on B');
  t.equal((await chat(a.url, WRONG, 'mock-gpt', { ip })).status, 429, 'and on A');
  t.equal((await chat(a.url, STATIC_KEY, 'mock-gpt', { ip })).status, 429, 'A now blocks the address for good keys too');
  const redis = new Redis(REDIS_URL);
  t.teardown(() => redis.quit());
  t.equal(await redis.get(`${prefix}fail:${ip}`), '6', 'one shared counter, under the plugin prefix');
});

t.test('no key ever appears in a log line (stored, static, admin, upstream, wrong, rotated)', async (t) => {
  const upstream = await startOpenAIUpstream({ apiKey: UPSTREAM_KEY });
  const store = `auth-logs-${randomUUID()}`;
  // Embedded state: the upstream failure below must not mark the channel unhealthy in a Redis other runs share.
  const gw = await startAuthGateway({
    trustProxy: true,
    authWith: `{ sharedStore: ${store}, failedAuth: { limit: 5 } }`,
    extraChannels: `  - { name: openai-up, adapter: openai, baseUrl: '${upstream.url}', keys: ['${UPSTREAM_KEY}'], models: [gpt-4o] }`,
  });
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
    dropSharedEmbeddedStore(store);
  });
  const api = admin(gw.url);
  await api.createTenant('acme', { group: 'default' });
  const used: string[] = [ADMIN_KEY, STATIC_KEY, UPSTREAM_KEY, WRONG];
  const plain = await api.createKey('acme');
  const limited = await api.createKey('acme', { models: ['mock-gpt'], ips: ['10.0.0.0/8'] });
  const expired = await api.createKey('acme', { expires: '2001-01-01' });
  used.push(plain.key, limited.key, expired.key);
  for (const via of ['bearer', 'x-api-key', 'x-goog-api-key', 'query'] as const) {
    const relayed = await chat(gw.url, plain.key, 'gpt-4o', { via });
    t.equal(relayed.status, 200, `${via}: relayed upstream`, { body: relayed.body });
    await models(gw.url, plain.key, { via });
    await chat(gw.url, WRONG, 'mock-gpt', { via, ip: '192.0.2.1' });
  }
  await chat(gw.url, limited.key, 'mock-gpt-mini', { ip: '10.1.1.1' }); // 403 model
  await chat(gw.url, limited.key, 'mock-gpt', { ip: '11.1.1.1' }); // 403 address
  await chat(gw.url, expired.key);
  await chat(gw.url, STATIC_KEY, 'mock-gpt', { via: 'x-api-key' });
  for (let i = 0; i < 8; i++) await chat(gw.url, WRONG, 'mock-gpt', { ip: '192.0.2.9' }); // into the 429s
  const rotated = await api.call('POST', `/admin/keys/${plain.id}/rotate`);
  used.push(String(rotated.body['key']));
  await chat(gw.url, plain.key); // the dead secret
  await chat(gw.url, String(rotated.body['key']));
  await http(`${gw.url}/admin/keys`, 'GET', { authorization: `Bearer ${WRONG}` }); // a wrong admin key
  await http(`${gw.url}/admin/keys`, 'POST', { authorization: `Bearer ${ADMIN_KEY}` }, { tenant: 'acme', models: 'not-a-list' });
  upstream.failNext({ status: 401, body: { error: { message: `Incorrect API key provided: ${UPSTREAM_KEY}` } } });
  await chat(gw.url, String(rotated.body['key']), 'gpt-4o');

  await gw.stop(); // flushes the logger
  t.ok(gw.logs.length > 30, `${gw.logs.length} log lines captured`);
  t.ok(gw.logs.some((l) => l.includes('"status":429')), 'the throttled calls were logged');
  for (const key of used) {
    const leaks = gw.logs.filter((line) => line.includes(key) || line.includes(hashKey(key)) || line.includes(encodeURIComponent(key)));
    t.strictSame(leaks, [], `${key.slice(0, 12)}…: neither the key nor its hash is logged`);
  }
});
