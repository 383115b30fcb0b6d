// Errors reach an @anthropic-ai/sdk client in Anthropic's shape with the right status: the gateway's own, upstream
// HTTP failures (Anthropic and OpenAI upstreams), and failures inside a started stream.
import t from 'tap';
import Anthropic from '@anthropic-ai/sdk';
import { request } from 'undici';
import { startAnthropicUpstream, anthropicErrors } from './mocks/anthropic-upstream.js';
import { startOpenAIUpstream } from './mocks/openai-upstream.js';
import { createGateway } from '@sluice/core';
import { startGateway, TENANT_KEY, TEST_CONFIG_PATH, UPSTREAM_KEY } from './helpers/gateway.js';
import { mixedConfig, type MixedChannel } from './helpers/anthropic-gateway.js';

const claude = await startAnthropicUpstream({ apiKey: UPSTREAM_KEY });
const openai = await startOpenAIUpstream({ apiKey: UPSTREAM_KEY });

// One channel per case: a failure may rest a channel or its key (circuit breakers, retry-after), and must not
// decide the next case's answer.
const HTTP_CASES = ['400', '400b', '401', '403', '404', '429', '500', '529'];
const STREAM_CASES = ['claude-drop', 'claude-malformed', 'claude-stream-error', 'claude-truncated'];
const channels: MixedChannel[] = [
  { name: 'claude', adapter: 'anthropic', baseUrl: claude.url, models: ['claude-sonnet-4-6', 'claude-ghost=claude-nonexistent'] },
  ...HTTP_CASES.map((c): MixedChannel => ({ name: `claude-${c}`, adapter: 'anthropic', baseUrl: claude.url, models: [`fail-${c}=claude-sonnet-4-6`] })),
  // `<scenario>-s` for a stream, `<scenario>-n` for a plain call, each on its own channel.
  ...[...STREAM_CASES, 'claude-stream-error-2'].flatMap((m) =>
    ['s', 'n'].map((mode): MixedChannel => ({ name: `${m}-${mode}`, adapter: 'anthropic', baseUrl: claude.url, models: [`${m}-${mode}=${m.replace(/-2$/, '')}`] })),
  ),
  ...['429', '503', '400', 'drop'].map((c): MixedChannel => ({ name: `gpt-${c}`, adapter: 'openai', baseUrl: openai.url, models: [c === 'drop' ? 'gpt-drop=mock-drop' : `gpt-${c}=gpt-4o`] })),
];
const gw = await startGateway(mixedConfig(channels));
t.teardown(async () => {
  await gw.stop();
  await claude.close();
  await openai.close();
});
const client = new Anthropic({ apiKey: TENANT_KEY, baseURL: gw.url, maxRetries: 0 });

const failure = (p: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as InstanceType<typeof Anthropic.APIError>,
  );
const ask = (model = 'claude-sonnet-4-6') => client.messages.create({ model, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
const askStream = async (model: string): Promise<string> => {
  let text = '';
  for await (const event of await client.messages.create({ model, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] })) {
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
  }
  return text;
};

t.test("the gateway's own errors: auth, unknown model, bad body, unknown URL", async (t) => {
  const stranger = new Anthropic({ apiKey: 'sk-not-a-real-key-000000', baseURL: gw.url, maxRetries: 0 });
  const unauthenticated = await failure(stranger.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }));
  t.ok(unauthenticated instanceof Anthropic.AuthenticationError);
  t.equal(unauthenticated.type, 'authentication_error');
  const unknown = await failure(ask('no-such-model'));
  t.ok(unknown instanceof Anthropic.NotFoundError);
  t.equal(unknown.type, 'not_found_error');
  const noMax = await failure(client.messages.create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'x' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming));
  t.ok(noMax instanceof Anthropic.BadRequestError);
  t.equal(noMax.type, 'invalid_request_error');
  t.match(noMax.apiMessage, /max_tokens/);
  const raw = async (path: string, body: string) => {
    const response = await request(`${gw.url}${path}`, { method: 'POST', headers: { 'x-api-key': TENANT_KEY, 'content-type': 'application/json' }, body });
    return { status: response.statusCode, body: (await response.body.json()) as { type: string; error: { type: string; message: string } } };
  };
  const broken = await raw('/v1/messages', '{"model": ');
  t.equal(broken.status, 400);
  t.match(broken.body, { type: 'error', error: { type: 'invalid_request_error' } });
  const nowhere = await raw('/v1/messages/batches', '{}');
  t.equal(nowhere.status, 404);
  t.match(nowhere.body, { type: 'error', error: { type: 'not_found_error' } }, 'unknown URLs under /v1/messages are Anthropic-shaped');
});

