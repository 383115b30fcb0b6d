// The Gemini surface's codec: request decoding, same-format round trip, response and stream encoding.
import t from 'tap';
import { GatewayError, type CanonicalRequest, type ChatChunk, type ChatRequest, type RelayContext, type SurfaceRoute } from '@sluice/core';
import gemini, { geminiSurface, geminiSurfaceDefinition } from '@sluice/adapter-gemini';
import { context } from './helpers.js';

type Wire = Record<string, unknown>;

const route = (action: string): SurfaceRoute => geminiSurfaceDefinition.routes.find((r) => r.path.endsWith(`:${action}`))!;
const decode = (action: string, body: unknown, query: Record<string, string> = {}): CanonicalRequest =>
  route(action).decode(body, { params: { model: 'gemini-2.5-flash' }, query, headers: {} });

function relayContext(request: CanonicalRequest): RelayContext {
  return {
    id: 'req-1', surface: 'gemini', operation: request.operation, request, headers: {}, query: {}, clientIp: '127.0.0.1', startedAt: Date.now(),
    signal: new AbortController().signal, log: undefined as unknown as RelayContext['log'], dryRun: false, attempts: [], trace: [], responseHeaders: {}, dropped: [], plugins: {},
    note: () => undefined,
  } as RelayContext;
}

// What @google/genai sends for a chat with thinking, tools and a function-call round trip.
const SDK_BODY = {
  contents: [
    { parts: [{ text: 'Weather and time in Paris?' }], role: 'user' },
    {
      parts: [
        { text: 'Two lookups needed.', thought: true },
        { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2lnLTE=' },
        { functionCall: { name: 'get_time', args: { tz: 'CET' } } },
      ],
      role: 'model',
    },
    {
      parts: [
        { functionResponse: { name: 'get_time', response: { time: '12:00' } } },
        { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
      ],
      role: 'user',
    },
  ],
  systemInstruction: { parts: [{ text: 'Be brief.' }], role: 'user' },
  generationConfig: { maxOutputTokens: 256, temperature: 0.5, thinkingConfig: { includeThoughts: true }, responseMimeType: 'text/plain' },
  tools: [
    { functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } }, { name: 'get_time', description: 'Local time' }] },
    { googleSearch: {} },
  ],
  toolConfig: { functionCallingConfig: { mode: 'AUTO' }, retrievalConfig: { languageCode: 'fr' } },
  safetySettings: [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_ONLY_HIGH' }],
};

t.test('decode: contents, thoughts, calls and their results, tools, config; unknown fields as Gemini extra', async (t) => {
  const request = decode('generateContent', SDK_BODY) as ChatRequest;
  t.match(request, { operation: 'chat', model: 'gemini-2.5-flash', stream: false, maxTokens: 256, temperature: 0.5, toolChoice: 'auto' });
  t.strictSame(request.messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather and time in Paris?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_gm_h1_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_gm_h1_1', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
      ],
      reasoning: [{ text: 'Two lookups needed.', signature: 'c2lnLTE=' }],
    },
    { role: 'tool', tool_call_id: 'call_gm_h1_1', content: '{"time":"12:00"}' },
    { role: 'tool', tool_call_id: 'call_gm_h1_0', content: '{"temp":21}' },
  ], 'results find their calls by name');
  t.strictSame(request.tools?.map((tool) => tool.function), [
    { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
    { name: 'get_time', description: 'Local time' },
  ]);
  t.strictSame(request.extra, {
    format: 'gemini',
    fields: {
      safetySettings: SDK_BODY.safetySettings,
      generationConfig: { thinkingConfig: { includeThoughts: true }, responseMimeType: 'text/plain' },
      tools: [{ googleSearch: {} }],
      toolConfig: { retrievalConfig: { languageCode: 'fr' } },
    },
  });
});

t.test('same-format round trip: decode, then the adapter encodes the body the client sent', async (t) => {
  const request = decode('generateContent', SDK_BODY) as ChatRequest;
  const ctx = context({}, 'gemini');
  const sent = gemini.toUpstream(request, ctx).body as Wire;
  const { systemInstruction: _role, ...expected } = SDK_BODY;
  t.strictSame({ ...sent, systemInstruction: { parts: [{ text: 'Be brief.' }] } }, { ...expected, systemInstruction: { parts: [{ text: 'Be brief.' }] } });
  t.strictSame(ctx.dropped, []);
});

