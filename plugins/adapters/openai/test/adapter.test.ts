// @sluice/adapter-openai: request translation, responses, the SSE stream translator, error mapping.
import t from 'tap';
import { SseParser, openaiWire, type AdapterContext, type CanonicalChunk, type RelayRequest, type ChatChunk } from '@sluice/core';
import openai, { openaiAdapter, type OpenAIOptions } from '@sluice/adapter-openai';

const API_KEY = 'sk-test-0123456789abcdefghijklmnop';

function context(options: OpenAIOptions = {}): AdapterContext<OpenAIOptions> & { dropped: string[] } {
  const dropped: string[] = [];
  return {
    options,
    channel: 'openai-main',
    upstreamModel: 'gpt-4o-2024-08-06',
    apiKey: API_KEY,
    surface: 'openai',
    dropped,
    drop: (field) => void dropped.push(field),
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

const chatRequest = (): RelayRequest =>
  openaiWire.decodeChat({
    model: 'gpt-4o',
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'hi' }], x_trace: 1 },
    ],
    stream: true,
    max_completion_tokens: 64,
    seed: 7,
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
    tool_choice: 'auto',
  });

t.test('the package default-exports the adapter', async (t) => {
  t.equal(openai, openaiAdapter);
  t.equal(openai.id, 'openai');
  t.strictSame([...openai.operations], ['chat', 'completions', 'embeddings']);
  t.not(openai.requiresKey, false, 'keys are required');
});

t.test('toUpstream: paths, auth header, body', async (t) => {
  const chat = openai.toUpstream(chatRequest(), context());
  t.equal(chat.method, 'POST');
  t.equal(chat.path, '/chat/completions');
  t.equal(chat.stream, true);
  t.equal(chat.headers['authorization'], `Bearer ${API_KEY}`);
  t.notOk('openai-organization' in chat.headers);
  t.match(chat.body, {
    model: 'gpt-4o-2024-08-06',
    stream: true,
    stream_options: { include_usage: true },
    max_completion_tokens: 64,
    seed: 7,
    tool_choice: 'auto',
    messages: [{ role: 'system', content: 'be brief' }, { role: 'user', x_trace: 1 }],
  });
  t.notOk('max_tokens' in (chat.body as object));

  const completion = openai.toUpstream(openaiWire.decodeCompletion({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say this', max_tokens: 5 }), context());
  t.equal(completion.path, '/completions');
  t.equal(completion.stream, false);
  t.match(completion.body, { model: 'gpt-4o-2024-08-06', prompt: 'Say this', max_tokens: 5 });

  const embeddings = openai.toUpstream(openaiWire.decodeEmbedding({ model: 'text-embedding-3-small', input: 'x', encoding_format: 'base64' }), context());
  t.equal(embeddings.path, '/embeddings');
  t.match(embeddings.body, { input: 'x', encoding_format: 'float' });
});

t.test('toUpstream: organization and project headers from channel options', async (t) => {
  const request = openai.toUpstream(chatRequest(), context({ organization: 'org-abc', project: 'proj_123' }));
  t.equal(request.headers['openai-organization'], 'org-abc');
  t.equal(request.headers['openai-project'], 'proj_123');
});

t.test('toUpstream does not mutate its input and is repeatable (retries)', async (t) => {
  const request = deepFreeze(chatRequest());
  const snapshot = structuredClone(request);
  let first: ReturnType<typeof openai.toUpstream> | undefined;
  t.doesNotThrow(() => {
    first = openai.toUpstream(request, context());
  }, 'a deep-frozen request translates without a TypeError');
  const second = openai.toUpstream(request, { ...context(), upstreamModel: 'other-model' });
  t.strictSame(request, snapshot, 'the request is unchanged');
  t.equal((first?.body as { model?: string } | undefined)?.model, 'gpt-4o-2024-08-06');
  t.equal((second.body as { model?: string }).model, 'other-model', 'a second translation for another channel is independent');
  t.strictSame(JSON.parse(JSON.stringify(openai.toUpstream(request, context()).body)), JSON.parse(JSON.stringify(first?.body)));
});

t.test('fromUpstream: chat, completions, embeddings', async (t) => {
  const chat = openai.fromUpstream(
    {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-2024-08-06',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11, prompt_tokens_details: { cached_tokens: 0 } },
      system_fingerprint: 'fp_1',
    },
    chatRequest(),
    context(),
  );
  t.match(chat.response, { operation: 'chat', id: 'chatcmpl-1', choices: [{ message: { content: 'Hello!' }, finishReason: 'stop' }], extra: { fields: { system_fingerprint: 'fp_1' } } });
  t.strictSame(chat.usage, { input: 9, output: 2, cachedInput: 0 });

  const completion = openai.fromUpstream(
    { id: 'cmpl-1', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, text: ' done', logprobs: null, finish_reason: 'length' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } },
    openaiWire.decodeCompletion({ model: 'm', prompt: 'p' }),
    context(),
  );
  t.match(completion.response, { operation: 'completions', choices: [{ text: ' done', finishReason: 'length' }] });
  t.strictSame(completion.usage, { input: 3, output: 1 });

  const embeddings = openai.fromUpstream(
    { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.5, -0.5] }], model: 'text-embedding-3-small', usage: { prompt_tokens: 2, total_tokens: 2 } },
    openaiWire.decodeEmbedding({ model: 'text-embedding-3-small', input: 'hi' }),
    context(),
  );
  t.strictSame(embeddings.response, { operation: 'embeddings', model: 'text-embedding-3-small', vectors: [[0.5, -0.5]] });
  t.strictSame(embeddings.usage, { input: 2 });
});

