// The admin API: tenants and keys through their whole life, validation errors that name the field, read-only
// gateway.yaml entries, the admin-key guard, and changes taking effect on the next request.
import t, { type Test } from 'tap';
import { admin, ADMIN_KEY, chat, http, STATIC_KEY, startAuthGateway, type OpenAIError } from './helpers/auth-gateway.js';

const gw = await startAuthGateway();
t.teardown(() => gw.stop());
const api = admin(gw.url);

type Body = Record<string, unknown> & OpenAIError;

function isError(t: Test, reply: { status: number; body: Body }, status: number, message: RegExp, param?: string): void {
  t.equal(reply.status, status, `status ${status}`);
  t.match(reply.body.error?.message, message);
  if (param !== undefined) t.equal(reply.body.error?.param, param, `param ${param}`);
}

t.test('the admin key guards every route', async (t) => {
  for (const [method, path] of [['GET', '/admin/tenants'], ['POST', '/admin/keys'], ['GET', '/admin/channels'], ['DELETE', '/admin/keys/key_x']] as const) {
    const none = await http<Body>(`${gw.url}${path}`, method, {});
    t.equal(none.status, 401, `${method} ${path} without a key`);
    t.equal(none.body.error.sluice_code, 'SLUICE_ERR_UNAUTHENTICATED');
    const tenantKey = await http<Body>(`${gw.url}${path}`, method, { authorization: `Bearer ${STATIC_KEY}` });
    t.equal(tenantKey.status, 401, `${method} ${path} with a tenant key`);
  }
});

t.test('tenants: create, get, list, update, disable, enable', async (t) => {
  const created = await api.call<Body>('POST', '/admin/tenants', { id: 'acme', group: 'pro', limits: { rpm: 600 }, metadata: { plan: 'gold' } });
  t.equal(created.status, 201);
  t.match(created.body, { object: 'tenant', id: 'acme', group: 'pro', enabled: true, limits: { rpm: 600 }, metadata: { plan: 'gold' }, source: 'store' });
  t.match(created.body['createdAt'], /^\d{4}-\d\d-\d\dT/);
  const got = await api.call<Body>('GET', '/admin/tenants/acme');
  t.strictSame(got.body, created.body);
  const listed = await api.call<{ object: string; data: Body[] }>('GET', '/admin/tenants');
  t.equal(listed.body.object, 'list');
  t.strictSame(listed.body.data.map((x) => [x['id'], x['source']]), [['static-co', 'config'], ['acme', 'store']]);
  const updated = await api.call<Body>('PATCH', '/admin/tenants/acme', { limits: null, metadata: { plan: 'silver' } });
  t.equal(updated.status, 200);
  t.equal(updated.body['limits'], null);
  t.strictSame(updated.body['metadata'], { plan: 'silver' });
  t.equal(updated.body['group'], 'pro', 'untouched');
  t.equal((await api.call<Body>('POST', '/admin/tenants/acme/disable')).body['enabled'], false);
  t.equal((await api.call<Body>('POST', '/admin/tenants/acme/enable')).body['enabled'], true);
});

