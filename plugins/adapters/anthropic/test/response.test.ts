// fromUpstream (Anthropic message → canonical) and the surface's encoder (canonical → Anthropic message), with each
// format's usage semantics.
import t from 'tap';
import type { ChatRequest, ChatResponse } from '@sluice/core';
import anthropic, { decodeUsage, encodeResponse, encodeUsage } from '@sluice/adapter-anthropic';
import { context, deepFreeze } from './helpers.js';

type Wire = Record<string, unknown>;
const request: ChatRequest = { operation: 'chat', model: 'claude', messages: [{ role: 'user', content: 'hi' }], stream: false, includeUsage: false };
const decode = (wire: Wire, ctx = context()): { response: ChatResponse; usage: ReturnType<typeof decodeUsage> } =>
  anthropic.fromUpstream(deepFreeze(wire), request, ctx) as { response: ChatResponse; usage: ReturnType<typeof decodeUsage> };

const usage = { input_tokens: 30, cache_creation_input_tokens: 200, cache_read_input_tokens: 1000, cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 0 }, output_tokens: 50, service_tier: 'standard' };
const message = (content: Wire[], extra: Wire = {}): Wire => ({
  model: 'claude-sonnet-4-6',
  id: 'msg_01',
  type: 'message',
  role: 'assistant',
  content,
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage,
  ...extra,
});

t.test('usage: Anthropic input excludes cache reads and writes; canonical input includes them', async (t) => {
  t.strictSame(decodeUsage(usage), { input: 1230, cachedInput: 1000, cacheWrite: 200, output: 50 });
  t.strictSame(decodeUsage({ input_tokens: 5, output_tokens: 2 }), { input: 5, output: 2 }, 'unreported cache counts stay undefined');
  t.strictSame(decodeUsage({ output_tokens: 2, output_tokens_details: { thinking_tokens: 1 } }), { output: 2, reasoning: 1 });
  t.strictSame(decodeUsage(undefined), {});
  t.strictSame(encodeUsage({ input: 1230, cachedInput: 1000, cacheWrite: 200, output: 50 }), {
    input_tokens: 30,
    cache_creation_input_tokens: 200,
    cache_read_input_tokens: 1000,
    output_tokens: 50,
  });
  t.strictSame(encodeUsage({ input: 100, cachedInput: 40, output: 9 }), { input_tokens: 60, cache_creation_input_tokens: 0, cache_read_input_tokens: 40, output_tokens: 9 }, 'from OpenAI semantics');
  t.strictSame(encodeUsage({}), { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 });
});

