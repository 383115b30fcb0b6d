// The official openai SDK, unchanged, against the gateway in front of a wire-exact Gemini upstream: text, streams,
// tool calls, usage, thinking signatures across turns, safety blocks, and what cannot be translated.
import t from 'tap';
import OpenAI from 'openai';
import { DEFAULT_REPLY, PARIS, SIGNATURE, startGeminiUpstream } from './mocks/gemini-upstream.js';
import { startGateway, TENANT_KEY, UPSTREAM_KEY } from './helpers/gateway.js';

type Wire = Record<string, unknown>;

const gem = await startGeminiUpstream({ apiKey: UPSTREAM_KEY });
const gw = await startGateway(`version: 1
server: { host: 127.0.0.1 }
logging: { level: info }
pipeline:
  - use: '@sluice/auth'
  - use: '@sluice/router'
adapters: ['@sluice/adapter-gemini']
channels:
  - { name: gemini-main, adapter: gemini, baseUrl: '${gem.url}', keys: ['${UPSTREAM_KEY}'],
      models: [gemini-2.5-flash, mock-thinking, mock-cached, mock-blocked, mock-safety, { name: embed, upstream: text-embedding-004 }] }
tenants:
  - id: acme
    keys: [{ key: ${TENANT_KEY}, id: acme-test }]
`);
t.teardown(async () => {
  await gw.stop();
  await gem.close();
});
const client = new OpenAI({ apiKey: TENANT_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
const lastBody = (): Wire => gem.requests.at(-1)?.body as Wire;
const tools: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } } },
];

t.test('chat: text, a system prompt, usage', async (t) => {
  const completion = await client.chat.completions.create({
    model: 'gemini-2.5-flash',
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }],
    max_tokens: 100,
  });
  t.equal(completion.choices[0]?.message.content, DEFAULT_REPLY);
  t.equal(completion.choices[0]?.finish_reason, 'stop');
  t.match(completion.usage, { prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
  t.strictSame(lastBody(), { contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }], systemInstruction: { parts: [{ text: 'Be brief.' }] }, generationConfig: { maxOutputTokens: 100 } });
  t.equal(gem.requests.at(-1)?.headers['x-goog-api-key'], UPSTREAM_KEY);
});

t.test('chat: stream with include_usage; max tokens → length', async (t) => {
  const stream = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Say hello' }], stream: true, stream_options: { include_usage: true } });
  let text = '';
  let finish: string | null | undefined;
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
  }
  t.equal(text, DEFAULT_REPLY);
  t.equal(finish, 'stop');
  t.match(usage, { prompt_tokens: 2, completion_tokens: 5 });
  const short = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 2 });
  t.equal(short.choices[0]?.finish_reason, 'length');
  t.equal(short.choices[0]?.message.content, 'Hello from ');
});

