import { randomUUID } from 'node:crypto';
import { GatewayError, tapStream, type Middleware, type RelayContext, type Usage } from '@sluice/core';
import type { Logger } from 'pino';
import type { HotStore, AdmitSpec, AdmitResult, WindowCheck, WindowState } from './hot/types.js';
import type { Ledger, LedgerRecord } from './ledger/types.js';
import type { LedgerWriter } from './ledger/writer.js';
import { toTokens, type PriceTable, type Tokens } from './pricing.js';
import type { QuotaOptions } from './schema.js';
import { periodOf, type Scope, type Settings } from './settings.js';
import { OutputText, type TokenCounter } from './tokens.js';

declare module '@sluice/core' {
  interface PluginState {
    '@sluice/quota': { id: string; estimate: number; inputTokens: number; outputTokens: number };
  }
}

export interface MeterDeps {
  options: Readonly<QuotaOptions>;
  prices: PriceTable;
  counter: TokenCounter;
  settings: Settings;
  shared: HotStore;
  /** The in-process twin: the store itself without Redis, the rate-limit fallback with it. */
  local: HotStore;
  ledger: Ledger;
  writer: LedgerWriter;
  owner: string;
  prefix: string;
  leaseMs: number;
  log: Logger;
  /** Sees every authenticated principal with its credential (for the self-service route). */
  onPrincipal(ctx: RelayContext): void;
}

const MINUTE = 60_000;
const ZERO: Tokens = { input: 0, output: 0, cachedInput: 0, cacheWrite: 0, reasoning: 0 };

interface Budgeted { key: string; scope: Scope; since: number; end: number; ttlMs: number }

