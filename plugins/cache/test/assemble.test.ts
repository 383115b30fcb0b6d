// Stream ⇄ response conversion used when a cached answer is replayed in the other form.
import t from 'tap';
import type { ChatChunk, ChatDelta, ChatResponse, CompletionChunk, FinishReason } from '@sluice/core';
import { assemble, assembleChat, chatToChunks, completionToChunks, decodeEntry, isCompleteResponse, replay, StreamRecorder } from '@sluice/cache';

const base = { operation: 'chat' as const, id: 'chatcmpl-1', created: 1700000000, model: 'gpt-4o-2024-08-06' };
const chunk = (delta: ChatDelta, finishReason: FinishReason | null = null, index = 0): ChatChunk => ({ ...base, choices: [{ index, delta, finishReason }] });

t.test('content concatenates; role-only and empty deltas add nothing; the last finish_reason wins', async (t) => {
  const response = assembleChat([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo.' }), chunk({}, 'stop')]);
  t.strictSame(response, { ...base, choices: [{ index: 0, message: { role: 'assistant', content: 'Hello.' }, finishReason: 'stop' }] });
});

t.test('tool calls assemble by index: id/name from the delta carrying them, arguments concatenated, content null', async (t) => {
  const response = assembleChat([
    chunk({ role: 'assistant' }),
    chunk({ toolCalls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } }] }),
    chunk({ toolCalls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"ci' } }] }),
    chunk({ toolCalls: [{ index: 1, function: { arguments: '{"tz":"UTC"}' } }] }),
    chunk({ toolCalls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] }),
    chunk({}, 'tool_calls'),
  ]);
  const message = response.choices[0]?.message;
  t.equal(message?.content, null);
  t.strictSame(message?.tool_calls, [
    { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
    { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":"UTC"}' } },
  ]);
  t.equal(response.choices[0]?.finishReason, 'tool_calls');
});

t.test('reasoning: text accumulates, a signature closes the block, an encrypted block stands alone', async (t) => {
  const response = assembleChat([
    chunk({ role: 'assistant', reasoning: 'Think' }),
    chunk({ reasoning: 'ing.', reasoningSignature: 'sig-1' }),
    chunk({ reasoningRedacted: 'opaque' }),
    chunk({ reasoning: 'More' }),
    chunk({ content: 'Answer' }),
    chunk({}, 'stop'),
  ]);
  t.strictSame(response.choices[0]?.message.reasoning, [{ text: 'Thinking.', signature: 'sig-1' }, { redacted: 'opaque' }, { text: 'More' }]);
  t.equal(response.choices[0]?.message.content, 'Answer');
});

t.test('several choices stay apart and come out in index order; extras merge as the SDK would', async (t) => {
  const fp = { format: 'openai', fields: { system_fingerprint: 'fp_1', obfuscation: 'xyz' } };
  const response = assembleChat([
    { ...chunk({ role: 'assistant', content: 'B', extra: { format: 'openai', fields: { refusal: null } } }, null, 1), extra: fp },
    { ...chunk({ role: 'assistant', content: 'A' }, null, 0), extra: fp },
    { ...base, choices: [{ index: 0, delta: {}, finishReason: 'length', extra: { format: 'openai', fields: { logprobs: { content: [{ token: 'A' }] } } } }] },
    chunk({}, 'stop', 1),
  ]);
  t.same(response.choices.map((c) => [c.index, c.message.content, c.finishReason]), [[0, 'A', 'length'], [1, 'B', 'stop']]);
  t.strictSame(response.extra, { format: 'openai', fields: { system_fingerprint: 'fp_1' } }, 'obfuscation padding is not an answer field');
  t.strictSame(response.choices[0]?.extra?.fields, { logprobs: { content: [{ token: 'A' }] } });
  t.strictSame(response.choices[1]?.message.extra?.fields, { refusal: null });
});

t.test('response → chunks → response is the identity (text, reasoning, tools, extras)', async (t) => {
  const original: ChatResponse = {
    ...base,
    extra: { format: 'openai', fields: { system_fingerprint: 'fp_2' } },
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          reasoning: [{ text: 'hmm', signature: 's' }, { redacted: 'enc' }],
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'a', arguments: '{}' } },
            { id: 'c2', type: 'function', function: { name: 'b', arguments: '{"x":1}' } },
          ],
        },
        finishReason: 'tool_calls',
      },
      { index: 1, message: { role: 'assistant', content: 'plain' }, finishReason: 'stop', extra: { format: 'openai', fields: { logprobs: null } } },
    ],
  };
  const chunks = chatToChunks(original);
  t.equal(chunks[0]?.choices[0]?.delta.role, 'assistant', 'the first chunk carries the role');
  t.same(assembleChat(chunks), original);
});

