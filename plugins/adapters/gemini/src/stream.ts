// Per-request translator for streamGenerateContent?alt=sse: each event is a whole GenerateContentResponse holding
// the next parts; usageMetadata is cumulative, so the last one wins.
import { randomBytes } from 'node:crypto';
import type { ChatChunk, ChatDelta, RelayRequest, SseEvent, StreamTranslator, Usage } from '@sluice/core';
import { collectExtra } from './wire/extras.js';
import { blockedReason, callIdBase, decodeFinish, type DecodeHooks } from './wire/response-decode.js';
import { decodeUsage } from './wire/usage.js';
import { GEMINI_FORMAT, isRecord, type GeminiCandidate, type GeminiPart, type GeminiResponse } from './wire/types.js';

const CANDIDATE_KNOWN = new Set(['content', 'index']);
const RESPONSE_KNOWN = new Set(['candidates', 'usageMetadata', 'modelVersion', 'responseId']);

interface CandidateState {
  started: boolean;
  calls: number;
}

export function createGeminiStream(request: Readonly<RelayRequest>, hooks: DecodeHooks): StreamTranslator {
  let usage: Usage = {};
  let header: { id: string; model: string; created: number; idBase: string } | undefined;
  const candidates = new Map<number, CandidateState>();
  const dropped = new Set<string>();

  const chunk = (index: number, delta: ChatDelta): ChatChunk => {
    const state = candidates.get(index) ?? { started: false, calls: 0 };
    candidates.set(index, state);
    if (!state.started) delta = { role: 'assistant', ...delta };
    state.started = true;
    const { id, model, created } = header!;
    return { operation: 'chat', id, created, model, choices: [{ index, delta, finishReason: null }] };
  };

  function partChunks(index: number, part: GeminiPart, out: ChatChunk[]): void {
    const signature = typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '' ? part.thoughtSignature : undefined;
    if (part.thought === true && typeof part.text === 'string') {
      // A signature closes the reasoning block it follows (canonical ChatDelta.reasoningSignature).
      if (part.text !== '') out.push(chunk(index, { reasoning: part.text }));
      if (signature) out.push(chunk(index, { reasoningSignature: signature }));
      return;
    }
    if (signature) out.push(chunk(index, { reasoningSignature: signature }));
    if (typeof part.text === 'string') {
      if (part.text !== '') out.push(chunk(index, { content: part.text }));
    } else if (isRecord(part.functionCall)) {
      const call = part.functionCall;
      const state = candidates.get(index) ?? { started: false, calls: 0 };
      candidates.set(index, state);
      const ordinal = state.calls++;
      const id = typeof call['id'] === 'string' && call['id'] !== '' ? call['id'] : `${header!.idBase}${index}_${ordinal}`;
      const args = JSON.stringify(call['args'] ?? {});
      out.push(chunk(index, { toolCalls: [{ index: ordinal, id, type: 'function', function: { name: String(call['name'] ?? ''), arguments: args } }] }));
    } else if (Object.keys(part).some((key) => key !== 'thoughtSignature' && key !== 'thought')) {
      if (hooks.keepOther) out.push(chunk(index, { extra: { format: GEMINI_FORMAT, fields: { parts: [part] } } }));
      else {
        const kind = Object.keys(part).find((key) => key !== 'thoughtSignature') ?? 'part';
        if (!dropped.has(kind)) hooks.drop(`choices[${index}].delta.${kind}`, 'no equivalent outside Gemini');
        dropped.add(kind);
      }
    }
  }

  function candidateChunks(candidate: GeminiCandidate, position: number, out: ChatChunk[]): void {
    const index = typeof candidate.index === 'number' ? candidate.index : position;
    const start = out.length;
    const parts = Array.isArray(candidate.content?.parts) ? candidate.content.parts.filter(isRecord) : [];
    for (const part of parts) partChunks(index, part, out);
    const extra = collectExtra(candidate, CANDIDATE_KNOWN);
    const calls = candidates.get(index)?.calls ?? 0;
    const finish = decodeFinish(candidate.finishReason, calls > 0);
    if (finish === null && !extra) return;
    // The finish reason and the candidate's metadata (safetyRatings, ...) ride on this event's last chunk.
    if (out.length === start) out.push(chunk(index, {}));
    const last = out.at(-1)!.choices[0]!;
    last.finishReason = finish;
    if (extra) last.extra = extra;
  }

  return {
    push(event: SseEvent) {
      if (event.event !== undefined && event.event !== 'message') return []; // unknown event types are ignored
      if (event.data.trim() === '') return [];
      const wire = JSON.parse(event.data) as unknown;
      if (!isRecord(wire)) return [];
      if (isRecord(wire['error'])) {
        const message = wire['error']['message'];
        throw new Error(`upstream error event: ${typeof message === 'string' ? message : 'unknown error'}`);
      }
      const response = wire as GeminiResponse;
      if (isRecord(response.usageMetadata)) usage = decodeUsage(response.usageMetadata);
      // Only an event that is a response (or names one) may fix the id and model: an unknown data-only event must
      // not make every later chunk carry an invented id.
      const isResponse = Array.isArray(response.candidates) || isRecord(response.promptFeedback) || typeof response.responseId === 'string';
      if (!isResponse) return [];
      header ??= {
        id: typeof response.responseId === 'string' ? response.responseId : `gemini-${randomBytes(8).toString('hex')}`,
        model: typeof response.modelVersion === 'string' ? response.modelVersion : request.model,
        created: Math.floor(Date.now() / 1000),
        idBase: callIdBase(response.responseId),
      };
      const out: ChatChunk[] = [];
      const list = Array.isArray(response.candidates) ? response.candidates.filter(isRecord) : [];
      list.forEach((candidate, position) => candidateChunks(candidate, position, out));
      // A blocked prompt arrives as one event without candidates; core would turn a throw here into a protocol
      // error, so it ends the stream as a content_filter finish instead (promptFeedback travels as extra).
      if (list.length === 0 && blockedReason(response)) {
        const blocked = chunk(0, {});
        blocked.choices[0]!.finishReason = 'content_filter';
        out.push(blocked);
      }
      const extra = collectExtra(response, RESPONSE_KNOWN);
      if (extra && out.length > 0) out[out.length - 1]!.extra = extra;
      return out;
    },
    end: () => [],
    usage: () => usage,
  };
}