export function createMeter(deps: MeterDeps): Middleware {
  const { options, prices, counter, settings, shared, local, log } = deps;
  let lastOutageLog = 0;

  /** Runs the admission, initialising budget counters from the ledger when they are missing. */
  async function admitOn(store: HotStore, spec: AdmitSpec, budgeted: Budgeted[]): Promise<AdmitResult> {
    for (let round = 0; round < 3; round++) {
      const result = await store.admit(spec);
      if (result.ok || result.reason !== 'uninitialized') return result;
      const missing = budgeted.filter((b) => result.keys.includes(b.key));
      const entries = await Promise.all(
        missing.map(async (b) => {
          const scope = b.scope.kind === 'key' && b.scope.key !== undefined ? { tenant: b.scope.tenant, key: b.scope.key } : { tenant: b.scope.tenant };
          // Records settled here but not yet durable are part of the truth too.
          const spent = (await deps.ledger.spent(scope, b.since)) + deps.writer.pendingCost(scope, b.since);
          return { key: b.key, spent, ttlMs: b.ttlMs };
        }),
      );
      await store.initBudgets(entries);
    }
    throw new Error('quota: budget counters could not be initialised');
  }

  /** Redis unreachable: the documented fallback (onRedisDown), never a crash. */
  async function admit(spec: AdmitSpec, budgeted: Budgeted[]): Promise<{ store: HotStore; result: AdmitResult }> {
    try {
      return { store: shared, result: await admitOn(shared, spec, budgeted) };
    } catch (error) {
      if (shared === local || (error as Error).name === 'ReplyError') throw error;
      if (Date.now() - lastOutageLog > 10_000) {
        lastOutageLog = Date.now();
        log.error({ err: (error as Error).message, policy: options.onRedisDown }, 'quota store unreachable');
      }
      const limited = spec.windows.length + spec.concurrency.length > 0;
      if ((spec.budgets.length > 0 && options.onRedisDown.budgets === 'closed') || (limited && options.onRedisDown.limits === 'closed')) {
        throw new GatewayError('SLUICE_ERR_STORE_UNAVAILABLE', 'The quota store is unreachable; try again shortly.', { retryAfterMs: 1000 });
      }
      const keepLimits = options.onRedisDown.limits === 'local';
      const fallback: AdmitSpec = { ...spec, budgets: [], windows: keepLimits ? spec.windows : [], concurrency: keepLimits ? spec.concurrency : [] };
      return { store: local, result: await local.admit(fallback) };
    }
  }

  return async (ctx, next) => {
    const principal = ctx.principal;
    if (!principal || ctx.operation === 'models' || ctx.operation === 'count_tokens') return next();
    const request = ctx.request;
    const model = request.model;
    const inputTokens = counter.input(request);
    const outputTokens = request.operation === 'embeddings' ? 0 : maxOutput(ctx) ?? prices.entry(model)?.maxOutput ?? options.defaultMaxOutput;
    const estimate = prices.cost(model, principal.group, { ...ZERO, input: inputTokens, output: outputTokens });
    const scopes = settings.scopes(principal, model);
    if (ctx.dryRun) {
      // Explain: what would be checked and reserved — nothing is reserved or counted.
      ctx.note('quota', `would reserve ${estimate} micro-units (${inputTokens} input + up to ${outputTokens} output tokens)`, {
        checks: scopes.map((s) => ({ scope: s.id, ...(s.budget ? { budget: s.budget } : {}), ...(s.limits ? { limits: s.limits } : {}) })),
      });
      return next();
    }
    deps.onPrincipal(ctx);
    const id = randomUUID();
    const now = Date.now();

    const budgeted: Budgeted[] = [];
    const windows: { check: WindowCheck; scope: Scope }[] = [];
    const leases: { key: string; limit: number; scope: Scope }[] = [];
    for (const scope of scopes) {
      if (scope.budget) {
        const period = periodOf(scope.budget.period, now);
        const ttlMs = Number.isFinite(period.end) ? period.end - now + 2 * 86_400_000 : 0;
        budgeted.push({ key: `${deps.prefix}b:${scope.id}:${period.id}`, scope, since: period.start, end: period.end, ttlMs });
      }
      const l = scope.limits;
      if (l?.rpm !== undefined) windows.push({ scope, check: { key: `${deps.prefix}w:${scope.id}:r`, unit: 'requests', limit: l.rpm, windowMs: MINUTE, cost: 1 } });
      if (l?.tpm !== undefined) windows.push({ scope, check: { key: `${deps.prefix}w:${scope.id}:t`, unit: 'tokens', limit: l.tpm, windowMs: MINUTE, cost: inputTokens + outputTokens } });
      if (l?.concurrent !== undefined) leases.push({ key: `${deps.prefix}c:${scope.id}`, limit: l.concurrent, scope });
    }

    const base: LedgerRecord = {
      id,
      requestId: ctx.id,
      ts: ctx.startedAt,
      day: new Date(ctx.startedAt).toISOString().slice(0, 10),
      tenant: principal.tenant,
      key: principal.keyId,
      group: principal.group,
      model,
      channel: null,
      operation: ctx.operation,
      stream: request.stream,
      tokens: { ...ZERO, input: inputTokens },
      counted: 'tokenizer',
      estimate,
      cost: estimate,
      latencyMs: 0,
      status: 'reclaimed',
      cacheHit: false,
      trace: [],
    };
    const spec: AdmitSpec = {
      id,
      owner: deps.owner,
      amount: estimate,
      leaseMs: deps.leaseMs,
      budgets: budgeted.map((b) => ({ key: b.key, limit: b.scope.budget?.amount ?? 0 })),
      windows: windows.map((w) => w.check),
      concurrency: leases.map(({ key, limit }) => ({ key, limit })),
      record: JSON.stringify(base),
    };
    const { store, result } = await admit(spec, budgeted);
    setRateHeaders(ctx, result.ok || result.reason !== 'uninitialized' ? result.windows : []);
    if (!result.ok) throw rejection(result, { budgeted, windows, leases, estimate, status: options.budgetStatus, now });
    ctx.plugins['@sluice/quota'] = { id, estimate, inputTokens, outputTokens };
    ctx.note('quota', 'reserved', { estimate, inputTokens, outputTokens, store: store.kind });

    const out = new OutputText();
    const finish = (error: unknown, usage: Usage): void => {
      const produced = !out.empty || (usage.output ?? 0) > 0;
      // A call that failed before producing anything is refunded in full.
      const refunded = error !== undefined && !produced;
      const tokens: Tokens = refunded ? { ...ZERO } : toTokens(usage);
      if (!refunded) {
        if (usage.input === undefined) tokens.input = inputTokens;
        if (usage.output === undefined) tokens.output = counter.text(model, out.text());
      }
      const reported = Number(usage.input !== undefined) + Number(usage.output !== undefined);
      const cacheHit = error === undefined && ctx.cached !== undefined;
      const cost = cacheHit && !options.chargeCacheHits ? 0 : prices.cost(model, principal.group, tokens);
      const aborted = ctx.signal.aborted || (error instanceof Error && error.name === 'AbortError');
      const record: LedgerRecord = {
        ...base,
        channel: ctx.attempts.at(-1)?.channel ?? null,
        tokens,
        counted: reported === 2 || refunded ? 'upstream' : reported === 0 ? 'tokenizer' : 'mixed',
        cost,
        latencyMs: Date.now() - ctx.startedAt,
        status: error === undefined ? 'ok' : aborted ? 'aborted' : 'error',
        cacheHit,
        trace: ctx.trace.map(({ by, message }) => ({ by, message })),
      };
      if (error !== undefined) record.error = error instanceof GatewayError ? error.code : error instanceof Error ? error.name : 'unknown';
      const tokenDelta = tokens.input + tokens.output - inputTokens - outputTokens;
      store
        .settle({ id, owner: deps.owner, cost, tokenDelta, budgets: budgeted.map((b) => b.key), record: JSON.stringify(record) })
        .catch((e: Error) => log.error({ err: e.message, reqId: ctx.id }, 'quota settlement failed; the ledger still records it'))
        .finally(() => deps.writer.push(record));
    };

    let result2;
    try {
      result2 = await next();
    } catch (error) {
      finish(error, {});
      throw error;
    }
    if (result2.kind === 'response') out.response(result2.response);
    return tapStream(result2, {
      onChunk: (chunk) => out.chunk(chunk),
      onEnd: (usage) => finish(undefined, usage),
      onError: (error, usage) => finish(error ?? new Error('stream failed'), usage),
    });
  };
}

