// Routing and resilience through real HTTP mock upstreams: weights, priority, failover, health shared via Redis,
// rules, aliases, stickiness, explain.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { createGateway } from '@sluice/core';
import { startOpenAIUpstream, type OpenAIUpstream } from './mocks/openai-upstream.js';
import { startGateway, TENANT_KEY, TEST_CONFIG_PATH, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { dataEvents, postStream } from './helpers/sse-client.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const ADMIN_KEY = 'sk-admin-routing-test-0123456789';

interface Ch { name: string; upstream: OpenAIUpstream; models: string[]; priority?: number; weight?: number; groups?: string[] }

function config(channels: Ch[], router = '{}', extra = ''): string {
  return `version: 1
server: { host: 127.0.0.1, adminKey: ${ADMIN_KEY} }
logging: { level: warn }
${extra}
pipeline:
  - use: '@sluice/auth'
  - use: '@sluice/retry'
    with: { maxAttempts: 3, backoff: 1ms }
  - use: '@sluice/router'
    with: ${router}
adapters: ['@sluice/adapter-openai']
channels:
${channels
  .map(
    (c) => `  - { name: ${c.name}, adapter: openai, baseUrl: '${c.upstream.url}', keys: ['${UPSTREAM_KEY}'], models: [${c.models.join(', ')}], priority: ${c.priority ?? 0}, weight: ${c.weight ?? 1}, groups: [${(c.groups ?? ['default']).join(', ')}] }`,
  )
  .join('\n')}
tenants:
  - id: acme
    keys: [{ key: ${TENANT_KEY}, metadata: { tier: gold } }]
  - id: beta
    group: pro
    keys: [{ key: sk-sluice-test-pro-key-000002 }]
`;
}

async function chat(gw: TestGateway, body: Record<string, unknown>, key = TENANT_KEY, headers: Record<string, string> = {}) {
  const response = await request(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  return { status: response.statusCode, headers: response.headers, body: (await response.body.json()) as { choices?: { message: { content: string } }[]; error?: { code: string } } };
}

const upstreams: OpenAIUpstream[] = [];
async function upstream(reply: string): Promise<OpenAIUpstream> {
  const u = await startOpenAIUpstream({ reply });
  upstreams.push(u);
  return u;
}
t.teardown(async () => Promise.all(upstreams.map((u) => u.close())));

t.test('weights are honoured within ±5% over 2,000 picks', async (t) => {
  const a = await upstream('a');
  const b = await upstream('b');
  const gw = await startGateway(config([{ name: 'a', upstream: a, models: ['m'], weight: 3 }, { name: 'b', upstream: b, models: ['m'], weight: 1 }]));
  t.teardown(() => gw.stop());
  for (let batch = 0; batch < 40; batch++) await Promise.all(Array.from({ length: 50 }, () => chat(gw, { model: 'm' })));
  const share = a.requests.length / (a.requests.length + b.requests.length);
  t.equal(a.requests.length + b.requests.length, 2000);
  t.ok(Math.abs(share - 0.75) <= 0.05, `channel a got ${(share * 100).toFixed(1)}% (weight 3 of 4 → 75%)`);
});

t.test('priority: the higher tier takes everything; the lower one serves when it is down', async (t) => {
  const high = await upstream('high');
  const low = await upstream('low');
  const gw = await startGateway(config([{ name: 'high', upstream: high, models: ['m'], priority: 10 }, { name: 'low', upstream: low, models: ['m'] }]));
  t.teardown(() => gw.stop());
  for (let i = 0; i < 20; i++) t.equal((await chat(gw, { model: 'm' })).body.choices?.[0]?.message.content, 'high');
  t.equal(low.requests.length, 0);
  high.failNext({ status: 500 });
  const failover = await chat(gw, { model: 'm' });
  t.equal(failover.status, 200, 'one normal response for the client');
  t.equal(failover.body.choices?.[0]?.message.content, 'low');
  t.match(String(failover.headers['x-sluice-route']), /^low; model=m; attempt=2$/);
  high.failNext({ status: 429, headers: { 'retry-after': '1' } });
  t.equal((await chat(gw, { model: 'm' })).body.choices?.[0]?.message.content, 'low', 'a 429 fails over too');
});

t.test('a stream that fails before its first byte fails over', async (t) => {
  const primary = await upstream('primary');
  const secondary = await upstream('second reply');
  const gw = await startGateway(config([{ name: 'p', upstream: primary, models: ['m'], priority: 1 }, { name: 's', upstream: secondary, models: ['m'] }]));
  t.teardown(() => gw.stop());
  primary.failNext({ status: 503 });
  const { status, text } = await postStream(`${gw.url}/v1/chat/completions`, TENANT_KEY, { model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] });
  t.equal(status, 200);
  const content = dataEvents(text).slice(0, -1).map((e) => (JSON.parse(e) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '').join('');
  t.equal(content, 'second reply');
});

t.test('health is shared: a failing channel is skipped by a second instance, and comes back by itself', async (t) => {
  let sick = await upstream('sick');
  const sickPort = new URL(sick.url).port;
  const spare = await upstream('spare');
  const prefix = `sluice:test:${randomUUID()}:`;
  const router = `{ keyPrefix: '${prefix}', health: { failureThreshold: 2, cooldown: 5s, syncInterval: 50ms } }`;
  const yaml = config([{ name: 'sick', upstream: sick, models: ['m'], priority: 1 }, { name: 'spare', upstream: spare, models: ['m'] }], router, `state: { redis: '${REDIS_URL}' }`);
  const one = await startGateway(yaml);
  const two = await startGateway(yaml);
  t.teardown(async () => {
    await one.gateway.state.redis?.del(`${prefix}health`);
    await one.stop();
    await two.stop();
  });
  // The sick upstream goes away entirely: every call to it fails until it comes back.
  await sick.close();
  for (let i = 0; i < 2; i++) {
    const answer = await chat(one, { model: 'm' });
    t.equal(answer.body.choices?.[0]?.message.content, 'spare', 'instance one fails over');
    t.match(String(answer.headers['x-sluice-route']), /^spare; model=m; attempt=2$/);
  }
  // Instance two learns of the open circuit within a sync interval: it goes straight to spare (attempt 1).
  const firstTry = (answer: Awaited<ReturnType<typeof chat>>): boolean => /^spare; model=m; attempt=1$/.test(String(answer.headers['x-sluice-route']));
  const deadline = Date.now() + 3000;
  let skipped = false;
  while (Date.now() < deadline && !skipped) skipped = firstTry(await chat(two, { model: 'm' }));
  t.ok(skipped, 'instance two stopped trying the sick channel');
  for (let i = 0; i < 5; i++) t.ok(firstTry(await chat(two, { model: 'm' })), 'while the circuit is open, instance two goes to spare first');
  // The upstream comes back: after the cooldown a trial call succeeds and the channel serves again, by itself.
  sick = await startOpenAIUpstream({ reply: 'sick', port: Number(sickPort) });
  upstreams.push(sick);
  const back = Date.now() + 12_000;
  let recovered = false;
  while (Date.now() < back && !recovered) {
    recovered = (await chat(two, { model: 'm' })).body.choices?.[0]?.message.content === 'sick';
    if (!recovered) await new Promise((r) => setTimeout(r, 100));
  }
  t.ok(recovered, 'the channel came back after its cooldown');
  // Instance one sees the closed circuit at its next sync.
  const synced = Date.now() + 2000;
  let oneBack = false;
  while (Date.now() < synced && !oneBack) oneBack = (await chat(one, { model: 'm' })).body.choices?.[0]?.message.content === 'sick';
  t.ok(oneBack, 'for the other instance too');
  const health = await request(`${one.url}/admin/health`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const body = (await health.body.json()) as { channels: { name: string; state: string }[] };
  t.equal(body.channels.find((c) => c.name === 'sick')?.state, 'healthy', 'admin health shows it healthy again');
});

t.test('an operator can force a channel off and on again', async (t) => {
  const a = await upstream('a');
  const b = await upstream('b');
  const gw = await startGateway(config([{ name: 'a', upstream: a, models: ['m'], priority: 1 }, { name: 'b', upstream: b, models: ['m'] }]));
  t.teardown(() => gw.stop());
  const force = async (state: string) =>
    request(`${gw.url}/admin/health`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'a', state }) }).then((r) => r.body.json());
  t.same(await force('disabled'), { target: 'a', state: 'disabled' });
  t.equal((await chat(gw, { model: 'm' })).body.choices?.[0]?.message.content, 'b');
  await force('auto');
  t.equal((await chat(gw, { model: 'm' })).body.choices?.[0]?.message.content, 'a');
  const denied = await request(`${gw.url}/admin/health`, { headers: { authorization: 'Bearer wrong' } });
  t.equal(denied.statusCode, 401);
  await denied.body.dump();
});

