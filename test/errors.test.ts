// Bad config, bad requests and upstream failures each get a clear, provider-shaped answer; keys never leak.
import t from 'tap';
import { request } from 'undici';
import { createServer } from 'node:net';
import { ConfigError, createGateway } from '@sluice/core';
import { openAIErrors, startOpenAIUpstream } from './mocks/openai-upstream.js';
import { openaiConfig, startGateway, TENANT_KEY, TEST_CONFIG_PATH, UPSTREAM_KEY } from './helpers/gateway.js';

interface OpenAIErrorBody { error: { message: string; type: string; param: string | null; code: string; sluice_code: string } }

const upstream = await startOpenAIUpstream({ apiKey: UPSTREAM_KEY });
const backup = await startOpenAIUpstream({ apiKey: UPSTREAM_KEY, reply: 'answered by the backup' });
const gw = await startGateway(
  openaiConfig(
    [
      { name: 'primary', baseUrl: upstream.url, models: ['gpt-4o', 'gpt-4o-mini'], priority: 1 },
      { name: 'backup', baseUrl: backup.url, models: ['gpt-4o'], priority: 0 },
      { name: 'wrong-key', baseUrl: upstream.url, models: ['wrong-key-model'], key: 'sk-wrong-channel-key-9f8e7d6c5b4a39281706' },
      // Its own channel: a 429 rests the key for retry-after, which must not disturb the other tests.
      { name: 'rate-limited', baseUrl: upstream.url, models: ['gpt-rl'] },
    ],
    { server: 'bodyLimit: 2kb' },
  ),
);
t.teardown(async () => {
  await gw.stop();
  await upstream.close();
  await backup.close();
});

/** Every response body and header the tests saw, for the leak scan at the end. */
const seen: string[] = [];

