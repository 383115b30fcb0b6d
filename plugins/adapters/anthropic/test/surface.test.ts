// The /v1/messages surface codec: Anthropic requests → canonical, and the stream encoder's block structure.
import t from 'tap';
import type { CanonicalChunk, ChatChunk, ChatDelta, RelayContext } from '@sluice/core';
import { GatewayError } from '@sluice/core';
import { anthropicSurface, anthropicSurfaceDefinition, decodeRequest, surfaces } from '@sluice/adapter-anthropic';
import { deepFreeze } from './helpers.js';

type Wire = Record<string, unknown>;

function relayContext(): RelayContext & { dropped: string[] } {
  const dropped: string[] = [];
  return {
    id: 'req-1',
    surface: 'anthropic',
    operation: 'chat',
    request: { operation: 'chat', model: 'claude-public', messages: [], stream: true, includeUsage: true },
    dropped,
    note: () => {},
  } as unknown as RelayContext & { dropped: string[] };
}

t.test('the package exports its surface for core to serve', async (t) => {
  t.strictSame(surfaces, [anthropicSurfaceDefinition]);
  t.strictSame(anthropicSurfaceDefinition.routes.map((r) => `${r.method} ${r.path}`), ['POST /v1/messages', 'POST /v1/messages/count_tokens']);
  t.strictSame(anthropicSurfaceDefinition.pathPrefixes, ['/v1/messages']);
  t.equal(anthropicSurface.keepAlive, 'event: ping\ndata: {"type": "ping"}\n\n');
});

t.test('decode: system, tool results split into tool messages, thinking as reasoning, tool_choice', async (t) => {
  const wire = deepFreeze({
    model: 'claude-public',
    max_tokens: 512,
    stream: true,
    system: 'be brief',
    temperature: 0.2,
    top_k: 5,
    stop_sequences: ['END'],
    metadata: { user_id: 'u-1' },
    tool_choice: { type: 'any', disable_parallel_tool_use: true },
    tools: [{ name: 'f', description: 'does f', input_schema: { type: 'object', properties: {} }, cache_control: { type: 'ephemeral' } }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'look', cache_control: { type: 'ephemeral' } }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAA' } }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'text', text: 'calling' },
          { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'done' }] }, { type: 'text', text: 'thanks' }] },
    ],
  }) as Wire;
  const request = decodeRequest(wire);
  t.match(request, { operation: 'chat', model: 'claude-public', stream: true, includeUsage: true, maxTokens: 512, temperature: 0.2, topK: 5, stop: ['END'], user: 'u-1', toolChoice: 'required', parallelToolCalls: false });
  t.strictSame(request.tools, [{ type: 'function', function: { name: 'f', description: 'does f', parameters: { type: 'object', properties: {} } }, cacheControl: { type: 'ephemeral' } }]);
  t.strictSame(request.messages, [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: [{ type: 'text', text: 'look', cacheControl: { type: 'ephemeral' } }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA' } }] },
    {
      role: 'assistant',
      content: 'calling',
      reasoning: [{ text: 'hmm', signature: 'sig' }, { redacted: 'opaque' }],
      tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
    },
    { role: 'tool', tool_call_id: 'toolu_1', content: [{ type: 'text', text: 'done' }] },
    { role: 'user', content: 'thanks' },
  ]);
  t.strictSame(request.extra, { format: 'anthropic', fields: { metadata: { user_id: 'u-1' }, tools: wire['tools'] } });
  const other = decodeRequest({ model: 'm', max_tokens: 1, messages: [], tool_choice: { type: 'tool', name: 'f' }, thinking: { type: 'enabled', budget_tokens: 1024 } });
  t.strictSame(other.toolChoice, { type: 'function', function: { name: 'f' } });
  t.strictSame(other.extra?.fields['thinking'], { type: 'enabled', budget_tokens: 1024 });
});

t.test('count_tokens decodes to the canonical count_tokens operation', async (t) => {
  const route = anthropicSurfaceDefinition.routes[1]!;
  const request = route.decode({ model: 'm', system: 's', messages: [{ role: 'user', content: 'x' }] }, { params: {}, query: {}, headers: {} });
  t.match(request, { operation: 'count_tokens', model: 'm', stream: false, includeUsage: false });
  t.notOk('maxTokens' in request);
  const ctx = relayContext();
  t.strictSame(anthropicSurface.encodeResponse({ operation: 'count_tokens', inputTokens: 42 }, {}, ctx), { input_tokens: 42 });
  t.throws(() => anthropicSurface.encodeResponse({ operation: 'models', models: [] }, {}, ctx), GatewayError);
});

