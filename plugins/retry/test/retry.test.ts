// @sluice/retry: calls next() again on retryable upstream failures, within maxAttempts, backoff cap and deadline.
import t from 'tap';
import { pino } from 'pino';
import {
  GatewayError,
  UpstreamFailure,
  type Middleware,
  type PluginApi,
  type RelayContext,
  type RelayResult,
  type TraceEntry,
  type UpstreamErrorKind,
} from '@sluice/core';
import retry from '@sluice/retry';

const log = pino({ level: 'silent' });

async function middleware(options: Record<string, unknown>): Promise<Middleware> {
  const api = { name: retry.name, log, before: [], onClose: () => {} } as unknown as PluginApi;
  const resolved = { maxAttempts: 3, backoff: 0, maxBackoff: 0, deadline: '60s', ...options };
  const mw = await retry.setup(api, resolved as Parameters<typeof retry.setup>[1]);
  if (!mw) throw new Error('retry returns a middleware');
  return mw;
}

function context(overrides: { operation?: RelayContext['operation']; startedAt?: number; signal?: AbortSignal } = {}): RelayContext {
  const trace: TraceEntry[] = [];
  return {
    id: 'req',
    surface: 'openai',
    operation: overrides.operation ?? 'chat',
    request: { operation: 'chat', model: 'm', messages: [], stream: false, includeUsage: false },
    headers: {},
    query: {},
    clientIp: '127.0.0.1',
    startedAt: overrides.startedAt ?? Date.now(),
    signal: overrides.signal ?? new AbortController().signal,
    log,
    attempts: [],
    trace,
    responseHeaders: {},
    dropped: [],
    plugins: {},
    dryRun: false,
    note: (by, message) => void trace.push({ by, at: Date.now(), message }),
  };
}

const ok: RelayResult = { kind: 'response', usage: {}, response: { operation: 'models', models: [] } };

