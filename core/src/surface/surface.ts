import type { CanonicalChunk, CanonicalResponse, Usage } from '../contracts/canonical.js';
import type { RelayContext } from '../contracts/context.js';
import type { GatewayError } from '../errors.js';

export interface RenderedError {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** Per-request stream state of a surface: turns canonical chunks into that surface's SSE text. */
export interface StreamEncoder {
  chunk(chunk: CanonicalChunk): string;
  /** Text written after the last chunk (usage chunk, [DONE], message_stop, ...). */
  end(usage: Usage): string;
  /** An error after the stream started: the surface's error event. */
  error(error: GatewayError): string;
}

/** A client-facing API format. Core ships OpenAI's; adapter packages add Anthropic's and Gemini's. */
export interface Surface {
  readonly id: string;
  renderError(error: GatewayError): RenderedError;
  encodeResponse(response: CanonicalResponse, usage: Usage, ctx: RelayContext): unknown;
  createStreamEncoder(ctx: RelayContext): StreamEncoder;
  /** An SSE comment that keeps idle connections open. */
  readonly keepAlive: string;
}

export function retryAfterHeaders(error: GatewayError): Record<string, string> {
  if (error.retryAfterMs === undefined) return {};
  return { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))), 'retry-after-ms': String(error.retryAfterMs) };
}
