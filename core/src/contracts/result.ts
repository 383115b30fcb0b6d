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
  async function* tapped(): AsyncGenerator<CanonicalChunk> {
    let settled = false;
    try {
      for await (const chunk of source) {
        handlers.onChunk?.(chunk);
        yield chunk;
      }
      settled = true;
      handlers.onEnd?.(usage());
    } catch (error) {
      settled = true;
      handlers.onError?.(error, usage());
      throw error;
    } finally {
      // Reached without settling only when the consumer called return(): the client stopped reading.
      if (!settled) handlers.onError?.(new DOMException('client went away', 'AbortError'), usage());
    }
  }
  return { kind: 'stream', chunks: tapped(), usage };
}