const chunk = (delta: ChatDelta, finishReason: ChatChunk['choices'][number]['finishReason'] = null): CanonicalChunk => ({
  operation: 'chat',
  id: 'chatcmpl-1',
  created: 1,
  model: 'gpt-4o',
  choices: [{ index: 0, delta, finishReason }],
});

/** Runs chunks through a fresh encoder and parses the SSE it wrote. */
function encode(chunks: CanonicalChunk[], usage = {}): { event: string; data: Wire }[] {
  const encoder = anthropicSurface.createStreamEncoder(relayContext());
  const text = chunks.map((c) => encoder.chunk(c)).join('') + encoder.end(usage);
  t.ok(text.endsWith('\n\n'));
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const [event, data] = block.split('\n');
      return { event: event!.slice('event: '.length), data: JSON.parse(data!.slice('data: '.length)) as Wire };
    });
}

t.test('stream encoder: blocks open and close as the delta kind changes, with consecutive indexes', async (t) => {
  const events = encode(
    [
      chunk({ role: 'assistant', content: '' }),
      chunk({ reasoning: 'think ' }),
      chunk({ reasoning: 'more' }),
      chunk({ reasoningSignature: 'sig-1' }),
      chunk({ reasoningRedacted: 'opaque' }),
      chunk({ content: 'Hello' }),
      chunk({ content: ' there' }),
      chunk({ toolCalls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } }] }),
      chunk({ toolCalls: [{ index: 0, function: { arguments: '{"a":' } }] }),
      chunk({ toolCalls: [{ index: 0, function: { arguments: '1}' } }] }),
      chunk({ toolCalls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'g', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ],
    { input: 100, cachedInput: 40, output: 12 },
  );
  const summary = events.map((e) => {
    const d = e.data;
    if (e.event === 'content_block_start') return `start ${String(d['index'])} ${String((d['content_block'] as Wire)['type'])}`;
    if (e.event === 'content_block_delta') return `delta ${String(d['index'])} ${JSON.stringify(d['delta'])}`;
    if (e.event === 'content_block_stop') return `stop ${String(d['index'])}`;
    return e.event;
  });
  t.strictSame(summary, [
    'message_start',
    'start 0 thinking',
    'delta 0 {"type":"thinking_delta","thinking":"think "}',
    'delta 0 {"type":"thinking_delta","thinking":"more"}',
    'delta 0 {"type":"signature_delta","signature":"sig-1"}',
    'stop 0',
    'start 1 redacted_thinking',
    'stop 1',
    'start 2 text',
    'delta 2 {"type":"text_delta","text":"Hello"}',
    'delta 2 {"type":"text_delta","text":" there"}',
    'stop 2',
    'start 3 tool_use',
    'delta 3 {"type":"input_json_delta","partial_json":"{\\"a\\":"}',
    'delta 3 {"type":"input_json_delta","partial_json":"1}"}',
    'stop 3',
    'start 4 tool_use',
    'delta 4 {"type":"input_json_delta","partial_json":"{}"}',
    'stop 4',
    'message_delta',
    'message_stop',
  ]);
  t.match(events[0]?.data, { type: 'message_start', message: { id: 'msg_chatcmpl-1', type: 'message', role: 'assistant', model: 'gpt-4o', content: [] } });
  t.strictSame((events[12]?.data['content_block'] as Wire), { type: 'tool_use', id: 'call_a', name: 'f', input: {} });
  t.strictSame(events.at(-2)?.data, {
    type: 'message_delta',
    delta: { stop_reason: 'tool_use', stop_sequence: null },
    usage: { input_tokens: 60, cache_creation_input_tokens: 0, cache_read_input_tokens: 40, output_tokens: 12 },
  });
});

t.test('stream encoder: an empty stream is still a well-formed message; errors are error events', async (t) => {
  const events = encode([]);
  t.strictSame(events.map((e) => e.event), ['message_start', 'message_delta', 'message_stop']);
  t.match(events[0]?.data, { message: { id: 'msg_req-1', model: 'claude-public' } });
  t.equal((events[1]?.data['delta'] as Wire)['stop_reason'], 'end_turn');
  const encoder = anthropicSurface.createStreamEncoder(relayContext());
  const error = encoder.error(new GatewayError('SLUICE_ERR_UPSTREAM_PROTOCOL', 'bad bytes'));
  t.equal(error, 'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"bad bytes"}}\n\n');
  const lengthStop = encode([chunk({ content: 'a' }), chunk({}, 'length')]);
  t.equal((lengthStop.at(-2)?.data['delta'] as Wire)['stop_reason'], 'max_tokens');
});