t.test('rules, aliases and groups', async (t) => {
  const fast = await upstream('fast');
  const big = await upstream('big');
  const router = `
      aliases: { quick: small-model }
      rules:
        - name: long-prompts-to-big
          when: 'request.estimatedTokens > 200'
          then: { model: big-model }
        - name: gold-only-on-fast
          when: 'key.metadata.tier == "gold" && request.model == "any"'
          then: { model: small-model, channels: [fast] }
        - name: no-tools-for-pro
          when: 'group == "pro" && request.toolsUsed'
          then: { reject: 'tools are not part of your plan' }`;
  const gw = await startGateway(config([{ name: 'fast', upstream: fast, models: ['small-model', 'any'] }, { name: 'big', upstream: big, models: ['big-model'], groups: ['default', 'pro'] }], router));
  t.teardown(() => gw.stop());
  t.equal((await chat(gw, { model: 'quick' })).body.choices?.[0]?.message.content, 'fast', 'alias');
  t.equal((await chat(gw, { model: 'quick', messages: [{ role: 'user', content: 'x'.repeat(1200) }] })).body.choices?.[0]?.message.content, 'big', 'rule rewrote the model');
  t.equal((await chat(gw, { model: 'any' })).body.choices?.[0]?.message.content, 'fast', 'rule matched on key metadata');
  const tools = [{ type: 'function', function: { name: 'f' } }];
  const rejected = await chat(gw, { model: 'big-model', tools }, 'sk-sluice-test-pro-key-000002');
  t.equal(rejected.status, 403);
  t.equal(rejected.body.error?.code, 'permission_denied');
  const notInGroup = await chat(gw, { model: 'small-model' }, 'sk-sluice-test-pro-key-000002');
  t.equal(notInGroup.status, 404, 'group pro has no channel for small-model');
});

