// Gemini → canonical: generateContent bodies, usage semantics, safety blocks, embeddings.
import t from 'tap';
import { UpstreamFailure, type ChatRequest, type ChatResponse, type EmbeddingResponse, type RelayRequest } from '@sluice/core';
import gemini from '@sluice/adapter-gemini';
import { context } from './helpers.js';

const request: ChatRequest = { operation: 'chat', model: 'flash', messages: [{ role: 'user', content: 'hi' }], stream: false, includeUsage: false };
const decode = (body: unknown, ctx = context(), req: RelayRequest = request): { response: ChatResponse; usage: ReturnType<typeof gemini.fromUpstream>['usage'] } => {
  const { response, usage } = gemini.fromUpstream(body, req, ctx);
  return { response: response as ChatResponse, usage };
};

// A recorded gemini-2.5-flash answer with includeThoughts (text shortened).
const THINKING = {
  candidates: [
    {
      content: {
        parts: [
          { text: '**Greeting**\n\nThe user says hi.', thought: true },
          { text: 'Hello! How can I help?', thoughtSignature: 'CrUCAcu98PBv' },
        ],
        role: 'model',
      },
      finishReason: 'STOP',
      index: 0,
    },
  ],
  usageMetadata: {
    promptTokenCount: 2,
    candidatesTokenCount: 7,
    totalTokenCount: 45,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 2 }],
    thoughtsTokenCount: 36,
  },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'u2d6aPv9Jc2x1MkP8cPW0Ak',
};

t.test('text with thoughts: reasoning keeps its signature, usage folds thoughts into output', async (t) => {
  const { response, usage } = decode(THINKING);
  t.equal(response.id, 'u2d6aPv9Jc2x1MkP8cPW0Ak');
  t.equal(response.model, 'gemini-2.5-flash');
  t.strictSame(response.choices, [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hello! How can I help?', reasoning: [{ text: '**Greeting**\n\nThe user says hi.', signature: 'CrUCAcu98PBv' }] },
      finishReason: 'stop',
      extra: { format: 'gemini', fields: { finishReason: 'STOP' } },
    },
  ]);
  t.strictSame(usage, { input: 2, output: 43, reasoning: 36 });
});

t.test('usage: cached tokens are part of the prompt, tool-use prompt tokens count as input, absent stays undefined', async (t) => {
  const body = (usageMetadata: unknown): unknown => ({ candidates: [{ content: { parts: [{ text: 'x' }], role: 'model' }, finishReason: 'STOP' }], usageMetadata });
  t.strictSame(decode(body({ promptTokenCount: 1000, cachedContentTokenCount: 800, candidatesTokenCount: 10, totalTokenCount: 1010 })).usage, {
    input: 1000,
    output: 10,
    cachedInput: 800,
  });
  t.strictSame(decode(body({ promptTokenCount: 10, toolUsePromptTokenCount: 90, candidatesTokenCount: 5 })).usage, { input: 100, output: 5 });
  t.strictSame(decode(body({ promptTokenCount: 10, totalTokenCount: 10 })).usage, { input: 10 }, 'no candidates count: output not reported');
  t.strictSame(decode(body(undefined)).usage, {}, 'nothing reported is not 0');
});

t.test('function calls: Gemini ids kept, missing ones made stable from the responseId; STOP becomes tool_calls', async (t) => {
  const body = {
    candidates: [
      {
        content: {
          parts: [
            { functionCall: { name: 'list_directory', args: { path: '/tmp' } }, thoughtSignature: 'CiQBEU0y' },
            { functionCall: { name: 'read_file', args: { path: '/tmp/foo.txt' } } },
            { functionCall: { id: 'fc-7', name: 'noop' } },
          ],
          role: 'model',
        },
        finishReason: 'STOP',
        index: 0,
        finishMessage: 'Model generated function call(s).',
      },
    ],
    usageMetadata: { promptTokenCount: 103, candidatesTokenCount: 34, totalTokenCount: 188, thoughtsTokenCount: 51 },
    modelVersion: 'gemini-2.5-flash',
    responseId: '_V2BapveKcPg8QGa35aRCw',
  };
  const first = decode(body).response.choices[0]!;
  const again = decode(body).response.choices[0]!;
  t.strictSame(first.message.tool_calls, [
    { id: 'call_gm__V2BapveKcPg8QGa35aRCw_0_0', type: 'function', function: { name: 'list_directory', arguments: '{"path":"/tmp"}' } },
    { id: 'call_gm__V2BapveKcPg8QGa35aRCw_0_1', type: 'function', function: { name: 'read_file', arguments: '{"path":"/tmp/foo.txt"}' } },
    { id: 'fc-7', type: 'function', function: { name: 'noop', arguments: '{}' } },
  ]);
  t.strictSame(again.message.tool_calls, first.message.tool_calls, 'ids are stable for one response');
  t.equal(first.message.content, null);
  t.strictSame(first.message.reasoning, [{ signature: 'CiQBEU0y' }]);
  t.equal(first.finishReason, 'tool_calls');
  t.equal(first.extra?.fields['finishMessage'], 'Model generated function call(s).');
});

