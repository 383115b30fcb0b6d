// mapError: every Gemini error body → kind, retryability, retry-after; renderError: Gemini's shape for clients.
import t from 'tap';
import { GatewayError, UpstreamFailure } from '@sluice/core';
import gemini, { geminiSurface } from '@sluice/adapter-gemini';

const rpc = (code: number, status: string, message: string, details?: unknown[]): unknown => ({ error: { code, message, status, ...(details ? { details } : {}) } });

t.test('every kind is mapped from Gemini error bodies', async (t) => {
  const cases: [string, number, unknown, string, boolean][] = [
    ['bad request', 400, rpc(400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified\n'), 'bad_request', false],
    ['failed precondition', 400, rpc(400, 'FAILED_PRECONDITION', 'User location is not supported for the API use.'), 'bad_request', false],
    [
      'a wrong key is a 400 in Gemini',
      400,
      rpc(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }]),
      'auth',
      false,
    ],
    ['missing key', 403, rpc(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers"), 'auth', false],
    ['unauthenticated', 401, rpc(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'), 'auth', false],
    ['unknown model', 404, rpc(404, 'NOT_FOUND', 'models/nope is not found for API version v1beta'), 'not_found', false],
    ['context length', 400, rpc(400, 'INVALID_ARGUMENT', 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).'), 'context_length', false],
    ['quota', 429, rpc(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota'), 'rate_limited', true],
    ['internal', 500, rpc(500, 'INTERNAL', 'An internal error has occurred.'), 'server', true],
    ['overloaded', 503, rpc(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'), 'overloaded', true],
    ['deadline', 504, rpc(504, 'DEADLINE_EXCEEDED', 'The request timed out.'), 'timeout', true],
    ['HTML from a proxy', 502, '<html><body>Bad Gateway</body></html>', 'server', true],
    ['empty body', 500, '', 'server', true],
  ];
  for (const [name, status, body, kind, retryable] of cases) {
    const mapped = gemini.mapError(status, body, {});
    t.equal(mapped.kind, kind, `${name}: kind`);
    t.equal(mapped.retryable, retryable, `${name}: retryable`);
    t.equal(mapped.status, status, `${name}: status`);
    t.ok(mapped.message.length > 0, `${name}: message`);
  }
  t.equal(gemini.mapError(503, rpc(503, 'UNAVAILABLE', 'The model is overloaded.'), {}).message, 'The model is overloaded.');
});

t.test('retry-after: Gemini RetryInfo wins, else the headers', async (t) => {
  const body = rpc(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded', [
    { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [] },
    { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '39s' },
  ]);
  t.equal(gemini.mapError(429, body, { 'retry-after': '5' }).retryAfterMs, 39000);
  t.equal(gemini.mapError(429, rpc(429, 'RESOURCE_EXHAUSTED', 'x', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.25s' }]), {}).retryAfterMs, 250);
  t.equal(gemini.mapError(429, rpc(429, 'RESOURCE_EXHAUSTED', 'x'), { 'retry-after': '7' }).retryAfterMs, 7000);
  t.equal(gemini.mapError(429, rpc(429, 'RESOURCE_EXHAUSTED', 'x', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: 'soon' }]), {}).retryAfterMs, undefined);
});

t.test('renderError: {error: {code, message, status}} with the HTTP status, retry headers and Sluice code', async (t) => {
  const cases: [GatewayError, number, string][] = [
    [new GatewayError('SLUICE_ERR_INVALID_REQUEST', "Missing required parameter: 'contents'.", { param: 'contents' }), 400, 'INVALID_ARGUMENT'],
    [new GatewayError('SLUICE_ERR_UNAUTHENTICATED', 'bad key'), 401, 'UNAUTHENTICATED'],
    [new GatewayError('SLUICE_ERR_FORBIDDEN', 'no'), 403, 'PERMISSION_DENIED'],
    [new GatewayError('SLUICE_ERR_MODEL_NOT_FOUND', 'no model'), 404, 'NOT_FOUND'],
    [new GatewayError('SLUICE_ERR_UPSTREAM_SERVER', 'boom'), 502, 'UNAVAILABLE'],
    [new GatewayError('SLUICE_ERR_NO_CHANNEL', 'none'), 503, 'UNAVAILABLE'],
    [new GatewayError('SLUICE_ERR_UPSTREAM_TIMEOUT', 'slow'), 504, 'DEADLINE_EXCEEDED'],
    [new GatewayError('SLUICE_ERR_INTERNAL', 'bug'), 500, 'INTERNAL'],
    [new GatewayError('SLUICE_ERR_BODY_TOO_LARGE', 'big'), 413, 'FAILED_PRECONDITION'],
  ];
  for (const [error, status, name] of cases) {
    const rendered = geminiSurface.renderError(error);
    t.equal(rendered.status, status, `${error.code}: status`);
    t.match(rendered.body, { error: { code: status, message: error.message, status: name } }, `${error.code}: body`);
  }
  const limited = new UpstreamFailure({ kind: 'rate_limited', status: 429, retryable: true, retryAfterMs: 17000, message: 'quota' }, 'gemini-main', 'quota');
  const rendered = geminiSurface.renderError(limited);
  t.equal(rendered.status, 429);
  t.equal(rendered.headers['retry-after'], '17');
  t.strictSame(rendered.body, {
    error: {
      code: 429,
      message: 'quota',
      status: 'RESOURCE_EXHAUSTED',
      details: [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SLUICE_ERR_UPSTREAM_RATE_LIMITED', domain: 'sluice', metadata: { code: 'upstream_rate_limited' } },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '17s' },
      ],
    },
  });
  t.match(geminiSurface.renderError(new GatewayError('SLUICE_ERR_INVALID_REQUEST', 'x', { param: 'contents' })).body, {
    error: { details: [{ metadata: { param: 'contents' } }] },
  });
});
