// @sluice/quota end to end: budgets and rate limits hold across two gateway instances on the real Redis,
// OpenAI-style headers, the usage APIs.
import t, { type Test } from 'tap';
import { startOpenAIUpstream } from './mocks/openai-upstream.js';
import { startGateway, TENANT_KEY, type TestGateway } from './helpers/gateway.js';
import { admin, chat, hget, quotaConfig, runPrefix, dropPrefix } from './helpers/quota-gateway.js';

async function twoGateways(t: Test, quota: Record<string, unknown>): Promise<[TestGateway, TestGateway, string]> {
  const upstream = await startOpenAIUpstream();
  const prefix = runPrefix();
  const yaml = quotaConfig({ upstream: upstream.url, quota: { ...quota, redisPrefix: prefix } });
  const a = await startGateway(yaml);
  const b = await startGateway(yaml);
  t.teardown(async () => {
    await a.stop();
    await b.stop();
    await upstream.close();
    await dropPrefix(prefix);
  });
  return [a, b, prefix];
}

t.test('200 concurrent requests over two instances against a budget that fits 50: exactly 50 pass, spend ≤ budget', async (t) => {
  // A flat price per request makes the estimate equal to the actual cost, so "fits 50" is exact.
  const [a, b, prefix] = await twoGateways(t, { prices: { '*': { input: 0, output: 0, request: 1000 } }, tenants: { acme: { budget: { amount: 50_000 } } } });
  const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => chat(i % 2 ? a.url : b.url, TENANT_KEY)));
  const statuses = responses.map((r) => r.status);
  const odd = responses.find((r) => r.status !== 200 && r.status !== 429);
  if (odd) t.fail(`unexpected ${odd.status}: ${await odd.text()}`);
  t.equal(statuses.filter((s) => s === 200).length, 50, '50 succeed');
  t.equal(statuses.filter((s) => s === 429).length, 150, 'the rest are refused with 429');
  const refused = responses.find((r) => r.status === 429);
  t.match(await refused?.json(), { error: { type: 'rate_limit_error', code: 'insufficient_quota', message: /Budget exhausted for tenant acme/ } }, 'OpenAI-shaped');
  await Promise.all(responses.filter((r) => r !== refused && r !== odd).map((r) => r.body?.cancel()));
  const usage = await Promise.all([a, b].map((g) => admin<{ data: { requests: number; cost: number }[] }>(g.url, '/admin/usage?groupBy=tenant')));
  const recorded = usage.flatMap((u) => u.data);
  t.equal(recorded.reduce((n, r) => n + r.requests, 0), 50, 'one ledger record per success, across both instances');
  t.equal(recorded.reduce((n, r) => n + r.cost, 0), 50_000, 'recorded spend = budget, never above');
  t.equal(await hget(`${prefix}b:t:acme:total`, 'spent'), '50000', 'the shared counter agrees with the ledger');
  t.equal(await hget(`${prefix}b:t:acme:total`, 'reserved'), '0', 'nothing left reserved');
});

t.test('token-priced: spend never exceeds the budget by more than one estimate', async (t) => {
  const [a, b] = await twoGateways(t, { prices: { '*': { input: 1_000_000, output: 1_000_000 } }, tenants: { acme: { budget: { amount: 150 } } } });
  const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => chat(i % 2 ? a.url : b.url, TENANT_KEY)));
  await Promise.all(responses.map((r) => r.body?.cancel()));
  const ok = responses.filter((r) => r.status === 200).length;
  const usage = await Promise.all([a, b].map((g) => admin<{ data: { requests: number; cost: number }[] }>(g.url, '/admin/usage?groupBy=tenant')));
  const spent = usage.flatMap((u) => u.data).reduce((n, r) => n + r.cost, 0);
  t.ok(ok > 0 && ok < 60, `some pass, some are refused (${ok})`);
  t.ok(spent <= 150, `recorded spend ${spent} ≤ budget 150 (each reservation ≥ its actual cost)`);
});