t.test('decode: Gemini Schema parameters become JSON Schema; tool choice modes; media parts', async (t) => {
  const request = decode('generateContent', {
    contents: [{ role: 'user', parts: [{ text: 'look' }, { inlineData: { mimeType: 'image/png', data: 'AAAA' } }, { inlineData: { mimeType: 'audio/mpeg', data: 'BBBB' } }, { fileData: { fileUri: 'https://x/y.pdf', mimeType: 'application/pdf' } }] }],
    tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'OBJECT', properties: { n: { type: 'INTEGER', nullable: true }, tags: { type: 'ARRAY', items: { type: 'STRING' } } }, propertyOrdering: ['n', 'tags'] } }] }],
    toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } },
  }) as ChatRequest;
  t.strictSame(request.tools?.[0]?.function.parameters, { type: 'object', properties: { n: { type: ['integer', 'null'] }, tags: { type: 'array', items: { type: 'string' } } } });
  t.strictSame(request.toolChoice, { type: 'function', function: { name: 'f' } });
  t.strictSame(request.messages[0]?.content, [
    { type: 'text', text: 'look' },
    { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
    { type: 'input_audio', input_audio: { data: 'BBBB', format: 'mp3' } },
    { type: 'gemini_file', fileData: { fileUri: 'https://x/y.pdf', mimeType: 'application/pdf' } },
  ]);
  const none = decode('generateContent', { contents: [], toolConfig: { functionCallingConfig: { mode: 'NONE' } } }) as ChatRequest;
  t.equal(none.toolChoice, 'none');
  const any = decode('generateContent', { contents: [], toolConfig: { functionCallingConfig: { mode: 'ANY' } } }) as ChatRequest;
  t.equal(any.toolChoice, 'required');
});

t.test('streamGenerateContent needs alt=sse; countTokens and embeddings decode to their operations', async (t) => {
  t.throws(() => decode('streamGenerateContent', { contents: [] }), GatewayError);
  t.match(decode('streamGenerateContent', { contents: [] }, { alt: 'sse' }), { operation: 'chat', stream: true, includeUsage: true });
  t.match(decode('countTokens', { contents: [{ role: 'user', parts: [{ text: 'a b c' }] }] }), { operation: 'count_tokens', stream: false, messages: [{ role: 'user', content: 'a b c' }] });
  t.match(decode('countTokens', { generateContentRequest: { model: 'models/x', contents: [{ parts: [{ text: 'q' }] }] } }), { operation: 'count_tokens', messages: [{ content: 'q' }] });
  t.match(decode('embedContent', { content: { parts: [{ text: 'hi' }] }, taskType: 'RETRIEVAL_QUERY', outputDimensionality: 8 }), {
    operation: 'embeddings', input: 'hi', dimensions: 8, extra: { format: 'gemini', fields: { taskType: 'RETRIEVAL_QUERY' } },
  });
  t.match(decode('batchEmbedContents', { requests: [{ model: 'models/e', content: { parts: [{ text: 'a' }] } }, { content: { parts: [{ text: 'b' }] } }] }), { input: ['a', 'b'] });
});

t.test('encodeResponse: parts, signature placement, finish reasons, usage; count_tokens and embeddings', async (t) => {
  const request = decode('generateContent', { contents: [] });
  const wire = geminiSurface.encodeResponse(
    {
      operation: 'chat', id: 'chatcmpl-1', created: 1, model: 'gpt-4o',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, reasoning: [{ text: 'think', signature: 'sig' }], tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
          finishReason: 'tool_calls',
        },
        { index: 1, message: { role: 'assistant', content: 'cut' }, finishReason: 'content_filter', extra: { format: 'gemini', fields: { finishReason: 'RECITATION', citationMetadata: {} } } },
      ],
    },
    { input: 100, output: 30, cachedInput: 40, reasoning: 10 },
    relayContext(request),
  );
  t.strictSame(wire, {
    candidates: [
      { content: { parts: [{ text: 'think', thought: true }, { functionCall: { id: 'call_1', name: 'f', args: { a: 1 } }, thoughtSignature: 'sig' }], role: 'model' }, finishReason: 'STOP', index: 0 },
      { content: { parts: [{ text: 'cut' }], role: 'model' }, finishReason: 'RECITATION', index: 1, citationMetadata: {} },
    ],
    usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 20, totalTokenCount: 130, cachedContentTokenCount: 40, thoughtsTokenCount: 10 },
    modelVersion: 'gpt-4o',
    responseId: 'chatcmpl-1',
  });
  t.strictSame(geminiSurface.encodeResponse({ operation: 'count_tokens', inputTokens: 12 }, { input: 12 }, relayContext(request)), { totalTokens: 12 });
  const single = decode('embedContent', { content: { parts: [{ text: 'x' }] } });
  t.strictSame(geminiSurface.encodeResponse({ operation: 'embeddings', model: 'e', vectors: [[1, 2]] }, {}, relayContext(single)), { embedding: { values: [1, 2] } });
  const batch = decode('batchEmbedContents', { requests: [{ content: { parts: [{ text: 'x' }] } }] });
  t.strictSame(geminiSurface.encodeResponse({ operation: 'embeddings', model: 'e', vectors: [[1]] }, {}, relayContext(batch)), { embeddings: [{ values: [1] }] });
});