t.test('completions: text per choice, and back', async (t) => {
  const cbase = { operation: 'completions' as const, id: 'cmpl-1', created: 1, model: 'instruct' };
  const chunks: CompletionChunk[] = [
    { ...cbase, choices: [{ index: 0, text: 'Once ', finishReason: null }] },
    { ...cbase, choices: [{ index: 0, text: 'upon', finishReason: 'stop' }] },
  ];
  const response = assemble(chunks);
  t.same(response, { ...cbase, choices: [{ index: 0, text: 'Once upon', finishReason: 'stop' }] });
  if (response?.operation === 'completions') t.same(assemble(completionToChunks(response)), response);
  t.equal(assemble([]), undefined, 'nothing to assemble');
});

t.test('replay: the stored form, or converted; usage is the stored usage', async (t) => {
  const usage = { input: 3, output: 2 };
  const stored = { v: 1 as const, storedAt: 0, usage, kind: 'stream' as const, chunks: [chunk({ role: 'assistant', content: 'Hi' }), chunk({}, 'stop')] };
  const signal = new AbortController().signal;
  const asJson = replay(stored, { stream: false, chunkDelayMs: 0, signal });
  t.equal(asJson?.kind, 'response');
  if (asJson?.kind === 'response') {
    t.same(asJson.usage, usage);
    t.equal(asJson.response.operation === 'chat' && asJson.response.choices[0]?.message.content, 'Hi');
  }
  const asStream = replay(stored, { stream: true, chunkDelayMs: 0, signal });
  if (asStream?.kind !== 'stream') return t.fail('expected a stream');
  const seen: unknown[] = [];
  for await (const c of asStream.chunks) seen.push(c);
  t.same(seen, stored.chunks);
  t.same(asStream.usage(), usage);
  const paced = replay(stored, { stream: true, chunkDelayMs: 25, signal });
  if (paced?.kind !== 'stream') return t.fail('expected a stream');
  const started = performance.now();
  for await (const _ of paced.chunks) void _;
  t.ok(performance.now() - started >= 24, 'replayChunkDelay paces the chunks');
  const embedding = { v: 1 as const, storedAt: 0, usage, kind: 'response' as const, response: { operation: 'embeddings' as const, model: 'e', vectors: [[1]] } };
  t.equal(replay(embedding, { stream: true, chunkDelayMs: 0, signal }), undefined, 'embeddings never stream');
});

t.test('only complete answers may be stored: every choice finished, none with an error, within the size limit', async (t) => {
  const answer = (finishReason: FinishReason | null): ChatResponse => ({ ...base, choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finishReason }] });
  t.ok(isCompleteResponse(answer('stop')));
  t.ok(isCompleteResponse(answer('length')), 'a max_tokens cut is a complete answer to that request');
  t.notOk(isCompleteResponse(answer(null)), 'unfinished');
  t.notOk(isCompleteResponse(answer('error')));
  t.notOk(isCompleteResponse({ ...base, choices: [] }), 'no choices');
  t.notOk(isCompleteResponse({ operation: 'embeddings', model: 'e', vectors: [] }));

  const recorder = (chunks: ChatChunk[], max = 10_000): string | undefined => {
    const r = new StreamRecorder(max);
    for (const c of chunks) r.push(c);
    return r.refusal();
  };
  t.equal(recorder([chunk({ role: 'assistant', content: 'x' }), chunk({}, 'stop')]), undefined);
  t.equal(recorder([chunk({ role: 'assistant', content: 'x' })]), 'a choice did not finish');
  t.equal(recorder([chunk({ content: 'a' }, 'stop', 0), chunk({ content: 'b' }, null, 1)]), 'a choice did not finish', 'every choice must finish');
  t.equal(recorder([chunk({ content: 'x' }, 'error')]), 'a choice did not finish');
  t.equal(recorder([]), 'empty stream');
  t.match(recorder([chunk({ content: 'x'.repeat(200) }), chunk({}, 'stop')], 100), /larger than maxEntrySize/);
  const stored = new StreamRecorder(10_000);
  stored.push(chunk({ content: 'hi' }, 'stop'));
  t.same(decodeEntry(stored.encode({ input: 1 }, 5)), { v: 1, storedAt: 5, usage: { input: 1 }, kind: 'stream', chunks: [chunk({ content: 'hi' }, 'stop')] }, 'the recorded entry decodes');
});
