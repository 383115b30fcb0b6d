// The official @anthropic-ai/sdk, unchanged, against the gateway's /v1/messages: (a) an Anthropic upstream (same
// format) and (b) an OpenAI upstream (translated), for text, streaming, tools, system prompts, thinking and usage.
import t from 'tap';
import Anthropic from '@anthropic-ai/sdk';
import { startAnthropicUpstream, DEFAULT_REPLY, DEFAULT_THINKING } from './mocks/anthropic-upstream.js';
import { startOpenAIUpstream, DEFAULT_REPLY as OPENAI_REPLY } from './mocks/openai-upstream.js';
import { startGateway, TENANT_KEY, UPSTREAM_KEY } from './helpers/gateway.js';
import { mixedConfig } from './helpers/anthropic-gateway.js';

const claude = await startAnthropicUpstream({ apiKey: UPSTREAM_KEY });
const openai = await startOpenAIUpstream({ apiKey: UPSTREAM_KEY });
const gw = await startGateway(
  mixedConfig([
    { name: 'claude', adapter: 'anthropic', baseUrl: claude.url, models: ['claude-sonnet-4-6', 'claude-fast=claude-haiku-4-5'] },
    { name: 'gpt', adapter: 'openai', baseUrl: openai.url, models: ['gpt-4o'] },
  ]),
);
t.teardown(async () => {
  await gw.stop();
  await claude.close();
  await openai.close();
});
const client = new Anthropic({ apiKey: TENANT_KEY, baseURL: gw.url, maxRetries: 0 });

type Body = Record<string, unknown>;
const lastClaudeBody = (): Body => claude.requests.at(-1)?.body as Body;
const lastOpenAIBody = (): Body => openai.requests.at(-1)?.body as Body;

const weatherTools: Anthropic.Tool[] = [
  { name: 'get_weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  { name: 'get_time', input_schema: { type: 'object', properties: { tz: { type: 'string' } } } },
];

t.test('(a) Anthropic upstream: text, system prompt, model mapping, upstream credentials', async (t) => {
  const message = await client.messages.create({ model: 'claude-fast', max_tokens: 256, system: 'Be brief.', messages: [{ role: 'user', content: 'Say hello' }] });
  t.equal(message.type, 'message');
  t.equal(message.role, 'assistant');
  t.match(message.id, /^msg_01/);
  t.strictSame(message.content, [{ type: 'text', text: DEFAULT_REPLY }]);
  t.equal(message.stop_reason, 'end_turn');
  t.equal(message.usage.input_tokens, 4, 'system + prompt words, the mock tokenizer');
  t.equal(message.usage.output_tokens, 5);
  const sent = claude.requests.at(-1)!;
  t.equal(sent.headers['x-api-key'], UPSTREAM_KEY, 'the channel key, not the tenant key');
  t.equal(sent.headers['anthropic-version'], '2023-06-01');
  t.strictSame(sent.body, { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Say hello' }], system: 'Be brief.', max_tokens: 256 });
});

t.test('(a) Anthropic upstream: streaming events and the final message', async (t) => {
  const stream = client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: [{ role: 'user', content: 'Say hello' }] });
  const types: string[] = [];
  let text = '';
  stream.on('text', (delta) => void (text += delta));
  for await (const event of stream) types.push(event.type);
  const final = await stream.finalMessage();
  t.equal(text, DEFAULT_REPLY);
  t.equal(types[0], 'message_start');
  t.equal(types.at(-1), 'message_stop');
  t.ok(types.filter((x) => x === 'content_block_delta').length >= 3, 'several deltas');
  t.equal(final.stop_reason, 'end_turn');
  t.equal(final.usage.output_tokens, 5);
  t.equal(lastClaudeBody()['stream'], true);
});

t.test('(a) Anthropic upstream: parallel tool calls streamed, then the tool_result round trip', async (t) => {
  const first = client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 512, tools: weatherTools, messages: [{ role: 'user', content: 'Please call tool for Paris' }] });
  const message = await first.finalMessage();
  const uses = message.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
  t.strictSame(uses.map((u) => [u.name, u.input]), [['get_weather', { city: 'mock' }], ['get_time', { tz: 'mock' }]]);
  t.equal(message.stop_reason, 'tool_use');
  const second = await client.messages.create({
    model: 'claude-sonnet-4-6',
    max_tokens: 512,
    tools: weatherTools,
    messages: [
      { role: 'user', content: 'Please call tool for Paris' },
      { role: 'assistant', content: message.content },
      { role: 'user', content: uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: `${u.name} ok` })) },
    ],
  });
  t.equal(second.stop_reason, 'end_turn');
  const sent = lastClaudeBody()['messages'] as Body[];
  t.strictSame(sent[2], { role: 'user', content: uses.map((u) => ({ type: 'tool_result', tool_use_id: u.id, content: `${u.name} ok` })) });
  t.strictSame((sent[1]?.['content'] as Body[]).map((b) => b['type']), ['text', 'tool_use', 'tool_use']);
});

t.test('(a) Anthropic upstream: cache_control marks reach the upstream; cache usage with Anthropic semantics', async (t) => {
  const long = 'You are a meticulous assistant. '.repeat(20);
  const ask = () =>
    client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      system: [{ type: 'text', text: long, cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'Hi there' }],
    });
  const first = await ask();
  t.strictSame(lastClaudeBody()['system'], [{ type: 'text', text: long, cache_control: { type: 'ephemeral' } }]);
  t.equal(first.usage.cache_creation_input_tokens, 100);
  t.equal(first.usage.cache_read_input_tokens, 0);
  t.equal(first.usage.input_tokens, 2, 'input_tokens excludes the cached prefix');
  const second = await ask();
  t.equal(second.usage.cache_read_input_tokens, 100);
  t.equal(second.usage.cache_creation_input_tokens, 0);
  t.equal(second.usage.input_tokens, 2);
});

