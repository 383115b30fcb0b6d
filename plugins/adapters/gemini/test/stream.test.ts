// The streamGenerateContent translator over captured alt=sse bodies, split at every byte boundary by core's parser.
import t from 'tap';
import { SseParser, type CanonicalChunk, type ChatChunk, type ChatRequest, type StreamTranslator } from '@sluice/core';
import gemini from '@sluice/adapter-gemini';
import { byteSplits, context } from './helpers.js';

const request: ChatRequest = { operation: 'chat', model: 'flash', messages: [{ role: 'user', content: 'hi' }], stream: true, includeUsage: true };

// Shaped like recorded gemini-2.5-flash traffic: Google's compact JSON, CRLF-framed events, cumulative usage.
const THINKING_TEXT = [
  'data: {"candidates": [{"content": {"parts": [{"text": "**Planning** the reply","thought": true}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 9,"totalTokenCount": 29,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 9}],"thoughtsTokenCount": 20},"modelVersion": "gemini-2.5-flash","responseId": "tTCwacuEBMvnitYP06qsgQY"}',
  'data: {"candidates": [{"content": {"parts": [{"text": "Héllo"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 2,"totalTokenCount": 31,"thoughtsTokenCount": 20},"modelVersion": "gemini-2.5-flash","responseId": "tTCwacuEBMvnitYP06qsgQY"}',
  'data: {"candidates": [{"content": {"parts": [{"text": " wörld 👋"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 5,"totalTokenCount": 34,"thoughtsTokenCount": 20},"modelVersion": "gemini-2.5-flash","responseId": "tTCwacuEBMvnitYP06qsgQY"}',
  'data: {"candidates": [{"content": {"parts": [{"text": "","thoughtSignature": "AY89a18iOcFus5wr"}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 5,"totalTokenCount": 34,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 9}],"thoughtsTokenCount": 20},"modelVersion": "gemini-2.5-flash","responseId": "tTCwacuEBMvnitYP06qsgQY"}',
].join('\r\n\r\n') + '\r\n\r\n';

const TOOL_CALLS =
  'data: {"candidates": [{"content": {"parts": [{"functionCall": {"name": "get_weather","args": {"city": "Paris"}},"thoughtSignature": "CiQBEU0yD7pX"},{"functionCall": {"name": "get_time","args": {"tz": "CET"}}}],"role": "model"},"finishReason": "STOP","index": 0,"finishMessage": "Model generated function call(s)."}],"usageMetadata": {"promptTokenCount": 55,"candidatesTokenCount": 15,"totalTokenCount": 115,"thoughtsTokenCount": 45},"modelVersion": "gemini-2.5-flash","responseId": "_V2BapveKcPg8QGa35aRCw"}\r\n\r\n';

function run(pieces: Iterable<Uint8Array>, translator: StreamTranslator = gemini.createStream(request, context())): { chunks: CanonicalChunk[]; translator: StreamTranslator } {
  const parser = new SseParser();
  const chunks: CanonicalChunk[] = [];
  for (const bytes of pieces) for (const event of parser.push(bytes)) chunks.push(...translator.push(event));
  for (const event of parser.end()) chunks.push(...translator.push(event));
  chunks.push(...translator.end());
  return { chunks, translator };
}

const deltas = (chunks: CanonicalChunk[]): unknown[] => (chunks as ChatChunk[]).map((c) => ({ ...c.choices[0]!.delta, finish: c.choices[0]!.finishReason }));

t.test('thinking + text stream: the same chunks and usage whatever the byte split', async (t) => {
  const whole = run([new TextEncoder().encode(THINKING_TEXT)]);
  t.strictSame(deltas(whole.chunks), [
    { role: 'assistant', reasoning: '**Planning** the reply', finish: null },
    { content: 'Héllo', finish: null },
    { content: ' wörld 👋', finish: null },
    { reasoningSignature: 'AY89a18iOcFus5wr', finish: 'stop' },
  ]);
  t.match(whole.chunks[0], { operation: 'chat', id: 'tTCwacuEBMvnitYP06qsgQY', model: 'gemini-2.5-flash' });
  t.strictSame(whole.translator.usage(), { input: 9, output: 25, reasoning: 20 });
  const expected = JSON.stringify(deltas(whole.chunks));
  let mismatches = 0;
  for (const split of byteSplits(THINKING_TEXT)) {
    const { chunks, translator } = run(split);
    if (JSON.stringify(deltas(chunks)) !== expected || translator.usage().output !== 25) mismatches++;
  }
  t.equal(mismatches, 0, `every one of ${new TextEncoder().encode(THINKING_TEXT).length + 1} splits decodes the same`);
});

