// The mock Anthropic upstream speaks the wire format and enforces what the e2e tests lean on: key and version
// checks, 404 for unknown models, thinking signatures it verifies, prompt-cache accounting, named SSE events.
import t from 'tap';
import { request } from 'undici';
import { startAnthropicUpstream, signThinking, DEFAULT_THINKING } from './mocks/anthropic-upstream.js';

const KEY = 'sk-ant-mock-key';
const upstream = await startAnthropicUpstream({ apiKey: KEY, reply: 'one two three four' });
t.teardown(() => upstream.close());

type Json = Record<string, unknown>;
async function post(body: unknown, headers: Record<string, string> = { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' }, path = '/messages') {
  const response = await request(`${upstream.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: (text.startsWith('{') ? JSON.parse(text) : undefined) as Json };
}
const ask = (extra: Json = {}) => ({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...extra });

t.test('checks: key, version, required fields, known models; every answer has a request-id', async (t) => {
  const noKey = await post(ask(), { 'anthropic-version': '2023-06-01' });
  t.equal(noKey.status, 401);
  t.match(noKey.json, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' }, request_id: /^req_011C/ });
  t.match(noKey.headers['request-id'], /^req_011C/);
  t.equal((await post(ask(), { 'x-api-key': KEY })).status, 400, 'anthropic-version is required');
  const noMax = await post({ model: 'claude-sonnet-4-6', messages: [] });
  t.match(noMax.json, { error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
  const unknown = await post(ask({ model: 'claude-nope' }));
  t.equal(unknown.status, 404);
  t.match(unknown.json, { error: { type: 'not_found_error', message: 'model: claude-nope' } });
});

t.test('a message: compact JSON, model first, usage with cache fields', async (t) => {
  const { status, text, json } = await post(ask());
  t.equal(status, 200);
  t.ok(text.startsWith('{"model":"claude-sonnet-4-6","id":"msg_01'), text.slice(0, 60));
  t.match(json, { type: 'message', role: 'assistant', content: [{ type: 'text', text: 'one two three four' }], stop_reason: 'end_turn', stop_sequence: null });
  t.match(json['usage'], { input_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 4, service_tier: 'standard' });
  t.match((await post(ask({ stop_sequences: ['three'] }))).json, { stop_reason: 'stop_sequence', stop_sequence: 'three', content: [{ text: 'one two ' }] });
  t.match((await post(ask({ max_tokens: 2 }))).json, { stop_reason: 'max_tokens', content: [{ text: 'one two' }] });
});

t.test('a stream: named events in order, a ping after the first block start', async (t) => {
  const { headers, text } = await post(ask({ stream: true }));
  t.match(headers['content-type'], /^text\/event-stream/);
  const names = text.split('\n\n').filter(Boolean).map((block) => block.split('\n')[0]);
  t.strictSame(names, [
    'event: message_start',
    'event: content_block_start',
    'event: ping',
    ...Array(4).fill('event: content_block_delta'),
    'event: content_block_stop',
    'event: message_delta',
    'event: message_stop',
  ]);
  t.ok(text.includes('event: ping\ndata: {"type": "ping"}\n\n'));
});

t.test('thinking: signatures are verified when sent back, and a tool_result turn needs the thinking first', async (t) => {
  const thinking = { type: 'enabled', budget_tokens: 1024 };
  const first = await post(ask({ thinking }));
  t.match(first.json['content'], [{ type: 'thinking', thinking: DEFAULT_THINKING, signature: signThinking(DEFAULT_THINKING) }, { type: 'text' }]);
  const replay = (signature: string) =>
    post(ask({ thinking, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: [{ type: 'thinking', thinking: DEFAULT_THINKING, signature }, { type: 'text', text: 'x' }] }, { role: 'user', content: 'more' }] }));
  t.equal((await replay(signThinking(DEFAULT_THINKING))).status, 200);
  const tampered = await replay(`${signThinking(DEFAULT_THINKING)}x`);
  t.equal(tampered.status, 400);
  t.match(tampered.json, { error: { message: 'messages.1.content.0: Invalid `signature` in `thinking` block' } });
  const withoutThinking = await post(
    ask({
      thinking,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] },
      ],
    }),
  );
  t.equal(withoutThinking.status, 400);
  t.match(withoutThinking.json, { error: { message: /Expected `thinking` or `redacted_thinking`, but found `tool_use`/ } });
});

t.test('prompt cache: written the first time a marked prefix is seen, read afterwards', async (t) => {
  const body = ask({ system: [{ type: 'text', text: 'a b c d e', cache_control: { type: 'ephemeral', ttl: '1h' } }] });
  const first = (await post(body)).json['usage'] as Json;
  t.match(first, { input_tokens: 1, cache_creation_input_tokens: 5, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 5 } });
  const second = (await post(body)).json['usage'] as Json;
  t.match(second, { input_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 5 });
});

t.test('failNext: the given status with an Anthropic body; 429 says when to retry', async (t) => {
  upstream.failNext({ status: 429 });
  const limited = await post(ask());
  t.equal(limited.status, 429);
  t.equal(limited.headers['retry-after'], '7');
  t.match(limited.json, { type: 'error', error: { type: 'rate_limit_error' } });
  upstream.failNext({ status: 529 }, 2);
  t.match((await post(ask())).json, { error: { type: 'overloaded_error', message: 'Overloaded' } });
  t.equal((await post(ask())).status, 529);
  t.equal((await post(ask())).status, 200, 'then back to normal');
});
