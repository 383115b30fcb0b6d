import { open, readFile, type FileHandle } from 'node:fs/promises';
import { matches, type Ledger, type LedgerRecord, type UsageQuery, type UsageRow } from './types.js';

/**
 * The embedded ledger. Without `file` it lives in memory (a demo: it dies with the process). With `file` it is an
 * append-only JSONL file: each batch is one write followed by fsync, so a batch is durable once write() resolves;
 * a torn last line from a crash mid-write is skipped at load. All records are also held in memory for queries.
 */
export class EmbeddedLedger implements Ledger {
  readonly kind: 'file' | 'memory';
  readonly #records = new Map<string, LedgerRecord>();
  #handle: FileHandle | undefined;

  private constructor(file: string | undefined) {
    this.kind = file ? 'file' : 'memory';
  }

  static async open(file?: string): Promise<EmbeddedLedger> {
    const ledger = new EmbeddedLedger(file);
    if (!file) return ledger;
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const record = JSON.parse(line) as LedgerRecord;
        if (!ledger.#records.has(record.id)) ledger.#records.set(record.id, record);
      } catch {
        // A torn write from a crash: the record it held was never acknowledged as durable.
      }
    }
    ledger.#handle = await open(file, 'a');
    // A torn tail must not glue itself to the next record.
    if (text.length > 0 && !text.endsWith('\n')) await ledger.#handle.write('\n');
    return ledger;
  }

  async write(records: readonly LedgerRecord[]): Promise<void> {
    const fresh = records.filter((r) => !this.#records.has(r.id));
    if (fresh.length === 0) return;
    if (this.#handle) {
      await this.#handle.write(fresh.map((r) => JSON.stringify(r) + '\n').join(''));
      await this.#handle.sync();
    }
    for (const r of fresh) if (!this.#records.has(r.id)) this.#records.set(r.id, r);
  }

  async spent(scope: { tenant: string; key?: string }, since: number): Promise<number> {
    let sum = 0;
    for (const r of this.#records.values()) {
      if (r.tenant === scope.tenant && (scope.key === undefined || r.key === scope.key) && r.ts >= since) sum += r.cost;
    }
    return sum;
  }

  async usage(query: UsageQuery): Promise<UsageRow[]> {
    const rows = new Map<string, UsageRow>();
    for (const r of this.#records.values()) {
      if (!matches(r, query)) continue;
      const group: Partial<Record<string, string>> = {};
      for (const field of query.groupBy) group[field] = r[field];
      const id = JSON.stringify(group);
      let row = rows.get(id);
      if (!row) rows.set(id, (row = { ...group, requests: 0, input: 0, output: 0, cachedInput: 0, cacheWrite: 0, reasoning: 0, cost: 0 }));
      row.requests += 1;
      row.input += r.tokens.input;
      row.output += r.tokens.output;
      row.cachedInput += r.tokens.cachedInput;
      row.cacheWrite += r.tokens.cacheWrite;
      row.reasoning += r.tokens.reasoning;
      row.cost += r.cost;
    }
    return [...rows.values()];
  }

  async byRequestId(requestIds: readonly string[]): Promise<LedgerRecord[]> {
    const wanted = new Set(requestIds);
    return [...this.#records.values()].filter((r) => wanted.has(r.requestId));
  }

  async close(): Promise<void> {
    await this.#handle?.close();
    this.#handle = undefined;
  }
}
