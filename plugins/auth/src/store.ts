import { applyPatch, type KeyPatch, type KeyRecord, type TenantPatch, type TenantRecord } from './records.js';

/**
 * Where tenants and keys live. Two implementations pass the same contract suite (test/store-contract.ts):
 * MongoDB (store-mongo.ts) when `state.mongodb` is set, and the embedded in-process twin below otherwise.
 * The hot path never calls the store on a cache hit (see cache.ts); these calls are for misses and the admin API.
 */
export interface AuthStore {
  readonly kind: 'mongodb' | 'embedded';
  /** Creates collections and indexes; idempotent. */
  init(): Promise<void>;
  /** Throws StoreError('conflict') when the id is taken. */
  createTenant(record: TenantRecord): Promise<void>;
  getTenant(id: string): Promise<TenantRecord | undefined>;
  /** Sorted by id. */
  listTenants(): Promise<TenantRecord[]>;
  /** The updated record, or undefined when there is no such tenant. */
  updateTenant(id: string, patch: TenantPatch, now: number): Promise<TenantRecord | undefined>;
  deleteTenant(id: string): Promise<boolean>;
  /** Throws StoreError('conflict') when the id or the hash is taken. */
  createKey(record: KeyRecord): Promise<void>;
  getKey(id: string): Promise<KeyRecord | undefined>;
  findKeyByHash(hash: string): Promise<KeyRecord | undefined>;
  /** Sorted by creation time, then id. */
  listKeys(filter?: { tenant?: string }): Promise<KeyRecord[]>;
  /** Throws StoreError('conflict') when a new hash is taken. */
  updateKey(id: string, patch: KeyPatch, now: number): Promise<KeyRecord | undefined>;
  deleteKey(id: string): Promise<boolean>;
  /** The number of keys removed. */
  deleteKeysOfTenant(tenant: string): Promise<number>;
  close(): Promise<void>;
}

export class StoreError extends Error {
  readonly kind: 'conflict' | 'unavailable';
  constructor(kind: 'conflict' | 'unavailable', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.kind = kind;
  }
}

const copy = <T>(value: T): T => structuredClone(value);
const byCreation = (a: KeyRecord, b: KeyRecord): number => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The embedded twin: the same semantics in process memory (records are copied in and out, as a database would).
 * It keeps nothing across restarts — MongoDB is the durable store; this one serves single-instance setups and tests.
 */
export class EmbeddedAuthStore implements AuthStore {
  readonly kind = 'embedded' as const;
  readonly #tenants = new Map<string, TenantRecord>();
  readonly #keys = new Map<string, KeyRecord>();
  readonly #byHash = new Map<string, string>();

  async init(): Promise<void> {}

  async createTenant(record: TenantRecord): Promise<void> {
    if (this.#tenants.has(record.id)) throw new StoreError('conflict', `tenant '${record.id}' already exists`);
    this.#tenants.set(record.id, copy(record));
  }

  async getTenant(id: string): Promise<TenantRecord | undefined> {
    const record = this.#tenants.get(id);
    return record && copy(record);
  }

  async listTenants(): Promise<TenantRecord[]> {
    return [...this.#tenants.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(copy);
  }

  async updateTenant(id: string, patch: TenantPatch, now: number): Promise<TenantRecord | undefined> {
    const record = this.#tenants.get(id);
    if (!record) return undefined;
    const next = applyPatch(record, copy(patch), now);
    this.#tenants.set(id, next);
    return copy(next);
  }

  async deleteTenant(id: string): Promise<boolean> {
    return this.#tenants.delete(id);
  }

  async createKey(record: KeyRecord): Promise<void> {
    if (this.#keys.has(record.id)) throw new StoreError('conflict', `key '${record.id}' already exists`);
    if (this.#byHash.has(record.hash)) throw new StoreError('conflict', 'a key with this secret already exists');
    this.#keys.set(record.id, copy(record));
    this.#byHash.set(record.hash, record.id);
  }

  async getKey(id: string): Promise<KeyRecord | undefined> {
    const record = this.#keys.get(id);
    return record && copy(record);
  }

  async findKeyByHash(hash: string): Promise<KeyRecord | undefined> {
    const id = this.#byHash.get(hash);
    const record = id === undefined ? undefined : this.#keys.get(id);
    return record && copy(record);
  }

  async listKeys(filter: { tenant?: string } = {}): Promise<KeyRecord[]> {
    const all = [...this.#keys.values()].filter((k) => filter.tenant === undefined || k.tenant === filter.tenant);
    return all.sort(byCreation).map(copy);
  }

  async updateKey(id: string, patch: KeyPatch, now: number): Promise<KeyRecord | undefined> {
    const record = this.#keys.get(id);
    if (!record) return undefined;
    if (patch.hash !== undefined && patch.hash !== record.hash && this.#byHash.has(patch.hash)) {
      throw new StoreError('conflict', 'a key with this secret already exists');
    }
    const next = applyPatch(record, copy(patch), now);
    if (next.hash !== record.hash) {
      this.#byHash.delete(record.hash);
      this.#byHash.set(next.hash, id);
    }
    this.#keys.set(id, next);
    return copy(next);
  }

  async deleteKey(id: string): Promise<boolean> {
    const record = this.#keys.get(id);
    if (!record) return false;
    this.#keys.delete(id);
    this.#byHash.delete(record.hash);
    return true;
  }

  async deleteKeysOfTenant(tenant: string): Promise<number> {
    let removed = 0;
    for (const record of [...this.#keys.values()]) {
      if (record.tenant === tenant && (await this.deleteKey(record.id))) removed++;
    }
    return removed;
  }

  async close(): Promise<void> {}
}

const shared = new Map<string, EmbeddedAuthStore>();

/**
 * One embedded store per name and process. Gateway instances configured with the same `sharedStore` name (several
 * gateways embedded in one process, as the cross-instance tests do) see the same records; the default is a private
 * store per gateway.
 */
export function sharedEmbeddedStore(name: string): EmbeddedAuthStore {
  let store = shared.get(name);
  if (!store) {
    store = new EmbeddedAuthStore();
    shared.set(name, store);
  }
  return store;
}

/** Forgets a shared store (tests clean up with it). */
export function dropSharedEmbeddedStore(name: string): void {
  shared.delete(name);
}