const chunk = (delta: ChatChunk['choices'][number]['delta'], finishReason: ChatChunk['choices'][number]['finishReason'] = null): ChatChunk => ({
  operation: 'chat', id: 'chatcmpl-9', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finishReason }],
});
const events = (text: string): Wire[] => text.split('\r\n\r\n').filter(Boolean).map((e) => JSON.parse(e.replace(/^data: /, '')) as Wire);

t.test('stream encoder: text at once, calls assembled whole, the finish event waits for usage', async (t) => {
  const encoder = geminiSurface.createStreamEncoder(relayContext(decode('streamGenerateContent', { contents: [] }, { alt: 'sse' })));
  t.equal(encoder.chunk(chunk({ role: 'assistant', content: '' })), '', 'nothing to say yet: no event');
  const first = encoder.chunk(chunk({ reasoning: 'hmm' }));
  t.strictSame(events(first), [{ candidates: [{ content: { parts: [{ text: 'hmm', thought: true }], role: 'model' }, index: 0 }], modelVersion: 'gpt-4o', responseId: 'chatcmpl-9' }]);
  t.ok(first.endsWith('\r\n\r\n') && first.startsWith('data: '), 'CRLF-framed SSE');
  t.equal(encoder.chunk(chunk({ reasoningSignature: 'sig' })), '', 'a signature waits for the part that carries it');
  t.strictSame((events(encoder.chunk(chunk({ content: 'Hi' })))[0]!['candidates'] as Wire[])[0]!['content'], { parts: [{ text: 'Hi', thoughtSignature: 'sig' }], role: 'model' });
  t.equal(encoder.chunk(chunk({ toolCalls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a"' } }] })), '');
  t.equal(encoder.chunk(chunk({ toolCalls: [{ index: 0, function: { arguments: ':1}' } }] })), '');
  t.equal(encoder.chunk(chunk({}, 'tool_calls')), '', 'the finish event is held for the usage');
  const last = events(encoder.end({ input: 5, output: 7 }));
  t.strictSame(last, [
    {
      candidates: [{ content: { parts: [{ functionCall: { id: 'call_1', name: 'f', args: { a: 1 } } }], role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 7, totalTokenCount: 12 },
      modelVersion: 'gpt-4o',
      responseId: 'chatcmpl-9',
    },
  ]);
});

t.test('stream encoder: a held finish is flushed by a later chunk; error events; keep-alive', async (t) => {
  const encoder = geminiSurface.createStreamEncoder(relayContext(decode('streamGenerateContent', { contents: [] }, { alt: 'sse' })));
  t.equal(encoder.chunk(chunk({ content: 'a' }, 'stop')), '');
  const flushed = events(encoder.chunk(chunk({ content: 'b' })));
  t.equal(flushed.length, 2, 'the held event goes out before the new one');
  const ended = events(encoder.end({}));
  t.strictSame((ended[0]!['candidates'] as Wire[])[0], { content: { parts: [{ text: '' }], role: 'model' }, index: 0 }, 'parts never empty');
  t.strictSame(events(encoder.error(new GatewayError('SLUICE_ERR_UPSTREAM_PROTOCOL', 'bad stream'))), [
    { error: { code: 502, message: 'bad stream', status: 'UNAVAILABLE', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SLUICE_ERR_UPSTREAM_PROTOCOL', domain: 'sluice', metadata: { code: 'upstream_protocol_error' } }] } },
  ]);
  t.match(geminiSurface.keepAlive, /^:/);
});
