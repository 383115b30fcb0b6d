// toUpstream: canonical (OpenAI-shaped) chat requests → Anthropic Messages API bodies, headers and reported drops.
import t from 'tap';
import { openaiWire, type ChatRequest, type RelayRequest } from '@sluice/core';
import anthropic, { decodeRequest } from '@sluice/adapter-anthropic';
import { API_KEY, context, deepFreeze } from './helpers.js';

type Wire = Record<string, unknown>;
const body = (request: RelayRequest, ctx = context()): Wire => anthropic.toUpstream(deepFreeze(request), ctx).body as Wire;
const openai = (wire: Wire): ChatRequest => openaiWire.decodeChat({ model: 'claude', ...wire });

t.test('path, headers and the options that shape them', async (t) => {
  const request = openai({ messages: [{ role: 'user', content: 'hi' }], stream: true });
  const plain = anthropic.toUpstream(request, context());
  t.equal(plain.method, 'POST');
  t.equal(plain.path, '/messages');
  t.equal(plain.stream, true);
  t.equal(plain.headers['x-api-key'], API_KEY);
  t.equal(plain.headers['anthropic-version'], '2023-06-01');
  t.notOk('anthropic-beta' in plain.headers);
  t.notOk('authorization' in plain.headers, 'Anthropic takes the key in x-api-key only');
  const tuned = anthropic.toUpstream(request, context('openai', { anthropicVersion: '2024-01-01', anthropicBeta: ['a-2025', 'b-2025'] }));
  t.equal(tuned.headers['anthropic-version'], '2024-01-01');
  t.equal(tuned.headers['anthropic-beta'], 'a-2025,b-2025');
  t.match(tuned.body, { model: 'claude-sonnet-4-6', stream: true });
});

t.test('system and developer messages become the top-level system prompt; cache marks keep it as blocks', async (t) => {
  t.match(body(openai({ messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] })), {
    system: 'be brief',
    messages: [{ role: 'user', content: 'hi' }],
  });
  const two = body(openai({ messages: [{ role: 'developer', content: 'rule one' }, { role: 'user', content: 'hi' }, { role: 'system', content: 'rule two' }] }));
  t.strictSame(two['system'], [{ type: 'text', text: 'rule one' }, { type: 'text', text: 'rule two' }]);
  t.strictSame(two['messages'], [{ role: 'user', content: 'hi' }]);
  const marked = body(openai({ messages: [{ role: 'system', content: [{ type: 'text', text: 'long', cacheControl: { type: 'ephemeral', ttl: '1h' } }] }, { role: 'user', content: 'hi' }] }));
  t.strictSame(marked['system'], [{ type: 'text', text: 'long', cache_control: { type: 'ephemeral', ttl: '1h' } }]);
});

t.test('max_tokens: the client value, else the channel default; stop, sampling, user', async (t) => {
  t.equal(body(openai({ messages: [{ role: 'user', content: 'x' }] }))['max_tokens'], 4096);
  t.equal(body(openai({ messages: [{ role: 'user', content: 'x' }] }), context('openai', { defaultMaxTokens: 1000 }))['max_tokens'], 1000);
  const ctx = context();
  const wire = body(openai({ messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 77, stop: 'END', temperature: 0.3, top_p: 0.9, user: 'u-1', n: 1 }), ctx);
  t.match(wire, { max_tokens: 77, stop_sequences: ['END'], temperature: 0.3, top_p: 0.9, metadata: { user_id: 'u-1' } });
  t.strictSame(ctx.dropped, [], 'nothing lost');
  const hot = context();
  t.equal(body(openai({ messages: [{ role: 'user', content: 'x' }], temperature: 1.6, n: 3 }), hot)['temperature'], 1);
  t.strictSame(hot.dropped.map((d) => d.field).sort(), ['n', 'temperature'], 'clamped temperature and n > 1 are reported');
});

t.test('images: data: URLs as base64 sources, http URLs as url sources, the rest reported', async (t) => {
  const ctx = context();
  const wire = body(
    openai({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'data:image/svg+xml,<svg/>' } },
            { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
          ],
        },
      ],
    }),
    ctx,
  );
  t.strictSame((wire['messages'] as Wire[])[0]?.['content'], [
    { type: 'text', text: 'what is this?' },
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
    { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
  ]);
  t.strictSame(ctx.dropped.map((d) => d.field), ['messages[0].content[2].image_url.detail', 'messages[0].content[3]', 'messages[0].content[4]']);
});

