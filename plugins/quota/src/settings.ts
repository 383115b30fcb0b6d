import type { Principal } from '@sluice/core';
import { firstMatch } from './globs.js';
import type { BudgetSetting, LimitSetting, Period, QuotaOptions, ScopeSetting } from './schema.js';

/**
 * Where a caller's budgets and limits come from — the contract with @sluice/auth:
 *   key:    principal.limits.key.budget / .limits (auth's admin API), else principal.metadata.budget / .limits
 *           else quota's `keys.<keyId>`, else `defaults.key`
 *   tenant: principal.limits.tenant.budget / .limits, else principal.metadata.tenantBudget / .tenantLimits, else quota's `tenants.<id>`, else `defaults.tenant`
 *   model:  quota's `models.<glob>.limits`, shared by every caller of that model
 * Static auth merges tenant metadata into each key's, so a `budget` in a tenant's YAML metadata is a budget for
 * each of its keys; a tenant-wide budget goes in quota's `tenants:` (or `tenantBudget`).
 */
export interface Scope {
  /** Redis-safe id, e.g. `t:acme` or `k:acme:key-1`. */
  id: string;
  kind: 'tenant' | 'key' | 'model';
  tenant: string;
  key?: string;
  budget?: Required<BudgetSetting>;
  limits?: LimitSetting;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function budgetOf(value: unknown): Required<BudgetSetting> | undefined {
  if (!isRecord(value) || !isCount(value['amount'])) return undefined;
  const period = value['period'];
  return { amount: value['amount'], period: period === 'daily' || period === 'monthly' ? period : 'total' };
}

function limitsOf(value: unknown): LimitSetting | undefined {
  if (!isRecord(value)) return undefined;
  const out: LimitSetting = {};
  for (const name of ['rpm', 'tpm', 'concurrent'] as const) if (isCount(value[name])) out[name] = value[name];
  return Object.keys(out).length > 0 ? out : undefined;
}

// Scope ids become parts of Redis keys: keep them printable and free of our ':' separator ambiguity.
const safe = (s: string): string => encodeURIComponent(s);

export class Settings {
  readonly #modelLimits: (model: string) => { limits: LimitSetting } | undefined;

  constructor(private readonly options: Readonly<QuotaOptions>) {
    this.#modelLimits = firstMatch(options.models);
  }

  scopes(principal: Principal, model: string): Scope[] {
    const m = principal.metadata;
    const fromAuth = { key: principal.limits?.key ?? {}, tenant: principal.limits?.tenant ?? {} };
    const keyOpt: ScopeSetting | undefined = this.options.keys[principal.keyId] ?? this.options.defaults.key;
    const tenantOpt: ScopeSetting | undefined = this.options.tenants[principal.tenant] ?? this.options.defaults.tenant;
    const scopes: Scope[] = [];
    const key: Scope = { id: `k:${safe(principal.tenant)}:${safe(principal.keyId)}`, kind: 'key', tenant: principal.tenant, key: principal.keyId };
    const keyBudget = budgetOf(fromAuth.key['budget']) ?? budgetOf(m['budget']) ?? budgetOf(keyOpt?.budget);
    const keyLimits = limitsOf(fromAuth.key['limits']) ?? limitsOf(m['limits']) ?? limitsOf(keyOpt?.limits);
    if (keyBudget) key.budget = keyBudget;
    if (keyLimits) key.limits = keyLimits;
    scopes.push(key);
    const tenant: Scope = { id: `t:${safe(principal.tenant)}`, kind: 'tenant', tenant: principal.tenant };
    const tenantBudget = budgetOf(fromAuth.tenant['budget']) ?? budgetOf(m['tenantBudget']) ?? budgetOf(tenantOpt?.budget);
    const tenantLimits = limitsOf(fromAuth.tenant['limits']) ?? limitsOf(m['tenantLimits']) ?? limitsOf(tenantOpt?.limits);
    if (tenantBudget) tenant.budget = tenantBudget;
    if (tenantLimits) tenant.limits = tenantLimits;
    scopes.push(tenant);
    const modelLimits = this.#modelLimits(model)?.limits;
    if (modelLimits) scopes.push({ id: `m:${safe(model)}`, kind: 'model', tenant: principal.tenant, limits: modelLimits });
    return scopes;
  }
}

const DAY = 86_400_000;

/** The budget period containing `at` (UTC): its id (part of the counter's key), start, end. */
export function periodOf(period: Period, at: number): { id: string; start: number; end: number } {
  const d = new Date(at);
  if (period === 'daily') {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    return { id: `d${new Date(start).toISOString().slice(0, 10).replaceAll('-', '')}`, start, end: start + DAY };
  }
  if (period === 'monthly') {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    return { id: `m${new Date(start).toISOString().slice(0, 7).replace('-', '')}`, start, end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
  }
  return { id: 'total', start: 0, end: Number.POSITIVE_INFINITY };
}