t.test('(a) same format: thinking signatures survive a multi-turn tool conversation; unknown fields relayed', async (t) => {
  const params = {
    model: 'claude-sonnet-4-6',
    max_tokens: 4096,
    thinking: { type: 'enabled' as const, budget_tokens: 2048 },
    service_tier: 'standard_only' as const,
    tools: weatherTools,
  };
  const first = await client.messages
    .stream({ ...params, messages: [{ role: 'user', content: 'Please call tool, thinking first' }] }, { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } })
    .finalMessage();
  t.equal(claude.requests.at(-1)?.headers['anthropic-beta'], 'interleaved-thinking-2025-05-14', "the client's beta header is relayed");
  const thinking = first.content[0];
  t.equal(thinking?.type, 'thinking');
  t.equal(thinking?.type === 'thinking' && thinking.thinking, DEFAULT_THINKING);
  t.match(thinking?.type === 'thinking' && thinking.signature, /^Eq.{100,}/, 'the signature, whole');
  t.match(lastClaudeBody(), { thinking: { type: 'enabled', budget_tokens: 2048 }, service_tier: 'standard_only' });
  const uses = first.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
  // The mock rejects a thinking block whose signature is not the one it minted (as the API does).
  const second = await client.messages.create({
    ...params,
    messages: [
      { role: 'user', content: 'Please call tool, thinking first' },
      { role: 'assistant', content: first.content },
      { role: 'user', content: uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: 'done' })) },
    ],
  });
  t.equal(second.stop_reason, 'end_turn');
  const replayed = (lastClaudeBody()['messages'] as Body[])[1]?.['content'] as Body[];
  t.strictSame(replayed[0], { type: 'thinking', thinking: DEFAULT_THINKING, signature: thinking?.type === 'thinking' ? thinking.signature : '' });
});

t.test('count_tokens is answered by the gateway with its estimate', async (t) => {
  const before = claude.requests.length;
  const count = await client.messages.countTokens({ model: 'claude-sonnet-4-6', system: 'Be brief.', messages: [{ role: 'user', content: 'Say hello to everyone' }] });
  t.type(count.input_tokens, 'number');
  t.ok(count.input_tokens > 0);
  t.equal(claude.requests.length, before, 'no upstream call');
});

t.test('(b) OpenAI upstream: text and system prompt, usage converted', async (t) => {
  const message = await client.messages.create({ model: 'gpt-4o', max_tokens: 128, system: 'Be brief.', messages: [{ role: 'user', content: 'Say hello' }] });
  t.strictSame(message.content, [{ type: 'text', text: OPENAI_REPLY }]);
  t.equal(message.stop_reason, 'end_turn');
  t.strictSame(lastOpenAIBody()['messages'], [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }]);
  t.equal(lastOpenAIBody()['max_tokens'], 128);
  t.equal(message.usage.input_tokens, 4, "the mock's prompt_tokens, minus its 0 cached tokens");
  t.equal(message.usage.output_tokens, 5);
  t.equal(message.usage.cache_read_input_tokens, 0);
});

t.test('(b) OpenAI upstream: streaming becomes Anthropic events', async (t) => {
  const stream = client.messages.stream({ model: 'gpt-4o', max_tokens: 128, messages: [{ role: 'user', content: 'Say hello' }] });
  let text = '';
  stream.on('text', (delta) => void (text += delta));
  const final = await stream.finalMessage();
  t.equal(text, OPENAI_REPLY);
  t.equal(final.stop_reason, 'end_turn');
  t.equal(final.usage.output_tokens, 5);
  t.equal(final.usage.input_tokens, 2);
  t.match(lastOpenAIBody(), { stream: true, stream_options: { include_usage: true } });
});

t.test('(b) OpenAI upstream: parallel tool calls streamed become tool_use blocks; results go back as tool messages', async (t) => {
  const message = await client.messages.stream({ model: 'gpt-4o', max_tokens: 128, tools: weatherTools, messages: [{ role: 'user', content: 'please call tool' }] }).finalMessage();
  const uses = message.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
  t.strictSame(uses.map((u) => [u.name, u.input]), [['get_weather', { city: 'mock' }], ['get_time', { tz: 'mock' }]]);
  t.equal(message.stop_reason, 'tool_use');
  t.strictSame(lastOpenAIBody()['tools'], weatherTools.map((tool) => ({ type: 'function', function: { name: tool.name, ...(tool.description ? { description: tool.description } : {}), parameters: tool.input_schema } })));
  await client.messages.create({
    model: 'gpt-4o',
    max_tokens: 128,
    tools: weatherTools,
    messages: [
      { role: 'user', content: 'please call tool' },
      { role: 'assistant', content: message.content },
      { role: 'user', content: [...uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: 'fine' })), { type: 'text' as const, text: 'and?' }] },
    ],
  });
  const sent = lastOpenAIBody()['messages'] as Body[];
  t.strictSame(sent.slice(1).map((m) => m['role']), ['assistant', 'tool', 'tool', 'user']);
  t.strictSame((sent[1]?.['tool_calls'] as Body[]).map((c) => c['id']), uses.map((u) => u.id));
  t.strictSame(sent.slice(2, 4).map((m) => [m['tool_call_id'], m['content']]), uses.map((u) => [u.id, 'fine']));
});