async function call(path: string, body: string | object, key: string | undefined = TENANT_KEY, method: 'POST' | 'GET' = 'POST') {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers['authorization'] = `Bearer ${key}`;
  const response = await request(`${gw.url}${path}`, { method, headers, ...(method === 'POST' ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  const text = await response.body.text();
  seen.push(text, JSON.stringify(response.headers));
  return { status: response.statusCode, headers: response.headers, body: JSON.parse(text) as OpenAIErrorBody & Record<string, unknown> };
}

const chat = (model = 'gpt-4o') => ({ model, messages: [{ role: 'user', content: 'hi' }] });

function isOpenAIError(t: Test, body: OpenAIErrorBody, code: string): void {
  t.equal(typeof body.error?.message, 'string', 'error.message');
  t.equal(typeof body.error?.type, 'string', 'error.type');
  t.ok('param' in body.error, 'error.param present');
  t.equal(body.error.code, code, `error.code ${code}`);
  t.notOk(/\n\s+at /.test(body.error.message), 'no stack trace');
}
type Test = Pick<typeof t, 'equal' | 'ok' | 'notOk'>;

t.test('bad config fails startup naming the YAML path and line', async (t) => {
  const yaml = openaiConfig([{ name: 'c', baseUrl: upstream.url, models: ['gpt-4o'] }]).replace('  keepAlive: 15s', '  keepAlive: 15s\n  prot: 9');
  const error = await createGateway({ configText: yaml, configPath: TEST_CONFIG_PATH }).then(() => undefined, (e: unknown) => e);
  t.ok(error instanceof ConfigError);
  t.match((error as Error).message, /server\.prot: unknown key \(line 5\)/);
  const badPlugin = openaiConfig([{ name: 'c', baseUrl: upstream.url, models: ['gpt-4o'] }]).replace('maxAttempts: 3', 'maxAttempts: lots');
  const error2 = await createGateway({ configText: badPlugin, configPath: TEST_CONFIG_PATH }).then(() => undefined, (e: unknown) => e);
  t.match((error2 as Error).message, /pipeline\[1\]\.with\.maxAttempts: must be integer/);
});

t.test('malformed JSON, wrong types, missing fields → OpenAI-shaped 400', async (t) => {
  const broken = await call('/v1/chat/completions', '{"model": "gpt-4o", "messages": [');
  t.equal(broken.status, 400);
  isOpenAIError(t, broken.body, 'invalid_json');
  const missing = await call('/v1/chat/completions', { model: 'gpt-4o' });
  t.equal(missing.status, 400);
  isOpenAIError(t, missing.body, 'invalid_request');
  t.equal(missing.body.error.param, 'messages');
  const wrongType = await call('/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 42 }] });
  t.equal(wrongType.status, 400);
  t.equal(wrongType.body.error.param, 'messages[0].content');
  const notObject = await call('/v1/chat/completions', '[1,2]');
  t.equal(notObject.status, 400);
  isOpenAIError(t, notObject.body, 'invalid_request');
});

t.test('oversize body → 413; unknown route → 404; unknown model → 404 model_not_found', async (t) => {
  const big = await call('/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(4096) }] });
  t.equal(big.status, 413);
  isOpenAIError(t, big.body, 'request_too_large');
  const route = await call('/v1/nothing-here', {});
  t.equal(route.status, 404);
  isOpenAIError(t, route.body, 'unknown_url');
  const model = await call('/v1/chat/completions', chat('gpt-nonexistent'));
  t.equal(model.status, 404);
  isOpenAIError(t, model.body, 'model_not_found');
});

t.test('missing or wrong gateway key → 401 with the same message either way', async (t) => {
  const none = await call('/v1/chat/completions', chat(), '');
  t.equal(none.status, 401);
  isOpenAIError(t, none.body, 'invalid_api_key');
  const wrong = await call('/v1/chat/completions', chat(), 'sk-guessing-0000000000000000');
  const wrong2 = await call('/v1/chat/completions', chat(), 'sk-guessing-1111111111111111');
  t.equal(wrong.status, 401);
  t.equal(wrong.body.error.message, wrong2.body.error.message);
});

t.test('upstream 500 on the primary fails over to the backup', async (t) => {
  upstream.failNext({ status: 500 });
  const answer = await call('/v1/chat/completions', chat());
  t.equal(answer.status, 200);
  const content = (answer.body['choices'] as { message: { content: string } }[])[0]?.message.content;
  t.equal(content, 'answered by the backup');
});

t.test('upstream 500 with nowhere to fail over → OpenAI-shaped 502', async (t) => {
  upstream.failNext({ status: 500 });
  const answer = await call('/v1/chat/completions', chat('gpt-4o-mini'));
  t.equal(answer.status, 502);
  isOpenAIError(t, answer.body, 'upstream_error');
  t.equal(answer.body.error.type, 'server_error');
});

t.test('upstream 429 with retry-after → 429 with retry-after to the client', async (t) => {
  upstream.failNext({ status: 429, body: openAIErrors.rateLimited('gpt-rl'), headers: { 'retry-after': '7' } });
  const answer = await call('/v1/chat/completions', chat('gpt-rl'));
  t.equal(answer.status, 429);
  isOpenAIError(t, answer.body, 'upstream_rate_limited');
  t.equal(answer.headers['retry-after'], '7');
});

t.test('upstream 400 (context length) is passed on as a 400, not retried', async (t) => {
  const before = upstream.requests.length;
  upstream.failNext({ status: 400, body: openAIErrors.contextLength() });
  const answer = await call('/v1/chat/completions', chat('gpt-4o-mini'));
  t.equal(answer.status, 400);
  isOpenAIError(t, answer.body, 'context_length_exceeded');
  t.equal(upstream.requests.length - before, 1, 'one attempt only');
});

t.test('a channel with a wrong upstream key → 502, and the upstream message (which echoes the key) is not shown', async (t) => {
  const answer = await call('/v1/chat/completions', chat('wrong-key-model'));
  t.equal(answer.status, 502);
  isOpenAIError(t, answer.body, 'upstream_auth_failed');
  t.notMatch(answer.body.error.message, /sk-/);
});

t.test('an unreachable upstream → 502 upstream_unreachable', async (t) => {
  // Reserve a port, then free it: nothing listens there.
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => probe.once('listening', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  const dead = await startGateway(openaiConfig([{ name: 'dead', baseUrl: `http://127.0.0.1:${port}/v1`, models: ['gpt-4o'] }]));
  t.teardown(() => dead.stop());
  const response = await request(`${dead.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TENANT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(chat()),
  });
  const body = (await response.body.json()) as OpenAIErrorBody;
  t.equal(response.statusCode, 502);
  t.equal(body.error.code, 'upstream_unreachable');
  t.notMatch(body.error.message, /127\.0\.0\.1|:\d{2,5}/, 'no upstream address in the message');
});

t.test('no key — upstream or gateway — appears in any response or log line', async (t) => {
  const secrets = [UPSTREAM_KEY, 'sk-wrong-channel-key-9f8e7d6c5b4a39281706', TENANT_KEY, UPSTREAM_KEY.slice(0, 8), 'sk-wrong'];
  t.ok(gw.logs.length > 10, `${gw.logs.length} log lines captured`);
  const haystacks = [...seen, ...gw.logs];
  for (const secret of secrets) {
    const hits = haystacks.filter((h) => h.includes(secret));
    t.equal(hits.length, 0, `"${secret.slice(0, 6)}…" appears nowhere${hits.length ? `: ${hits[0]}` : ''}`);
  }
});