t.test('tenants: conflicts, unknown ids and bad bodies', async (t) => {
  isError(t, await api.call<Body>('POST', '/admin/tenants', { id: 'acme' }), 409, /already exists/);
  isError(t, await api.call<Body>('POST', '/admin/tenants', { id: 'static-co' }), 409, /gateway\.yaml.*read-only/);
  isError(t, await api.call<Body>('PATCH', '/admin/tenants/static-co', { enabled: false }), 409, /read-only/);
  isError(t, await api.call<Body>('DELETE', '/admin/tenants/static-co'), 409, /read-only/);
  isError(t, await api.call<Body>('GET', '/admin/tenants/nobody'), 404, /No tenant 'nobody'/);
  isError(t, await api.call<Body>('PATCH', '/admin/tenants/nobody', { enabled: false }), 404, /No tenant/);
  isError(t, await api.call<Body>('POST', '/admin/tenants', {}), 400, /^id: is required/, 'id');
  isError(t, await api.call<Body>('POST', '/admin/tenants', { id: 'has space' }), 400, /^id: may contain only/, 'id');
  isError(t, await api.call<Body>('POST', '/admin/tenants', { id: 'x', colour: 'red' }), 400, /^colour: unknown field/, 'colour');
  isError(t, await api.call<Body>('POST', '/admin/tenants', { id: 'x', enabled: 'yes' }), 400, /^enabled: must be boolean/, 'enabled');
  isError(t, await api.call<Body>('POST', '/admin/tenants', { id: 'x', metadata: { $where: 1 } }), 400, /^metadata: keys may not start with "\$"/, 'metadata');
  isError(t, await api.call<Body>('PATCH', '/admin/tenants/acme', {}), 400, /at least one field/);
  isError(t, await api.call<Body>('POST', '/admin/tenants', [1, 2]), 400, /must be a JSON object/);
  const broken = await http<Body>(`${gw.url}/admin/tenants`, 'POST', { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, '{"id": ');
  t.equal(broken.status, 400, 'malformed JSON');
  t.equal(broken.body.error.sluice_code, 'SLUICE_ERR_INVALID_JSON');
});

t.test('keys: create shows the secret once; get and list never do', async (t) => {
  const created = await api.call<Body>('POST', '/admin/keys', {
    tenant: 'acme',
    name: 'ci',
    models: ['mock-gpt*'],
    channels: ['mock-a'],
    ips: ['10.0.0.0/8', '::1', '127.0.0.1'],
    expires: '30d',
    limits: { rpm: 60 },
    metadata: { team: 'search' },
  });
  t.equal(created.status, 201);
  const secret = String(created.body['key']);
  t.match(secret, /^sk-sluice-[A-Za-z0-9_-]{43}$/, '256-bit secret behind a recognisable prefix');
  t.equal(created.body['prefix'], secret.slice(0, 14));
  t.match(created.body, { object: 'key', tenant: 'acme', name: 'ci', enabled: true, models: ['mock-gpt*'], channels: ['mock-a'], limits: { rpm: 60 }, source: 'store' });
  const expires = Date.parse(String(created.body['expiresAt']));
  t.ok(Math.abs(expires - (Date.now() + 30 * 86_400_000)) < 60_000, 'expires in 30 days');
  const id = String(created.body['id']);
  t.match(id, /^key_[0-9a-f]{16}$/);
  const got = await api.call<Body>('GET', `/admin/keys/${id}`);
  t.notOk('key' in got.body, 'get does not show the secret');
  const listed = await api.call<{ data: Body[] }>('GET', '/admin/keys?tenant=acme');
  t.strictSame(listed.body.data.map((k) => k['id']), [id]);
  t.notMatch(JSON.stringify(listed.body), secret);
  t.notMatch(JSON.stringify(got.body), secret);
  t.equal(created.headers['cache-control'], 'no-store', 'no proxy keeps a copy of a secret');
  const all = await api.call<{ data: Body[] }>('GET', '/admin/keys');
  t.strictSame(all.body.data.map((k) => [k['id'], k['source'], k['prefix']]), [['static-key', 'config', null], [id, 'store', secret.slice(0, 14)]]);
});

t.test('keys: bad bodies name the field', async (t) => {
  isError(t, await api.call<Body>('POST', '/admin/keys', {}), 400, /^tenant: is required/, 'tenant');
  isError(t, await api.call<Body>('POST', '/admin/keys', { tenant: 'nobody' }), 400, /no tenant 'nobody'/, 'tenant');
  isError(t, await api.call<Body>('POST', '/admin/keys', { tenant: 'acme', ips: ['10.0.0.0/8', '10.0.0.0/40'] }), 400, /^ips\[1\]: must be a CIDR/, 'ips[1]');
  isError(t, await api.call<Body>('POST', '/admin/keys', { tenant: 'acme', expires: 'next week' }), 400, /^expires: must be an ISO 8601/, 'expires');
  isError(t, await api.call<Body>('POST', '/admin/keys', { tenant: 'acme', models: 'gpt-4o' }), 400, /^models: must be array/, 'models');
  isError(t, await api.call<Body>('POST', '/admin/keys', { tenant: 'acme', channels: ['mock-a', 'nope'] }), 400, /^channels\[1\]: no channel 'nope'/, 'channels[1]');
  isError(t, await api.call<Body>('POST', '/admin/keys', { tenant: 'acme', key: 'sk-choose-my-own' }), 400, /^key: unknown field/, 'key');
  isError(t, await api.call<Body>('PATCH', '/admin/keys/static-key', { enabled: false }), 409, /read-only/);
  isError(t, await api.call<Body>('POST', '/admin/keys/static-key/rotate'), 409, /read-only/);
  isError(t, await api.call<Body>('GET', '/admin/keys/key_0000000000000000'), 404, /No key/);
  isError(t, await api.call<Body>('DELETE', '/admin/keys/key_0000000000000000'), 404, /No key/);
  isError(t, await api.call<Body>('PATCH', '/admin/keys/key_0000000000000000', { enabled: false }), 404, /No key/);
});

t.test('keys: every change takes effect on the next request', async (t) => {
  const { id, key } = await api.createKey('acme');
  t.equal((await chat(gw.url, key)).status, 200, 'works at once');
  t.equal((await api.call('POST', `/admin/keys/${id}/disable`)).status, 200);
  t.equal((await chat(gw.url, key)).status, 401, 'disabled → 401');
  await api.call('POST', `/admin/keys/${id}/enable`);
  t.equal((await chat(gw.url, key)).status, 200, 'enabled again');
  await api.call('PATCH', `/admin/keys/${id}`, { models: ['mock-claude'] });
  t.equal((await chat(gw.url, key, 'mock-gpt')).status, 403, 'model globs changed → 403');
  await api.call('PATCH', `/admin/keys/${id}`, { models: null });
  t.equal((await chat(gw.url, key, 'mock-gpt')).status, 200, 'restriction removed');

  const rotated = await api.call<Body>('POST', `/admin/keys/${id}/rotate`);
  t.equal(rotated.status, 200);
  const fresh = String(rotated.body['key']);
  t.not(fresh, key);
  t.equal(rotated.body['id'], id, 'same key id');
  t.equal((await chat(gw.url, key)).status, 401, 'old secret dead after rotation');
  t.equal((await chat(gw.url, fresh)).status, 200, 'new secret works');

  await api.call('POST', '/admin/tenants/acme/disable');
  t.equal((await chat(gw.url, fresh)).status, 401, 'tenant disabled → its keys 401');
  await api.call('POST', '/admin/tenants/acme/enable');
  t.equal((await chat(gw.url, fresh)).status, 200);

  const deleted = await api.call<Body>('DELETE', `/admin/keys/${id}`);
  t.strictSame(deleted.body, { id, object: 'key', deleted: true });
  t.equal((await chat(gw.url, fresh)).status, 401, 'revoked → 401');
});

t.test('tenants: delete refuses while keys exist, unless cascade', async (t) => {
  await api.createTenant('doomed');
  const { key } = await api.createKey('doomed');
  isError(t, await api.call<Body>('DELETE', '/admin/tenants/doomed'), 409, /has 1 key\(s\).*cascade=true/);
  t.equal((await chat(gw.url, key)).status, 200, 'nothing was deleted');
  const gone = await api.call<Body>('DELETE', '/admin/tenants/doomed?cascade=true');
  t.strictSame(gone.body, { id: 'doomed', object: 'tenant', deleted: true, keysDeleted: 1 });
  t.equal((await chat(gw.url, key)).status, 401);
  isError(t, await api.call<Body>('GET', '/admin/tenants/doomed'), 404, /No tenant/);
});

t.test('keys can belong to a tenant from gateway.yaml', async (t) => {
  const { key } = await api.createKey('static-co');
  const reply = await chat(gw.url, key);
  t.equal(reply.status, 200);
});

t.test('channels: every configured channel, with its models, groups and status', async (t) => {
  const reply = await api.call<{ data: Body[] }>('GET', '/admin/channels');
  t.equal(reply.status, 200);
  t.strictSame(reply.body.data.map((c) => c['name']), ['mock-a', 'mock-b', 'mock-c']);
  t.match(reply.body.data[1], { object: 'channel', name: 'mock-b', adapter: 'mock', models: ['mock-gpt', 'mock-claude'], groups: ['pro'], priority: 1, status: 'in_service' });
});