t.test('tools and tool_choice', async (t) => {
  const tools = [
    { type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    { type: 'function', function: { name: 'ping' } },
  ];
  const wire = body(openai({ messages: [{ role: 'user', content: 'x' }], tools, tool_choice: 'required', parallel_tool_calls: false }));
  t.strictSame(wire['tools'], [
    { name: 'get_weather', description: 'Weather now', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
    { name: 'ping', input_schema: { type: 'object', properties: {} } },
  ]);
  t.strictSame(wire['tool_choice'], { type: 'any', disable_parallel_tool_use: true });
  const choice = (tool_choice: unknown, extra: Wire = {}): unknown =>
    body(openai({ messages: [{ role: 'user', content: 'x' }], tools, tool_choice, ...extra }))['tool_choice'];
  t.strictSame(choice('auto'), { type: 'auto' });
  t.strictSame(choice('none'), { type: 'none' });
  t.strictSame(choice({ type: 'function', function: { name: 'ping' } }), { type: 'tool', name: 'ping' });
  t.strictSame(choice(undefined, { parallel_tool_calls: false }), { type: 'auto', disable_parallel_tool_use: true });
  t.equal(choice(undefined), undefined);
  t.notOk('tool_choice' in body(openai({ messages: [{ role: 'user', content: 'x' }], tool_choice: 'auto' })), 'no tools, no tool_choice');
  const ctx = context();
  body(openai({ messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'custom', custom: { name: 'grammar' } }] }), ctx);
  t.strictSame(ctx.dropped.map((d) => d.field), ['tools[0]']);
});

t.test('tool round trip: reasoning + tool_use, consecutive tool results merged into one user turn', async (t) => {
  const ctx = context();
  const wire = body(
    openai({
      messages: [
        { role: 'user', content: 'weather and time?' },
        {
          role: 'assistant',
          content: 'Checking.',
          reasoning_details: [{ type: 'reasoning.text', text: 'two calls', signature: 'sig-1' }, { type: 'reasoning.encrypted', data: 'opaque' }],
          tool_calls: [
            { id: 'toolu_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_b', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_a', content: '18C' },
        { role: 'tool', tool_call_id: 'toolu_b', content: [{ type: 'text', text: '10:00' }] },
        { role: 'user', content: 'and tomorrow?' },
        { role: 'tool', content: 'legacy function result without id' },
      ],
    }),
    ctx,
  );
  t.strictSame(wire['messages'], [
    { role: 'user', content: 'weather and time?' },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'two calls', signature: 'sig-1' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_b', name: 'get_time', input: {} },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_a', content: '18C' },
        { type: 'tool_result', tool_use_id: 'toolu_b', content: [{ type: 'text', text: '10:00' }] },
        { type: 'text', text: 'and tomorrow?' },
      ],
    },
  ]);
  t.strictSame(ctx.dropped.map((d) => d.field), ['messages[5]']);
});

t.test('what cannot be replayed to Anthropic is reported, never silently lost', async (t) => {
  const ctx = context();
  const wire = body(
    openai({
      messages: [
        { role: 'user', name: 'alice', content: 'x' },
        { role: 'assistant', content: 'y', reasoning_content: 'unsigned (DeepSeek style)', refusal: null, annotations: [] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: 'not json' } }], refusal: 'no' },
      ],
      logprobs: true,
      top_logprobs: 2,
      seed: 3,
      store: false,
      metadata: { a: 'b' },
      stream_options: null,
      response_format: { type: 'json_object' },
    }),
    ctx,
  );
  t.strictSame(
    ctx.dropped.map((d) => d.field).sort(),
    [
      'logprobs',
      'messages[0].name',
      'messages[1].reasoning[0]',
      'messages[2].refusal',
      'messages[2].tool_calls[0].function.arguments',
      'metadata',
      'response_format',
      'seed',
      'top_logprobs',
    ],
  );
  t.strictSame((wire['messages'] as Wire[])[2]?.['content'], [{ type: 'tool_use', id: 'c', name: 'f', input: {} }]);
});

t.test('reasoning_effort and friends become extended thinking; what conflicts with it is reported', async (t) => {
  const ctx = context();
  const wire = body(openai({ messages: [{ role: 'user', content: 'x' }], reasoning_effort: 'medium', temperature: 0.2, top_p: 0.5 }), ctx);
  t.strictSame(wire['thinking'], { type: 'enabled', budget_tokens: 8192 });
  t.equal(wire['max_tokens'], 4096 + 8192, 'room for the thinking on top of the default answer');
  t.notOk('temperature' in wire);
  t.notOk('top_p' in wire);
  t.strictSame(ctx.dropped.map((d) => d.field).sort(), ['temperature', 'top_p']);

  const capped = body(openai({ messages: [{ role: 'user', content: 'x' }], reasoning_effort: 'high', max_completion_tokens: 3000 }));
  t.strictSame(capped['thinking'], { type: 'enabled', budget_tokens: 2999 });
  t.equal(capped['max_tokens'], 3000);

  const tooSmall = context();
  t.notOk('thinking' in body(openai({ messages: [{ role: 'user', content: 'x' }], reasoning_effort: 'low', max_tokens: 500 }), tooSmall));
  t.strictSame(tooSmall.dropped.map((d) => d.field), ['reasoning_effort']);

  const forced = context();
  const tools = [{ type: 'function', function: { name: 'f' } }];
  t.notOk('thinking' in body(openai({ messages: [{ role: 'user', content: 'x' }], tools, tool_choice: 'required', reasoning_effort: 'low' }), forced));
  t.strictSame(forced.dropped.map((d) => d.field), ['reasoning_effort']);

  t.strictSame(body(openai({ messages: [{ role: 'user', content: 'x' }], reasoning: { max_tokens: 5000 } }))['thinking'], { type: 'enabled', budget_tokens: 5000 });
  t.strictSame(body(openai({ messages: [{ role: 'user', content: 'x' }], thinking: { type: 'enabled', budget_tokens: 2048 } }))['thinking'], { type: 'enabled', budget_tokens: 2048 });
  t.notOk('thinking' in body(openai({ messages: [{ role: 'user', content: 'x' }], reasoning_effort: 'none' })));
  const odd = context();
  body(openai({ messages: [{ role: 'user', content: 'x' }], reasoning_effort: 'galaxy-brain' }), odd);
  t.strictSame(odd.dropped.map((d) => d.field), ['reasoning_effort']);

  const adaptive = body(openai({ messages: [{ role: 'user', content: 'x' }], reasoning_effort: 'minimal' }), context('openai', { thinking: 'adaptive' }));
  t.strictSame(adaptive['thinking'], { type: 'adaptive' });
  t.strictSame(adaptive['output_config'], { effort: 'low' });
});

