// @sluice/adapter-mock: the in-process fake model, driven through its own transport like dispatch drives it.
import t from 'tap';
import { SseParser, openaiWire, type AdapterContext, type CanonicalChunk, type RelayRequest, type ChatChunk, type SseEvent } from '@sluice/core';
import mock, { countTokens, embed } from '@sluice/adapter-mock';

/** The mock's channel options (its schema, defaults applied). */
interface MockOptions {
  reply?: string;
  firstTokenDelayMs: number;
  tokenDelayMs: number;
  dimensions: number;
  failStatus?: number;
}

const DEFAULTS: MockOptions = { firstTokenDelayMs: 0, tokenDelayMs: 0, dimensions: 64 };

function context(options: Partial<MockOptions> = {}): AdapterContext<MockOptions> {
  return { options: { ...DEFAULTS, ...options }, channel: 'mock', upstreamModel: 'mock-gpt', apiKey: '', surface: 'openai', drop: () => {} };
}

const adapter = mock;

async function bytesOf(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  return Buffer.concat(parts);
}

/** One call the way dispatch makes it: toUpstream → transport → status + bytes. */
async function call(request: RelayRequest, options: Partial<MockOptions> = {}): Promise<{ status: number; headers: Record<string, string>; bytes: Uint8Array }> {
  const ctx = context(options);
  const upstream = adapter.toUpstream(request, ctx);
  const transport = adapter.transport;
  if (!transport) throw new Error('the mock adapter has an in-process transport');
  const response = await transport(upstream, new AbortController().signal);
  return { status: response.status, headers: response.headers, bytes: await bytesOf(response.body) };
}

async function complete(request: RelayRequest, options: Partial<MockOptions> = {}): Promise<ReturnType<typeof mock.fromUpstream>> {
  const { status, bytes } = await call(request, options);
  if (status !== 200) throw new Error(`mock answered ${status}`);
  return adapter.fromUpstream(JSON.parse(Buffer.from(bytes).toString('utf8')), request, context(options));
}

const chat = (content: string, extra: Partial<RelayRequest & { operation: 'chat' }> = {}): RelayRequest => ({
  operation: 'chat',
  model: 'mock-gpt',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content },
  ],
  stream: false,
  includeUsage: false,
  ...extra,
});

const replyText = (result: ReturnType<typeof mock.fromUpstream>): unknown =>
  result.response.operation === 'chat' ? result.response.choices[0]?.message.content : undefined;

t.test('adapter shape', async (t) => {
  t.equal(mock.id, 'mock');
  t.equal(mock.requiresKey, false);
  t.type(mock.transport, 'function');
  t.strictSame([...mock.operations], ['chat', 'completions', 'embeddings']);
});

t.test('replies are deterministic and echo the prompt', async (t) => {
  const first = await complete(chat('hello there'));
  const second = await complete(chat('hello there'));
  t.equal(replyText(first), 'This is a mock reply to: hello there');
  t.equal(replyText(second), replyText(first));
  t.strictSame(first.usage, second.usage);
  t.strictSame(first.usage, { input: countTokens('You are terse.') + countTokens('hello there'), output: 8 });
  t.match(first.response, { operation: 'chat', model: 'mock-gpt', choices: [{ index: 0, finishReason: 'stop', message: { role: 'assistant' } }] });
  t.not(replyText(await complete(chat('something else'))), replyText(first), 'a different prompt, a different reply');
});

t.test('a fixed reply from the channel options', async (t) => {
  const result = await complete(chat('anything'), { reply: 'Fixed answer.' });
  t.equal(replyText(result), 'Fixed answer.');
  t.equal(result.usage.output, 2);
});

t.test('maxTokens truncates the reply and finishes with "length"', async (t) => {
  const result = await complete(chat('tell me a long story', { maxTokens: 3 }));
  t.equal(replyText(result), 'This is a ');
  t.equal(result.usage.output, 3);
  t.match(result.response, { choices: [{ finishReason: 'length' }] });
  const roomy = await complete(chat('hi', { maxTokens: 100 }));
  t.match(roomy.response, { choices: [{ finishReason: 'stop' }] }, 'not truncated when it fits');
});

