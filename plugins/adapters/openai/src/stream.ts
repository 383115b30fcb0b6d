import { openaiWire, type CanonicalChunk, type Operation, type StreamTranslator, type Usage } from '@sluice/core';

type Wire = Record<string, unknown>;

/**
 * Per-request OpenAI SSE translator: one JSON chunk per event, [DONE] at the end, usage in the last chunk.
 * `normalise` lets a vendor preset rename its fields to OpenAI's before decoding (e.g. `reasoning`).
 */
export function createOpenAIStream(operation: Operation, normalise: (wire: Wire) => Wire = (wire) => wire): StreamTranslator {
  let usage: Usage = {};
  const decode = operation === 'completions' ? openaiWire.decodeCompletionChunk : openaiWire.decodeChatChunk;
  return {
    push(event): CanonicalChunk[] {
      if (event.data === '[DONE]') return [];
      const parsed = JSON.parse(event.data) as unknown;
      if (parsed === null || typeof parsed !== 'object') return []; // valid JSON but not a chunk: an event we do not know
      const wire = normalise(parsed as Wire);
      if (wire['error']) {
        const error = wire['error'] as { message?: unknown };
        throw new Error(`upstream error event: ${typeof error.message === 'string' ? error.message : 'unknown error'}`);
      }
      const { chunk, usage: reported } = decode(wire);
      if (reported) usage = openaiWire.decodeUsage(reported);
      return chunk ? [chunk] : [];
    },
    end: () => [],
    usage: () => usage,
  };
}
