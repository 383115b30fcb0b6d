// A cache hit is booked as a hit and, by default, not charged: quota reads core's ctx.cached signal.
import t from 'tap';
import { request } from 'undici';
import { startGateway, TENANT_KEY } from './helpers/gateway.js';

const ADMIN = 'sk-admin-cache-quota-000000000';
const gw = await startGateway(`version: 1
server: { host: 127.0.0.1, adminKey: ${ADMIN} }
logging: { level: warn }
pipeline:
  - use: '@sluice/auth'
  - use: '@sluice/quota'
    with: { prices: { '*': { input: 1000000, output: 1000000 } } }
  - use: '@sluice/cache'
  - use: '@sluice/router'
adapters: ['@sluice/adapter-mock']
channels:
  - { name: mock, adapter: mock, models: [mock-gpt] }
tenants:
  - id: acme
    keys: [{ key: ${TENANT_KEY}, id: acme-key }]
`);
t.teardown(() => gw.stop());

async function ask(): Promise<{ cache: string | undefined; id: string }> {
  const response = await request(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TENANT_KEY}` },
    body: JSON.stringify({ model: 'mock-gpt', temperature: 0, messages: [{ role: 'user', content: 'the same question' }] }),
  });
  await response.body.dump();
  return { cache: response.headers['x-sluice-cache'] as string | undefined, id: String(response.headers['x-request-id']) };
}

t.test('miss then hit: two ledger records, the hit flagged and free', async (t) => {
  const miss = await ask();
  const hit = await ask();
  t.equal(miss.cache, 'miss');
  t.equal(hit.cache, 'hit');
  // The admin records endpoint flushes this instance's batch before reading.
  const response = await request(`${gw.url}/admin/usage/records?requestId=${miss.id},${hit.id}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  const rows = ((await response.body.json()) as { data: { requestId: string; cacheHit?: boolean; cost?: number }[] }).data;
  t.equal(rows.length, 2, JSON.stringify(rows).slice(0, 300));
  const hitRow = rows.find((r) => r.requestId === hit.id);
  const missRow = rows.find((r) => r.requestId === miss.id);
  t.equal(hitRow?.cacheHit, true, 'the hit is recorded as a hit');
  t.equal(hitRow?.cost, 0, 'and costs nothing by default');
  t.equal(missRow?.cacheHit, false);
  t.ok((missRow?.cost ?? 0) > 0, 'the miss is charged');
});
