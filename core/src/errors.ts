import type { UpstreamError, UpstreamErrorKind } from './contracts/adapter.js';

/**
 * The one error registry. Every error a client can see has a SLUICE_ERR_* code with a fixed HTTP status and an
 * error class; each surface renders a GatewayError in its own provider's shape.
 */
export type ErrorClass =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'rate_limit'
  | 'upstream'
  | 'unavailable'
  | 'timeout'
  | 'internal';

interface ErrorSpec { status: number; class: ErrorClass; /** provider-style machine code (OpenAI's where one exists) */ code: string }

export const ERRORS = {
  SLUICE_ERR_INVALID_JSON: { status: 400, class: 'invalid_request', code: 'invalid_json' },
  SLUICE_ERR_INVALID_REQUEST: { status: 400, class: 'invalid_request', code: 'invalid_request' },
  SLUICE_ERR_BODY_TOO_LARGE: { status: 413, class: 'invalid_request', code: 'request_too_large' },
  SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, class: 'invalid_request', code: 'unsupported_media_type' },
  SLUICE_ERR_UNAUTHENTICATED: { status: 401, class: 'authentication', code: 'invalid_api_key' },
  SLUICE_ERR_FORBIDDEN: { status: 403, class: 'permission', code: 'permission_denied' },
  SLUICE_ERR_MODEL_NOT_FOUND: { status: 404, class: 'not_found', code: 'model_not_found' },
  SLUICE_ERR_ROUTE_NOT_FOUND: { status: 404, class: 'not_found', code: 'unknown_url' },
  SLUICE_ERR_NOT_FOUND: { status: 404, class: 'not_found', code: 'not_found' },
  SLUICE_ERR_CONFLICT: { status: 409, class: 'invalid_request', code: 'conflict' },
  SLUICE_ERR_METHOD_NOT_ALLOWED: { status: 405, class: 'invalid_request', code: 'method_not_allowed' },
  SLUICE_ERR_UNSUPPORTED_OPERATION: { status: 400, class: 'invalid_request', code: 'unsupported_operation' },
  SLUICE_ERR_TRANSLATION_LOSS: { status: 400, class: 'invalid_request', code: 'unsupported_field' },
  SLUICE_ERR_RATE_LIMITED: { status: 429, class: 'rate_limit', code: 'rate_limit_exceeded' },
  SLUICE_ERR_BUDGET_EXCEEDED: { status: 429, class: 'rate_limit', code: 'insufficient_quota' },
  SLUICE_ERR_NO_CHANNEL: { status: 503, class: 'unavailable', code: 'no_available_channel' },
  SLUICE_ERR_CACHE_MISS: { status: 504, class: 'unavailable', code: 'cache_miss' },
  SLUICE_ERR_UPSTREAM_AUTH: { status: 502, class: 'upstream', code: 'upstream_auth_failed' },
  SLUICE_ERR_UPSTREAM_BAD_REQUEST: { status: 400, class: 'invalid_request', code: 'upstream_bad_request' },
  SLUICE_ERR_UPSTREAM_NOT_FOUND: { status: 404, class: 'not_found', code: 'upstream_not_found' },
  SLUICE_ERR_CONTEXT_LENGTH: { status: 400, class: 'invalid_request', code: 'context_length_exceeded' },
  SLUICE_ERR_CONTENT_FILTER: { status: 400, class: 'invalid_request', code: 'content_filter' },
  SLUICE_ERR_UPSTREAM_RATE_LIMITED: { status: 429, class: 'rate_limit', code: 'upstream_rate_limited' },
  SLUICE_ERR_UPSTREAM_OVERLOADED: { status: 503, class: 'unavailable', code: 'upstream_overloaded' },
  SLUICE_ERR_UPSTREAM_TIMEOUT: { status: 504, class: 'timeout', code: 'upstream_timeout' },
  SLUICE_ERR_UPSTREAM_SERVER: { status: 502, class: 'upstream', code: 'upstream_error' },
  SLUICE_ERR_UPSTREAM_NETWORK: { status: 502, class: 'upstream', code: 'upstream_unreachable' },
  SLUICE_ERR_UPSTREAM_PROTOCOL: { status: 502, class: 'upstream', code: 'upstream_protocol_error' },
  SLUICE_ERR_SHUTTING_DOWN: { status: 503, class: 'unavailable', code: 'shutting_down' },
  SLUICE_ERR_STORE_UNAVAILABLE: { status: 503, class: 'unavailable', code: 'store_unavailable' },
  SLUICE_ERR_INTERNAL: { status: 500, class: 'internal', code: 'internal_error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export interface GatewayErrorOptions {
  /** The request field at fault, OpenAI's `param`. */
  param?: string;
  retryAfterMs?: number;
  /** Overrides the registry status (e.g. a rate limit answered as 402 for budgets). */
  status?: number;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly class: ErrorClass;
  readonly providerCode: string;
  readonly param: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const spec: ErrorSpec = ERRORS[code];
    this.name = 'GatewayError';
    this.code = code;
    this.status = options.status ?? spec.status;
    this.class = spec.class;
    this.providerCode = spec.code;
    this.param = options.param;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}


const UPSTREAM_CODES: Record<UpstreamErrorKind, ErrorCode> = {
  auth: 'SLUICE_ERR_UPSTREAM_AUTH',
  bad_request: 'SLUICE_ERR_UPSTREAM_BAD_REQUEST',
  not_found: 'SLUICE_ERR_UPSTREAM_NOT_FOUND',
  context_length: 'SLUICE_ERR_CONTEXT_LENGTH',
  content_filter: 'SLUICE_ERR_CONTENT_FILTER',
  rate_limited: 'SLUICE_ERR_UPSTREAM_RATE_LIMITED',
  overloaded: 'SLUICE_ERR_UPSTREAM_OVERLOADED',
  timeout: 'SLUICE_ERR_UPSTREAM_TIMEOUT',
  server: 'SLUICE_ERR_UPSTREAM_SERVER',
  network: 'SLUICE_ERR_UPSTREAM_NETWORK',
  protocol: 'SLUICE_ERR_UPSTREAM_PROTOCOL',
};

/** A failed upstream attempt, classified by the adapter; the retry plugin reads `upstream.retryable`. */
export class UpstreamFailure extends GatewayError {
  readonly upstream: UpstreamError;
  readonly channel: string;

  constructor(upstream: UpstreamError, channel: string, message: string, cause?: unknown) {
    const options: GatewayErrorOptions = { cause };
    if (upstream.retryAfterMs !== undefined) options.retryAfterMs = upstream.retryAfterMs;
    super(UPSTREAM_CODES[upstream.kind], message, options);
    this.name = 'UpstreamFailure';
    this.upstream = upstream;
    this.channel = channel;
  }
}