t.test('Anthropic upstream HTTP failures: status, error type, retry-after', async (t) => {
  const cases: { model: string; status: number; body?: unknown; want: number; type: string; cls: abstract new (...args: never[]) => InstanceType<typeof Anthropic.APIError>; message?: RegExp }[] = [
    { model: 'fail-400', status: 400, want: 400, type: 'invalid_request_error', cls: Anthropic.BadRequestError, message: /prompt is too long/ },
    { model: 'fail-400b', status: 400, body: anthropicErrors.fieldRequired('messages.0.content'), want: 400, type: 'invalid_request_error', cls: Anthropic.BadRequestError },
    // The channel's key was refused: the caller's request is fine, the gateway is not (and the upstream text is hidden).
    { model: 'fail-401', status: 401, want: 502, type: 'api_error', cls: Anthropic.InternalServerError, message: /channel credentials/ },
    { model: 'fail-403', status: 403, want: 502, type: 'api_error', cls: Anthropic.InternalServerError },
    { model: 'fail-404', status: 404, want: 404, type: 'not_found_error', cls: Anthropic.NotFoundError },
    { model: 'fail-429', status: 429, want: 429, type: 'rate_limit_error', cls: Anthropic.RateLimitError, message: /rate limit/ },
    { model: 'fail-500', status: 500, want: 502, type: 'api_error', cls: Anthropic.InternalServerError },
    { model: 'fail-529', status: 529, want: 529, type: 'overloaded_error', cls: Anthropic.InternalServerError, message: /Overloaded/ },
  ];
  for (const c of cases) {
    claude.failNext(c.body === undefined ? { status: c.status } : { status: c.status, body: c.body });
    const error = await failure(ask(c.model));
    t.ok(error instanceof c.cls, `${c.status} → ${c.cls.name}`);
    t.equal(error.status, c.want, `${c.status} → HTTP ${c.want}`);
    t.equal(error.type, c.type, `${c.status} → ${c.type}`);
    if (c.message) t.match(error.apiMessage, c.message);
    if (c.status === 429) t.equal(error.headers?.get('retry-after'), '7', 'retry-after passed on');
  }
  const ghost = await failure(ask('claude-ghost'));
  t.equal(ghost.status, 404, "an upstream model the upstream does not know: Anthropic's own 404");
  t.match(ghost.apiMessage, /claude-nonexistent/);
});

t.test('OpenAI upstream failures come back Anthropic-shaped too', async (t) => {
  openai.failNext({ status: 429, headers: { 'retry-after': '3' } });
  const limited = await failure(ask('gpt-429'));
  t.ok(limited instanceof Anthropic.RateLimitError);
  t.equal(limited.type, 'rate_limit_error');
  t.equal(limited.headers?.get('retry-after'), '3');
  openai.failNext({ status: 503 });
  const overloaded = await failure(ask('gpt-503'));
  t.equal(overloaded.status, 529);
  t.equal(overloaded.type, 'overloaded_error');
  openai.failNext({ status: 400 });
  const tooLong = await failure(ask('gpt-400'));
  t.equal(tooLong.status, 400);
  t.match(tooLong.apiMessage, /maximum context length/);
});

t.test('non-stream: a malformed body or a dropped connection is a 502 api_error', async (t) => {
  const malformed = await failure(ask('claude-malformed-n'));
  t.equal(malformed.status, 502);
  t.equal(malformed.type, 'api_error');
  const dropped = await failure(ask('claude-drop-n'));
  t.equal(dropped.status, 502);
  t.equal(dropped.type, 'api_error');
});

t.test('inside a started stream: an error event, after the data that came before it', async (t) => {
  for (const model of [...STREAM_CASES.map((m) => `${m}-s`), 'gpt-drop']) {
    let text = '';
    const error = await failure(
      (async () => {
        for await (const event of await client.messages.create({ model, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] })) {
          if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
        }
      })(),
    );
    t.ok(error instanceof Anthropic.APIError, `${model}: the SDK raises the error event`);
    t.equal(error.type, 'api_error', `${model}: ${error.apiMessage}`);
    t.ok(text.length > 0, `${model}: text before the failure was relayed ("${text}")`);
  }
  // The upstream's own overloaded error event keeps its words.
  const overloaded = await failure(askStream('claude-stream-error-2-s'));
  t.match(overloaded.apiMessage, /overloaded_error: Overloaded/);
});

t.test('bad channel options fail startup naming the YAML path', async (t) => {
  const yaml = mixedConfig([{ name: 'c', adapter: 'anthropic', baseUrl: claude.url, models: ['m'], options: '{ defaultMaxTokens: lots, thinking: sometimes }' }]);
  const error = await createGateway({ configText: yaml, configPath: TEST_CONFIG_PATH }).then(() => undefined, (e: unknown) => e as Error);
  t.match(error?.message, /channels\[0\]\.options\.defaultMaxTokens: must be integer/);
  t.match(error?.message, /channels\[0\]\.options\.thinking: must be one of: budget, adaptive/);
});