t.test('an RPM limit holds across two instances; 429 carries retry-after, successes carry x-ratelimit-*', async (t) => {
  const [a, b] = await twoGateways(t, { keys: { 'acme-test': { limits: { rpm: 30 } } } });
  const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => chat(i % 2 ? a.url : b.url, TENANT_KEY)));
  await Promise.all(responses.map((r) => r.body?.cancel()));
  const ok = responses.filter((r) => r.status === 200);
  const limited = responses.filter((r) => r.status === 429);
  t.equal(ok.length, 30, 'exactly the limit passes');
  t.equal(limited.length, 70);
  const retryAfter = Number(limited[0]?.headers.get('retry-after'));
  t.ok(retryAfter >= 1 && retryAfter <= 60, `retry-after ${retryAfter}s`);
  t.equal(ok[0]?.headers.get('x-ratelimit-limit-requests'), '30');
  const remaining = ok.map((r) => Number(r.headers.get('x-ratelimit-remaining-requests'))).sort((x, y) => x - y);
  t.same(remaining, Array.from({ length: 30 }, (_, i) => i), 'each success saw its own remaining count');
  t.match(ok[0]?.headers.get('x-ratelimit-reset-requests'), /^\d+(ms|s|m\d+s)$/);
});

t.test('embedded (no Redis): budget, self-service usage and the admin aggregate agree', async (t) => {
  const upstream = await startOpenAIUpstream();
  const yaml = quotaConfig({
    upstream: upstream.url,
    redis: false,
    quota: { prices: { 'gpt-4o*': { input: 2_000_000, output: 8_000_000 } }, keys: { 'acme-test': { budget: { amount: 5_000_000, period: 'daily' } } } },
  });
  const gw = await startGateway(yaml);
  t.teardown(async () => {
    await gw.stop();
    await upstream.close();
  });
  for (let i = 0; i < 3; i++) t.equal((await chat(gw.url, TENANT_KEY)).status, 200);
  const usage = await admin<{ data: { key: string; model: string; day: string; requests: number; input: number; output: number; cost: number }[] }>(gw.url, '/admin/usage');
  t.equal(usage.data.length, 1);
  const row = usage.data[0];
  t.match(row, { key: 'acme-test', model: 'gpt-4o-mini', day: new Date().toISOString().slice(0, 10), requests: 3 });
  t.equal(row?.cost, Math.ceil(((row?.input ?? 0) * 2_000_000 + (row?.output ?? 0) * 8_000_000) / 1e6), 'priced from the upstream usage');
  const self = await fetch(`${gw.url}/v1/dashboard/billing/usage`, { headers: { authorization: `Bearer ${TENANT_KEY}` } });
  t.equal(self.status, 200);
  const body = (await self.json()) as { total_usage: number; budgets: { key: { amount: number; spent: number; remaining: number; period: string } } };
  t.equal(body.total_usage, row?.cost);
  t.match(body.budgets.key, { amount: 5_000_000, period: 'daily', spent: row?.cost, remaining: 5_000_000 - (row?.cost ?? 0) });
  const stranger = await fetch(`${gw.url}/v1/dashboard/billing/usage`, { headers: { authorization: 'Bearer sk-nobody' } });
  t.equal(stranger.status, 401, 'an unknown key sees nothing');
  const noAdmin = await fetch(`${gw.url}/admin/usage`, { headers: { authorization: `Bearer ${TENANT_KEY}` } });
  t.equal(noAdmin.status, 401, 'the admin view needs the admin key');
});

t.test('Redis unreachable: budgets fail closed (503), rate limits fall back to this instance, nothing crashes', async (t) => {
  const upstream = await startOpenAIUpstream();
  const base = quotaConfig({ upstream: upstream.url, quota: { keys: { 'acme-test': { limits: { rpm: 2 } } } } });
  const down = base.replace(/state: \{ redis: '[^']*' \}/, "state: { redis: 'redis://127.0.0.1:1' }");
  const limited = await startGateway(down);
  const budgeted = await startGateway(
    quotaConfig({ upstream: upstream.url, quota: { tenants: { acme: { budget: { amount: 1_000_000 } } } } }).replace(/state: \{ redis: '[^']*' \}/, "state: { redis: 'redis://127.0.0.1:1' }"),
  );
  t.teardown(async () => {
    await limited.stop();
    await budgeted.stop();
    await upstream.close();
  });
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await chat(limited.url, TENANT_KEY)).status);
  t.same(statuses, [200, 200, 429], 'the local window enforces the RPM limit');
  const refused = await chat(budgeted.url, TENANT_KEY);
  t.equal(refused.status, 503);
  t.match(await refused.json(), { error: { code: 'store_unavailable' } });
});
