// One check per fixture kind: golden request, golden response, SSE replay, error mapping.
import type { Adapter, SseEvent, UpstreamRequest, Usage } from '@sluice/core';
import type { ErrorFixture, FixtureCase, RequestFixture, ResponseFixture, StreamFixture } from './fixtures.js';
import { byteByByte, conformanceContext, framedEvents, replaySse, splitAt, StrictDropError, translateEvents, type Replay } from './replay.js';
import type { ConformanceTest } from './test-api.js';
import { deepFreeze, lowerKeys, normalise, withKey } from './values.js';

/** Everything a case needs from the suite's configuration. */
export interface SuiteContext {
  adapter: Adapter<unknown>;
  options: Record<string, unknown>;
  apiKey: string;
  upstreamModel: string;
  surface: string;
  unknownEvents: readonly SseEvent[];
}

const USAGE_FIELDS = new Set(['input', 'output', 'cachedInput', 'cacheWrite', 'reasoning']);

function contextFor(suite: SuiteContext, c: FixtureCase, strict = false): ReturnType<typeof conformanceContext<unknown>> {
  // Frozen: an adapter that writes into its channel options would leak state between requests.
  const options = deepFreeze(structuredClone({ ...suite.options, ...(c.options ?? {}) }));
  return conformanceContext<unknown>(options, {
    apiKey: keyFor(suite, c),
    upstreamModel: c.upstreamModel ?? suite.upstreamModel,
    surface: c.surface ?? suite.surface,
    strict,
  });
}

const keyFor = (suite: SuiteContext, c: FixtureCase): string => c.apiKey ?? suite.apiKey;

/** A deep-frozen copy of the fixture's request and a snapshot to prove it was not changed. */
function frozenRequest(c: RequestFixture | ResponseFixture | StreamFixture): { request: RequestFixture['request']; snapshot: unknown } {
  return { request: deepFreeze(structuredClone(c.request)), snapshot: normalise(c.request) };
}

/** Counts are whole numbers ≥ 0; a count the upstream did not report is absent, never 0 by default. */
export function checkUsageShape(t: ConformanceTest, usage: Usage, where: string): void {
  const bad = Object.entries(usage).filter(
    ([key, value]) => !USAGE_FIELDS.has(key) || (value !== undefined && (!Number.isInteger(value) || (value as number) < 0)),
  );
  t.strictSame(bad, [], `${where}: usage has only known fields with whole, non-negative counts`);
}

/** The key is a credential for the channel's base URL: headers only, never the path, query or body. */
function checkKeyPlacement(t: ConformanceTest, upstream: UpstreamRequest, apiKey: string, keyed: boolean): void {
  if (apiKey === '') {
    t.ok(true, 'a keyless channel: no key to place');
    return;
  }
  const query = JSON.stringify(upstream.query ?? {});
  t.ok(!upstream.path.includes(apiKey) && !query.includes(apiKey), 'the API key is not in the path or query');
  t.ok(!JSON.stringify(upstream.body ?? null).includes(apiKey), 'the API key is not in the body');
  if (keyed) t.ok(Object.values(upstream.headers).some((v) => v.includes(apiKey)), 'the API key is sent in a header');
}

export async function requestCase(t: ConformanceTest, suite: SuiteContext, c: RequestFixture): Promise<void> {
  const { request, snapshot } = frozenRequest(c);
  const ctx = contextFor(suite, c);
  let upstream: UpstreamRequest;
  try {
    upstream = suite.adapter.toUpstream(request, ctx);
  } catch (error) {
    t.ok(false, `toUpstream threw on a deep-frozen request: ${(error as Error).message}`);
    return;
  }
  const { expect } = c;
  t.strictSame(normalise(request), snapshot, 'the request is not mutated');
  t.strictSame(upstream.method, expect.method, 'method');
  t.strictSame(upstream.path, expect.path, 'path');
  t.strictSame(normalise(upstream.query ?? {}), expect.query ?? {}, 'query');
  t.strictSame(lowerKeys(upstream.headers), withKey(expect.headers, keyFor(suite, c)), 'headers ({{apiKey}} = the key)');
  t.strictSame(normalise(upstream.body, c.ignore), normalise(expect.body, c.ignore), 'body');
  t.strictSame(upstream.stream, expect.stream, 'stream');
  t.strictSame(ctx.dropped.map((d) => d.field).sort(), [...(expect.dropped ?? [])].sort(), 'fields reported through ctx.drop');
  t.ok(ctx.dropped.every((d) => d.reason.trim().length > 0), 'every drop says why');
  checkKeyPlacement(t, upstream, keyFor(suite, c), suite.adapter.requiresKey !== false);

  // A retry translates the same request again, possibly for another channel: same input, same output.
  const again = suite.adapter.toUpstream(request, contextFor(suite, c));
  t.strictSame(normalise(again), normalise(upstream), 'a second translation gives the same upstream request');

  if ((expect.dropped ?? []).length > 0) {
    let thrown: unknown;
    try {
      suite.adapter.toUpstream(request, contextFor(suite, c, true));
    } catch (error) {
      thrown = error;
    }
    t.ok(thrown instanceof StrictDropError, 'on a strict channel, the error thrown by ctx.drop propagates (not caught)');
  }
}

