// Auth costs no store round trip per request: every store call is counted while a gateway serves N requests.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { dropSharedEmbeddedStore, sharedEmbeddedStore, type AuthStore } from '@sluice/auth';
import { admin, chat, models, STATIC_KEY, startAuthGateway } from './helpers/auth-gateway.js';

const N = 200;
const name = `auth-hot-path-${randomUUID()}`;
t.teardown(() => dropSharedEmbeddedStore(name));

// The gateway opens this same object by name; every method is wrapped to count calls.
const store = sharedEmbeddedStore(name);
const calls: string[] = [];
for (const method of ['findKeyByHash', 'getTenant', 'getKey', 'listKeys', 'listTenants'] as const) {
  const original = (store[method] as (...args: unknown[]) => Promise<unknown>).bind(store);
  (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
    calls.push(method);
    return original(...args);
  };
}
const reads = (): number => calls.length;

const gw = await startAuthGateway({ authWith: `{ sharedStore: ${name}, failedAuth: { limit: 0 } }` });
t.teardown(() => gw.stop());
const api = admin(gw.url);
await api.createTenant('acme', { group: 'pro' });

t.test(`a stored key: one miss (key + tenant), then ${N} requests with 0 store calls`, async (t) => {
  const { key } = await api.createKey('acme');
  const before = reads();
  t.equal((await chat(gw.url, key)).status, 200, 'warm-up');
  t.strictSame(calls.slice(before), ['findKeyByHash', 'getTenant'], 'the miss: one key read, one tenant read');
  const warm = reads();
  for (let i = 0; i < N; i++) {
    const reply = i % 2 === 0 ? await chat(gw.url, key) : await models(gw.url, key);
    if (reply.status !== 200) t.fail(`request ${i}: ${reply.status}`);
  }
  t.equal(reads() - warm, 0, `0 store calls across ${N} requests`);
});

t.test('concurrent first requests share one store read', async (t) => {
  const { key } = await api.createKey('acme');
  const before = reads();
  const replies = await Promise.all(Array.from({ length: 50 }, () => chat(gw.url, key)));
  t.ok(replies.every((r) => r.status === 200));
  t.strictSame(calls.slice(before), ['findKeyByHash', 'getTenant'], '50 concurrent misses, one load');
});

t.test('a wrong key, retried: one store read, then none', async (t) => {
  const wrong = 'sk-sluice-not-a-real-key-000000000000000000000000000000000';
  const before = reads();
  for (let i = 0; i < 50; i++) t.equal((await chat(gw.url, wrong)).status, 401);
  t.strictSame(calls.slice(before), ['findKeyByHash'], 'remembered as unknown');
});

t.test('a key from gateway.yaml never reaches the store', async (t) => {
  const before = reads();
  for (let i = 0; i < 50; i++) t.equal((await chat(gw.url, STATIC_KEY)).status, 200);
  t.equal(reads() - before, 0);
});

t.test('after a change, exactly one reload', async (t) => {
  const { id, key } = await api.createKey('acme');
  await chat(gw.url, key);
  await api.call('PATCH', `/admin/keys/${id}`, { metadata: { v: 2 } });
  const before = reads();
  for (let i = 0; i < 20; i++) await chat(gw.url, key);
  t.strictSame(calls.slice(before), ['findKeyByHash', 'getTenant'], 'one reload, then cached again');
});
