import {
  kindForStatus,
  retryAfterHeaders,
  upstreamError,
  type ErrorClass,
  type GatewayError,
  type RenderedError,
  type UpstreamError,
  type UpstreamErrorKind,
} from '@sluice/core';
import { isRecord } from './extras.js';

// ---- upstream → kind (the adapter) ----

const KINDS: Record<string, UpstreamErrorKind> = {
  invalid_request_error: 'bad_request',
  authentication_error: 'auth',
  permission_error: 'auth',
  billing_error: 'auth',
  not_found_error: 'not_found',
  request_too_large: 'context_length',
  rate_limit_error: 'rate_limited',
  api_error: 'server',
  overloaded_error: 'overloaded',
  timeout_error: 'timeout',
};

// Anthropic reports an over-long prompt as a plain invalid_request_error; only the message tells.
const CONTEXT_LENGTH = /prompt is too long|exceeds? (the )?(model'?s? )?(maximum )?context|context (window|length)/i;

/** The `{type, message}` of an Anthropic error body, or of an `event: error` payload. */
export function errorOf(body: unknown): { type: string | undefined; message: string | undefined } {
  const error = isRecord(body) && isRecord(body['error']) ? body['error'] : undefined;
  return {
    type: typeof error?.['type'] === 'string' ? error['type'] : undefined,
    message: typeof error?.['message'] === 'string' ? error['message'] : undefined,
  };
}

/** Anthropic error body `{type:'error', error:{type, message}}` + status + headers → a classified failure. */
export function mapError(status: number, body: unknown, headers: Readonly<Record<string, string>>): UpstreamError {
  const { type, message } = errorOf(body);
  let kind = (type !== undefined ? KINDS[type] : undefined) ?? kindForStatus(status);
  if (kind === 'bad_request' && message !== undefined && CONTEXT_LENGTH.test(message)) kind = 'context_length';
  const text = message ?? (typeof body === 'string' && body.trim() !== '' ? body.slice(0, 500) : `upstream answered ${status}`);
  return upstreamError(status, kind, text, headers);
}

// ---- gateway error → Anthropic error (the surface) ----

const TYPES: Record<ErrorClass, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  rate_limit: 'rate_limit_error',
  upstream: 'api_error',
  unavailable: 'overloaded_error',
  timeout: 'timeout_error',
  internal: 'api_error',
};

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

/** The error type and status an Anthropic client expects for a gateway error. */
function typeAndStatus(error: GatewayError): { type: string; status: number } {
  // Anthropic clients know an overloaded upstream as 529 overloaded_error, and a big body as request_too_large.
  if (error.code === 'SLUICE_ERR_UPSTREAM_OVERLOADED') return { type: 'overloaded_error', status: 529 };
  if (error.code === 'SLUICE_ERR_BODY_TOO_LARGE') return { type: 'request_too_large', status: error.status };
  return { type: TYPES[error.class], status: error.status };
}

export function encodeError(error: GatewayError): AnthropicErrorBody {
  return { type: 'error', error: { type: typeAndStatus(error).type, message: error.message } };
}

export function renderError(error: GatewayError): RenderedError {
  return { status: typeAndStatus(error).status, body: encodeError(error), headers: retryAfterHeaders(error) };
}