export async function responseCase(t: ConformanceTest, suite: SuiteContext, c: ResponseFixture): Promise<void> {
  const { request, snapshot } = frozenRequest(c);
  const body = deepFreeze(structuredClone(c.upstream.body));
  const bodySnapshot = normalise(c.upstream.body);
  const result = suite.adapter.fromUpstream(body, request, contextFor(suite, c));
  t.strictSame(normalise(result.response, c.ignore), normalise(c.expect.response, c.ignore), 'canonical response');
  t.strictSame(normalise(result.usage), normalise(c.expect.usage), 'usage (a count not reported stays absent, not 0)');
  checkUsageShape(t, result.usage, 'fromUpstream');
  t.strictSame(normalise(request), snapshot, 'the request is not mutated');
  t.strictSame(normalise(body), bodySnapshot, 'the upstream body is not mutated');
}

/** Ignore paths apply to each chunk of a stream. */
const eachChunk = (chunks: readonly unknown[], ignore: readonly string[] | undefined): unknown[] => chunks.map((chunk) => normalise(chunk, ignore));

const comparable = (replay: Replay, ignore: readonly string[] | undefined): string =>
  JSON.stringify({ chunks: eachChunk(replay.chunks, ignore), usage: normalise(replay.usage), error: replay.error?.message ?? null });

export async function streamCase(t: ConformanceTest, suite: SuiteContext, c: StreamFixture): Promise<void> {
  const { request, snapshot } = frozenRequest(c);
  const translator = (): ReturnType<Adapter<unknown>['createStream']> => suite.adapter.createStream(request, contextFor(suite, c));
  const bytes = new TextEncoder().encode(Array.isArray(c.upstream.sse) ? c.upstream.sse.join('') : c.upstream.sse);

  t.strictSame(normalise(translator().usage()), {}, 'usage before any event is "not reported" (no counts, not zeros)');

  const whole = replaySse(translator(), [bytes]);
  t.strictSame(eachChunk(whole.chunks, c.ignore), eachChunk(c.expect.chunks, c.ignore), 'canonical chunks');
  t.strictSame(normalise(whole.usage), normalise(c.expect.usage), 'usage after the stream');
  checkUsageShape(t, whole.usage, 'stream');
  if (c.expect.throws === undefined) t.ok(!whole.error, `the translator does not throw${whole.error ? ` (threw: ${whole.error.message})` : ''}`);
  else t.ok(whole.error?.message.includes(c.expect.throws), `the translator throws "${c.expect.throws}"`);

  // Framing is core's job, but the translator must not depend on how reads were cut: every cut, same result.
  const reference = comparable(whole, c.ignore);
  const badSplits: number[] = [];
  for (let at = 0; at <= bytes.length; at++) {
    if (comparable(replaySse(translator(), splitAt(bytes, at)), c.ignore) !== reference) badSplits.push(at);
  }
  t.strictSame(badSplits, [], `split in two at each of ${bytes.length + 1} byte offsets: identical chunks and usage`);
  t.strictSame(comparable(replaySse(translator(), byteByByte(bytes)), c.ignore), reference, 'one byte per read: identical chunks and usage');

  // Providers add event types over time; a translator ignores the ones it does not know.
  const events = framedEvents(bytes);
  const interleaved = events.flatMap((event) => [...suite.unknownEvents, event]).concat(suite.unknownEvents);
  t.strictSame(comparable(translateEvents(translator(), interleaved), c.ignore), reference, 'unknown events between the real ones are ignored');
  t.strictSame(normalise(request), snapshot, 'the request is not mutated');
}

export async function errorCase(t: ConformanceTest, suite: SuiteContext, c: ErrorFixture): Promise<void> {
  const headers = deepFreeze(lowerKeys(c.upstream.headers ?? {}));
  const body = deepFreeze(structuredClone(c.upstream.body));
  const error = suite.adapter.mapError(c.upstream.status, body, headers);
  const { expect } = c;
  t.strictSame(
    normalise({ kind: error.kind, status: error.status, retryable: error.retryable, retryAfterMs: error.retryAfterMs }),
    normalise({ kind: expect.kind, status: expect.status ?? c.upstream.status, retryable: expect.retryable, retryAfterMs: expect.retryAfterMs }),
    'kind, status, retryable, retryAfterMs',
  );
  t.ok(typeof error.message === 'string' && error.message.length > 0, 'a message');
  if (expect.message !== undefined) t.ok(error.message.includes(expect.message), `the message contains "${expect.message}" (got "${error.message}")`);
}
