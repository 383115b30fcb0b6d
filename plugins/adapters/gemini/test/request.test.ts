// Canonical → Gemini: toUpstream's URL, key header and GenerateContentRequest body; drops; input never mutated.
import t from 'tap';
import { GatewayError, openaiWire, type ChatRequest, type EmbeddingRequest, type RelayRequest } from '@sluice/core';
import gemini from '@sluice/adapter-gemini';
import { API_KEY, context, deepFreeze } from './helpers.js';

type Wire = Record<string, unknown>;
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

const chat = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  operation: 'chat',
  model: 'gemini-2.5-flash',
  stream: false,
  includeUsage: false,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

const body = (request: RelayRequest, ctx = context()): Wire => gemini.toUpstream(request, ctx).body as Wire;

t.test('the package default-exports the adapter and a Gemini surface', async (t) => {
  const pkg = await import('@sluice/adapter-gemini');
  t.equal(pkg.default.id, 'gemini');
  t.strictSame([...pkg.default.operations], ['chat', 'embeddings']);
  t.equal(pkg.surfaces.length, 1);
  t.equal(pkg.surfaces[0]?.surface.id, 'gemini');
  t.ok(pkg.surfaces[0]?.routes.some((r) => r.path === '/v1beta/models/{model}:streamGenerateContent'));
});

t.test('toUpstream: paths, the key in a header and never in the query', async (t) => {
  const plain = gemini.toUpstream(chat(), context());
  t.equal(plain.path, '/models/gemini-2.5-flash:generateContent');
  t.equal(plain.stream, false);
  t.equal(plain.query, undefined);
  t.equal(plain.headers['x-goog-api-key'], API_KEY);
  const streamed = gemini.toUpstream(chat({ stream: true }), context());
  t.equal(streamed.path, '/models/gemini-2.5-flash:streamGenerateContent');
  t.strictSame(streamed.query, { alt: 'sse' });
  t.notOk(JSON.stringify(streamed.query).includes(API_KEY));
  const tuned = gemini.toUpstream(chat(), { ...context(), upstreamModel: 'tunedModels/my-model' });
  t.equal(tuned.path, '/tunedModels/my-model:generateContent');
  const odd = gemini.toUpstream(chat(), { ...context(), upstreamModel: 'a/b/../c' });
  t.equal(odd.path, '/models/a%2Fb%2F..%2Fc:generateContent', 'a model name cannot add path segments');
});

t.test('system and developer messages become systemInstruction; roles map to user/model', async (t) => {
  const wire = body(
    chat({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'developer', content: [{ type: 'text', text: 'use metric' }] },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: [{ type: 'text', text: 'and ' }, { type: 'text', text: 'more' }] },
      ],
    }),
  );
  t.strictSame(wire['systemInstruction'], { parts: [{ text: 'be brief' }, { text: 'use metric' }] });
  t.strictSame(wire['contents'], [
    { role: 'user', parts: [{ text: 'hi' }] },
    { role: 'model', parts: [{ text: 'hello' }] },
    { role: 'user', parts: [{ text: 'and ' }, { text: 'more' }] },
  ]);
});

t.test('generationConfig from the canonical knobs', async (t) => {
  const wire = body(chat({ maxTokens: 64, temperature: 0.2, topP: 0.9, topK: 40, n: 2, stop: ['END'] }));
  t.strictSame(wire['generationConfig'], { maxOutputTokens: 64, temperature: 0.2, topP: 0.9, topK: 40, candidateCount: 2, stopSequences: ['END'] });
  t.notOk('generationConfig' in body(chat()), 'no empty generationConfig');
});

t.test('images: data URLs inline, http URLs as fileData or dropped by option, audio and files inline', async (t) => {
  const request = chat({
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.webp?size=2', detail: 'high' } },
          { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'mp3' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } },
          { type: 'refusal', refusal: 'x' },
        ],
      },
    ],
  });
  const ctx = context();
  const parts = (body(request, ctx)['contents'] as { parts: unknown[] }[])[0]!.parts;
  t.strictSame(parts, [
    { inlineData: { mimeType: 'image/png', data: PNG } },
    { fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/cat.webp?size=2' } },
    { inlineData: { mimeType: 'audio/mp3', data: 'UklGRg==' } },
    { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
  ]);
  t.strictSame(ctx.dropped.map((d) => d.field), ['messages[0].content[1].image_url.detail', 'messages[0].content[4]']);

  const dropping = context({ imageUrls: 'drop' });
  const kept = (body(request, dropping)['contents'] as { parts: unknown[] }[])[0]!.parts;
  t.equal(kept.length, 3, 'the URL image is not sent');
  t.ok(dropping.dropped.some((d) => d.field === 'messages[0].content[1]' && /imageUrls/.test(d.reason)));
});

