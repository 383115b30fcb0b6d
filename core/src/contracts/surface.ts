import type { SchemaObject } from 'ajv';
import type { CanonicalChunk, CanonicalRequest, CanonicalResponse, Usage } from './canonical.js';
import type { RelayContext } from './context.js';
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

/** What a surface route's decoder sees of the HTTP request. */
export interface SurfaceRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/** One endpoint of a surface: core parses the JSON body, checks `schema`, decodes, and runs the pipeline. */
export interface SurfaceRoute {
  readonly method: 'GET' | 'POST';
  /** A hapi path, e.g. '/v1/messages' or '/v1beta/models/{target}'. */
  readonly path: string;
  /** JSON Schema of the body (POST); a failure is a 400 naming the field, rendered by this surface. */
  readonly schema?: SchemaObject;
  /** Wire request → canonical request. Throw a GatewayError for requests the surface cannot accept. */
  decode(body: unknown, request: SurfaceRequest): CanonicalRequest;
  /** Replaces the surface's encodeResponse for this route (e.g. one model instead of the list). */
  encodeResponse?(response: CanonicalResponse, usage: Usage, ctx: RelayContext): unknown;
}

/** A client-facing API: its codec plus its endpoints. Exported by adapter packages as `surfaces`. */
export interface SurfaceDefinition {
  readonly surface: Surface;
  readonly routes: readonly SurfaceRoute[];
  /** Unknown URLs under these prefixes get this surface's error shape (e.g. '/v1beta/'). */
  readonly pathPrefixes?: readonly string[];
}

export function defineSurface(definition: SurfaceDefinition): SurfaceDefinition {
  return definition;
}