t.test('finish reasons', async (t) => {
  const finish = (reason: string): unknown =>
    decode({ candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: reason }] }).response.choices[0]!.finishReason;
  t.equal(finish('MAX_TOKENS'), 'length');
  t.equal(finish('RECITATION'), 'content_filter');
  t.equal(finish('SAFETY'), 'content_filter');
  t.equal(finish('MALFORMED_FUNCTION_CALL'), 'error');
  t.equal(finish('OTHER'), 'stop');
  t.equal(decode({ candidates: [{ content: { parts: [{ text: 'x' }] } }] }).response.choices[0]!.finishReason, null);
});

t.test('safety: a blocked prompt or an all-blocked answer is a content_filter error, not an empty reply', async (t) => {
  const blockedPrompt = {
    promptFeedback: { blockReason: 'SAFETY', safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }] },
    usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 },
    modelVersion: 'gemini-2.5-flash',
  };
  const error = t.throws(() => decode(blockedPrompt)) as unknown;
  t.ok(error instanceof UpstreamFailure);
  t.match(error, { code: 'SLUICE_ERR_CONTENT_FILTER', status: 400, channel: 'gemini-main', upstream: { kind: 'content_filter', retryable: false } });
  t.match((error as Error).message, /prompt was blocked by Gemini \(SAFETY\)/);

  const blockedAnswer = { candidates: [{ finishReason: 'PROHIBITED_CONTENT', index: 0 }], modelVersion: 'gemini-2.5-flash' };
  t.throws(() => decode(blockedAnswer), { code: 'SLUICE_ERR_CONTENT_FILTER' });

  const partial = { candidates: [{ content: { parts: [{ text: 'Once upon' }], role: 'model' }, finishReason: 'SAFETY', index: 0 }] };
  const choice = decode(partial).response.choices[0]!;
  t.equal(choice.message.content, 'Once upon', 'what was produced before the block is kept');
  t.equal(choice.finishReason, 'content_filter');
});

t.test('parts only Gemini has: kept for a Gemini client, reported as dropped for any other', async (t) => {
  const body = {
    candidates: [
      {
        content: {
          parts: [
            { executableCode: { language: 'PYTHON', code: 'print(1)' } },
            { codeExecutionResult: { outcome: 'OUTCOME_OK', output: '1\n' } },
            { text: 'It prints 1.' },
          ],
          role: 'model',
        },
        finishReason: 'STOP',
      },
    ],
    promptFeedback: { safetyRatings: [] },
  };
  const other = context();
  const forOpenAI = decode(body, other).response;
  t.equal(forOpenAI.choices[0]!.message.content, 'It prints 1.');
  t.equal(forOpenAI.choices[0]!.message.extra, undefined);
  t.strictSame(other.dropped.map((d) => d.field), ['choices[0].message.executableCode', 'choices[0].message.codeExecutionResult']);

  const same = context({}, 'gemini');
  const forGemini = decode(body, same).response;
  t.strictSame(forGemini.choices[0]!.message.extra, { format: 'gemini', fields: { parts: body.candidates[0]!.content.parts.slice(0, 2) } });
  t.strictSame(forGemini.extra, { format: 'gemini', fields: { promptFeedback: { safetyRatings: [] } } });
  t.strictSame(same.dropped, []);
});

t.test('embeddings: embedContent and batchEmbedContents bodies', async (t) => {
  const embedding: RelayRequest = { operation: 'embeddings', model: 'e', input: 'x', stream: false, includeUsage: false };
  const single = gemini.fromUpstream({ embedding: { values: [0.1, 0.2] } }, embedding, context()).response as EmbeddingResponse;
  t.strictSame(single.vectors, [[0.1, 0.2]]);
  const batch = gemini.fromUpstream({ embeddings: [{ values: [1] }, { values: [2] }] }, { ...embedding, input: ['a', 'b'] }, context());
  t.strictSame((batch.response as EmbeddingResponse).vectors, [[1], [2]]);
  t.strictSame(batch.usage, {}, 'Gemini reports no embedding usage: the gateway estimates');
});
