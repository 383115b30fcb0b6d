// What a key may do: each SDK's native header, model globs (403) and /v1/models, channel binding, group rights,
// IP allow-lists (IPv4, IPv6), expiry, disabled keys — and one indistinguishable 401 for every bad key.
import t from 'tap';
import { admin, chat, http, models, STATIC_KEY, startAuthGateway, within } from './helpers/auth-gateway.js';

const gw = await startAuthGateway({ trustProxy: true, probe: true, authWith: '{ failedAuth: { limit: 0 } }' });
t.teardown(() => gw.stop());
const api = admin(gw.url);
await api.createTenant('acme', { group: 'pro' });
await api.createTenant('basic', { group: 'default' });

t.test("each official SDK's native header authenticates (raw HTTP, /v1/models and /v1/chat/completions)", async (t) => {
  const { key } = await api.createKey('acme');
  for (const via of ['bearer', 'x-api-key', 'x-goog-api-key', 'query'] as const) {
    for (const k of [key, STATIC_KEY]) {
      const listed = await models(gw.url, k, { via });
      t.equal(listed.status, 200, `${via}: /v1/models (${k === key ? 'stored' : 'static'} key)`);
      const reply = await chat(gw.url, k, 'mock-gpt', { via });
      t.equal(reply.status, 200, `${via}: /v1/chat/completions`);
    }
    const wrong = await chat(gw.url, 'sk-sluice-wrong-0000000000000000000000000000000000000', 'mock-gpt', { via });
    t.equal(wrong.status, 401, `${via}: a wrong key is refused`);
  }
});

t.test('model globs: 403 outside them, and /v1/models shows exactly globs ∩ group ∩ channels', async (t) => {
  const { key } = await api.createKey('acme', { models: ['mock-gpt*', 'mock-claude'] });
  t.equal((await chat(gw.url, key, 'mock-gpt-mini')).status, 200);
  t.equal((await chat(gw.url, key, 'mock-claude')).status, 200);
  const denied = await chat(gw.url, key, 'mock-embed');
  t.equal(denied.status, 403);
  t.equal(denied.body.error.sluice_code, 'SLUICE_ERR_FORBIDDEN');
  t.equal(denied.body.error.param, 'model');
  t.strictSame((await models(gw.url, key)).ids, ['mock-claude', 'mock-gpt', 'mock-gpt-mini']);
  const unrestricted = await api.createKey('acme');
  t.strictSame((await models(gw.url, unrestricted.key)).ids, ['mock-claude', 'mock-embed', 'mock-gpt', 'mock-gpt-mini'], 'group pro: all four');
});

t.test('GET /v1/models/{id} answers only for a model the key may use', async (t) => {
  const { key } = await api.createKey('acme', { models: ['mock-gpt'] });
  const seen = await http(`${gw.url}/v1/models/mock-gpt`, 'GET', { authorization: `Bearer ${key}` });
  t.equal(seen.status, 200);
  t.equal(seen.body['id'], 'mock-gpt');
  const hidden = await http(`${gw.url}/v1/models/mock-claude`, 'GET', { authorization: `Bearer ${key}` });
  t.equal(hidden.status, 404, 'a model outside the globs does not exist for this key');
});

t.test('group rights: a default-group tenant sees only what default channels serve', async (t) => {
  const { key } = await api.createKey('basic');
  t.strictSame((await models(gw.url, key)).ids, ['mock-embed', 'mock-gpt', 'mock-gpt-mini']);
  const claude = await chat(gw.url, key, 'mock-claude');
  t.equal(claude.status, 404, 'mock-claude is served to pro only');
  t.equal(claude.body.error.code, 'model_not_found');
  // Globs cannot widen group rights: intersection, not union.
  const wide = await api.createKey('basic', { models: ['*'] });
  t.strictSame((await models(gw.url, wide.key)).ids, ['mock-embed', 'mock-gpt', 'mock-gpt-mini']);
});

t.test('channel binding: a bound key is served only by its channels, and sees only their models', async (t) => {
  const free = await api.createKey('acme');
  t.equal((await chat(gw.url, free.key, 'mock-gpt')).content, 'from mock-b', 'unbound: the higher-priority channel');
  const bound = await api.createKey('acme', { channels: ['mock-a'] });
  for (let i = 0; i < 5; i++) t.equal((await chat(gw.url, bound.key, 'mock-gpt')).content, 'from mock-a', 'bound to mock-a');
  t.strictSame((await models(gw.url, bound.key)).ids, ['mock-embed', 'mock-gpt', 'mock-gpt-mini'], 'mock-claude is only on mock-b');
  t.equal((await chat(gw.url, bound.key, 'mock-claude')).status, 404, 'not served to this key');
  // Bound to a channel its group may not use: nothing at all (binding narrows, it never grants).
  const foreign = await api.createKey('basic', { channels: ['mock-b'] });
  t.strictSame((await models(gw.url, foreign.key)).ids, []);
  t.equal((await chat(gw.url, foreign.key, 'mock-gpt')).status, 404);
});

