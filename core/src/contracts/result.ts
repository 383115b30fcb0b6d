import type { CanonicalChunk, CanonicalResponse, Usage } from './canonical.js';

export interface ResponseResult {
  kind: 'response';
  response: CanonicalResponse;
  usage: Usage;
}

export interface StreamResult {
  kind: 'stream';
  chunks: AsyncIterable<CanonicalChunk>;
  /** Usage known so far; complete once `chunks` is exhausted. */
  usage(): Usage;
}

export type RelayResult = ResponseResult | StreamResult;

export interface TapHandlers {
  onChunk?(chunk: CanonicalChunk): void;
  /** The call completed; `usage` is final. */
  onEnd?(usage: Usage): void;
  /** The call failed or the client went away; `usage` is what was produced before that. */
  onError?(error: unknown, usage: Usage): void;
}

/**
 * The one way to act after a result is complete. For a response, onEnd runs at once. For a stream, the chunk
 * iterator is wrapped: onChunk per chunk, then exactly one of onEnd / onError — including when the consumer stops
 * early (client disconnect), which reports an AbortError with the usage produced so far.
 */
export function tapStream(result: RelayResult, handlers: TapHandlers): RelayResult {
  if (result.kind === 'response') {
    handlers.onEnd?.(result.usage);
    return result;
  }
  const source = result.chunks;
  const usage = (): ReturnType<StreamResult['usage']> => result.usage();
  let settled = false;
  const settle = (error?: unknown): void => {
    if (settled) return;
    settled = true;
    if (error === undefined) handlers.onEnd?.(usage());
    else handlers.onError?.(error, usage());
  };
  const clientGone = (): DOMException => new DOMException('client went away', 'AbortError');
  // A plain iterator, not an async generator: one promise per chunk instead of a generator's machinery, since every
  // plugin that taps a stream adds a layer. return() settles as "client went away" unless the stream already ended.
  const iterator = source[Symbol.asyncIterator]();
  const chunks: AsyncIterableIterator<CanonicalChunk> = {
    async next() {
      try {
        const step = await iterator.next();
        if (step.done) settle();
        else handlers.onChunk?.(step.value);
        return step;
      } catch (error) {
        settle(error);
        throw error;
      }
    },
    async return(value?: unknown) {
      settle(clientGone());
      await iterator.return?.();
      return { done: true, value: value as undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { kind: 'stream', chunks, usage };
}