t.test('a prompt asking to "call tool" answers with a tool call when tools are offered', async (t) => {
  const tools = [
    { type: 'function' as const, function: { name: 'search_docs', parameters: { type: 'object' } } },
    { type: 'function' as const, function: { name: 'other' } },
  ];
  const result = await complete(chat('Please CALL TOOL for the docs', { tools }));
  t.match(result.response, { choices: [{ finishReason: 'tool_calls', message: { content: null, tool_calls: [{ type: 'function', function: { name: 'search_docs' } }] } }] });
  const call = result.response.operation === 'chat' ? result.response.choices[0]?.message.tool_calls?.[0] : undefined;
  t.strictSame(JSON.parse(call?.function.arguments ?? 'null'), { query: 'Please CALL TOOL for the docs' });
  t.match(call?.id, /^call_/);
  t.ok((result.usage.output ?? 0) > 0);

  const noTools = await complete(chat('Please call tool'));
  t.match(noTools.response, { choices: [{ finishReason: 'stop' }] }, 'no tools offered → a text reply');
});

t.test('completions', async (t) => {
  const request: RelayRequest = { operation: 'completions', model: 'mock-gpt', prompt: ['one two', 'three'], stream: false, includeUsage: false };
  const result = await complete(request);
  t.match(result.response, { operation: 'completions', choices: [{ index: 0, text: /^This is a mock reply to: one two/, finishReason: 'stop' }] });
  t.equal(result.usage.input, 3);
});

const cosine = (a: readonly number[], b: readonly number[]): number => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);

t.test('embeddings: texts sharing words are close, unrelated texts are not', async (t) => {
  const request: RelayRequest = {
    operation: 'embeddings',
    model: 'mock-embed',
    input: ['what is the capital of france', 'tell me the capital of france', 'banana smoothie recipe'],
    stream: false,
    includeUsage: false,
  };
  const result = await complete(request);
  if (result.response.operation !== 'embeddings') return t.fail('expected embeddings');
  const [a, b, c] = result.response.vectors;
  if (!a || !b || !c) return t.fail('three vectors');
  t.equal(a.length, 64, 'default dimensions');
  t.ok(Math.abs(Math.hypot(...a) - 1) < 1e-9, 'unit length');
  t.ok(cosine(a, b) > 0.5, `shared words: ${cosine(a, b)}`);
  t.ok(cosine(a, c) < 0.3, `no shared words: ${cosine(a, c)}`);
  t.ok(cosine(b, c) < 0.3, `no shared words: ${cosine(b, c)}`);
  t.ok(cosine(a, b) > cosine(a, c));
  t.strictSame(a, embed('what is the capital of france', 64), 'deterministic');
  t.strictSame(embed('Capital, of FRANCE!', 64), embed('capital of france', 64), 'case and punctuation do not matter');
  t.equal(result.usage.input, 6 + 6 + 3);
  t.equal(result.usage.output, 0);

  const sized = await complete({ ...request, input: 'one' }, { dimensions: 8 });
  t.equal(sized.response.operation === 'embeddings' ? sized.response.vectors[0]?.length : 0, 8, 'dimensions option');
});

async function streamed(request: RelayRequest, options: Partial<MockOptions> = {}): Promise<{ events: SseEvent[]; chunks: CanonicalChunk[]; usage: unknown; contentType: string | undefined }> {
  const { status, headers, bytes } = await call(request, options);
  if (status !== 200) throw new Error(`mock answered ${status}`);
  const parser = new SseParser();
  const events = [...parser.push(bytes), ...parser.end()];
  const translator = adapter.createStream(request, context(options));
  const chunks = events.flatMap((e) => translator.push(e));
  chunks.push(...translator.end());
  return { events, chunks, usage: translator.usage(), contentType: headers['content-type'] };
}