t.test('text, thinking (signature kept), redacted thinking and parallel tool_use', async (t) => {
  const { response, usage: u } = decode(
    message(
      [
        { type: 'thinking', thinking: 'Let me see.', signature: 'EqQBsig' },
        { type: 'redacted_thinking', data: 'EmwKopaque' },
        { type: 'text', text: 'Checking ' },
        { type: 'text', text: 'both.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
      ],
      { stop_reason: 'tool_use' },
    ),
  );
  t.equal(response.id, 'msg_01');
  t.equal(response.model, 'claude-sonnet-4-6');
  const choice = response.choices[0]!;
  t.equal(choice.finishReason, 'tool_calls');
  t.equal(choice.message.content, 'Checking both.');
  t.strictSame(choice.message.reasoning, [{ text: 'Let me see.', signature: 'EqQBsig' }, { redacted: 'EmwKopaque' }]);
  t.strictSame(choice.message.tool_calls, [
    { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
    { id: 'toolu_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
  ]);
  t.equal(u.input, 1230);
});

t.test('stop reasons', async (t) => {
  const finish = (stop_reason: string | null): unknown => decode(message([{ type: 'text', text: 'x' }], { stop_reason })).response.choices[0]?.finishReason;
  t.equal(finish('end_turn'), 'stop');
  t.equal(finish('stop_sequence'), 'stop');
  t.equal(finish('max_tokens'), 'length');
  t.equal(finish('model_context_window_exceeded'), 'length');
  t.equal(finish('tool_use'), 'tool_calls');
  t.equal(finish('refusal'), 'content_filter');
  t.equal(finish('pause_turn'), 'stop');
  t.equal(finish('a_future_reason'), 'stop');
  t.equal(finish(null), null);
});

t.test('blocks another format cannot hold are reported for it, and kept for an Anthropic client', async (t) => {
  const blocks = [
    { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'q' } },
    { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
    { type: 'text', text: 'Per the source,', citations: [{ type: 'web_search_result_location', url: 'https://x' }] },
  ];
  const ctx = context();
  const translated = decode(message(blocks, { container: null }), ctx).response;
  t.equal(translated.choices[0]?.message.content, 'Per the source,');
  t.strictSame(ctx.dropped.map((d) => d.field), ['content[0]', 'content[1]', 'content[2].citations']);
  const same = context('anthropic');
  const kept = decode(message(blocks, { container: null }), same).response;
  t.strictSame(same.dropped, []);
  t.strictSame(kept.choices[0]?.message.content, [blocks[0], blocks[1], { type: 'text', text: 'Per the source,', citations: blocks[2]!['citations'] }]);
  const wire = encodeResponse(kept, decodeUsage(usage), { id: 'req', model: 'claude' }, () => t.fail('nothing to report'));
  t.strictSame(wire['content'], blocks, 'an Anthropic client gets the blocks back as sent');
  t.equal(wire['container'], null, 'unknown message fields are relayed');
});

t.test('surface encoder: canonical response → Anthropic message an SDK accepts', async (t) => {
  const response: ChatResponse = {
    operation: 'chat',
    id: 'chatcmpl-abc',
    created: 1,
    model: 'gpt-4o',
    choices: [
      {
        index: 0,
        finishReason: 'tool_calls',
        message: {
          role: 'assistant',
          content: 'On it.',
          reasoning: [{ text: 'plan', signature: 'sig' }, { text: 'unsigned' }],
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }, { id: 'call_2', type: 'function', function: { name: 'g', arguments: '{oops' } }],
        },
      },
    ],
  };
  const reported: string[] = [];
  const wire = encodeResponse(deepFreeze(response), { input: 100, cachedInput: 40, output: 9 }, { id: 'req-1', model: 'asked' }, (field) => void reported.push(field));
  t.strictSame(wire, {
    id: 'msg_chatcmpl-abc',
    type: 'message',
    role: 'assistant',
    model: 'gpt-4o',
    content: [
      { type: 'thinking', thinking: 'plan', signature: 'sig' },
      { type: 'thinking', thinking: 'unsigned', signature: '' },
      { type: 'text', text: 'On it.' },
      { type: 'tool_use', id: 'call_1', name: 'f', input: { a: 1 } },
      { type: 'tool_use', id: 'call_2', name: 'g', input: {} },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 60, cache_creation_input_tokens: 0, cache_read_input_tokens: 40, output_tokens: 9 },
  });
  t.strictSame(reported, ['tool_calls[1].function.arguments']);
  const stop = (finishReason: ChatResponse['choices'][number]['finishReason']): unknown =>
    encodeResponse({ ...response, choices: [{ index: 0, finishReason, message: { role: 'assistant', content: 'x' } }] }, {}, { id: 'r', model: 'm' }, () => {})['stop_reason'];
  t.equal(stop('stop'), 'end_turn');
  t.equal(stop('length'), 'max_tokens');
  t.equal(stop('content_filter'), 'refusal');
  t.equal(stop(null), 'end_turn');
});

t.test('same format: the exact stop reason, stop sequence and usage details come back as the upstream sent them', async (t) => {
  const { response, usage: u } = decode(message([{ type: 'text', text: 'one two' }], { stop_reason: 'stop_sequence', stop_sequence: 'THREE', stop_details: null }), context('anthropic'));
  const wire = encodeResponse(response, u, { id: 'r', model: 'm' }, () => {});
  t.equal(wire['stop_reason'], 'stop_sequence');
  t.equal(wire['stop_sequence'], 'THREE');
  t.strictSame(wire['usage'], usage);
  t.equal(wire['stop_details'], null);
  t.equal(wire['id'], 'msg_01');
});
