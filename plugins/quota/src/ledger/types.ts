import type { Tokens } from '../pricing.js';

/** One record per request, append-only, idempotent by `id` (the request id). Amounts are integer micro-units. */
export interface LedgerRecord {
  /** Unique per request, made by quota (x-request-id comes from clients and may repeat). */
  id: string;
  /** The gateway's request id (x-request-id), for joining with logs. */
  requestId: string;
  /** Request start, epoch ms; the budget period a request counts in is the one it started in. */
  ts: number;
  /** UTC day of `ts`, YYYY-MM-DD. */
  day: string;
  tenant: string;
  key: string;
  group: string;
  model: string;
  channel: string | null;
  operation: string;
  stream: boolean;
  tokens: Tokens;
  /** Where the token counts came from: the upstream's usage, our tokenizer, or both (gaps filled). */
  counted: 'upstream' | 'tokenizer' | 'mixed';
  estimate: number;
  cost: number;
  latencyMs: number;
  /** ok; error (failed call, refunded unless output was produced); aborted (client left); reclaimed (instance died). */
  status: 'ok' | 'error' | 'aborted' | 'reclaimed';
  error?: string;
  cacheHit: boolean;
  trace: { by: string; message: string }[];
}

export type GroupField = 'tenant' | 'key' | 'model' | 'day';
export interface UsageQuery {
  from?: number;
  to?: number;
  tenant?: string;
  key?: string;
  model?: string;
  groupBy: GroupField[];
}
export interface UsageRow {
  tenant?: string;
  key?: string;
  model?: string;
  day?: string;
  requests: number;
  input: number;
  output: number;
  cachedInput: number;
  cacheWrite: number;
  reasoning: number;
  cost: number;
}

/** The durable side (DESIGN §4): MongoDB, or the embedded twin (in memory, or a JSONL file). */
export interface Ledger {
  readonly kind: 'mongo' | 'file' | 'memory';
  /** Writes durably; records whose id is already there are skipped. */
  write(records: readonly LedgerRecord[]): Promise<void>;
  /** Sum of cost since `since` (inclusive) for a tenant, or one key of it: what a budget counter is rebuilt from. */
  spent(scope: { tenant: string; key?: string }, since: number): Promise<number>;
  usage(query: UsageQuery): Promise<UsageRow[]>;
  /** Records by gateway request id (x-request-id), for audits and the admin API. */
  byRequestId(requestIds: readonly string[]): Promise<LedgerRecord[]>;
  close(): Promise<void>;
}

export function matches(r: LedgerRecord, q: Omit<UsageQuery, 'groupBy'>): boolean {
  return (
    (q.from === undefined || r.ts >= q.from) &&
    (q.to === undefined || r.ts < q.to) &&
    (q.tenant === undefined || r.tenant === q.tenant) &&
    (q.key === undefined || r.key === q.key) &&
    (q.model === undefined || r.model === q.model)
  );
}