function maxOutput(ctx: RelayContext): number | undefined {
  const r = ctx.request;
  if (r.operation !== 'chat' && r.operation !== 'completions') return undefined;
  const extra = r.extra?.format === 'openai' ? r.extra.fields['max_completion_tokens'] : undefined;
  const max = r.maxTokens ?? (typeof extra === 'number' ? extra : undefined);
  return max === undefined ? undefined : max * Math.max(1, r.n ?? 1);
}

/** OpenAI's x-ratelimit-* headers, from the tightest window of each unit. */
function setRateHeaders(ctx: RelayContext, states: readonly WindowState[]): void {
  for (const unit of ['requests', 'tokens'] as const) {
    const tightest = states.filter((s) => s.unit === unit).sort((a, b) => a.remaining - b.remaining)[0];
    if (!tightest) continue;
    ctx.responseHeaders[`x-ratelimit-limit-${unit}`] = String(tightest.limit);
    ctx.responseHeaders[`x-ratelimit-remaining-${unit}`] = String(Math.max(0, tightest.remaining));
    ctx.responseHeaders[`x-ratelimit-reset-${unit}`] = duration(tightest.resetMs);
  }
}

/** "850ms", "12s", "1m5s" — the format OpenAI uses in x-ratelimit-reset-*. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const s = Math.ceil(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

interface RejectionInfo {
  budgeted: Budgeted[];
  windows: { check: WindowCheck; scope: Scope }[];
  leases: { limit: number; scope: Scope }[];
  estimate: number;
  status: number;
  now: number;
}

function rejection(result: Extract<AdmitResult, { ok: false }>, info: RejectionInfo): GatewayError {
  const name = (s: Scope): string => (s.kind === 'key' ? `key ${s.key ?? ''}` : s.kind === 'tenant' ? `tenant ${s.tenant}` : `model ${s.id.slice(2)}`);
  if (result.reason === 'budget') {
    const b = info.budgeted[result.index];
    const label = b ? `${name(b.scope)} (${b.scope.budget?.period ?? 'total'})` : 'this caller';
    const options: { status: number; retryAfterMs?: number } = { status: info.status };
    if (b && Number.isFinite(b.end)) options.retryAfterMs = b.end - info.now;
    return new GatewayError(
      'SLUICE_ERR_BUDGET_EXCEEDED',
      `Budget exhausted for ${label}: ${result.remaining} micro-units left, this request may cost up to ${info.estimate}.`,
      options,
    );
  }
  if (result.reason === 'concurrent') {
    const c = info.leases[result.index];
    return new GatewayError('SLUICE_ERR_RATE_LIMITED', `Too many concurrent requests for ${c ? name(c.scope) : 'this caller'} (limit ${c?.limit ?? 0}).`, {
      retryAfterMs: result.retryAfterMs,
    });
  }
  if (result.reason === 'uninitialized') return new GatewayError('SLUICE_ERR_STORE_UNAVAILABLE', 'Quota counters are not ready; try again.');
  const w = info.windows[result.index];
  const per = w?.check.unit === 'tokens' ? 'tokens per minute' : 'requests per minute';
  return new GatewayError('SLUICE_ERR_RATE_LIMITED', `Rate limit reached for ${w ? name(w.scope) : 'this caller'}: ${w?.check.limit ?? 0} ${per}.`, {
    retryAfterMs: result.retryAfterMs,
  });
}
