import type { UpstreamError, UpstreamErrorKind } from '../contracts/adapter.js';

/** The usual meaning of an HTTP status, for adapters to refine with their provider's error codes. */
export function kindForStatus(status: number): UpstreamErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 413) return 'context_length';
  if (status === 429) return 'rate_limited';
  if (status === 503 || status === 529) return 'overloaded';
  if (status >= 500) return 'server';
  return 'bad_request';
}

const RETRYABLE: ReadonlySet<UpstreamErrorKind> = new Set(['rate_limited', 'overloaded', 'timeout', 'server', 'network', 'protocol']);

export function isRetryableKind(kind: UpstreamErrorKind): boolean {
  return RETRYABLE.has(kind);
}

const NUMBER = /^\d+(\.\d+)?$/;

/** retry-after-ms, or retry-after as seconds or an HTTP date; undefined when absent or unreadable (never "now"). */
export function parseRetryAfter(headers: Readonly<Record<string, string>>, now = Date.now()): number | undefined {
  const ms = headers['retry-after-ms']?.trim();
  if (ms !== undefined && NUMBER.test(ms)) return Number(ms);
  const value = headers['retry-after']?.trim();
  if (value === undefined) return undefined;
  if (NUMBER.test(value)) return Number(value) * 1000;
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Builds an UpstreamError from a status, a kind and a message, with retryability and retry-after filled in. */
export function upstreamError(
  status: number,
  kind: UpstreamErrorKind,
  message: string,
  headers: Readonly<Record<string, string>>,
): UpstreamError {
  const error: UpstreamError = { kind, status, retryable: isRetryableKind(kind), message };
  const retryAfterMs = parseRetryAfter(headers);
  if (retryAfterMs !== undefined) error.retryAfterMs = retryAfterMs;
  return error;
}
