import { createHash } from 'node:crypto';
import { GatewayError, type PluginApi, type Principal, type RelayContext } from '@sluice/core';
import type { HotStore } from './hot/types.js';
import type { GroupField, Ledger, UsageQuery } from './ledger/types.js';
import type { LedgerWriter } from './ledger/writer.js';
import { periodOf, type Settings } from './settings.js';

const hash = (credential: string): string => createHash('sha256').update(credential).digest('hex');

/** The credential as each SDK sends it (the same rule as @sluice/auth). */
function credentialOf(headers: Readonly<Record<string, unknown>>, query: Readonly<Record<string, unknown>>): string | undefined {
  const authorization = headers['authorization'];
  if (typeof authorization === 'string') return /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
  const other = headers['x-api-key'] ?? headers['x-goog-api-key'] ?? query['key'];
  return typeof other === 'string' ? other : undefined;
}

/**
 * Which principal a credential belongs to, for the self-service route (which runs outside the pipeline, so auth
 * has not run). Static keys from gateway.yaml are known at start (keyIds derived as @sluice/auth does); keys auth
 * resolves elsewhere (its store) become known after their first call through the pipeline. Only hashes are held.
 */
export class Principals {
  readonly #byHash = new Map<string, Principal>();
  readonly #seen = new WeakSet<Principal>();

  constructor(api: PluginApi) {
    for (const tenant of api.config.tenants) {
      for (const key of tenant.keys) {
        if (!key.enabled) continue;
        const h = hash(key.key);
        this.#byHash.set(h, { tenant: tenant.id, group: tenant.group, keyId: key.id ?? `key-${h.slice(0, 12)}`, metadata: { ...tenant.metadata, ...key.metadata } });
      }
    }
  }

  remember(ctx: RelayContext): void {
    const principal = ctx.principal;
    if (!principal || this.#seen.has(principal)) return;
    this.#seen.add(principal);
    const credential = credentialOf(ctx.headers, ctx.query);
    if (credential) this.#byHash.set(hash(credential), principal);
  }

  find(request: { headers: Readonly<Record<string, unknown>>; query: unknown }): Principal | undefined {
    const credential = credentialOf(request.headers, request.query as Record<string, unknown>);
    return credential ? this.#byHash.get(hash(credential)) : undefined;
  }
}

const dayMs = (value: unknown, name: string): number | undefined => {
  if (value === undefined || value === '') return undefined;
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms)) throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', `${name} must be a date YYYY-MM-DD.`, { param: name });
  return ms;
};
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

export interface RouteDeps {
  api: PluginApi;
  ledger: Ledger;
  writer: LedgerWriter;
  store: HotStore;
  settings: Settings;
  principals: Principals;
  prefix: string;
}

export function budgetView(deps: RouteDeps, principal: Principal): Promise<Record<string, unknown>> {
  return (async () => {
    const now = Date.now();
    const out: Record<string, unknown> = {};
    for (const scope of deps.settings.scopes(principal, '')) {
      if (scope.kind === 'model') continue;
      if (!scope.budget) {
        out[scope.kind] = null;
        continue;
      }
      const period = periodOf(scope.budget.period, now);
      const [live] = await deps.store.balances([`${deps.prefix}b:${scope.id}:${period.id}`]).catch(() => [null]);
      const ledgerScope = scope.kind === 'key' && scope.key !== undefined ? { tenant: scope.tenant, key: scope.key } : { tenant: scope.tenant };
      const recorded = (await deps.ledger.spent(ledgerScope, period.start)) + deps.writer.pendingCost(ledgerScope, period.start);
      const spent = live?.spent ?? recorded;
      const reserved = live?.reserved ?? 0;
      out[scope.kind] = {
        amount: scope.budget.amount,
        period: scope.budget.period,
        spent,
        reserved,
        remaining: Math.max(0, scope.budget.amount - spent - reserved),
        recorded,
        ...(Number.isFinite(period.end) && { resets_at: new Date(period.end).toISOString() }),
      };
    }
    return out;
  })();
}

export function registerRoutes(deps: RouteDeps): void {
  const { api, ledger, writer } = deps;
  api.route(
    {
      method: 'GET',
      path: '/admin/usage',
      handler: async (request) => {
        const q = request.query as Record<string, unknown>;
        const groupBy = (text(q['groupBy']) ?? 'tenant,key,model,day').split(',').map((f) => f.trim());
        const bad = groupBy.find((f) => !['tenant', 'key', 'model', 'day'].includes(f));
        if (bad) throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', `groupBy: unknown field "${bad}" (tenant, key, model, day).`, { param: 'groupBy' });
        // Read-your-writes for the admin: what this instance has settled is written before the query.
        await writer.flush();
        const from = dayMs(q['from'], 'from');
        const to = dayMs(q['to'], 'to');
        const query: UsageQuery = { groupBy: groupBy as GroupField[] };
        if (from !== undefined) query.from = from;
        if (to !== undefined) query.to = to + 86_400_000;
        for (const field of ['tenant', 'key', 'model'] as const) {
          const value = text(q[field]);
          if (value !== undefined) query[field] = value;
        }
        const rows = await ledger.usage(query);
        rows.sort((a, b) => JSON.stringify([a.day, a.tenant, a.key, a.model]).localeCompare(JSON.stringify([b.day, b.tenant, b.key, b.model])));
        return { object: 'list', unit: 'micro', data: rows, pending: await deps.store.pending().catch(() => null) };
      },
    },
    { admin: true },
  );

  api.route(
    {
      method: 'GET',
      path: '/admin/usage/records',
      handler: async (request) => {
        const ids = (text((request.query as Record<string, unknown>)['requestId']) ?? '').split(',').filter(Boolean);
        if (ids.length === 0 || ids.length > 1000) {
          throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', 'requestId: 1 to 1000 comma-separated request ids.', { param: 'requestId' });
        }
        await writer.flush();
        return { object: 'list', data: await ledger.byRequestId(ids), pending: await deps.store.pending().catch(() => null) };
      },
    },
    { admin: true },
  );

  // OpenAI's legacy billing endpoint, for a key's own spend and remaining budget.
  api.route({
    method: 'GET',
    path: '/v1/dashboard/billing/usage',
    handler: async (request) => {
      const principal = deps.principals.find(request);
      if (!principal) throw new GatewayError('SLUICE_ERR_UNAUTHENTICATED', 'Invalid API key. Check the key you sent to the gateway.');
      const q = request.query as Record<string, unknown>;
      const from = dayMs(q['start_date'], 'start_date');
      const to = dayMs(q['end_date'], 'end_date');
      await writer.flush();
      const rows = await ledger.usage({
        groupBy: ['day', 'model'],
        tenant: principal.tenant,
        key: principal.keyId,
        ...(from !== undefined && { from }),
        ...(to !== undefined && { to }),
      });
      const days = new Map<string, { timestamp: number; line_items: { name: string; cost: number; requests: number }[] }>();
      for (const row of rows) {
        const day = row.day ?? '';
        let entry = days.get(day);
        if (!entry) days.set(day, (entry = { timestamp: Date.parse(`${day}T00:00:00Z`) / 1000, line_items: [] }));
        entry.line_items.push({ name: row.model ?? '', cost: row.cost, requests: row.requests });
      }
      return {
        object: 'list',
        unit: 'micro',
        tenant: principal.tenant,
        key: principal.keyId,
        total_usage: rows.reduce((n, r) => n + r.cost, 0),
        daily_costs: [...days.values()].sort((a, b) => a.timestamp - b.timestamp),
        budgets: await budgetView(deps, principal),
      };
    },
  });
}
