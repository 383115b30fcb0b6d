// Limits set on a key through auth's admin API are enforced by @sluice/quota (the Principal.limits contract).
import t from 'tap';
import { ADMIN_KEY, http } from './helpers/auth-gateway.js';
import { startGateway } from './helpers/gateway.js';

const gw = await startGateway(`version: 1
server: { host: 127.0.0.1, adminKey: ${ADMIN_KEY} }
logging: { level: warn }
pipeline:
  - use: '@sluice/auth'
  - use: '@sluice/quota'
    with: { prices: { '*': { input: 1000000, output: 1000000, request: 100 } } }
  - use: '@sluice/router'
adapters: ['@sluice/adapter-mock']
channels:
  - { name: mock, adapter: mock, models: [mock-gpt] }
tenants:
  - id: yaml-co
    limits: { limits: { rpm: 1 } }
    keys:
      - { key: sk-yaml-limited-key-000000001 }
      - { key: sk-yaml-fenced-key-0000000002, ips: ['10.0.0.0/8'] }
`);
t.teardown(() => gw.stop());
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

t.test('a key created with limits.rpm = 2 gets its third call in a minute refused', async (t) => {
  t.equal((await http(`${gw.url}/admin/tenants`, 'POST', admin, { id: 'lim-co' })).status, 201);
  const created = await http<{ key: string }>(`${gw.url}/admin/keys`, 'POST', admin, { tenant: 'lim-co', limits: { limits: { rpm: 2 } } });
  t.equal(created.status, 201);
  const call = () =>
    http<{ error?: { code: string } }>(`${gw.url}/v1/chat/completions`, 'POST', { authorization: `Bearer ${created.body.key}` }, { model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] });
  t.equal((await call()).status, 200);
  t.equal((await call()).status, 200);
  const third = await call();
  t.equal(third.status, 429);
  t.equal(third.body.error?.code, 'rate_limit_exceeded');
});

t.test('a tenant budget set through the admin API refuses a call it cannot cover', async (t) => {
  t.equal((await http(`${gw.url}/admin/tenants`, 'POST', admin, { id: 'broke-co', limits: { budget: { amount: 50 } } })).status, 201);
  const created = await http<{ key: string }>(`${gw.url}/admin/keys`, 'POST', admin, { tenant: 'broke-co' });
  const refused = await http<{ error?: { code: string } }>(`${gw.url}/v1/chat/completions`, 'POST', { authorization: `Bearer ${created.body.key}` }, { model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(refused.status, 429);
  t.equal(refused.body.error?.code, 'insufficient_quota');
});

t.test('gateway.yaml keys carry limits and IP allow-lists too', async (t) => {
  const call = (key: string) =>
    http<{ error?: { code: string } }>(`${gw.url}/v1/chat/completions`, 'POST', { authorization: `Bearer ${key}` }, { model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] });
  t.equal((await call('sk-yaml-limited-key-000000001')).status, 200);
  t.equal((await call('sk-yaml-limited-key-000000001')).status, 429, 'tenant rpm 1 from YAML');
  const fenced = await call('sk-yaml-fenced-key-0000000002');
  t.equal(fenced.status, 403, '127.0.0.1 is outside 10.0.0.0/8');
});
