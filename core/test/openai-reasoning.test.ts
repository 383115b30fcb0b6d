// Reasoning with signatures survives the OpenAI wire both ways (what multi-turn cross-format thinking relies on).
import t from 'tap';
import { openaiWire, type ChatChunk } from '@sluice/core';

const assistantTurn = {
  role: 'assistant',
  content: null,
  reasoning_content: 'Let me think. Done.',
  reasoning_details: [
    { type: 'reasoning.text', text: 'Let me think. ', signature: 'sig-A', index: 0 },
    { type: 'reasoning.encrypted', data: 'opaque-B', index: 1 },
    { type: 'reasoning.text', text: 'Done.', signature: 'sig-C', index: 2 },
  ],
  tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
};

t.test('a client echoing reasoning_details gives canonical blocks with signatures, re-encoded unchanged', async (t) => {
  const request = openaiWire.decodeChat({ model: 'm', messages: [{ role: 'user', content: 'q' }, assistantTurn] });
  t.same(request.messages[1]?.reasoning, [
    { text: 'Let me think. ', signature: 'sig-A' },
    { redacted: 'opaque-B' },
    { text: 'Done.', signature: 'sig-C' },
  ]);
  const wire = openaiWire.encodeChat(request, 'm') as { messages: Record<string, unknown>[] };
  t.same(wire.messages[1]?.['reasoning_details'], assistantTurn.reasoning_details);
  t.equal(wire.messages[1]?.['reasoning_content'], 'Let me think. Done.');
});

t.test('plain reasoning_content (DeepSeek style) stays plain: no reasoning_details invented', async (t) => {
  const request = openaiWire.decodeChat({ model: 'm', messages: [{ role: 'assistant', content: 'a', reasoning_content: 'because' }] });
  t.same(request.messages[0]?.reasoning, [{ text: 'because' }]);
  const wire = openaiWire.encodeChat(request, 'm') as { messages: Record<string, unknown>[] };
  t.equal(wire.messages[0]?.['reasoning_content'], 'because');
  t.notOk('reasoning_details' in (wire.messages[0] ?? {}));
});

t.test('stream deltas carry reasoning text, signature and redacted blocks', async (t) => {
  const chunk: ChatChunk = {
    operation: 'chat',
    id: 'c',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { reasoning: 'hmm', reasoningSignature: 'sig-X' }, finishReason: null }],
  };
  const wire = openaiWire.encodeChatChunk(chunk, false) as { choices: { delta: Record<string, unknown> }[] };
  t.equal(wire.choices[0]?.delta['reasoning_content'], 'hmm');
  t.same(wire.choices[0]?.delta['reasoning_details'], [{ type: 'reasoning.text', signature: 'sig-X' }]);
  const back = openaiWire.decodeChatChunk(wire as unknown as Record<string, unknown>).chunk;
  t.same(back?.choices[0]?.delta, { reasoning: 'hmm', reasoningSignature: 'sig-X' });
  const redacted = openaiWire.decodeChatChunk({
    id: 'c',
    choices: [{ index: 0, delta: { reasoning_details: [{ type: 'reasoning.encrypted', data: 'zzz' }] }, finish_reason: null }],
  }).chunk;
  t.equal(redacted?.choices[0]?.delta.reasoningRedacted, 'zzz');
});
