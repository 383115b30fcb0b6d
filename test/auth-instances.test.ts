// Two gateway instances sharing the same stores: a key created on one works on the other at once; revocation,
// rotation, tenant and policy changes reach the other through Redis pub/sub (real Redis at 127.0.0.1:6379) within
// 5 s. The cache TTL is set to 10 minutes here, so only the invalidation message can explain a change being seen.
//
// Stores shared: without MONGODB_URL, both instances live in this process and share one embedded store object (the
// embedded store cannot be shared across processes; Redis holds nothing durable, so it is not used as a key store).
// With MONGODB_URL, the same test runs against MongoDB.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { dropSharedEmbeddedStore } from '@sluice/auth';
import { admin, authConfig, chat, models, REDIS_URL, uniqueRedisPrefix, within } from './helpers/auth-gateway.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';

const PROPAGATION_MS = 5000;

async function pair(t: Test, store: { sharedStore?: string; mongodb?: string; collectionPrefix?: string }): Promise<[TestGateway, TestGateway]> {
  const prefix = uniqueRedisPrefix();
  const withOptions = [
    'cacheTtl: 10m',
    `redisPrefix: '${prefix}'`,
    'failedAuth: { limit: 0 }',
    store.sharedStore ? `sharedStore: ${store.sharedStore}` : '',
    store.collectionPrefix ? `collectionPrefix: ${store.collectionPrefix}` : '',
  ].filter(Boolean);
  const yaml = authConfig({ redis: true, ...(store.mongodb ? { mongodb: store.mongodb } : {}), authWith: `{ ${withOptions.join(', ')} }` });
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
  return [a, b];
}

function crossInstance(t: Test, open: (t: Test) => Promise<[TestGateway, TestGateway]>): void {
  let a: TestGateway;
  let b: TestGateway;
  t.before(async () => {
    [a, b] = await open(t);
    await admin(a.url).createTenant('acme', { group: 'pro' });
  });

  t.test('a key created on A works on B immediately', async (t) => {
    const { key } = await admin(a.url).createKey('acme');
    const first = await chat(b.url, key);
    t.equal(first.status, 200, 'first request on B, no waiting');
  });

  t.test('a key revoked on A stops working on both within 5 s', async (t) => {
    const { id, key } = await admin(a.url).createKey('acme');
    t.equal((await chat(a.url, key)).status, 200, 'A has it cached');
    t.equal((await chat(b.url, key)).status, 200, 'B has it cached');
    t.equal((await admin(a.url).call('DELETE', `/admin/keys/${id}`)).status, 200);
    t.equal((await chat(a.url, key)).status, 401, 'A: at once');
    const elapsed = await within(PROPAGATION_MS, async () => (await chat(b.url, key)).status === 401);
    t.ok(elapsed !== undefined, `B refuses it within ${PROPAGATION_MS} ms`);
    t.comment(`revocation seen on B after ${elapsed} ms`);
  });

  t.test('a key rotated on B: the old secret dies on A, the new one works there at once', async (t) => {
    const { id, key } = await admin(a.url).createKey('acme');
    t.equal((await chat(a.url, key)).status, 200);
    const rotated = await admin(b.url).call('POST', `/admin/keys/${id}/rotate`);
    const fresh = String(rotated.body['key']);
    t.equal((await chat(a.url, fresh)).status, 200, 'new secret on A');
    t.ok((await within(PROPAGATION_MS, async () => (await chat(a.url, key)).status === 401)) !== undefined, 'old secret refused on A');
  });

  t.test('a tenant disabled on B: its keys stop on A within 5 s, and come back when enabled', async (t) => {
    await admin(b.url).createTenant('flaky');
    const { key } = await admin(b.url).createKey('flaky');
    t.equal((await chat(a.url, key)).status, 200);
    await admin(b.url).call('POST', '/admin/tenants/flaky/disable');
    t.ok((await within(PROPAGATION_MS, async () => (await chat(a.url, key)).status === 401)) !== undefined, 'disabled on A');
    await admin(b.url).call('POST', '/admin/tenants/flaky/enable');
    t.ok((await within(PROPAGATION_MS, async () => (await chat(a.url, key)).status === 200)) !== undefined, 'enabled on A');
  });

  t.test('a policy change on A (models) reaches B within 5 s, /v1/models included', async (t) => {
    const { id, key } = await admin(a.url).createKey('acme');
    t.strictSame((await models(b.url, key)).ids, ['mock-claude', 'mock-embed', 'mock-gpt', 'mock-gpt-mini']);
    await admin(a.url).call('PATCH', `/admin/keys/${id}`, { models: ['mock-gpt'] });
    t.ok((await within(PROPAGATION_MS, async () => (await chat(b.url, key, 'mock-claude')).status === 403)) !== undefined, '403 on B');
    t.strictSame((await models(b.url, key)).ids, ['mock-gpt']);
  });
}

t.test('embedded store shared in process + Redis pub/sub', async (t) => {
  const name = `auth-instances-${randomUUID()}`;
  t.teardown(() => dropSharedEmbeddedStore(name));
  crossInstance(t, (t) => pair(t, { sharedStore: name }));
});

t.test('MongoDB + Redis pub/sub', { skip: process.env['MONGODB_URL'] ? false : 'MONGODB_URL is not set' }, async (t) => {
  const url = process.env['MONGODB_URL'] ?? '';
  const collectionPrefix = `sluice_auth_test_${randomUUID().slice(0, 8)}_`;
  t.teardown(async () => {
    const client = await MongoClient.connect(url);
    for (const name of ['tenants', 'keys']) await client.db().collection(`${collectionPrefix}${name}`).drop().catch(() => undefined);
    await client.close();
  });
  crossInstance(t, (t) => pair(t, { mongodb: url, collectionPrefix }));
});
