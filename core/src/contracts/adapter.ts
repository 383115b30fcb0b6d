import type { SchemaObject } from 'ajv';
import type { CanonicalChunk, CanonicalResponse, RelayOperation, RelayRequest, Usage } from './canonical.js';

/** What an adapter knows about the call it translates. Adapters never read process.env: everything comes in here. */
export interface AdapterContext<C> {
  /** The channel's adapter options, validated against the adapter's schema at startup. */
  readonly options: Readonly<C>;
  readonly channel: string;
  /** The upstream model name (after the channel's public → upstream mapping). */
  readonly upstreamModel: string;
  /** The upstream credential for this attempt; only ever placed in headers/query of the request to baseUrl. */
  readonly apiKey: string;
  /** The client's surface (e.g. 'openai'): extras from the same wire format may be relayed verbatim. */
  readonly surface: string;
  /** Record a field that cannot be represented upstream (reported to the client, never dropped silently). */
  drop(field: string, reason: string): void;
}

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Path relative to the channel's baseUrl, starting with '/'. Core refuses anything that would change the host. */
  path: string;
  query?: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
  /** Whether the upstream answers as an event stream (SSE). */
  stream: boolean;
}

/** One server-sent event, already framed by core. */
export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
}

/** Per-request stream state: holds ids, tool-call indexes and usage. */
export interface StreamTranslator {
  push(event: SseEvent): CanonicalChunk[];
  end(): CanonicalChunk[];
  usage(): Usage;
}

export type UpstreamErrorKind =
  | 'auth'
  | 'bad_request'
  | 'not_found'
  | 'context_length'
  | 'content_filter'
  | 'rate_limited'
  | 'overloaded'
  | 'timeout'
  | 'server'
  | 'network'
  | 'protocol';

export interface UpstreamError {
  kind: UpstreamErrorKind;
  status: number;
  retryable: boolean;
  retryAfterMs?: number;
  /** The provider's message; core scrubs secrets from it before a client sees it. */
  message: string;
}

/** An in-process upstream (the mock model): answers an UpstreamRequest without the network. */
export interface LocalTransport {
  (request: UpstreamRequest, signal: AbortSignal): Promise<LocalResponse>;
}
export interface LocalResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as bytes, exactly as the wire would carry it. */
  body: AsyncIterable<Uint8Array>;
}

export interface Adapter<C = Record<string, unknown>> {
  /** Referenced by channels' `adapter:` field. */
  readonly id: string;
  /** JSON Schema for a channel's `options:` when it uses this adapter. */
  readonly schema: SchemaObject;
  readonly operations: readonly RelayOperation[];
  /**
   * The wire format this adapter speaks ('openai', 'anthropic', 'gemini', ...). Request fields that another format
   * carried in `extra` are reported as dropped by core, unless the adapter says it handles them itself.
   */
  readonly format?: string;
  /** The adapter translates (or reports) other formats' `extra` fields itself: all of them, or these formats'. */
  readonly handlesForeignExtra?: boolean | readonly string[];
  /** Whether channels of this adapter need upstream keys (false for in-process fakes). */
  readonly requiresKey?: boolean;
  /** Must not mutate `request`: a retry may translate the same request again for another provider. */
  toUpstream(request: Readonly<RelayRequest>, ctx: AdapterContext<C>): UpstreamRequest;
  fromUpstream(body: unknown, request: Readonly<RelayRequest>, ctx: AdapterContext<C>): {
    response: CanonicalResponse;
    usage: Usage;
  };
  createStream(request: Readonly<RelayRequest>, ctx: AdapterContext<C>): StreamTranslator;
  mapError(status: number, body: unknown, headers: Readonly<Record<string, string>>): UpstreamError;
  /** Optional in-process transport; when present, dispatch calls it instead of HTTP. */
  readonly transport?: LocalTransport;
}

/** Identity helper that gives adapter authors inference and a single import. */
export function defineAdapter<C>(adapter: Adapter<C>): Adapter<C> {
  return adapter;
}
