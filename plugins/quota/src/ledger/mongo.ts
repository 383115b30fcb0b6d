import { MongoBulkWriteError, type Collection, type Db } from 'mongodb';
import type { Ledger, LedgerRecord, UsageQuery, UsageRow } from './types.js';

type Doc = Omit<LedgerRecord, 'id'> & { _id: string };

/** The ledger in MongoDB: `_id` is the request id, so a replayed batch inserts nothing twice. */
export class MongoLedger implements Ledger {
  readonly kind = 'mongo' as const;
  readonly #c: Collection<Doc>;

  private constructor(db: Db, name: string) {
    this.#c = db.collection<Doc>(name);
  }

  static async open(db: Db, name: string): Promise<MongoLedger> {
    const ledger = new MongoLedger(db, name);
    await ledger.#c.createIndexes([
      { key: { tenant: 1, ts: 1 } },
      { key: { tenant: 1, key: 1, ts: 1 } },
      { key: { ts: 1 } },
      { key: { requestId: 1 } },
    ]);
    return ledger;
  }

  async write(records: readonly LedgerRecord[]): Promise<void> {
    if (records.length === 0) return;
    const docs = records.map(({ id, ...rest }) => ({ _id: id, ...rest }));
    try {
      await this.#c.insertMany(docs, { ordered: false, writeConcern: { w: 'majority', j: true } });
    } catch (error) {
      // Duplicate ids are the idempotency working; anything else is a real failure.
      if (!(error instanceof MongoBulkWriteError)) throw error;
      const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      if (errors.some((e) => e.code !== 11000)) throw error;
    }
  }

  async spent(scope: { tenant: string; key?: string }, since: number): Promise<number> {
    const match: Record<string, unknown> = { tenant: scope.tenant, ts: { $gte: since } };
    if (scope.key !== undefined) match['key'] = scope.key;
    const [row] = await this.#c.aggregate<{ cost: number }>([{ $match: match }, { $group: { _id: null, cost: { $sum: '$cost' } } }]).toArray();
    return row?.cost ?? 0;
  }

  async usage(q: UsageQuery): Promise<UsageRow[]> {
    const match: Record<string, unknown> = {};
    if (q.from !== undefined || q.to !== undefined) {
      match['ts'] = { ...(q.from !== undefined && { $gte: q.from }), ...(q.to !== undefined && { $lt: q.to }) };
    }
    for (const f of ['tenant', 'key', 'model'] as const) if (q[f] !== undefined) match[f] = q[f];
    const id = Object.fromEntries(q.groupBy.map((f) => [f, `$${f}`]));
    const rows = await this.#c
      .aggregate<UsageRow & { _id: Record<string, string> }>([
        { $match: match },
        {
          $group: {
            _id: id,
            requests: { $sum: 1 },
            input: { $sum: '$tokens.input' },
            output: { $sum: '$tokens.output' },
            cachedInput: { $sum: '$tokens.cachedInput' },
            cacheWrite: { $sum: '$tokens.cacheWrite' },
            reasoning: { $sum: '$tokens.reasoning' },
            cost: { $sum: '$cost' },
          },
        },
      ])
      .toArray();
    return rows.map(({ _id, ...row }) => ({ ..._id, ...row }));
  }

  async byRequestId(requestIds: readonly string[]): Promise<LedgerRecord[]> {
    const docs = await this.#c.find({ requestId: { $in: [...requestIds] } }).toArray();
    return docs.map(({ _id, ...rest }) => ({ id: _id, ...rest }) as LedgerRecord);
  }

  async close(): Promise<void> {}
}