// A chat stream as api.openai.com sends it with stream_options.include_usage (bytes, CRLF-free, [DONE] last).
const base = { id: 'chatcmpl-B9MBs8', object: 'chat.completion.chunk', created: 1741570283, model: 'gpt-4o-2024-08-06', service_tier: 'default', system_fingerprint: 'fp_f9f4fb6dbf' };
const CAPTURE = [
  { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }], usage: null },
  { ...base, choices: [{ index: 0, delta: { content: 'Hel' }, logprobs: null, finish_reason: null }], usage: null },
  { ...base, choices: [{ index: 0, delta: { content: 'lo 👋' }, logprobs: null, finish_reason: null }], usage: null },
  { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], usage: null },
  { ...base, choices: [], usage: { prompt_tokens: 19, completion_tokens: 3, total_tokens: 22, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } } },
]
  .map((c) => `data: ${JSON.stringify(c)}\n\n`)
  .join('') + 'data: [DONE]\n\n';

function translate(bytes: Uint8Array, pieces: number[], request: RelayRequest = chatRequest()): { chunks: CanonicalChunk[]; usage: unknown } {
  const parser = new SseParser();
  const translator = openai.createStream(request, context());
  const chunks: CanonicalChunk[] = [];
  let start = 0;
  for (const end of [...pieces, bytes.length]) {
    for (const event of parser.push(bytes.subarray(start, end))) chunks.push(...translator.push(event));
    start = end;
  }
  for (const event of parser.end()) chunks.push(...translator.push(event));
  chunks.push(...translator.end());
  return { chunks, usage: translator.usage() };
}

t.test('createStream over a captured SSE sequence: chunks, [DONE], the usage chunk', async (t) => {
  const bytes = new TextEncoder().encode(CAPTURE);
  const { chunks, usage } = translate(bytes, []);
  t.equal(chunks.length, 4, 'one chunk per choice-bearing event; none for usage-only or [DONE]');
  const chat = chunks as ChatChunk[];
  t.equal(chat[0]?.choices[0]?.delta.role, 'assistant');
  t.equal(chat.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'Hello 👋');
  t.equal(chat[3]?.choices[0]?.finishReason, 'stop');
  t.match(chat[0], { id: 'chatcmpl-B9MBs8', model: 'gpt-4o-2024-08-06', extra: { fields: { system_fingerprint: 'fp_f9f4fb6dbf', service_tier: 'default' } } });
  t.strictSame(usage, { input: 19, output: 3, cachedInput: 0, reasoning: 0 });

  // The same capture split at every byte boundary gives the same chunks.
  const expected = JSON.stringify(chunks);
  const bad: number[] = [];
  for (let i = 0; i <= bytes.length; i++) if (JSON.stringify(translate(bytes, [i]).chunks) !== expected) bad.push(i);
  t.strictSame(bad, [], 'every split gives the same chunks');
});

t.test('createStream: usage is "not reported" until the usage chunk arrives', async (t) => {
  const translator = openai.createStream(chatRequest(), context());
  translator.push({ data: JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }] }) });
  t.strictSame(translator.usage(), {});
});

