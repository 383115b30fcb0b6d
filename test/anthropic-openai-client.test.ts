// The official openai SDK, unchanged, against an Anthropic upstream through the gateway: text, streaming, tools
// (parallel, streamed), system prompts, usage with OpenAI semantics, prompt caching, and thinking that keeps its
// signatures across a multi-turn tool conversation.
import t from 'tap';
import OpenAI from 'openai';
import { startAnthropicUpstream, DEFAULT_REPLY, DEFAULT_THINKING, REDACTED_TRIGGER, signThinking } from './mocks/anthropic-upstream.js';
import { startGateway, TENANT_KEY, UPSTREAM_KEY } from './helpers/gateway.js';
import { mixedConfig } from './helpers/anthropic-gateway.js';

const claude = await startAnthropicUpstream({ apiKey: UPSTREAM_KEY });
const gw = await startGateway(
  mixedConfig([{ name: 'claude', adapter: 'anthropic', baseUrl: claude.url, models: ['claude-sonnet-4-6'], options: '{ defaultMaxTokens: 3000, anthropicBeta: [token-efficient-tools-2025-02-19] }' }]),
);
t.teardown(async () => {
  await gw.stop();
  await claude.close();
});
const client = new OpenAI({ apiKey: TENANT_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
const model = 'claude-sonnet-4-6';

type Body = Record<string, unknown>;
const lastBody = (): Body => claude.requests.at(-1)?.body as Body;

/** OpenRouter's reasoning_details, as the SDK keeps them on the message (its types do not know them). */
interface Detail { type: string; text?: string; signature?: string; data?: string }
const detailsOf = (message: object): Detail[] => ((message as { reasoning_details?: Detail[] }).reasoning_details ?? []);

const tools: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } } },
];

t.test('text with a system prompt: max_tokens filled, usage in OpenAI terms', async (t) => {
  const completion = await client.chat.completions.create({
    model,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello' },
    ],
  });
  t.equal(completion.object, 'chat.completion');
  t.equal(completion.choices[0]?.message.content, DEFAULT_REPLY);
  t.equal(completion.choices[0]?.finish_reason, 'stop');
  t.strictSame(lastBody(), { model, messages: [{ role: 'user', content: 'Say hello' }], system: 'Be brief.', max_tokens: 3000 }, 'max_tokens from the channel option');
  t.equal(completion.usage?.prompt_tokens, 4);
  t.equal(completion.usage?.completion_tokens, 5);
  t.equal(completion.usage?.total_tokens, 9);
  t.equal(claude.requests.at(-1)?.headers['x-api-key'], UPSTREAM_KEY);
  t.equal(claude.requests.at(-1)?.headers['anthropic-beta'], 'token-efficient-tools-2025-02-19');
});

t.test('streaming with include_usage', async (t) => {
  const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Say hello' }], stream: true, stream_options: { include_usage: true }, max_tokens: 50 });
  let text = '';
  let finish: string | null | undefined;
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  t.equal(text, DEFAULT_REPLY);
  t.equal(finish, 'stop');
  t.equal(usage?.completion_tokens, 5);
  t.equal(usage?.prompt_tokens, 2);
  t.match(lastBody(), { stream: true, max_tokens: 50 });
});

t.test('parallel tool calls streamed, reassembled by the SDK, then tool results in one user turn', async (t) => {
  const final = await client.chat.completions.stream({ model, messages: [{ role: 'user', content: 'please call tool' }], tools }).finalChatCompletion();
  const message = final.choices[0]!.message;
  const calls = (message.tool_calls ?? []).filter((c) => c.type === 'function');
  t.strictSame(calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)]), [['get_weather', { city: 'mock' }], ['get_time', { tz: 'mock' }]]);
  t.equal(message.content, 'Let me check.');
  t.equal(final.choices[0]?.finish_reason, 'tool_calls');
  t.strictSame(lastBody()['tools'], tools.map((tool) => ({ name: tool.type === 'function' ? tool.function.name : '', input_schema: tool.type === 'function' ? tool.function.parameters : {} })));
  const next = await client.chat.completions.create({
    model,
    tools,
    messages: [
      { role: 'user', content: 'please call tool' },
      message,
      ...calls.map((c) => ({ role: 'tool' as const, tool_call_id: c.id, content: `${c.function.name}: fine` })),
    ],
  });
  t.equal(next.choices[0]?.message.content, DEFAULT_REPLY);
  const sent = lastBody()['messages'] as Body[];
  t.strictSame(sent[2], { role: 'user', content: calls.map((c) => ({ type: 'tool_result', tool_use_id: c.id, content: `${c.function.name}: fine` })) });
});

