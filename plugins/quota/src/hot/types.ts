/**
 * The hot, shared state of quota (DESIGN §4): budget counters, reservations, rate windows, concurrency leases.
 * Two implementations with the same semantics — Redis (Lua, shared by every instance) and an in-process twin —
 * checked by one contract suite (plugins/quota/test/hot-contract.ts).
 */
export interface BudgetCheck {
  /** Counter key, one per scope and period (e.g. `…b:t:acme:d20250101`). */
  key: string;
  limit: number;
}

export type WindowUnit = 'requests' | 'tokens';
export interface WindowCheck {
  /** Base key; buckets are `<key>:<bucket number>`. */
  key: string;
  unit: WindowUnit;
  limit: number;
  windowMs: number;
  /** What this request adds: 1 for requests, the estimated tokens for tokens. */
  cost: number;
}

export interface ConcurrencyCheck { key: string; limit: number }

export interface AdmitSpec {
  id: string;
  /** The instance holding the reservation; when its heartbeat stops, another instance reclaims it. */
  owner: string;
  /** Estimated cost reserved against every budget, micro-units. */
  amount: number;
  /** Concurrency leases expire after this even if nobody releases them. */
  leaseMs: number;
  budgets: BudgetCheck[];
  windows: WindowCheck[];
  concurrency: ConcurrencyCheck[];
  /** The ledger record as known at admission, kept with the reservation for whoever must reclaim it. */
  record: string;
}

export interface WindowState { unit: WindowUnit; limit: number; remaining: number; resetMs: number }

export type AdmitResult =
  | { ok: true; windows: WindowState[] }
  | { ok: false; reason: 'budget' | 'requests' | 'tokens' | 'concurrent'; index: number; retryAfterMs: number; remaining: number; windows: WindowState[] }
  /** Budget counters missing (first use of a period, or Redis lost its data): initialise from the ledger, retry. */
  | { ok: false; reason: 'uninitialized'; keys: string[] };

export interface SettleSpec {
  id: string;
  owner: string;
  /** Actual cost, micro-units; replaces the reservation in every budget. */
  cost: number;
  /** Actual minus estimated tokens, corrected in the token windows the reservation counted in. */
  tokenDelta: number;
  /** Budget keys, used only when the reservation is gone (Redis lost it) so the spend still counts. */
  budgets: string[];
  /** The final ledger record; kept until the ledger has it durably (then commit() drops it). */
  record: string;
}

/** A ledger record recovered from a dead instance: either settled-but-unwritten, or a reclaimed reservation. */
export interface Recovered { id: string; record: string }

export interface Balance { spent: number; reserved: number }

export interface HotStore {
  readonly kind: 'redis' | 'embedded';
  admit(spec: AdmitSpec): Promise<AdmitResult>;
  /** Sets counters that do not exist yet (first writer wins: concurrent initialisers agree). */
  initBudgets(entries: { key: string; spent: number; ttlMs: number }[]): Promise<void>;
  /** 'gone' when no reservation was found (the spend was still added to existing budgets). */
  settle(spec: SettleSpec): Promise<'settled' | 'gone'>;
  /** The ledger now holds these records durably: forget them. */
  commit(owner: string, ids: string[]): Promise<void>;
  /** Takes over every reservation of instances whose heartbeat stopped; returns the records to write. */
  reclaim(owner: string, policy: 'charge' | 'refund'): Promise<Recovered[]>;
  heartbeat(owner: string, ttlMs: number): Promise<void>;
  balances(keys: string[]): Promise<(Balance | null)[]>;
  /** Reservations and unwritten records held, all instances. */
  pending(): Promise<number>;
}

/** The sliding-window estimate shared by both implementations: the previous bucket decays linearly. */
export function windowUsed(prev: number, cur: number, elapsedMs: number, windowMs: number): number {
  return Math.max(0, Math.floor((prev * (windowMs - elapsedMs)) / windowMs) + cur);
}

/** How long until `need` more units fit: the previous bucket's decay, or the current bucket's end. */
export function windowRetryMs(prev: number, need: number, elapsedMs: number, windowMs: number): number {
  const decaying = Math.floor((prev * (windowMs - elapsedMs)) / windowMs);
  if (prev > 0 && decaying >= need) return Math.max(1, Math.ceil((need * windowMs) / prev));
  return Math.max(1, windowMs - elapsedMs);
}