t.test('IP allow-lists: IPv4 and IPv6 ranges, 403 elsewhere', async (t) => {
  const { id, key } = await api.createKey('acme', { ips: ['10.0.0.0/8', '2001:db8:42::/48'] });
  t.equal((await chat(gw.url, key, 'mock-gpt', { ip: '10.20.30.40' })).status, 200, 'IPv4 inside');
  t.equal((await chat(gw.url, key, 'mock-gpt', { ip: '2001:db8:42:7::1' })).status, 200, 'IPv6 inside');
  for (const ip of ['11.0.0.1', '2001:db8:43::1', '127.0.0.1']) {
    const denied = await chat(gw.url, key, 'mock-gpt', { ip });
    t.equal(denied.status, 403, `${ip} outside`);
    t.equal(denied.body.error.sluice_code, 'SLUICE_ERR_FORBIDDEN');
  }
  t.equal((await models(gw.url, key, { ip: '11.0.0.1' })).status, 403, '/v1/models too');
  t.equal((await chat(gw.url, key, 'mock-gpt')).status, 403, 'the socket address (loopback) is not in the list');
  await api.call('PATCH', `/admin/keys/${id}`, { ips: null });
  t.equal((await chat(gw.url, key, 'mock-gpt', { ip: '11.0.0.1' })).status, 200, 'list removed → any address');
});

t.test('expiry: an expired key is refused like an unknown one; extending it revives it', async (t) => {
  const { id, key } = await api.createKey('acme', { expires: '2001-01-01T00:00:00Z' });
  const expired = await chat(gw.url, key);
  t.equal(expired.status, 401);
  const unknown = await chat(gw.url, 'sk-sluice-never-issued-00000000000000000000000000000000');
  t.equal(expired.body.error.message, unknown.body.error.message, 'same message: nothing reveals that the key exists');
  t.equal(expired.body.error.code, unknown.body.error.code);
  await api.call('PATCH', `/admin/keys/${id}`, { expires: '1h' });
  t.equal((await chat(gw.url, key)).status, 200, 'extended');
  await api.call('PATCH', `/admin/keys/${id}`, { expires: null });
  t.equal((await chat(gw.url, key)).status, 200, 'no expiry');
  // A key that expires while cached: the expiry is checked on every request, not only when loaded.
  const soon = await api.createKey('acme', { expires: new Date(Date.now() + 1500).toISOString() });
  t.equal((await chat(gw.url, soon.key)).status, 200, 'valid (and now cached)');
  const elapsed = await within(5000, async () => (await chat(gw.url, soon.key)).status === 401);
  t.ok(elapsed !== undefined, 'refused once its time has passed, while still in the cache');
});

t.test('disabled key, disabled tenant, unknown key, no key: all 401, no hint which', async (t) => {
  const disabled = await api.createKey('acme', { enabled: false });
  await api.createTenant('off');
  const ofOff = await api.createKey('off');
  await api.call('POST', '/admin/tenants/off/disable');
  const replies = [await chat(gw.url, disabled.key), await chat(gw.url, ofOff.key), await chat(gw.url, 'sk-sluice-unknown-000000000000000000000000000000000000')];
  for (const reply of replies) {
    t.equal(reply.status, 401);
    t.equal(reply.body.error.sluice_code, 'SLUICE_ERR_UNAUTHENTICATED');
    t.equal(reply.body.error.message, replies[2]?.body.error.message);
  }
  const none = await chat(gw.url, undefined);
  t.equal(none.status, 401);
  t.match(none.body.error.message, /Missing API key/);
});

t.test('principal: tenant, group, key id, merged metadata and limits reach the plugins after auth, frozen', async (t) => {
  await api.createTenant('meta', { group: 'pro', metadata: { plan: 'gold', region: 'eu' }, limits: { budget: { monthly: 100 } } });
  const { id, key } = await api.createKey('meta', { models: ['mock-*'], channels: ['mock-a'], metadata: { region: 'us' }, limits: { rpm: 5 } });
  const reply = await chat(gw.url, key);
  t.equal(reply.status, 200);
  t.strictSame(reply.principal, {
    tenant: 'meta',
    group: 'pro',
    keyId: id,
    metadata: { plan: 'gold', region: 'us' },
    allowedModels: ['mock-*'],
    allowedChannels: ['mock-a'],
    limits: { key: { rpm: 5 }, tenant: { budget: { monthly: 100 } } },
    frozen: true,
  });
  const statics = await chat(gw.url, STATIC_KEY);
  t.strictSame(statics.principal, { tenant: 'static-co', group: 'default', keyId: 'static-key', metadata: {}, frozen: true });
  const line = gw.logs.map((l) => JSON.parse(l) as Record<string, unknown>).findLast((l) => l['msg'] === 'request' && l['keyId'] === id);
  t.equal(line?.['tenant'], 'meta', 'the request log line names tenant and key id');
});
