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
  async function* tapped(): AsyncGenerator<CanonicalChunk> {
    try {
      for await (const chunk of source) {
        handlers.onChunk?.(chunk);
        yield chunk;
      }
      settle();
    } catch (error) {
      settle(error);
      throw error;
    } finally {
      // Reached without settling only when the consumer called return(): the client stopped reading.
      settle(clientGone());
    }
  }
  const generator = tapped();
  let started = false;
  // A generator that never started skips its finally on return(); this wrapper keeps "exactly one callback" true
  // even for a consumer that discards the stream before reading it.
  const chunks: AsyncIterableIterator<CanonicalChunk> = {
    next() {
      started = true;
      return generator.next();
    },
    async return(value?: unknown) {
      if (!started) {
        started = true;
        settle(clientGone());
        await source[Symbol.asyncIterator]().return?.();
      }
      return generator.return(value as undefined);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { kind: 'stream', chunks, usage };
}
