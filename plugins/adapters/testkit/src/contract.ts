// Checks that need no fixture (the adapter's shape, mapError on any input) and the fixture-coverage check.
import type { Adapter, UpstreamErrorKind } from '@sluice/core';
import type { FixtureCase } from './fixtures.js';
import type { ConformanceTest } from './test-api.js';

const RELAY_OPERATIONS = new Set(['chat', 'completions', 'embeddings']);
const KINDS: ReadonlySet<UpstreamErrorKind> = new Set([
  'auth', 'bad_request', 'not_found', 'context_length', 'content_filter', 'rate_limited', 'overloaded', 'timeout', 'server', 'network', 'protocol',
]);

/** The kinds an HTTP answer can mean; `network` and `protocol` are decided by core, not by mapError. */
export const MAPPABLE_KINDS: readonly UpstreamErrorKind[] = [
  'auth', 'bad_request', 'not_found', 'context_length', 'content_filter', 'rate_limited', 'overloaded', 'timeout', 'server',
];

export function checkShape(t: ConformanceTest, adapter: Adapter<unknown>): void {
  t.ok(typeof adapter.id === 'string' && /^[a-z0-9][a-z0-9._-]*$/.test(adapter.id), `id "${adapter.id}" is a lower-case name`);
  const schema = adapter.schema as { type?: unknown };
  t.ok(schema !== null && typeof schema === 'object' && schema.type === 'object', 'schema is a JSON Schema for an object (channel options)');
  t.ok(adapter.operations.length > 0 && adapter.operations.every((op) => RELAY_OPERATIONS.has(op)), 'operations are relay operations');
  for (const fn of ['toUpstream', 'fromUpstream', 'createStream', 'mapError'] as const) t.ok(typeof adapter[fn] === 'function', `${fn} is a function`);
}

const STATUSES = [400, 401, 403, 404, 408, 409, 413, 415, 422, 429, 500, 501, 502, 503, 504, 529];
const ODD_BODIES: unknown[] = [undefined, null, '', 'upstream is down', '<html><body>502 Bad Gateway</body></html>', {}, [], 42, { error: null }, { error: 'x' }, { error: { message: 42 } }];

/** Whatever an upstream answers, mapError returns a well-formed error: it runs on the failure path, where a throw hides the cause. */
export function checkMapErrorTotal(t: ConformanceTest, adapter: Adapter<unknown>): void {
  const problems: string[] = [];
  for (const status of STATUSES) {
    for (const body of ODD_BODIES) {
      const where = `${status} ${JSON.stringify(body) ?? 'undefined'}`;
      try {
        const e = adapter.mapError(status, body, Object.freeze({ 'content-type': 'text/plain' }));
        if (!KINDS.has(e.kind)) problems.push(`${where}: unknown kind ${String(e.kind)}`);
        if (e.status !== status) problems.push(`${where}: status ${e.status}`);
        if (typeof e.retryable !== 'boolean') problems.push(`${where}: retryable is not a boolean`);
        if (typeof e.message !== 'string') problems.push(`${where}: message is not a string`);
        if (e.retryAfterMs !== undefined && !(Number.isFinite(e.retryAfterMs) && e.retryAfterMs >= 0)) problems.push(`${where}: retryAfterMs ${e.retryAfterMs}`);
      } catch (error) {
        problems.push(`${where}: threw ${(error as Error).message}`);
      }
    }
  }
  t.strictSame(problems, [], `mapError is total: ${STATUSES.length} statuses × ${ODD_BODIES.length} odd bodies give well-formed errors`);
}

export interface CoverageRules {
  operations: readonly string[];
  /** Kinds exempt from the error-coverage rule, with why. */
  unmappedKinds: Partial<Record<UpstreamErrorKind, string>>;
}

/** The fixtures must exercise the whole contract, or a passing suite proves little. */
export function checkCoverage(t: ConformanceTest, cases: readonly FixtureCase[], rules: CoverageRules): void {
  const missing: string[] = [];
  for (const op of rules.operations) {
    if (!cases.some((c) => c.kind === 'request' && c.request.operation === op)) missing.push(`a request fixture for operation "${op}"`);
  }
  const reportsUsage = (usage: { input?: number; output?: number }): boolean => usage.input !== undefined && usage.output !== undefined;
  if (!cases.some((c) => c.kind === 'response' && reportsUsage(c.expect.usage))) missing.push('a response fixture whose usage reports input and output');
  if (!cases.some((c) => c.kind === 'stream' && reportsUsage(c.expect.usage))) missing.push('a stream fixture whose usage reports input and output');
  const mapped = new Set(cases.flatMap((c) => (c.kind === 'error' ? [c.expect.kind] : [])));
  for (const kind of MAPPABLE_KINDS) {
    if (!mapped.has(kind) && !(kind in rules.unmappedKinds)) missing.push(`an error fixture mapped to "${kind}" (or unmappedKinds.${kind}: "why")`);
  }
  for (const [kind, why] of Object.entries(rules.unmappedKinds)) {
    if (typeof why !== 'string' || why.trim() === '') missing.push(`a reason for unmappedKinds.${kind}`);
  }
  t.strictSame(missing, [], 'the fixtures cover every operation, usage in responses and streams, and every error kind');
}