t.test('tools, tool_choice and a full tool round trip with results matched by id, name and order', async (t) => {
  const parameters = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
  const request = chat({
    tools: [
      { type: 'function', function: { name: 'get_weather', description: 'Weather by city', parameters, strict: true } },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
    ],
    toolChoice: { type: 'function', function: { name: 'get_weather' } },
    messages: [
      { role: 'user', content: 'weather and time in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_gm_x_0_1', type: 'function', function: { name: 'get_time', arguments: '' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_gm_x_0_1', content: '12:00' },
      { role: 'tool', tool_call_id: 'call_abc', content: '{"temp":21}' },
      { role: 'user', content: 'thanks' },
    ],
  });
  const ctx = context();
  const wire = body(request, ctx);
  t.strictSame(wire['tools'], [
    {
      functionDeclarations: [
        { name: 'get_weather', description: 'Weather by city', parametersJsonSchema: parameters },
        { name: 'get_time', parametersJsonSchema: { type: 'object', properties: {} } },
      ],
    },
  ]);
  t.strictSame(wire['toolConfig'], { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
  t.strictSame(wire['contents'], [
    { role: 'user', parts: [{ text: 'weather and time in Paris?' }] },
    {
      role: 'model',
      parts: [
        { functionCall: { id: 'call_abc', name: 'get_weather', args: { city: 'Paris' } } },
        { functionCall: { name: 'get_time', args: {} } },
      ],
    },
    {
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_time', response: { output: '12:00' } } },
        { functionResponse: { id: 'call_abc', name: 'get_weather', response: { temp: 21 } } },
      ],
    },
    { role: 'user', parts: [{ text: 'thanks' }] },
  ], 'parallel results travel in one turn; our own synthetic ids are never sent');
  t.strictSame(ctx.dropped.map((d) => d.field), ['tools[0].function.strict']);

  const choices = { auto: 'AUTO', none: 'NONE', required: 'ANY' } as const;
  for (const [choice, mode] of Object.entries(choices)) {
    t.strictSame(body(chat({ toolChoice: choice as 'auto' }))['toolConfig'], { functionCallingConfig: { mode } });
  }
});

t.test('a tool result without a known id takes the next unanswered call, in order', async (t) => {
  const wire = body(
    chat({
      messages: [
        { role: 'user', content: 'x' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { id: 'a', type: 'function', function: { name: 'first', arguments: '{}' } },
            { id: 'b', type: 'function', function: { name: 'second', arguments: '{}' } },
          ],
        },
        { role: 'tool', content: 'one' },
        { role: 'tool', tool_call_id: 'unknown', content: 'two' },
      ],
    }),
  );
  const names = ((wire['contents'] as { parts: { functionResponse?: { name: string } }[] }[])[2]!.parts).map((p) => p.functionResponse?.name);
  t.strictSame(names, ['first', 'second']);
});

t.test('reasoning signatures: on the first function call, else on the thought part or the last text part', async (t) => {
  const withCalls = body(
    chat({
      messages: [
        { role: 'user', content: 'x' },
        {
          role: 'assistant',
          content: null,
          reasoning: [{ text: 'I should look it up.', signature: 'sig-1' }, { redacted: 'opaque' }],
          tool_calls: [
            { id: 'call_gm_r_0_0', type: 'function', function: { name: 'a', arguments: '{}' } },
            { id: 'call_gm_r_0_1', type: 'function', function: { name: 'b', arguments: '{"n":1}' } },
          ],
        },
      ],
    }),
    context(),
  );
  t.strictSame((withCalls['contents'] as { parts: unknown[] }[])[1]!.parts, [
    { text: 'I should look it up.', thought: true },
    { functionCall: { name: 'a', args: {} }, thoughtSignature: 'sig-1' },
    { functionCall: { name: 'b', args: { n: 1 } } },
  ]);

  const ctx = context();
  const textOnly = body(
    chat({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: 'Paris.', reasoning: [{ signature: 'sig-2' }] },
        { role: 'user', content: 'y' },
        { role: 'assistant', content: null, reasoning: [{ text: 'hmm', signature: 'sig-3' }, { signature: 'sig-4' }] },
        { role: 'assistant', content: 'z', reasoning: [{ redacted: 'opaque' }] },
      ],
    }),
    ctx,
  );
  const contents = textOnly['contents'] as { parts: unknown[] }[];
  t.strictSame(contents[1]!.parts, [{ text: 'Paris.', thoughtSignature: 'sig-2' }]);
  t.strictSame(contents[3]!.parts, [{ text: 'hmm', thought: true, thoughtSignature: 'sig-3' }, { text: '', thoughtSignature: 'sig-4' }]);
  t.strictSame(ctx.dropped.map((d) => d.field), ['messages[4].reasoning[0].redacted']);
});

