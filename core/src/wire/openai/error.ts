import type { ErrorClass, GatewayError } from '../../errors.js';

const TYPES: Record<ErrorClass, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'invalid_request_error',
  rate_limit: 'rate_limit_error',
  upstream: 'server_error',
  unavailable: 'server_error',
  timeout: 'timeout_error',
  internal: 'server_error',
};

/** OpenAI's error body: {error: {message, type, param, code}}, plus Sluice's own code for lookup in the docs. */
export function encodeError(error: GatewayError): { error: Record<string, unknown> } {
  return {
    error: {
      message: error.message,
      type: TYPES[error.class],
      param: error.param ?? null,
      code: error.providerCode,
      sluice_code: error.code,
    },
  };
}
