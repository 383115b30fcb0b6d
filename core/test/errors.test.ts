// The error registry, GatewayError / UpstreamFailure, and the adapter kit's HTTP error helpers.
import t from 'tap';
import {
  ERRORS,
  GatewayError,
  UpstreamFailure,
  isGatewayError,
  kindForStatus,
  isRetryableKind,
  parseRetryAfter,
  upstreamError,
  type ErrorCode,
  type UpstreamErrorKind,
} from '@sluice/core';

const CLASSES = ['invalid_request', 'authentication', 'permission', 'not_found', 'rate_limit', 'upstream', 'unavailable', 'timeout', 'internal'];

t.test('registry: every code has a 4xx/5xx status, a known class and a provider code', async (t) => {
  const codes = Object.keys(ERRORS) as ErrorCode[];
  t.ok(codes.length >= 20);
  const providerCodes = new Set<string>();
  for (const code of codes) {
    const spec = ERRORS[code];
    t.match(code, /^SLUICE_ERR_[A-Z_]+$/);
    t.ok(spec.status >= 400 && spec.status <= 599, `${code}: status ${spec.status}`);
    t.ok(CLASSES.includes(spec.class), `${code}: class ${spec.class}`);
    t.match(spec.code, /^[a-z_]+$/, `${code}: provider code ${spec.code}`);
    t.notOk(providerCodes.has(spec.code), `${code}: provider code ${spec.code} is unique`);
    providerCodes.add(spec.code);
  }
});

t.test('registry: client faults are 4xx, gateway/upstream faults 5xx', async (t) => {
  for (const code of Object.keys(ERRORS) as ErrorCode[]) {
    const spec = ERRORS[code];
    if (['invalid_request', 'authentication', 'permission', 'not_found', 'rate_limit'].includes(spec.class)) {
      t.ok(spec.status < 500, `${code} (${spec.class}) is ${spec.status}`);
    } else {
      t.ok(spec.status >= 500, `${code} (${spec.class}) is ${spec.status}`);
    }
  }
  t.equal(ERRORS.SLUICE_ERR_UNAUTHENTICATED.status, 401);
  t.equal(ERRORS.SLUICE_ERR_FORBIDDEN.status, 403);
  t.equal(ERRORS.SLUICE_ERR_MODEL_NOT_FOUND.status, 404);
  t.equal(ERRORS.SLUICE_ERR_RATE_LIMITED.status, 429);
  t.equal(ERRORS.SLUICE_ERR_BODY_TOO_LARGE.status, 413);
  t.equal(ERRORS.SLUICE_ERR_INTERNAL.status, 500);
});

t.test('GatewayError carries the registry fields', async (t) => {
  const cause = new Error('root cause');
  const error = new GatewayError('SLUICE_ERR_RATE_LIMITED', 'slow down', { param: 'model', retryAfterMs: 1500, cause });
  t.ok(error instanceof Error);
  t.ok(isGatewayError(error));
  t.equal(error.name, 'GatewayError');
  t.equal(error.message, 'slow down');
  t.equal(error.code, 'SLUICE_ERR_RATE_LIMITED');
  t.equal(error.status, 429);
  t.equal(error.class, 'rate_limit');
  t.equal(error.providerCode, 'rate_limit_exceeded');
  t.equal(error.param, 'model');
  t.equal(error.retryAfterMs, 1500);
  t.equal(error.cause, cause);
  t.match(error.stack, /GatewayError: slow down/);

  const plain = new GatewayError('SLUICE_ERR_INVALID_REQUEST', 'bad');
  t.equal(plain.param, undefined);
  t.equal(plain.retryAfterMs, undefined);
  t.notOk('cause' in plain && plain.cause !== undefined, 'no cause unless given');

  t.equal(new GatewayError('SLUICE_ERR_RATE_LIMITED', 'budget', { status: 402 }).status, 402, 'status override');
  t.notOk(isGatewayError(new Error('x')));
  t.notOk(isGatewayError({ code: 'SLUICE_ERR_INTERNAL', status: 500 }));
});

const EXPECTED: Record<UpstreamErrorKind, [ErrorCode, number]> = {
  auth: ['SLUICE_ERR_UPSTREAM_AUTH', 502],
  bad_request: ['SLUICE_ERR_UPSTREAM_BAD_REQUEST', 400],
  not_found: ['SLUICE_ERR_UPSTREAM_NOT_FOUND', 404],
  context_length: ['SLUICE_ERR_CONTEXT_LENGTH', 400],
  content_filter: ['SLUICE_ERR_CONTENT_FILTER', 400],
  rate_limited: ['SLUICE_ERR_UPSTREAM_RATE_LIMITED', 429],
  overloaded: ['SLUICE_ERR_UPSTREAM_OVERLOADED', 503],
  timeout: ['SLUICE_ERR_UPSTREAM_TIMEOUT', 504],
  server: ['SLUICE_ERR_UPSTREAM_SERVER', 502],
  network: ['SLUICE_ERR_UPSTREAM_NETWORK', 502],
  protocol: ['SLUICE_ERR_UPSTREAM_PROTOCOL', 502],
};

