import {
  windowRetryMs,
  windowUsed,
  type AdmitResult,
  type AdmitSpec,
  type Balance,
  type HotStore,
  type Recovered,
  type SettleSpec,
  type WindowState,
} from './types.js';

interface Window { bucket: number; cur: number; prev: number }
interface Entry {
  state: 'reserved' | 'settled';
  amount: number;
  budgets: string[];
  conc: string[];
  /** Token windows counted in, with the bucket, for the settlement correction. */
  tw: { key: string; bucket: number }[];
  rec: string;
}

/**
 * The embedded twin of the Redis store: same checks, same order, same numbers, for one process. Every method
 * runs synchronously inside, so (like a Lua script) nothing interleaves between a check and its update.
 * It dies with the process: budgets are rebuilt from the ledger at the next start (uninitialized → initBudgets).
 */
export class MemoryHotStore implements HotStore {
  readonly kind = 'embedded' as const;
  readonly #budgets = new Map<string, Balance>();
  readonly #windows = new Map<string, Window>();
  readonly #leases = new Map<string, Map<string, number>>();
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  #window(key: string, windowMs: number, now: number): Window {
    const bucket = Math.floor(now / windowMs);
    let w = this.#windows.get(key);
    if (!w) this.#windows.set(key, (w = { bucket, cur: 0, prev: 0 }));
    if (w.bucket === bucket - 1) Object.assign(w, { bucket, prev: w.cur, cur: 0 });
    else if (w.bucket !== bucket) Object.assign(w, { bucket, prev: 0, cur: 0 });
    return w;
  }

  #live(key: string, now: number): Map<string, number> {
    let leases = this.#leases.get(key);
    if (!leases) this.#leases.set(key, (leases = new Map()));
    for (const [id, until] of leases) if (until <= now) leases.delete(id);
    return leases;
  }

  async admit(spec: AdmitSpec): Promise<AdmitResult> {
    const missing = spec.budgets.filter((b) => !this.#budgets.has(b.key)).map((b) => b.key);
    if (missing.length > 0) return { ok: false, reason: 'uninitialized', keys: missing };
    const now = this.now();
    const states: WindowState[] = [];
    for (const [index, w] of spec.windows.entries()) {
      const win = this.#window(w.key, w.windowMs, now);
      const elapsed = now - win.bucket * w.windowMs;
      const used = windowUsed(win.prev, win.cur, elapsed, w.windowMs);
      if (used + w.cost > w.limit) {
        const retryAfterMs = windowRetryMs(win.prev, used + w.cost - w.limit, elapsed, w.windowMs);
        states.push({ unit: w.unit, limit: w.limit, remaining: Math.max(0, w.limit - used), resetMs: w.windowMs - elapsed });
        return { ok: false, reason: w.unit, index, retryAfterMs, remaining: Math.max(0, w.limit - used), windows: states };
      }
      states.push({ unit: w.unit, limit: w.limit, remaining: w.limit - used - w.cost, resetMs: w.windowMs - elapsed });
    }
    for (const [index, c] of spec.concurrency.entries()) {
      if (this.#live(c.key, now).size >= c.limit) return { ok: false, reason: 'concurrent', index, retryAfterMs: 1000, remaining: 0, windows: states };
    }
    for (const [index, b] of spec.budgets.entries()) {
      const balance = this.#budgets.get(b.key) ?? { spent: 0, reserved: 0 };
      const remaining = b.limit - balance.spent - balance.reserved;
      if (spec.amount > remaining) return { ok: false, reason: 'budget', index, retryAfterMs: 0, remaining: Math.max(0, remaining), windows: states };
    }
    // Everything fits: commit all of it.
    for (const b of spec.budgets) (this.#budgets.get(b.key) as Balance).reserved += spec.amount;
    const tw: Entry['tw'] = [];
    for (const w of spec.windows) {
      const win = this.#window(w.key, w.windowMs, now);
      win.cur += w.cost;
      if (w.unit === 'tokens') tw.push({ key: w.key, bucket: win.bucket });
    }
    for (const c of spec.concurrency) this.#live(c.key, now).set(spec.id, now + spec.leaseMs);
    this.#entries.set(spec.id, {
      state: 'reserved',
      amount: spec.amount,
      budgets: spec.budgets.map((b) => b.key),
      conc: spec.concurrency.map((c) => c.key),
      tw,
      rec: spec.record,
    });
    return { ok: true, windows: states };
  }

  async initBudgets(entries: { key: string; spent: number; ttlMs: number }[]): Promise<void> {
    for (const e of entries) if (!this.#budgets.has(e.key)) this.#budgets.set(e.key, { spent: e.spent, reserved: 0 });
  }

  async settle(spec: SettleSpec): Promise<'settled' | 'gone'> {
    const entry = this.#entries.get(spec.id);
    if (!entry || entry.state !== 'reserved') {
      if (!entry) for (const key of spec.budgets) { const b = this.#budgets.get(key); if (b) b.spent += spec.cost; }
      return 'gone';
    }
    for (const key of entry.budgets) {
      const b = this.#budgets.get(key);
      if (b) Object.assign(b, { reserved: b.reserved - entry.amount, spent: b.spent + spec.cost });
    }
    for (const { key, bucket } of entry.tw) {
      const w = this.#windows.get(key);
      if (w?.bucket === bucket) w.cur += spec.tokenDelta;
      else if (w?.bucket === bucket + 1) w.prev += spec.tokenDelta;
    }
    for (const key of entry.conc) this.#leases.get(key)?.delete(spec.id);
    this.#entries.set(spec.id, { ...entry, state: 'settled', rec: spec.record });
    return 'settled';
  }

  async commit(_owner: string, ids: string[]): Promise<void> {
    for (const id of ids) this.#entries.delete(id);
  }

  // One process: no other instance can die and leave reservations behind.
  async reclaim(): Promise<Recovered[]> {
    return [];
  }

  async heartbeat(): Promise<void> {}

  async balances(keys: string[]): Promise<(Balance | null)[]> {
    return keys.map((k) => {
      const b = this.#budgets.get(k);
      return b ? { ...b } : null;
    });
  }

  async pending(): Promise<number> {
    return this.#entries.size;
  }
}
