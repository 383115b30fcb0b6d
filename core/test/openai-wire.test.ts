// The OpenAI wire codec, both directions: a same-format relay must not lose what the canonical types do not know.
import t from 'tap';
import { GatewayError, openaiWire as w, type ChatRequest, type EmbeddingResponse } from '@sluice/core';

type Wire = Record<string, unknown>;
const clone = <T>(value: T): T => structuredClone(value);

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
    strict: true,
  },
};

/** A chat request as the openai SDK sends it, with fields the canonical type does not model. */
const CHAT_REQUEST: Wire = {
  model: 'gpt-4o',
  messages: [
    { role: 'developer', content: 'Answer in JSON.' },
    {
      role: 'user',
      name: 'alice',
      content: [
        { type: 'text', text: 'What is in this image? Also the weather in Paris.' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
      ],
      x_client_trace: { span: 'abc' },
    },
    {
      role: 'assistant',
      content: null,
      refusal: null,
      tool_calls: [{ id: 'call_Vx1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
    },
    { role: 'tool', tool_call_id: 'call_Vx1', content: '{"temp_c":21}' },
  ],
  max_completion_tokens: 256,
  temperature: 0.2,
  top_p: 0.9,
  n: 1,
  stop: ['END'],
  seed: 42,
  logprobs: true,
  top_logprobs: 3,
  response_format: {
    type: 'json_schema',
    json_schema: { name: 'answer', strict: true, schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
  },
  tools: [WEATHER_TOOL],
  tool_choice: { type: 'function', function: { name: 'get_weather' } },
  parallel_tool_calls: false,
  user: 'user-1234',
  metadata: { project: 'demo' },
  store: false,
  reasoning_effort: 'low',
  service_tier: 'auto',
};

t.test('chat request: decode → encode keeps every field, including unknown ones', async (t) => {
  const input = clone(CHAT_REQUEST);
  const canonical = w.decodeChat(input);
  t.equal(canonical.model, 'gpt-4o');
  t.equal(canonical.maxTokens, 256, 'max_completion_tokens is the canonical maxTokens');
  t.equal(canonical.stream, false);
  t.equal(canonical.includeUsage, false);
  t.strictSame(canonical.stop, ['END']);
  t.equal(canonical.messages[1]?.name, 'alice');
  t.match(canonical.extra, { format: 'openai', fields: { seed: 42, logprobs: true, top_logprobs: 3, max_completion_tokens: 256 } });
  t.match(canonical.messages[1]?.extra, { format: 'openai', fields: { x_client_trace: { span: 'abc' } } });

  const upstream = w.encodeChat(canonical, 'gpt-4o-2024-08-06');
  t.strictSame(upstream, { ...CHAT_REQUEST, model: 'gpt-4o-2024-08-06' }, 'identical apart from the upstream model name');
  t.notOk('max_tokens' in upstream, 'max_tokens not added when the client sent max_completion_tokens');
  t.notOk('stream' in upstream);
  t.strictSame(input, CHAT_REQUEST, 'decoding did not mutate the wire object');
});

t.test('chat request: a plugin changing maxTokens wins over the relayed max_completion_tokens', async (t) => {
  const canonical: ChatRequest = { ...w.decodeChat(clone(CHAT_REQUEST)), maxTokens: 100 };
  const upstream = w.encodeChat(canonical, 'gpt-4o');
  t.equal(upstream['max_completion_tokens'], 100);
  t.notOk('max_tokens' in upstream);
});

t.test('chat request: max_tokens stays max_tokens; string stop becomes a list', async (t) => {
  const canonical = w.decodeChat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 50, stop: 'STOP' });
  t.equal(canonical.maxTokens, 50);
  t.equal(canonical.extra, undefined, 'no extra when every field is known');
  const upstream = w.encodeChat(canonical, 'gpt-4o-mini');
  t.strictSame(upstream, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 50, stop: ['STOP'] });
});

t.test('chat request: the legacy "function" role is relayed as a tool message', async (t) => {
  const canonical = w.decodeChat({ model: 'm', messages: [{ role: 'function', name: 'lookup', content: '42' }] });
  t.equal(canonical.messages[0]?.role, 'tool');
  t.equal(canonical.messages[0]?.name, 'lookup');
});

t.test('chat request: reasoning_content round trip on assistant messages', async (t) => {
  const canonical = w.decodeChat({ model: 'deepseek-reasoner', messages: [{ role: 'assistant', content: 'A', reasoning_content: 'thinking...' }, { role: 'user', content: 'next' }] });
  t.strictSame(canonical.messages[0]?.reasoning, [{ text: 'thinking...' }]);
  t.match(w.encodeChat(canonical, 'deepseek-reasoner'), { messages: [{ role: 'assistant', content: 'A', reasoning_content: 'thinking...' }, { role: 'user', content: 'next' }] });
});

t.test('stream requests always ask the upstream for usage', async (t) => {
  const base = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };
  for (const [label, wire, includeUsage] of [
    ['no stream_options', { ...base, stream: true }, false],
    ['include_usage false', { ...base, stream: true, stream_options: { include_usage: false } }, false],
    ['include_usage true', { ...base, stream: true, stream_options: { include_usage: true } }, true],
    ['stream_options null', { ...base, stream: true, stream_options: null }, false],
  ] as const) {
    const canonical = w.decodeChat(clone(wire) as Wire);
    t.equal(canonical.stream, true, label);
    t.equal(canonical.includeUsage, includeUsage, `${label}: the client's own wish is remembered`);
    const upstream = w.encodeChat(canonical, 'gpt-4o');
    t.equal(upstream['stream'], true, label);
    t.strictSame(upstream['stream_options'], { include_usage: true }, `${label}: upstream always gets include_usage`);
  }
  const completion = w.encodeCompletion(w.decodeCompletion({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say', stream: true }), 'gpt-3.5-turbo-instruct');
  t.strictSame(completion['stream_options'], { include_usage: true }, 'completions too');
  t.notOk('stream_options' in w.encodeChat(w.decodeChat({ ...base }), 'gpt-4o'), 'not for non-stream calls');
  t.equal(w.decodeChat({ ...base, stream_options: { include_usage: true } }).includeUsage, false, 'include_usage without stream means nothing');
});

t.test('stream requests keep the other stream_options the client sent', async (t) => {
  const canonical = w.decodeChat({ model: 'gpt-4o', messages: [], stream: true, stream_options: { include_usage: false, include_obfuscation: false } });
  t.strictSame(w.encodeChat(canonical, 'gpt-4o')['stream_options'], { include_usage: true, include_obfuscation: false });
});

t.test('extras never copy prototype-changing keys and never cross formats', async (t) => {
  const wire = JSON.parse('{"model":"m","messages":[{"role":"user","content":"x","__proto__":{"polluted":1}}],"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"seed":1}') as Wire;
  const canonical = w.decodeChat(wire);
  const upstream = w.encodeChat(canonical, 'm');
  t.strictSame(Object.keys(upstream).sort(), ['messages', 'model', 'seed']);
  t.equal(({} as { polluted?: unknown }).polluted, undefined, 'Object.prototype untouched');
  t.equal(Object.getPrototypeOf(upstream), Object.prototype);

  const foreign: ChatRequest = { ...canonical, extra: { format: 'anthropic', fields: { thinking: { type: 'enabled' } } } };
  t.notOk('thinking' in w.encodeChat(foreign, 'm'), 'another format’s extras are not sent to an OpenAI upstream');
});

t.test('fields the gateway sets win over relayed extras', async (t) => {
  const canonical: ChatRequest = {
    operation: 'chat',
    model: 'public',
    messages: [],
    stream: true,
    includeUsage: false,
    extra: { format: 'openai', fields: { model: 'attacker-choice', stream_options: { include_usage: false }, seed: 7 } },
  };
  const upstream = w.encodeChat(canonical, 'upstream-model');
  t.equal(upstream['model'], 'upstream-model');
  t.strictSame(upstream['stream_options'], { include_usage: true });
  t.equal(upstream['seed'], 7);
});

const CHAT_RESPONSE: Wire = {
  id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
  object: 'chat.completion',
  created: 1741570283,
  model: 'gpt-4o-2024-08-06',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'The image shows a cat.', refusal: null, annotations: [] },
      logprobs: { content: [{ token: 'The', logprob: -0.0001, bytes: [84, 104, 101], top_logprobs: [] }], refusal: null },
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 1117,
    completion_tokens: 46,
    total_tokens: 1163,
    prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 12, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  },
  service_tier: 'default',
  system_fingerprint: 'fp_fc9f1d7035',
};

t.test('chat response: decode → encode keeps system_fingerprint, service_tier, logprobs, refusal, annotations', async (t) => {
  const { response, usage } = w.decodeChatResponse(clone(CHAT_RESPONSE));
  t.equal(response.id, CHAT_RESPONSE['id']);
  t.equal(response.choices[0]?.finishReason, 'stop');
  t.equal(response.choices[0]?.message.content, 'The image shows a cat.');
  t.strictSame(usage, { input: 1117, output: 46, cachedInput: 1024, reasoning: 12 });

  const encoded = w.encodeChatResponse(response, usage);
  const { usage: encodedUsage, ...rest } = encoded;
  const { usage: _originalUsage, ...expected } = CHAT_RESPONSE;
  t.strictSame(rest, expected);
  t.match(encodedUsage, {
    prompt_tokens: 1117,
    completion_tokens: 46,
    total_tokens: 1163,
    prompt_tokens_details: { cached_tokens: 1024 },
    completion_tokens_details: { reasoning_tokens: 12 },
  });
});

t.test('chat response with tool calls', async (t) => {
  const wire = {
    id: 'chatcmpl-tool',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
  const { response, usage } = w.decodeChatResponse(clone(wire));
  t.equal(response.choices[0]?.finishReason, 'tool_calls');
  t.equal(response.choices[0]?.message.tool_calls?.[0]?.function.name, 'get_weather');
  t.strictSame(w.encodeChatResponse(response, usage), wire);
});

t.test('finish reasons', async (t) => {
  t.equal(w.decodeFinish('stop'), 'stop');
  t.equal(w.decodeFinish('length'), 'length');
  t.equal(w.decodeFinish('tool_calls'), 'tool_calls');
  t.equal(w.decodeFinish('function_call'), 'tool_calls');
  t.equal(w.decodeFinish('content_filter'), 'content_filter');
  t.equal(w.decodeFinish(null), null);
  t.equal(w.decodeFinish(undefined), null);
});

const chunkBase = { id: 'chatcmpl-123', object: 'chat.completion.chunk', created: 1741570283, model: 'gpt-4o-2024-08-06', system_fingerprint: 'fp_x' };
const TOOL_STREAM: Wire[] = [
  { ...chunkBase, choices: [{ index: 0, delta: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: null }] },
  {
    ...chunkBase,
    choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, logprobs: null, finish_reason: null }],
  },
  { ...chunkBase, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }, logprobs: null, finish_reason: null }] },
  { ...chunkBase, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] }, logprobs: null, finish_reason: null }] },
  {
    ...chunkBase,
    choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'call_def', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }, logprobs: null, finish_reason: null }],
  },
  { ...chunkBase, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' }] },
];

