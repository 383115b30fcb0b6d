import type { Collection, Db, Document, UpdateFilter } from 'mongodb';
import type { KeyPatch, KeyRecord, TenantPatch, TenantRecord } from './records.js';
import { StoreError, type AuthStore } from './store.js';

/** Documents as stored: `_id` is the record id, times are BSON dates (readable in any Mongo tool). */
interface TenantDoc {
  _id: string;
  group: string;
  enabled: boolean;
  limits?: Record<string, unknown>;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

interface KeyDoc {
  _id: string;
  hash: string;
  prefix: string;
  tenant: string;
  name?: string;
  enabled: boolean;
  expiresAt?: Date;
  models?: string[];
  channels?: string[];
  ips?: string[];
  limits?: Record<string, unknown>;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

const DUPLICATE_KEY = 11000;
const isDuplicate = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === DUPLICATE_KEY;

/** Mongo errors other than a duplicate become 'unavailable': the caller answers 503 without the driver's details. */
async function guarded<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof StoreError) throw error;
    if (isDuplicate(error)) throw new StoreError('conflict', `${what}: already exists`, { cause: error });
    throw new StoreError('unavailable', `${what}: ${(error as Error).message}`, { cause: error });
  }
}

/** Keeps only the defined fields, so exactOptionalPropertyTypes records never carry `undefined`. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function tenantFromDoc(doc: TenantDoc): TenantRecord {
  const { _id, createdAt, updatedAt, ...rest } = doc;
  return defined({ ...rest, id: _id, createdAt: createdAt.getTime(), updatedAt: updatedAt.getTime() });
}

function tenantToDoc(record: TenantRecord): TenantDoc {
  const { id, createdAt, updatedAt, ...rest } = record;
  return defined({ ...rest, _id: id, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) });
}

function keyFromDoc(doc: KeyDoc): KeyRecord {
  const { _id, createdAt, updatedAt, expiresAt, ...rest } = doc;
  const record: KeyRecord = { ...rest, id: _id, createdAt: createdAt.getTime(), updatedAt: updatedAt.getTime() };
  if (expiresAt) record.expiresAt = expiresAt.getTime();
  return defined(record);
}

function keyToDoc(record: KeyRecord): KeyDoc {
  const { id, createdAt, updatedAt, expiresAt, ...rest } = record;
  const doc: KeyDoc = { ...rest, _id: id, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) };
  if (expiresAt !== undefined) doc.expiresAt = new Date(expiresAt);
  return defined(doc);
}

/** A patch as $set / $unset: `null` removes the field; times become dates. */
function toUpdate(patch: object, now: number): UpdateFilter<Document> {
  const $set: Document = { updatedAt: new Date(now) };
  const $unset: Document = {};
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) $unset[field] = '';
    else $set[field] = field === 'expiresAt' ? new Date(value as number) : value;
  }
  return Object.keys($unset).length > 0 ? { $set, $unset } : { $set };
}

/**
 * The durable store: collections `<prefix>tenants` and `<prefix>keys` (default prefix `sluice_auth_`), indexes
 * created at startup. Key lookups by hash use a unique index, so a miss on the hot path is one indexed read.
 */
export class MongoAuthStore implements AuthStore {
  readonly kind = 'mongodb' as const;
  readonly #tenants: Collection<TenantDoc>;
  readonly #keys: Collection<KeyDoc>;

  constructor(db: Db, prefix = 'sluice_auth_') {
    this.#tenants = db.collection<TenantDoc>(`${prefix}tenants`);
    this.#keys = db.collection<KeyDoc>(`${prefix}keys`);
  }

  async init(): Promise<void> {
    await guarded('creating indexes', async () => {
      await this.#keys.createIndex({ hash: 1 }, { unique: true, name: 'hash_unique' });
      await this.#keys.createIndex({ tenant: 1, createdAt: 1, _id: 1 }, { name: 'tenant_created' });
      await this.#keys.createIndex({ createdAt: 1, _id: 1 }, { name: 'created' });
    });
  }

  async createTenant(record: TenantRecord): Promise<void> {
    await guarded(`tenant '${record.id}'`, () => this.#tenants.insertOne(tenantToDoc(record)));
  }

  async getTenant(id: string): Promise<TenantRecord | undefined> {
    const doc = await guarded('reading a tenant', () => this.#tenants.findOne({ _id: id }));
    return doc ? tenantFromDoc(doc) : undefined;
  }

  async listTenants(): Promise<TenantRecord[]> {
    const docs = await guarded('listing tenants', () => this.#tenants.find({}).sort({ _id: 1 }).toArray());
    return docs.map(tenantFromDoc);
  }

  async updateTenant(id: string, patch: TenantPatch, now: number): Promise<TenantRecord | undefined> {
    const doc = await guarded(`tenant '${id}'`, () =>
      this.#tenants.findOneAndUpdate({ _id: id }, toUpdate(patch, now), { returnDocument: 'after' }),
    );
    return doc ? tenantFromDoc(doc) : undefined;
  }

  async deleteTenant(id: string): Promise<boolean> {
    const result = await guarded(`tenant '${id}'`, () => this.#tenants.deleteOne({ _id: id }));
    return result.deletedCount === 1;
  }

  async createKey(record: KeyRecord): Promise<void> {
    await guarded(`key '${record.id}'`, () => this.#keys.insertOne(keyToDoc(record)));
  }

  async getKey(id: string): Promise<KeyRecord | undefined> {
    const doc = await guarded('reading a key', () => this.#keys.findOne({ _id: id }));
    return doc ? keyFromDoc(doc) : undefined;
  }

  async findKeyByHash(hash: string): Promise<KeyRecord | undefined> {
    const doc = await guarded('reading a key', () => this.#keys.findOne({ hash }));
    return doc ? keyFromDoc(doc) : undefined;
  }

  async listKeys(filter: { tenant?: string } = {}): Promise<KeyRecord[]> {
    const query = filter.tenant === undefined ? {} : { tenant: filter.tenant };
    const docs = await guarded('listing keys', () => this.#keys.find(query).sort({ createdAt: 1, _id: 1 }).toArray());
    return docs.map(keyFromDoc);
  }

  async updateKey(id: string, patch: KeyPatch, now: number): Promise<KeyRecord | undefined> {
    const doc = await guarded(`key '${id}'`, () =>
      this.#keys.findOneAndUpdate({ _id: id }, toUpdate(patch, now), { returnDocument: 'after' }),
    );
    return doc ? keyFromDoc(doc) : undefined;
  }

  async deleteKey(id: string): Promise<boolean> {
    const result = await guarded(`key '${id}'`, () => this.#keys.deleteOne({ _id: id }));
    return result.deletedCount === 1;
  }

  async deleteKeysOfTenant(tenant: string): Promise<number> {
    const result = await guarded(`keys of '${tenant}'`, () => this.#keys.deleteMany({ tenant }));
    return result.deletedCount;
  }

  /** The Db belongs to core's connector, which closes it. */
  async close(): Promise<void> {}
}