t.test('sticky sessions pin a caller to one channel', async (t) => {
  const a = await upstream('a');
  const b = await upstream('b');
  const gw = await startGateway(config([{ name: 'a', upstream: a, models: ['m'] }, { name: 'b', upstream: b, models: ['m'] }], '{ sticky: { header: x-session-id, ttl: 1m } }'));
  t.teardown(() => gw.stop());
  for (const session of ['s1', 's2', 's3']) {
    const first = (await chat(gw, { model: 'm' }, TENANT_KEY, { 'x-session-id': session })).body.choices?.[0]?.message.content;
    for (let i = 0; i < 10; i++) t.equal((await chat(gw, { model: 'm' }, TENANT_KEY, { 'x-session-id': session })).body.choices?.[0]?.message.content, first, `${session} stays on ${first}`);
  }
});

t.test('a broken jexl rule fails startup with its YAML path', async (t) => {
  const a = await upstream('a');
  const yaml = config([{ name: 'a', upstream: a, models: ['m'] }], `{ rules: [ { when: 'request.model ==', then: { model: x } } ] }`);
  await t.rejects(createGateway({ configText: yaml, configPath: TEST_CONFIG_PATH }), /pipeline\[2\]\.with\.rules\[0\]\.when: invalid jexl rule/);
});

t.test('explain: the full decision trace without calling any upstream', async (t) => {
  const a = await upstream('a');
  const b = await upstream('b');
  const gw = await startGateway(config([{ name: 'a', upstream: a, models: ['m'], priority: 1 }, { name: 'b', upstream: b, models: ['m'] }], '{ aliases: { best: m } }'));
  t.teardown(() => gw.stop());
  const response = await request(`${gw.url}/admin/explain`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ key: TENANT_KEY, request: { model: 'best', messages: [{ role: 'user', content: 'hi' }] } }),
  });
  const body = (await response.body.json()) as { outcome: { ok: boolean }; route: { channel: string }; trace: { by: string; message: string; data?: { fallback?: string[] } }[] };
  t.equal(response.statusCode, 200);
  t.equal(body.outcome.ok, true);
  t.equal(body.route.channel, 'a');
  t.ok(body.trace.some((e) => e.by === 'auth' && e.message === 'authenticated'));
  t.ok(body.trace.some((e) => e.message === 'alias best → m'));
  t.same(body.trace.find((e) => e.message.startsWith('picked a'))?.data?.fallback, ['b']);
  t.ok(body.trace.some((e) => e.by === 'dispatch' && /not called/.test(e.message)));
  t.equal(a.requests.length + b.requests.length, 0, 'no upstream was called');
  const bad = await request(`${gw.url}/admin/explain`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ key: 'sk-nobody-000000000000', request: { model: 'm', messages: [{ role: 'user', content: 'hi' }] } }),
  });
  const denied = (await bad.body.json()) as { outcome: { ok: boolean; error: { code: string } } };
  t.same(denied.outcome.error.code, 'SLUICE_ERR_UNAUTHENTICATED', 'explain shows a rejection as an outcome');
});