t.test('createStream: completions stream', async (t) => {
  const request = openaiWire.decodeCompletion({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say', stream: true });
  const translator = openai.createStream(request, context());
  const chunks = [
    ...translator.push({ data: JSON.stringify({ id: 'cmpl-1', object: 'text_completion', created: 1, model: 'i', choices: [{ index: 0, text: 'Hi', logprobs: null, finish_reason: null }] }) }),
    ...translator.push({ data: JSON.stringify({ id: 'cmpl-1', object: 'text_completion', created: 1, model: 'i', choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }) }),
    ...translator.push({ data: '[DONE]' }),
  ];
  t.match(chunks, [{ operation: 'completions', choices: [{ text: 'Hi' }] }]);
  t.strictSame(translator.usage(), { input: 1, output: 1 });
});

t.test('createStream: an {"error": ...} event throws with the upstream message', async (t) => {
  const translator = openai.createStream(chatRequest(), context());
  translator.push({ data: JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: 'partial' }, finish_reason: null }] }) });
  t.throws(
    () => translator.push({ data: JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } }) }),
    { message: /The server had an error while processing your request/ },
  );
});

t.test('createStream: a malformed event throws (a protocol error, not a silent drop)', async (t) => {
  const translator = openai.createStream(chatRequest(), context());
  t.throws(() => translator.push({ data: '{"id": "chatcmpl-1", "choices": [' }));
});

const headers = (h: Record<string, string> = {}): Record<string, string> => ({ 'content-type': 'application/json', ...h });

t.test('mapError', async (t) => {
  t.strictSame(
    openai.mapError(
      400,
      { error: { message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } },
      headers(),
    ),
    { kind: 'context_length', status: 400, retryable: false, message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 tokens." },
  );
  t.match(
    openai.mapError(400, { error: { message: 'Invalid value for temperature', type: 'invalid_request_error', param: 'temperature', code: null } }, headers()),
    { kind: 'bad_request', status: 400, retryable: false },
  );
  t.match(
    openai.mapError(400, { error: { message: 'Your request was rejected by our safety system.', type: 'invalid_request_error', code: 'content_policy_violation' } }, headers()),
    { kind: 'content_filter', retryable: false },
  );
  t.match(
    openai.mapError(401, { error: { message: 'Incorrect API key provided: sk-test-****mnop.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }, headers()),
    { kind: 'auth', status: 401, retryable: false, message: /Incorrect API key/ },
  );
  t.match(
    openai.mapError(404, { error: { message: 'The model `gpt-5-ultra` does not exist or you do not have access to it.', type: 'invalid_request_error', param: null, code: 'model_not_found' } }, headers()),
    { kind: 'not_found', status: 404, retryable: false },
  );
  t.strictSame(
    openai.mapError(429, { error: { message: 'Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM).', type: 'tokens', param: null, code: 'rate_limit_exceeded' } }, headers({ 'retry-after': '20', 'x-ratelimit-remaining-tokens': '0' })),
    { kind: 'rate_limited', status: 429, retryable: true, retryAfterMs: 20_000, message: 'Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM).' },
  );
  t.match(openai.mapError(429, { error: { message: 'slow', code: 'rate_limit_exceeded' } }, headers({ 'retry-after-ms': '1500' })), { retryAfterMs: 1500 });
  t.notOk('retryAfterMs' in openai.mapError(429, { error: { message: 'slow' } }, headers()), 'no retry-after → none invented');
  t.match(openai.mapError(500, { error: { message: 'The server had an error while processing your request.', type: 'server_error' } }, headers()), {
    kind: 'server',
    status: 500,
    retryable: true,
  });
  t.match(openai.mapError(503, { error: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error' } }, headers()), {
    kind: 'overloaded',
    status: 503,
    retryable: true,
  });
});

t.test('mapError: non-JSON and empty bodies', async (t) => {
  const html = '<html><body><h1>502 Bad Gateway</h1></body></html>' + 'x'.repeat(2000);
  const fromHtml = openai.mapError(502, html, { 'content-type': 'text/html' });
  t.match(fromHtml, { kind: 'server', status: 502, retryable: true });
  t.ok(fromHtml.message.length <= 500, 'a long body is cut');
  t.match(fromHtml.message, /502 Bad Gateway/);
  t.match(openai.mapError(504, undefined, {}), { kind: 'timeout', retryable: true, message: 'upstream answered 504' });
  t.match(openai.mapError(500, null, {}), { kind: 'server', message: 'upstream answered 500' });
});