t.test('UpstreamFailure maps each kind to its code and status', async (t) => {
  for (const [kind, [code, status]] of Object.entries(EXPECTED) as [UpstreamErrorKind, [ErrorCode, number]][]) {
    const upstream = { kind, status: 599, retryable: isRetryableKind(kind), message: `upstream ${kind}` };
    const failure = new UpstreamFailure(upstream, 'chan-a', `failed: ${kind}`);
    t.ok(failure instanceof GatewayError, `${kind}: a GatewayError`);
    t.equal(failure.name, 'UpstreamFailure');
    t.equal(failure.code, code, `${kind} → ${code}`);
    t.equal(failure.status, status, `${kind} → ${status}`);
    t.equal(failure.channel, 'chan-a');
    t.equal(failure.upstream, upstream);
    t.equal(failure.message, `failed: ${kind}`);
    t.equal(failure.retryAfterMs, undefined);
  }
  const limited = new UpstreamFailure({ kind: 'rate_limited', status: 429, retryable: true, retryAfterMs: 2000, message: 'x' }, 'c', 'limited', new Error('why'));
  t.equal(limited.retryAfterMs, 2000, 'retry-after carried to the client error');
  t.match(limited.cause, { message: 'why' });
});

t.test('kindForStatus', async (t) => {
  const table: [number, UpstreamErrorKind][] = [
    [400, 'bad_request'],
    [401, 'auth'],
    [403, 'auth'],
    [404, 'not_found'],
    [408, 'timeout'],
    [409, 'bad_request'],
    [413, 'context_length'],
    [422, 'bad_request'],
    [429, 'rate_limited'],
    [500, 'server'],
    [502, 'server'],
    [503, 'overloaded'],
    [504, 'timeout'],
    [529, 'overloaded'],
    [599, 'server'],
  ];
  for (const [status, kind] of table) t.equal(kindForStatus(status), kind, `${status} → ${kind}`);
});

t.test('isRetryableKind: transient kinds only', async (t) => {
  for (const kind of ['rate_limited', 'overloaded', 'timeout', 'server', 'network', 'protocol'] as const) t.ok(isRetryableKind(kind), kind);
  for (const kind of ['auth', 'bad_request', 'not_found', 'context_length', 'content_filter'] as const) t.notOk(isRetryableKind(kind), kind);
});

t.test('parseRetryAfter', async (t) => {
  const now = Date.parse('2025-03-10T12:00:00Z');
  t.equal(parseRetryAfter({ 'retry-after': '2' }, now), 2000, 'seconds');
  t.equal(parseRetryAfter({ 'retry-after': '0' }, now), 0);
  t.equal(parseRetryAfter({ 'retry-after': '1.5' }, now), 1500, 'fractional seconds');
  t.equal(parseRetryAfter({ 'retry-after': 'Mon, 10 Mar 2025 12:00:30 GMT' }, now), 30_000, 'HTTP date');
  t.equal(parseRetryAfter({ 'retry-after': 'Mon, 10 Mar 2025 11:59:00 GMT' }, now), 0, 'a date in the past is 0, not negative');
  t.equal(parseRetryAfter({ 'retry-after-ms': '250' }, now), 250, 'retry-after-ms');
  t.equal(parseRetryAfter({ 'retry-after-ms': '250', 'retry-after': '5' }, now), 250, 'retry-after-ms wins');
  t.equal(parseRetryAfter({ 'retry-after-ms': 'soon', 'retry-after': '5' }, now), 5000, 'unreadable ms falls back to retry-after');
  t.equal(parseRetryAfter({ 'retry-after-ms': '-5', 'retry-after': '1' }, now), 1000, 'negative ms ignored');
  t.equal(parseRetryAfter({}, now), undefined, 'absent');
  t.equal(parseRetryAfter({ 'retry-after': 'whenever' }, now), undefined, 'unreadable');
  t.equal(parseRetryAfter({ 'retry-after': '-3' }, now), undefined, 'negative seconds are unreadable');
});

t.test('parseRetryAfter: an empty header is not "retry now"', async (t) => {
  t.equal(parseRetryAfter({ 'retry-after': '' }), undefined);
  t.equal(parseRetryAfter({ 'retry-after-ms': '' }), undefined);
});

t.test('upstreamError fills retryable and retry-after', async (t) => {
  t.strictSame(upstreamError(429, 'rate_limited', 'slow', { 'retry-after': '3' }), { kind: 'rate_limited', status: 429, retryable: true, message: 'slow', retryAfterMs: 3000 });
  t.strictSame(upstreamError(401, 'auth', 'bad key', {}), { kind: 'auth', status: 401, retryable: false, message: 'bad key' });
});