t.test('chunks: decode → encode round trip, tool-call deltas included', async (t) => {
  const args: string[] = [];
  for (const wire of TOOL_STREAM) {
    const { chunk, usage } = w.decodeChatChunk(clone(wire));
    t.equal(usage, undefined);
    if (!chunk) return t.fail('expected a chunk');
    for (const call of chunk.choices[0]?.delta.toolCalls ?? []) if (call.index === 0) args.push(call.function?.arguments ?? '');
    // `content: null` in a delta means "no content": it is not re-emitted (SDKs treat absent and null alike).
    const expected = JSON.parse(JSON.stringify(wire, (key, value: unknown) => (key === 'content' && value === null ? undefined : value))) as Wire;
    t.strictSame(w.encodeChatChunk(chunk, false), expected);
    t.strictSame(w.encodeChatChunk(chunk, true), { ...expected, usage: null }, 'usage: null on every chunk when include_usage');
  }
  t.equal(args.join(''), '{"city":"Paris"}');
  const first = w.decodeChatChunk(clone(TOOL_STREAM[0] as Wire)).chunk;
  t.equal(first?.choices[0]?.delta.role, 'assistant');
  t.equal(w.decodeChatChunk(clone(TOOL_STREAM[5] as Wire)).chunk?.choices[0]?.finishReason, 'tool_calls');
});

