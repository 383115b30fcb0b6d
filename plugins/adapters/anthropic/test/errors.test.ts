// mapError: Anthropic error bodies → classified upstream failures; renderError: gateway errors → Anthropic's shape.
import t from 'tap';
import { GatewayError, UpstreamFailure, type UpstreamErrorKind } from '@sluice/core';
import anthropic, { renderError } from '@sluice/adapter-anthropic';

const body = (type: string, message: string): unknown => ({ type: 'error', error: { type, message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' });

t.test('every Anthropic error type maps to a kind, with retryability', async (t) => {
  const cases: [number, string, string, UpstreamErrorKind, boolean][] = [
    [400, 'invalid_request_error', 'messages: text content blocks must be non-empty', 'bad_request', false],
    [400, 'invalid_request_error', 'prompt is too long: 208310 tokens > 200000 maximum', 'context_length', false],
    [401, 'authentication_error', 'invalid x-api-key', 'auth', false],
    [402, 'billing_error', 'Your credit balance is too low', 'auth', false],
    [403, 'permission_error', 'Your API key does not have permission to use the specified resource.', 'auth', false],
    [404, 'not_found_error', 'model: claude-nope', 'not_found', false],
    [413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.', 'context_length', false],
    [429, 'rate_limit_error', 'This request would exceed the rate limit', 'rate_limited', true],
    [500, 'api_error', 'Internal server error', 'server', true],
    [504, 'timeout_error', 'Request timed out', 'timeout', true],
    [529, 'overloaded_error', 'Overloaded', 'overloaded', true],
  ];
  for (const [status, type, message, kind, retryable] of cases) {
    const mapped = anthropic.mapError(status, body(type, message), {});
    t.equal(mapped.kind, kind, `${status} ${type} → ${kind}`);
    t.equal(mapped.retryable, retryable, `${type} retryable: ${retryable}`);
    t.equal(mapped.status, status);
    t.equal(mapped.message, message);
  }
});

t.test('retry-after on a 429, and bodies that are not Anthropic errors', async (t) => {
  t.equal(anthropic.mapError(429, body('rate_limit_error', 'slow down'), { 'retry-after': '7' }).retryAfterMs, 7000);
  const html = anthropic.mapError(502, '<html>Bad Gateway</html>', {});
  t.equal(html.kind, 'server');
  t.equal(html.message, '<html>Bad Gateway</html>');
  t.equal(anthropic.mapError(503, '', {}).kind, 'overloaded');
  t.equal(anthropic.mapError(418, { unexpected: true }, {}).message, 'upstream answered 418');
  t.equal(anthropic.mapError(404, body('a_new_error_type', 'x'), {}).kind, 'not_found', 'unknown types fall back to the status');
});

t.test('renderError: Anthropic error body, status and retry-after for every error class', async (t) => {
  const render = (error: GatewayError): { status: number; type: string; headers: Record<string, string> } => {
    const rendered = renderError(error);
    const b = rendered.body as { type: string; error: { type: string; message: string } };
    t.equal(b.type, 'error');
    t.equal(b.error.message, error.message);
    return { status: rendered.status, type: b.error.type, headers: rendered.headers };
  };
  t.match(render(new GatewayError('SLUICE_ERR_INVALID_REQUEST', 'bad')), { status: 400, type: 'invalid_request_error' });
  t.match(render(new GatewayError('SLUICE_ERR_BODY_TOO_LARGE', 'big')), { status: 413, type: 'request_too_large' });
  t.match(render(new GatewayError('SLUICE_ERR_UNAUTHENTICATED', 'who')), { status: 401, type: 'authentication_error' });
  t.match(render(new GatewayError('SLUICE_ERR_FORBIDDEN', 'no')), { status: 403, type: 'permission_error' });
  t.match(render(new GatewayError('SLUICE_ERR_MODEL_NOT_FOUND', 'none')), { status: 404, type: 'not_found_error' });
  t.match(render(new GatewayError('SLUICE_ERR_UPSTREAM_SERVER', 'boom')), { status: 502, type: 'api_error' });
  t.match(render(new GatewayError('SLUICE_ERR_NO_CHANNEL', 'none left')), { status: 503, type: 'overloaded_error' });
  t.match(render(new GatewayError('SLUICE_ERR_UPSTREAM_TIMEOUT', 'slow')), { status: 504, type: 'timeout_error' });
  t.match(render(new GatewayError('SLUICE_ERR_INTERNAL', 'bug')), { status: 500, type: 'api_error' });
  const limited = render(new UpstreamFailure({ kind: 'rate_limited', status: 429, retryable: true, retryAfterMs: 7000, message: 'slow' }, 'c', 'slow'));
  t.match(limited, { status: 429, type: 'rate_limit_error', headers: { 'retry-after': '7' } });
  const overloaded = render(new UpstreamFailure({ kind: 'overloaded', status: 529, retryable: true, message: 'Overloaded' }, 'c', 'Overloaded'));
  t.match(overloaded, { status: 529, type: 'overloaded_error' }, 'an Anthropic client knows overload as 529');
});