t.test('OpenAI-only fields: translated where Gemini has the knob, reported as dropped otherwise', async (t) => {
  const request = openaiWire.decodeChat({
    model: 'gemini-2.5-flash',
    messages: [{ role: 'user', content: 'json please', name: 'alice' }],
    seed: 7,
    presence_penalty: 0.5,
    frequency_penalty: 0.25,
    response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object' } } },
    reasoning_effort: 'low',
    max_completion_tokens: 100,
    logprobs: true,
    metadata: null,
    user: 'u-1',
    parallel_tool_calls: false,
  });
  const ctx = context();
  const wire = body(request, ctx);
  t.strictSame(wire['generationConfig'], {
    maxOutputTokens: 100,
    seed: 7,
    presencePenalty: 0.5,
    frequencyPenalty: 0.25,
    responseMimeType: 'application/json',
    responseJsonSchema: { type: 'object' },
    thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
  });
  t.strictSame(ctx.dropped.map((d) => d.field).sort(), ['logprobs', 'messages[0].name', 'parallel_tool_calls', 'user']);
});

t.test('same-format relay: Gemini-only fields pass through, the gateway-set ones win', async (t) => {
  const request = chat({
    maxTokens: 10,
    extra: {
      format: 'gemini',
      fields: {
        safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
        cachedContent: 'cachedContents/abc',
        generationConfig: { thinkingConfig: { thinkingBudget: 0 }, maxOutputTokens: 999 },
        tools: [{ googleSearch: {} }],
      },
    },
    tools: [{ type: 'function', function: { name: 'f' } }],
  });
  const ctx = context({}, 'gemini');
  const wire = body(request, ctx);
  t.strictSame(wire['safetySettings'], [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }]);
  t.equal(wire['cachedContent'], 'cachedContents/abc');
  t.strictSame(wire['generationConfig'], { thinkingConfig: { thinkingBudget: 0 }, maxOutputTokens: 10 });
  t.strictSame(wire['tools'], [{ functionDeclarations: [{ name: 'f' }] }, { googleSearch: {} }]);
  t.strictSame(ctx.dropped, []);
});

t.test('toUpstream never mutates its input, and translating twice gives the same body', async (t) => {
  const request = deepFreeze(
    chat({
      stream: true,
      stop: ['x'],
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] },
        { role: 'assistant', content: null, reasoning: [{ text: 't', signature: 's' }], tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":[1]}' } }] },
        { role: 'tool', tool_call_id: 'c', content: '{"ok":true}' },
      ],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      extra: { format: 'gemini', fields: { generationConfig: { seed: 1 }, tools: [{ codeExecution: {} }] } },
    }),
  );
  const first = gemini.toUpstream(request, context());
  const second = gemini.toUpstream(request, context());
  t.strictSame(first, second);
});

t.test('embeddings: one string → embedContent, a list → batchEmbedContents, tokens refused', async (t) => {
  const one: EmbeddingRequest = { operation: 'embeddings', model: 'text-embedding-004', input: 'hello', stream: false, includeUsage: false, dimensions: 64 };
  const single = gemini.toUpstream(one, { ...context(), upstreamModel: 'text-embedding-004' });
  t.equal(single.path, '/models/text-embedding-004:embedContent');
  t.strictSame(single.body, { content: { parts: [{ text: 'hello' }] }, outputDimensionality: 64 });

  const ctx = { ...context(), upstreamModel: 'text-embedding-004' };
  const batch = gemini.toUpstream(openaiWire.decodeEmbedding({ model: 'e', input: ['a', 'b'], encoding_format: 'base64', user: 'u' }), ctx);
  t.equal(batch.path, '/models/text-embedding-004:batchEmbedContents');
  t.strictSame(batch.body, {
    requests: [
      { model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] } },
      { model: 'models/text-embedding-004', content: { parts: [{ text: 'b' }] } },
    ],
  });
  t.throws(() => gemini.toUpstream({ ...one, input: [1, 2, 3] }, context()), GatewayError);
});