t.test('chunks: content and reasoning deltas', async (t) => {
  const wire = { ...chunkBase, choices: [{ index: 0, delta: { content: 'Hi 👋', reasoning_content: 'hmm' }, logprobs: null, finish_reason: null }] };
  const { chunk } = w.decodeChatChunk(clone(wire));
  t.strictSame(chunk?.choices[0]?.delta, { content: 'Hi 👋', reasoning: 'hmm' });
  t.strictSame(chunk && w.encodeChatChunk(chunk, false), wire);
});

t.test('chunks: a usage-only chunk yields usage and no chunk; the usage chunk is re-encoded', async (t) => {
  const usageWire = {
    prompt_tokens: 19,
    completion_tokens: 10,
    total_tokens: 29,
    prompt_tokens_details: { cached_tokens: 3 },
    completion_tokens_details: { reasoning_tokens: 4 },
  };
  const { chunk, usage } = w.decodeChatChunk({ ...chunkBase, choices: [], usage: usageWire });
  t.equal(chunk, undefined);
  const canonical = w.decodeUsage(usage);
  t.strictSame(canonical, { input: 19, output: 10, cachedInput: 3, reasoning: 4 });
  t.strictSame(w.encodeUsageChunk({ id: 'chatcmpl-123', created: 1741570283, model: 'gpt-4o-2024-08-06', object: 'chat.completion.chunk' }, canonical), {
    id: 'chatcmpl-123',
    object: 'chat.completion.chunk',
    created: 1741570283,
    model: 'gpt-4o-2024-08-06',
    choices: [],
    usage: usageWire,
  });
  t.equal(w.decodeChatChunk({ ...chunkBase, choices: [{ index: 0, delta: {}, finish_reason: null }], usage: null }).usage, undefined, 'usage: null is no usage');
});

