// Gemini's error body, both directions: {error: {code, message, status, details}} (google.rpc.Status).
import { kindForStatus, upstreamError, type GatewayError, type UpstreamError, type UpstreamErrorKind } from '@sluice/core';
import { isRecord, type GeminiErrorBody, type Wire } from './types.js';

const KINDS: Record<string, UpstreamErrorKind> = {
  UNAUTHENTICATED: 'auth',
  PERMISSION_DENIED: 'auth',
  NOT_FOUND: 'not_found',
  RESOURCE_EXHAUSTED: 'rate_limited',
  UNAVAILABLE: 'overloaded',
  DEADLINE_EXCEEDED: 'timeout',
  INTERNAL: 'server',
  UNKNOWN: 'server',
  DATA_LOSS: 'server',
};

const details = (error: Wire): Wire[] => (Array.isArray(error['details']) ? error['details'].filter(isRecord) : []);
const detailOf = (error: Wire, type: string): Wire | undefined => details(error).find((d) => d['@type'] === `type.googleapis.com/google.rpc.${type}`);

/** google.protobuf.Duration in JSON: "39s", "0.5s". */
function durationMs(value: unknown): number | undefined {
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(value.trim()) : null;
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

function kindOf(status: number, error: Wire): UpstreamErrorKind {
  const code = typeof error['status'] === 'string' ? error['status'] : '';
  const message = typeof error['message'] === 'string' ? error['message'] : '';
  // Gemini answers a wrong API key with 400 INVALID_ARGUMENT, not 401.
  if (detailOf(error, 'ErrorInfo')?.['reason'] === 'API_KEY_INVALID' || /API key (not valid|expired)/i.test(message)) return 'auth';
  if (code === 'INVALID_ARGUMENT' && /input token count.*exceeds the maximum/i.test(message)) return 'context_length';
  return KINDS[code] ?? kindForStatus(status);
}

/** An upstream failure → typed kind, retryability and retry-after (RetryInfo wins over headers). */
export function decodeError(status: number, body: unknown, headers: Readonly<Record<string, string>>): UpstreamError {
  const error = isRecord(body) && isRecord(body['error']) ? body['error'] : undefined;
  if (!error) {
    const text = typeof body === 'string' && body.trim() !== '' ? body.slice(0, 500) : `upstream answered ${status}`;
    return upstreamError(status, kindForStatus(status), text, headers);
  }
  const message = typeof error['message'] === 'string' ? error['message'] : `upstream answered ${status}`;
  const mapped = upstreamError(status, kindOf(status, error), message, headers);
  const retryDelay = durationMs(detailOf(error, 'RetryInfo')?.['retryDelay']);
  if (retryDelay !== undefined) mapped.retryAfterMs = retryDelay;
  return mapped;
}

// google.rpc.Code names by HTTP status, as Google's APIs pair them.
const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export const statusName = (status: number): string => STATUS_NAMES[status] ?? (status >= 500 ? 'INTERNAL' : status >= 400 ? 'FAILED_PRECONDITION' : 'UNKNOWN');

/** A gateway error in Gemini's shape; Sluice's own code rides in an ErrorInfo detail, as Google's reasons do. */
export function encodeError(error: GatewayError): GeminiErrorBody {
  const info: Wire = {
    '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
    reason: error.code,
    domain: 'sluice',
    metadata: { code: error.providerCode, ...(error.param !== undefined ? { param: error.param } : {}) },
  };
  const body: GeminiErrorBody = { error: { code: error.status, message: error.message, status: statusName(error.status), details: [info] } };
  if (error.retryAfterMs !== undefined) {
    body.error.details!.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${Math.max(1, Math.ceil(error.retryAfterMs / 1000))}s` });
  }
  return body;
}