t.test('tool calls: parallel, streamed and not, then results back as functionResponse parts', async (t) => {
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather and time? Please call tool.' }];
  const completion = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages, tools, tool_choice: 'auto' });
  const choice = completion.choices[0]!;
  t.equal(choice.finish_reason, 'tool_calls');
  const calls = (choice.message.tool_calls ?? []).filter((c) => c.type === 'function');
  t.strictSame(calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)]), [['get_weather', { city: PARIS }], ['get_time', { tz: PARIS }]]);
  t.equal(new Set(calls.map((c) => c.id)).size, 2, 'distinct ids');
  t.match(lastBody(), { toolConfig: { functionCallingConfig: { mode: 'AUTO' } }, tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: tools[0]!.type === 'function' ? tools[0]!.function.parameters : {} }, { name: 'get_time' }] }] });

  const streamed = await client.chat.completions.stream({ model: 'gemini-2.5-flash', messages, tools }).finalChatCompletion();
  t.equal(streamed.choices[0]?.finish_reason, 'tool_calls');
  t.strictSame(streamed.choices[0]?.message.tool_calls?.map((c) => (c.type === 'function' ? c.function.name : '')), ['get_weather', 'get_time']);

  // The SDK's assistant message goes back as the client received it, reasoning_details (the signature) included.
  const followUp: OpenAI.ChatCompletionMessageParam[] = [
    ...messages,
    choice.message as OpenAI.ChatCompletionAssistantMessageParam,
    { role: 'tool', tool_call_id: calls[1]!.id, content: '12:00' },
    { role: 'tool', tool_call_id: calls[0]!.id, content: '{"temp":21}' },
  ];
  const answer = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: followUp, tools });
  t.equal(answer.choices[0]?.message.content, DEFAULT_REPLY);
  const contents = lastBody()['contents'] as Wire[];
  t.strictSame(contents[1], {
    role: 'model',
    parts: [
      { functionCall: { name: 'get_weather', args: { city: PARIS } }, thoughtSignature: SIGNATURE },
      { functionCall: { name: 'get_time', args: { tz: PARIS } } },
    ],
  }, 'the thought signature survives the round trip through an OpenAI client, on the first call');
  t.strictSame(contents[2], {
    role: 'user',
    parts: [
      { functionResponse: { name: 'get_time', response: { output: '12:00' } } },
      { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
    ],
  });
});

t.test('usage with reasoning and cached tokens keeps OpenAI semantics', async (t) => {
  const thinking = await client.chat.completions.create({ model: 'mock-thinking', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'low' });
  t.match(thinking.usage, { prompt_tokens: 1, completion_tokens: 17, total_tokens: 18, completion_tokens_details: { reasoning_tokens: 12 } });
  t.match(lastBody(), { generationConfig: { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } } });
  t.match(thinking.choices[0]?.message, { content: DEFAULT_REPLY });
  const cached = await client.chat.completions.create({ model: 'mock-cached', messages: [{ role: 'user', content: 'one two three four' }] });
  t.match(cached.usage, { prompt_tokens: 4, prompt_tokens_details: { cached_tokens: 2 } });
});

t.test('safety blocks are content_filter errors; a partial stream ends with content_filter', async (t) => {
  for (const model of ['mock-blocked', 'mock-safety']) {
    const error = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }).then(() => undefined, (e: unknown) => e);
    t.ok(error instanceof OpenAI.BadRequestError, `${model}: 400`);
    t.equal((error as InstanceType<typeof OpenAI.APIError>).code, 'content_filter');
  }
  const stream = await client.chat.completions.create({ model: 'mock-blocked', messages: [{ role: 'user', content: 'x' }], stream: true });
  let finish: string | null | undefined;
  for await (const chunk of stream) finish = chunk.choices[0]?.finish_reason ?? finish;
  t.equal(finish, 'content_filter');
});

t.test('fields Gemini cannot take are reported in x-sluice-dropped; the ones it can are translated', async (t) => {
  const { response } = await client.chat.completions
    .create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'json' }],
      seed: 3,
      response_format: { type: 'json_object' },
      logit_bias: { '50256': -100 },
      user: 'end-user-1',
    })
    .withResponse();
  t.equal(response.headers.get('x-sluice-dropped'), 'user, logit_bias');
  t.match(lastBody(), { generationConfig: { seed: 3, responseMimeType: 'application/json' } });
});

t.test('embeddings through batchEmbedContents', async (t) => {
  const result = await client.embeddings.create({ model: 'embed', input: ['hello', 'world'], dimensions: 4, encoding_format: 'float' });
  t.equal(result.data.length, 2);
  t.equal(result.data[0]?.embedding.length, 4);
  t.equal(gem.requests.at(-1)?.path, '/v1beta/models/text-embedding-004:batchEmbedContents');
});

t.test('no key ever reaches a log line or the upstream URL', async (t) => {
  t.notOk(gw.logs.some((line) => line.includes(UPSTREAM_KEY) || line.includes(TENANT_KEY)));
  t.ok(gem.requests.every((r) => !('key' in r.query)));
});