t.test('completion chunks', async (t) => {
  const wire = { id: 'cmpl-1', object: 'text_completion', created: 1, model: 'gpt-3.5-turbo-instruct', choices: [{ index: 0, text: 'Hello', logprobs: null, finish_reason: null }] };
  const { chunk } = w.decodeCompletionChunk(clone(wire));
  t.strictSame(chunk?.choices, [{ index: 0, text: 'Hello', finishReason: null }]);
  t.strictSame(chunk && w.encodeCompletionChunk(chunk, false), wire);
  t.equal(w.decodeCompletionChunk({ ...wire, choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }).chunk, undefined);
});

t.test('usage mapping', async (t) => {
  t.strictSame(w.decodeUsage({ prompt_tokens: 100, completion_tokens: 50, total_tokens: 150, prompt_tokens_details: { cached_tokens: 80 }, completion_tokens_details: { reasoning_tokens: 30 } }), {
    input: 100,
    output: 50,
    cachedInput: 80,
    reasoning: 30,
  });
  t.strictSame(w.decodeUsage({ prompt_tokens: 5 }), { input: 5 }, 'unreported output stays unreported, not 0');
  t.strictSame(w.decodeUsage({ prompt_tokens: 0, completion_tokens: 0 }), { input: 0, output: 0 }, 'a reported 0 is kept');
  t.strictSame(w.decodeUsage(undefined), {});
  t.strictSame(w.decodeUsage(null), {});
  t.strictSame(w.decodeUsage('12'), {});
  t.strictSame(w.decodeUsage({ prompt_tokens: '12' }), {}, 'non-numbers are not counts');
  t.strictSame(w.encodeUsage({}), { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  t.strictSame(w.encodeUsage({ input: 10, output: 5, cachedInput: 3, reasoning: 2 }), {
    prompt_tokens: 10,
    completion_tokens: 5,
    total_tokens: 15,
    prompt_tokens_details: { cached_tokens: 3 },
    completion_tokens_details: { reasoning_tokens: 2 },
  });
});

t.test('embeddings: request encodes floats upstream and keeps encoding_format for the surface', async (t) => {
  const canonical = w.decodeEmbedding({ model: 'text-embedding-3-small', input: ['a', 'b'], encoding_format: 'base64', dimensions: 256, user: 'u' });
  t.equal(canonical.extra?.fields['encoding_format'], 'base64');
  t.strictSame(w.encodeEmbedding(canonical, 'text-embedding-3-small'), { model: 'text-embedding-3-small', input: ['a', 'b'], encoding_format: 'float', dimensions: 256, user: 'u' });
});

t.test('embeddings: base64 encode/decode round trip is float32 little-endian', async (t) => {
  const vectors = [
    [0.1, -1.5, 3.4e38, 1e-45, 0, -0.000123],
    Array.from({ length: 37 }, (_, i) => Math.sin(i) * 0.05),
    [1],
  ];
  const response: EmbeddingResponse = { operation: 'embeddings', model: 'text-embedding-3-small', vectors };
  const encoded = w.encodeEmbeddingResponse(response, { input: 8 }, true);
  const data = encoded['data'] as { object: string; index: number; embedding: string }[];
  t.equal(data.length, 3);
  const bytes = Buffer.from(data[0]?.embedding ?? '', 'base64');
  t.equal(bytes.length, 6 * 4);
  t.equal(bytes.readFloatLE(0), Math.fround(0.1), 'little-endian float32');
  t.equal(bytes.readFloatLE(4), -1.5);
  t.strictSame(encoded['usage'], { prompt_tokens: 8, total_tokens: 8 });
  t.equal(encoded['object'], 'list');

  const decoded = w.decodeEmbeddingResponse(encoded);
  t.strictSame(decoded.response.vectors, vectors.map((v) => v.map(Math.fround)));
  t.strictSame(decoded.usage, { input: 8 });

  const floats = w.encodeEmbeddingResponse(response, {}, false);
  t.strictSame((floats['data'] as { embedding: number[] }[])[1]?.embedding, vectors[1], 'float mode sends the numbers as is');
});

t.test('embeddings: a base64 vector written by another producer decodes; data order follows index', async (t) => {
  const buffer = Buffer.alloc(12);
  buffer.writeFloatLE(0.25, 0);
  buffer.writeFloatLE(-2, 4);
  buffer.writeFloatLE(8, 8);
  const wire = {
    object: 'list',
    data: [
      { object: 'embedding', index: 1, embedding: [9, 9] },
      { object: 'embedding', index: 0, embedding: buffer.toString('base64') },
    ],
    model: 'text-embedding-3-small',
    usage: { prompt_tokens: 4, total_tokens: 4 },
  };
  const { response, usage } = w.decodeEmbeddingResponse(wire);
  t.strictSame(response.vectors, [[0.25, -2, 8], [9, 9]]);
  t.strictSame(usage, { input: 4 });
});

t.test('error body: OpenAI shape plus the Sluice code', async (t) => {
  t.strictSame(w.encodeError(new GatewayError('SLUICE_ERR_MODEL_NOT_FOUND', "The model 'x' does not exist.", { param: 'model' })), {
    error: { message: "The model 'x' does not exist.", type: 'invalid_request_error', param: 'model', code: 'model_not_found', sluice_code: 'SLUICE_ERR_MODEL_NOT_FOUND' },
  });
  t.strictSame(w.encodeError(new GatewayError('SLUICE_ERR_RATE_LIMITED', 'slow down')), {
    error: { message: 'slow down', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded', sluice_code: 'SLUICE_ERR_RATE_LIMITED' },
  });
  t.match(w.encodeError(new GatewayError('SLUICE_ERR_UNAUTHENTICATED', 'no')), { error: { type: 'authentication_error', code: 'invalid_api_key' } });
  t.match(w.encodeError(new GatewayError('SLUICE_ERR_UPSTREAM_SERVER', 'boom')), { error: { type: 'server_error' } });
});

t.test('models list', async (t) => {
  t.strictSame(w.encodeModels({ operation: 'models', models: [{ id: 'gpt-4o', created: 1, ownedBy: 'openai' }] }), {
    object: 'list',
    data: [{ id: 'gpt-4o', object: 'model', created: 1, owned_by: 'openai' }],
  });
});