const failure = (kind: UpstreamErrorKind, retryable: boolean, channel = 'c1', retryAfterMs?: number): UpstreamFailure =>
  new UpstreamFailure(
    { kind, status: 500, retryable, message: kind, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
    channel,
    `${kind} on ${channel}`,
  );

/** next() that fails with the given errors in turn, then succeeds. */
function script(errors: readonly unknown[]): { next: () => Promise<RelayResult>; calls: () => number } {
  let calls = 0;
  return {
    next: async () => {
      const error = errors[calls++];
      if (error !== undefined) throw error;
      return ok;
    },
    calls: () => calls,
  };
}

t.test('plugin shape and option schema', async (t) => {
  t.equal(retry.name, '@sluice/retry');
  t.match(retry.schema, { type: 'object', additionalProperties: false });
});

t.test('a retryable failure is retried until it succeeds', async (t) => {
  const mw = await middleware({});
  const ctx = context();
  const { next, calls } = script([failure('server', true, 'a'), failure('rate_limited', true, 'b')]);
  t.equal(await mw(ctx, next), ok);
  t.equal(calls(), 3);
  t.equal(ctx.trace.filter((e) => e.by === 'retry').length, 2, 'each retry is explained in the trace');
  t.match(ctx.trace[0]?.message, /server on a/);
});

t.test('a non-retryable failure, or any other error, is not retried', async (t) => {
  const mw = await middleware({});
  for (const error of [failure('bad_request', false), new GatewayError('SLUICE_ERR_FORBIDDEN', 'no'), new Error('bug')]) {
    const { next, calls } = script([error]);
    await t.rejects(mw(context(), next), error);
    t.equal(calls(), 1);
  }
});

t.test('maxAttempts counts every attempt, the first included', async (t) => {
  for (const maxAttempts of [1, 2, 4]) {
    const mw = await middleware({ maxAttempts });
    const errors = Array.from({ length: 10 }, (_, i) => failure('overloaded', true, `c${i}`));
    const { next, calls } = script(errors);
    await t.rejects(mw(context(), next), errors[maxAttempts - 1] as Error, 'the last failure is thrown');
    t.equal(calls(), maxAttempts, `maxAttempts ${maxAttempts}`);
  }
});

t.test('when the router has no channel left, the previous upstream failure is the answer', async (t) => {
  const mw = await middleware({ maxAttempts: 5 });
  const first = failure('server', true, 'only-one');
  const { next, calls } = script([first, new GatewayError('SLUICE_ERR_NO_CHANNEL', 'none left')]);
  await t.rejects(mw(context(), next), first);
  t.equal(calls(), 2);

  const direct = script([new GatewayError('SLUICE_ERR_NO_CHANNEL', 'none at all')]);
  await t.rejects(mw(context(), direct.next), { code: 'SLUICE_ERR_NO_CHANNEL' }, 'without an earlier failure it stands');
});

t.test('the first retry fails over at once; later ones back off exponentially, capped by maxBackoff', async (t) => {
  const mw = await middleware({ maxAttempts: 4, backoff: 40, maxBackoff: 50 });
  const ctx = context();
  const { next, calls } = script([failure('server', true), failure('server', true), failure('server', true)]);
  const started = Date.now();
  t.equal(await mw(ctx, next), ok);
  t.equal(calls(), 4);
  t.match(ctx.trace[0]?.message, /retrying now/, 'attempt 1 → 2 at once (the router picks another channel)');
  t.match(ctx.trace[1]?.message, /retrying in (2\d|3\d|40) ms/, 'attempt 2 → 3 waits backoff·[0.5,1]');
  t.match(ctx.trace[2]?.message, /retrying in (4\d|50) ms/, 'attempt 3 → 4 waits 2·backoff, capped at 50');
  t.ok(Date.now() - started >= 60, 'the waits really happened');
});

t.test('a timeout is retried once, not more', async (t) => {
  const mw = await middleware({ maxAttempts: 5 });
  const { next, calls } = script([failure('timeout', true), failure('timeout', true), failure('timeout', true)]);
  await t.rejects(mw(context(), next), { code: 'SLUICE_ERR_UPSTREAM_TIMEOUT' });
  t.equal(calls(), 2);
});

t.test('an upstream auth failure (the channel key) is retried elsewhere', async (t) => {
  const mw = await middleware({});
  const { next, calls } = script([failure('auth', false)]);
  t.equal(await mw(context(), next), ok);
  t.equal(calls(), 2);
});

t.test('no new attempt past the deadline', async (t) => {
  const mw = await middleware({ deadline: '60s', maxBackoff: '5m' });
  const late = context({ startedAt: Date.now() - 120_000 });
  const first = script([failure('server', true)]);
  await t.rejects(mw(late, first.next), { code: 'SLUICE_ERR_UPSTREAM_SERVER' });
  t.equal(first.calls(), 1, 'already past the deadline');
});

t.test('a client that went away is not retried for', async (t) => {
  const mw = await middleware({});
  const controller = new AbortController();
  controller.abort();
  const { next, calls } = script([failure('server', true)]);
  await t.rejects(mw(context({ signal: controller.signal }), next), { code: 'SLUICE_ERR_UPSTREAM_SERVER' });
  t.equal(calls(), 1);
});

t.test('an abort during the backoff wait ends it at once with the upstream failure', async (t) => {
  const mw = await middleware({ backoff: '30s', maxBackoff: '5m' });
  const controller = new AbortController();
  const ctx = context({ signal: controller.signal });
  const note = ctx.note;
  // The retry notes its decision right before it starts waiting: abort just after the second note (a real wait).
  ctx.note = (by, message, data) => {
    note(by, message, data);
    if (ctx.trace.length === 2) queueMicrotask(() => controller.abort());
  };
  const second = failure('server', true, 'c2');
  const { next, calls } = script([failure('server', true), second]);
  const started = Date.now();
  await t.rejects(mw(ctx, next), second);
  t.equal(calls(), 2);
  t.match(ctx.trace[1]?.message, /retrying in \d{5} ms/, 'it was waiting');
  t.ok(Date.now() - started < 10_000, 'the long wait was cut short');
});

t.test('the models listing passes straight through', async (t) => {
  const mw = await middleware({});
  const { next, calls } = script([failure('server', true)]);
  await t.rejects(mw(context({ operation: 'models' }), next), { code: 'SLUICE_ERR_UPSTREAM_SERVER' });
  t.equal(calls(), 1);
});