t.test('stream: transport bytes parse with SseParser into token/done events, then into chunks', async (t) => {
  const request = chat('stream this please', { stream: true, includeUsage: true });
  const { events, chunks, usage, contentType } = await streamed(request);
  t.match(contentType, 'text/event-stream');
  const names = events.map((e) => e.event);
  t.equal(names.at(-1), 'done');
  t.ok(names.slice(0, -1).every((n) => n === 'token'), `token events then done: ${names.join(',')}`);
  t.equal(events.length, 'This is a mock reply to: stream this please'.split(' ').length + 1);

  const chat0 = chunks as ChatChunk[];
  t.equal(chat0[0]?.choices[0]?.delta.role, 'assistant', 'the first chunk carries the role');
  t.equal(chat0.filter((c) => c.choices[0]?.delta.role).length, 1, 'only the first');
  t.equal(chat0.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'This is a mock reply to: stream this please');
  t.equal(chat0.at(-1)?.choices[0]?.finishReason, 'stop');
  t.ok(chat0.slice(0, -1).every((c) => c.choices[0]?.finishReason === null));

  const whole = await complete(chat('stream this please'));
  t.strictSame(usage, whole.usage, 'stream usage equals the non-stream usage');
});

t.test('stream: a tool call', async (t) => {
  const tools = [{ type: 'function' as const, function: { name: 'lookup' } }];
  const { events, chunks } = await streamed(chat('call tool now', { stream: true, tools }));
  t.strictSame(events.map((e) => e.event), ['tool', 'done']);
  t.match(chunks, [
    { choices: [{ delta: { role: 'assistant', toolCalls: [{ index: 0, type: 'function', function: { name: 'lookup' } }] }, finishReason: null }] },
    { choices: [{ finishReason: 'tool_calls' }] },
  ]);
});

t.test('stream: maxTokens → length; completions stream', async (t) => {
  const truncated = await streamed(chat('a b c d e', { stream: true, maxTokens: 2 }));
  t.equal(truncated.chunks.length, 3);
  t.equal((truncated.chunks.at(-1) as ChatChunk).choices[0]?.finishReason, 'length');

  const completion = await streamed({ operation: 'completions', model: 'mock-gpt', prompt: 'hi', stream: true, includeUsage: false });
  t.ok(completion.chunks.every((c) => c.operation === 'completions'));
  t.match(completion.chunks.at(-1), { choices: [{ finishReason: 'stop' }] });
});

t.test('stream: unknown events are ignored', async (t) => {
  const translator = adapter.createStream(chat('x', { stream: true }), context());
  t.strictSame(translator.push({ event: 'ping', data: '{}' }), []);
});

t.test('failStatus: every call fails with that status, mapped like an HTTP upstream', async (t) => {
  for (const [status, kind, retryable] of [
    [503, 'overloaded', true],
    [500, 'server', true],
    [429, 'rate_limited', true],
    [401, 'auth', false],
  ] as const) {
    const { status: got, bytes } = await call(chat('hi', { stream: true }), { failStatus: status });
    t.equal(got, status);
    const body: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    t.strictSame(body, { error: `mock failure ${status}` });
    t.match(mock.mapError(status, body, { 'content-type': 'application/json' }), { kind, status, retryable, message: `mock failure ${status}` });
  }
  t.match(mock.mapError(429, {}, { 'retry-after': '1' }), { kind: 'rate_limited', retryAfterMs: 1000, message: 'mock answered 429' });
});

t.test('toUpstream does not mutate the request', async (t) => {
  const request = openaiWire.decodeChat({ model: 'mock-gpt', messages: [{ role: 'user', content: [{ type: 'text', text: 'part one' }, { type: 'text', text: 'part two' }] }], max_tokens: 4 });
  const snapshot = structuredClone(request);
  Object.freeze(request.messages);
  const upstream = adapter.toUpstream(request, context());
  t.strictSame(request, snapshot);
  t.match(upstream, { method: 'POST', path: '/generate', stream: false, body: { op: 'chat', prompt: 'part one part two', maxTokens: 4 } });
});