t.test('parallel function calls arrive whole, with indexes, ids and the signature before them', async (t) => {
  const expected = [
    { role: 'assistant', reasoningSignature: 'CiQBEU0yD7pX', finish: null },
    { toolCalls: [{ index: 0, id: 'call_gm__V2BapveKcPg8QGa35aRCw_0_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }], finish: null },
    { toolCalls: [{ index: 1, id: 'call_gm__V2BapveKcPg8QGa35aRCw_0_1', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } }], finish: 'tool_calls' },
  ];
  const whole = run([new TextEncoder().encode(TOOL_CALLS)]);
  t.strictSame(deltas(whole.chunks), expected);
  t.strictSame(whole.translator.usage(), { input: 55, output: 60, reasoning: 45 });
  const last = whole.chunks.at(-1) as ChatChunk;
  t.strictSame(last.choices[0]!.extra, { format: 'gemini', fields: { finishReason: 'STOP', finishMessage: 'Model generated function call(s).' } });
  let mismatches = 0;
  for (const split of byteSplits(TOOL_CALLS)) {
    const { chunks, translator } = run(split);
    if (JSON.stringify(deltas(chunks)) !== JSON.stringify(expected) || translator.usage().output !== 60) mismatches++;
  }
  t.equal(mismatches, 0, 'every split decodes the same');
});

t.test('unknown events, comments and empty data are ignored', async (t) => {
  const translator = gemini.createStream(request, context());
  t.strictSame(translator.push({ event: 'ping', data: '{"candidates": [{"content": {"parts": [{"text": "x"}]}}]}' }), []);
  t.strictSame(translator.push({ data: '' }), []);
  t.strictSame(translator.push({ data: '[1,2]' }), []);
  t.strictSame(translator.push({ data: '{"someFutureField": {"a": 1}}' }), []);
  const { chunks } = run([new TextEncoder().encode(': keep-alive\r\n\r\n' + TOOL_CALLS)]);
  t.equal(chunks.length, 3);
  t.strictSame(translator.usage(), {}, 'no usage seen yet: not reported');
});

t.test('a malformed event or an error event throws (core turns it into a stream error)', async (t) => {
  const translator = gemini.createStream(request, context());
  t.throws(() => translator.push({ data: '{not json' }));
  t.throws(() => translator.push({ data: '{"error": {"code": 500,"message": "Internal error encountered.","status": "INTERNAL"}}' }), /Internal error encountered/);
});

t.test('a blocked prompt ends the stream with a content_filter finish carrying promptFeedback', async (t) => {
  const { chunks } = run([
    new TextEncoder().encode(
      'data: {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},"usageMetadata": {"promptTokenCount": 7,"totalTokenCount": 7},"modelVersion": "gemini-2.5-flash","responseId": "r1"}\r\n\r\n',
    ),
  ]);
  t.equal(chunks.length, 1);
  const chunk = chunks[0] as ChatChunk;
  t.equal(chunk.choices[0]!.finishReason, 'content_filter');
  t.strictSame(chunk.extra, { format: 'gemini', fields: { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } } });
});

t.test('Gemini-only parts in a stream: relayed to a Gemini client, dropped once per kind for others', async (t) => {
  const event = { data: '{"candidates": [{"content": {"parts": [{"executableCode": {"code": "1"}}],"role": "model"},"index": 0}]}' };
  const other = context();
  const forOpenAI = gemini.createStream(request, other);
  t.strictSame(forOpenAI.push(event), []);
  t.strictSame(forOpenAI.push(event), []);
  t.strictSame(other.dropped.map((d) => d.field), ['choices[0].delta.executableCode']);
  const forGemini = gemini.createStream(request, context({}, 'gemini'));
  t.strictSame((forGemini.push(event)[0] as ChatChunk).choices[0]!.delta.extra, { format: 'gemini', fields: { parts: [{ executableCode: { code: '1' } }] } });
});

t.test('several candidates keep their own indexes and call counters', async (t) => {
  const translator = gemini.createStream(request, context());
  const chunks = translator.push({
    data: '{"candidates": [{"content": {"parts": [{"text": "a"}],"role": "model"},"finishReason": "STOP","index": 0},{"content": {"parts": [{"functionCall": {"name": "f","args": {}}}],"role": "model"},"finishReason": "STOP","index": 1}],"responseId": "r2"}',
  }) as ChatChunk[];
  t.strictSame(
    chunks.map((c) => [c.choices[0]!.index, c.choices[0]!.finishReason]),
    [
      [0, 'stop'],
      [1, 'tool_calls'],
    ],
  );
  t.equal(chunks[1]!.choices[0]!.delta.toolCalls?.[0]?.index, 0);
});
