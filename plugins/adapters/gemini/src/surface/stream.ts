// Canonical chunks → streamGenerateContent?alt=sse events, written as each chunk arrives.
import type { CanonicalChunk, ChatChunk, GatewayError, RelayContext, StreamEncoder, Usage } from '@sluice/core';
import { applyExtra, geminiFields } from '../wire/extras.js';
import { encodeError } from '../wire/error.js';
import { isSyntheticId } from '../wire/parts.js';
import { callArgs, encodeFinish } from '../wire/response-encode.js';
import { encodeUsage } from '../wire/usage.js';
import { isRecord, type GeminiPart, type Wire } from '../wire/types.js';

// Gemini frames events with CRLF pairs.
const event = (payload: unknown): string => `data: ${JSON.stringify(payload)}\r\n\r\n`;

interface ChoiceState {
  /** A signature waiting for the next answer part: Gemini carries signatures on parts, not on their own. */
  signature?: string;
  /** Tool calls being assembled: Gemini sends each call whole, never as argument fragments. */
  calls: Map<number, { id?: string; name: string; args: string }>;
}

export function createGeminiStreamEncoder(ctx: RelayContext): StreamEncoder {
  const choices = new Map<number, ChoiceState>();
  const header = { modelVersion: ctx.request.model, responseId: ctx.id };
  // The event carrying a finishReason waits for end(): Gemini puts the final usageMetadata on that event.
  let held: Wire | undefined;

  const stateOf = (index: number): ChoiceState => {
    let state = choices.get(index);
    if (!state) choices.set(index, (state = { calls: new Map() }));
    return state;
  };

  function answerPart(state: ChoiceState, part: GeminiPart): GeminiPart {
    if (state.signature !== undefined) part.thoughtSignature = state.signature;
    delete state.signature;
    return part;
  }

  /** At the finish: the assembled calls, then any signature nothing carried yet. */
  function closing(state: ChoiceState): GeminiPart[] {
    const parts = [...state.calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, call]) => answerPart(state, { functionCall: { ...(isSyntheticId(call.id) ? {} : { id: call.id }), name: call.name, args: callArgs(call.args) } }));
    state.calls.clear();
    if (state.signature !== undefined) parts.push(answerPart(state, { text: '' }));
    return parts;
  }

  function candidateFor(choice: ChatChunk['choices'][number]): Wire | undefined {
    const state = stateOf(choice.index);
    const { delta } = choice;
    const parts: GeminiPart[] = [];
    if (delta.reasoning) parts.push({ text: delta.reasoning, thought: true });
    if (delta.reasoningSignature) {
      if (state.signature !== undefined) parts.push(answerPart(state, { text: '' }));
      state.signature = delta.reasoningSignature;
    }
    if (delta.content) parts.push(answerPart(state, { text: delta.content }));
    for (const call of delta.toolCalls ?? []) {
      const known = state.calls.get(call.index);
      if (known) known.args += call.function?.arguments ?? '';
      else state.calls.set(call.index, { ...(call.id !== undefined ? { id: call.id } : {}), name: call.function?.name ?? '', args: call.function?.arguments ?? '' });
    }
    const relayed = geminiFields(delta.extra)['parts'];
    if (Array.isArray(relayed)) parts.push(...(relayed as GeminiPart[]));
    if (choice.finishReason !== null) parts.push(...closing(state));
    const extra = geminiFields(choice.extra);
    if (parts.length === 0 && choice.finishReason === null && Object.keys(extra).length === 0) return undefined;
    // Every event keeps a non-empty parts list: @google/genai drops a streamed chat turn from history otherwise.
    const candidate: Wire = { content: { parts: parts.length > 0 ? parts : [{ text: '' }], role: 'model' } };
    const finishReason = encodeFinish(choice.finishReason, choice.extra);
    if (finishReason !== undefined) candidate['finishReason'] = finishReason;
    candidate['index'] = choice.index;
    applyExtra(candidate, extra);
    return candidate;
  }

  function eventFor(chunk: CanonicalChunk): Wire | undefined {
    if (chunk.id) header.responseId = chunk.id;
    if (chunk.model) header.modelVersion = chunk.model;
    const chat: ChatChunk['choices'] =
      chunk.operation === 'chat'
        ? chunk.choices
        : chunk.choices.map((c) => ({ index: c.index, delta: { content: c.text }, finishReason: c.finishReason }));
    const candidates = chat.flatMap((choice) => candidateFor(choice) ?? []);
    const extra = geminiFields(chunk.extra);
    if (candidates.length === 0 && Object.keys(extra).length === 0) return undefined;
    const wire: Wire = { candidates };
    // A prompt Gemini blocked arrives as promptFeedback without candidates; relay it as such.
    if (isRecord(extra['promptFeedback']) && extra['promptFeedback']['blockReason'] !== undefined) delete wire['candidates'];
    applyExtra(wire, extra);
    return wire;
  }

  const finished = (wire: Wire): boolean =>
    !Array.isArray(wire['candidates']) || wire['candidates'].some((c) => isRecord(c) && c['finishReason'] !== undefined);

  const withHeader = (wire: Wire, usage?: Usage): Wire => ({
    ...wire,
    ...(usage ? { usageMetadata: encodeUsage(usage) } : {}),
    modelVersion: header.modelVersion,
    responseId: header.responseId,
  });

  return {
    chunk(chunk) {
      let out = '';
      if (held) out += event(withHeader(held));
      held = undefined;
      const wire = eventFor(chunk);
      if (!wire) return out;
      if (finished(wire)) held = wire;
      else out += event(withHeader(wire));
      return out;
    },
    end(usage) {
      // Calls never closed by a finish reason (the upstream ended without one) still reach the client.
      const leftovers = [...choices.entries()].flatMap(([index, state]) => {
        const parts = closing(state);
        return parts.length > 0 ? [{ content: { parts, role: 'model' }, index }] : [];
      });
      const last = held ?? { candidates: leftovers.length > 0 ? leftovers : [{ content: { parts: [{ text: '' }], role: 'model' }, index: 0 }] };
      held = undefined;
      return event(withHeader(last, usage));
    },
    error(error: GatewayError) {
      return event(encodeError(error));
    },
  };
}
