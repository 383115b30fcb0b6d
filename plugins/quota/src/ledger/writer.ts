import type { Logger } from 'pino';
import type { Ledger, LedgerRecord } from './types.js';

/**
 * Batches ledger records off the hot path: a request only pushes; a batch is written when it is full or after
 * `intervalMs`. Once the ledger holds a batch durably, `onDurable` lets the hot store forget the copies it kept
 * for crash recovery. A failed write keeps its records for the next round (they stay recoverable meanwhile).
 */
export class LedgerWriter {
  #queue: LedgerRecord[] = [];
  #writing: LedgerRecord[] = [];
  /** Durable ids the hot store has not yet dropped (it was unreachable): retried with the next batch. */
  #undropped: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(
    private readonly ledger: Ledger,
    private readonly onDurable: (ids: string[]) => Promise<void>,
    private readonly batchSize: number,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  push(record: LedgerRecord): void {
    this.#queue.push(record);
    if (this.#queue.length >= this.batchSize) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.intervalMs);
  }

  get queued(): number {
    return this.#queue.length + this.#writing.length;
  }

  /** Cost of records not yet durable, for a scope since a time: a rebuilt counter must include them. */
  pendingCost(scope: { tenant: string; key?: string }, since: number): number {
    let sum = 0;
    for (const r of [...this.#writing, ...this.#queue]) {
      if (r.tenant === scope.tenant && (scope.key === undefined || r.key === scope.key) && r.ts >= since) sum += r.cost;
    }
    return sum;
  }

  /** Writes everything queued so far; resolves when it is durable (or has failed and been re-queued). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // Batches are written one after another, so a record is never raced by its own retry.
    this.#running = this.#running.then(() => this.#write());
    return this.#running;
  }

  async #write(): Promise<void> {
    const batch = this.#queue.splice(0, this.#queue.length);
    if (batch.length === 0) return;
    this.#writing = batch;
    try {
      await this.ledger.write(batch);
    } catch (error) {
      this.#writing = [];
      this.log.error({ err: (error as Error).message, records: batch.length }, 'ledger write failed; will retry');
      this.#queue.unshift(...batch);
      this.#timer ??= setTimeout(() => void this.flush(), Math.max(this.intervalMs, 1000));
      return;
    }
    this.#writing = [];
    const ids = [...this.#undropped, ...batch.map((r) => r.id)];
    this.#undropped = [];
    await this.onDurable(ids).catch((error: Error) => {
      // Harmless meanwhile: a reclaimer replaying these copies is skipped by the ledger's idempotency.
      this.log.warn({ err: error.message }, 'could not drop durable records from the hot store; will retry');
      this.#undropped = ids.slice(-10_000);
    });
  }

  async close(): Promise<void> {
    await this.flush();
    clearTimeout(this.#timer);
  }
}