t.test('prompt caching (OpenRouter-style cache_control parts): cached tokens inside prompt_tokens', async (t) => {
  const long = 'You are a meticulous assistant. '.repeat(20);
  const ask = () =>
    client.chat.completions.create({
      model,
      messages: [
        { role: 'system', content: [{ type: 'text', text: long, cache_control: { type: 'ephemeral' } } as OpenAI.ChatCompletionContentPartText] },
        { role: 'user', content: 'Hi there' },
      ],
    });
  const first = await ask();
  t.strictSame(lastBody()['system'], [{ type: 'text', text: long, cache_control: { type: 'ephemeral' } }]);
  t.equal(first.usage?.prompt_tokens, 102, 'the cache write is part of the prompt');
  t.equal(first.usage?.prompt_tokens_details?.cached_tokens, 0);
  const second = await ask();
  t.equal(second.usage?.prompt_tokens, 102, 'so is the cache read');
  t.equal(second.usage?.prompt_tokens_details?.cached_tokens, 100);
});

t.test('thinking across formats: reasoning_details carry signatures out and back, intact', async (t) => {
  const first = await client.chat.completions.create({ model, tools, reasoning_effort: 'low', messages: [{ role: 'user', content: 'please call tool, carefully' }] });
  const message = first.choices[0]!.message;
  t.match(lastBody(), { thinking: { type: 'enabled', budget_tokens: 2048 }, max_tokens: 3000 + 2048 });
  const details = detailsOf(message);
  t.strictSame(details, [{ type: 'reasoning.text', text: DEFAULT_THINKING, signature: signThinking(DEFAULT_THINKING), index: 0 }]);
  t.equal((message as { reasoning_content?: string }).reasoning_content, DEFAULT_THINKING);
  const calls = (message.tool_calls ?? []).filter((c) => c.type === 'function');
  t.equal(calls.length, 2);
  // The client sends the assistant message back as it got it, with the tool results: the upstream checks the
  // signature (as Anthropic does) and requires the thinking block first, so a lost or altered one fails here.
  const second = await client.chat.completions.create({
    model,
    tools,
    reasoning_effort: 'low',
    messages: [
      { role: 'user', content: 'please call tool, carefully' },
      message,
      ...calls.map((c) => ({ role: 'tool' as const, tool_call_id: c.id, content: 'ok' })),
    ],
  });
  t.equal(second.choices[0]?.finish_reason, 'stop');
  const assistant = (lastBody()['messages'] as Body[])[1]!;
  t.strictSame((assistant['content'] as Body[])[0], { type: 'thinking', thinking: DEFAULT_THINKING, signature: signThinking(DEFAULT_THINKING) });
});

t.test('thinking across formats, streamed: signature and redacted thinking arrive as reasoning_details deltas', async (t) => {
  const final = await client.chat.completions
    .stream({ model, tools, reasoning_effort: 'low', messages: [{ role: 'user', content: `please call tool ${REDACTED_TRIGGER}` }] })
    .finalChatCompletion();
  // The SDK's accumulator keeps only what it knows; collect the raw deltas a client would see instead.
  const stream = await client.chat.completions.create({ model, tools, reasoning_effort: 'low', stream: true, messages: [{ role: 'user', content: `please call tool ${REDACTED_TRIGGER}` }] });
  const details: Detail[] = [];
  let reasoning = '';
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta as { reasoning_content?: string; reasoning_details?: Detail[] } | undefined;
    reasoning += delta?.reasoning_content ?? '';
    details.push(...(delta?.reasoning_details ?? []));
  }
  t.equal(reasoning, DEFAULT_THINKING);
  t.strictSame(details, [
    { type: 'reasoning.encrypted', data: details[0]?.data },
    { type: 'reasoning.text', signature: signThinking(DEFAULT_THINKING) },
  ]);
  t.match(details[0]?.data, /^EmwK/);
  t.equal(final.choices[0]?.finish_reason, 'tool_calls');
  // Replayed with the redacted block and the signed one, as a client that kept the details would.
  const calls = (final.choices[0]?.message.tool_calls ?? []).filter((c) => c.type === 'function');
  const assistant = {
    role: 'assistant' as const,
    content: final.choices[0]?.message.content ?? null,
    tool_calls: final.choices[0]?.message.tool_calls ?? [],
    reasoning_details: [
      { type: 'reasoning.encrypted', data: details[0]?.data },
      { type: 'reasoning.text', text: reasoning, signature: details[1]?.signature },
    ],
  };
  const next = await client.chat.completions.create({
    model,
    tools,
    reasoning_effort: 'low',
    messages: [{ role: 'user', content: 'please call tool' }, assistant, ...calls.map((c) => ({ role: 'tool' as const, tool_call_id: c.id, content: 'ok' }))],
  });
  t.equal(next.choices[0]?.finish_reason, 'stop');
  t.strictSame(((lastBody()['messages'] as Body[])[1]!['content'] as Body[]).slice(0, 2).map((b) => b['type']), ['redacted_thinking', 'thinking']);
});

t.test('fields Anthropic cannot take are reported in x-sluice-dropped, never silently lost', async (t) => {
  const { data, response } = await client.chat.completions
    .create({ model, messages: [{ role: 'user', content: 'Say hello' }], seed: 7, logprobs: true, n: 2 })
    .withResponse();
  t.equal(data.choices[0]?.message.content, DEFAULT_REPLY);
  t.strictSame(response.headers.get('x-sluice-dropped')?.split(', ').sort(), ['logprobs', 'n', 'seed']);
  t.notOk('seed' in lastBody());
});