t.test('response_format json_schema becomes output_config.format', async (t) => {
  const ctx = context();
  const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
  const wire = body(openai({ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: { name: 'r', schema, strict: true } } }), ctx);
  t.strictSame(wire['output_config'], { format: { type: 'json_schema', schema } });
  t.strictSame(ctx.dropped, []);
});

t.test('same-format relay: an Anthropic client keeps fields the canonical types do not model', async (t) => {
  const request = decodeRequest({
    model: 'claude',
    max_tokens: 1024,
    system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }],
    thinking: { type: 'enabled', budget_tokens: 2000 },
    service_tier: 'standard_only',
    metadata: { user_id: 'u-9' },
    tools: [
      { name: 'get_weather', input_schema: { type: 'object' }, defer_loading: true, cache_control: { type: 'ephemeral' } },
      { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
    ],
    tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    messages: [
      { role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'doc' } }, { type: 'text', text: 'summarise' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hm', signature: 'sig' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' }, cache_control: { type: 'ephemeral' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'boom', is_error: true }] },
    ],
  });
  const ctx = context('anthropic');
  const wire = body(request, ctx);
  t.strictSame(ctx.dropped, []);
  t.strictSame(wire, {
    model: 'claude-sonnet-4-6',
    messages: [
      { role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'doc' } }, { type: 'text', text: 'summarise' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hm', signature: 'sig' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' }, cache_control: { type: 'ephemeral' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'boom', is_error: true }] },
    ],
    system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }],
    max_tokens: 1024,
    metadata: { user_id: 'u-9' },
    tools: [
      { name: 'get_weather', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' }, defer_loading: true },
      { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
    ],
    tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    thinking: { type: 'enabled', budget_tokens: 2000 },
    service_tier: 'standard_only',
  });
});

t.test("same format: the client's anthropic-beta header joins the channel's, and stays out of the body", async (t) => {
  const request = decodeRequest({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }, { 'anthropic-beta': 'interleaved-thinking-2025-05-14, a-2025' });
  const upstream = anthropic.toUpstream(deepFreeze(request), context('anthropic', { anthropicBeta: ['a-2025'] }));
  t.equal(upstream.headers['anthropic-beta'], 'a-2025,interleaved-thinking-2025-05-14');
  t.notOk('anthropic-beta' in (upstream.body as Wire));
});

t.test('extras of another wire format are reported, not relayed', async (t) => {
  const ctx = context();
  const request: ChatRequest = { operation: 'chat', model: 'm', messages: [{ role: 'user', content: 'x' }], stream: false, includeUsage: false, extra: { format: 'gemini', fields: { safetySettings: [] } } };
  const wire = body(request, ctx);
  t.notOk('safetySettings' in wire);
  t.strictSame(ctx.dropped.map((d) => d.field), ['safetySettings']);
});

t.test('the input is never mutated (deep-frozen requests translate, twice, identically)', async (t) => {
  const request = openai({
    messages: [
      { role: 'system', content: [{ type: 'text', text: 's', cacheControl: { type: 'ephemeral' } }] },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/gif;base64,R0lG' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }], reasoning_details: [{ type: 'reasoning.text', text: 'r', signature: 's' }] },
      { role: 'tool', tool_call_id: 't', content: 'ok' },
    ],
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
    reasoning_effort: 'low',
    temperature: 0.5,
  });
  const before = structuredClone(request);
  deepFreeze(request);
  const first = anthropic.toUpstream(request, context()).body;
  const second = anthropic.toUpstream(request, context()).body;
  t.strictSame(request, before);
  t.strictSame(first, second);
});
