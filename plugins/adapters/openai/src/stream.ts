import { openaiWire, type CanonicalChunk, type Operation, type StreamTranslator, type Usage } from '@sluice/core';

/** Per-request OpenAI SSE translator: one JSON chunk per event, [DONE] at the end, usage in the last chunk. */
export function createOpenAIStream(operation: Operation): StreamTranslator {
  let usage: Usage = {};
  const decode = operation === 'completions' ? openaiWire.decodeCompletionChunk : openaiWire.decodeChatChunk;
  return {
    push(event): CanonicalChunk[] {
      if (event.data === '[DONE]') return [];
      const wire = JSON.parse(event.data) as Record<string, unknown>;
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
