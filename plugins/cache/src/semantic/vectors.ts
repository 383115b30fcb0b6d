import type { StateConnectors } from '@sluice/core';

type Db = NonNullable<StateConnectors['mongo']>;

export interface VectorHit {
  /** The exact-cache key holding the answer. */
  key: string;
  score: number;
}

/**
 * Vectors of earlier questions, per scope (tenant) and partition (model + system prompt + parameters). Lookups
 * are a linear scan of one partition: see the README for where that stops scaling and what replaces it.
 * Vectors are unit length, so the dot product is the cosine similarity.
 */
export interface VectorStore {
  readonly kind: 'mongodb' | 'embedded';
  init(): Promise<void>;
  nearest(scope: string, partition: string, vector: Float32Array): Promise<VectorHit | undefined>;
  add(scope: string, partition: string, vector: Float32Array, key: string, expiresAt: number): Promise<void>;
  /** Deletes the vectors whose answer key starts with `prefix`; resolves with how many. */
  purge(prefix: string): Promise<number>;
}

export function unit(values: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(values);
  let sum = 0;
  for (const v of out) sum += v * v;
  const norm = Math.sqrt(sum) || 1;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / norm;
  return out;
}

export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return -1; // another embedding model: never similar
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

interface Item {
  key: string;
  partition: string;
  vector: Float32Array;
  expiresAt: number;
  dead: boolean;
}

interface Partition {
  items: Item[];
  dead: number;
}

interface Scope {
  partitions: Map<string, Partition>;
  /** Live items by answer key (one vector per key). */
  byKey: Map<string, Item>;
  /** Insertion order, for dropping the oldest past maxPerScope; `head` is the next candidate. */
  order: Item[];
  head: number;
}

/**
 * The embedded twin: per scope, partitions of items in memory; the oldest are dropped past maxPerScope.
 * Deletion is lazy (items are marked dead, arrays compacted when half dead), so adding stays O(1).
 */
export class MemoryVectorStore implements VectorStore {
  readonly kind = 'embedded' as const;
  readonly #scopes = new Map<string, Scope>();

  constructor(
    private readonly maxPerScope: number,
    private readonly now: () => number = Date.now,
  ) {}

  init(): Promise<void> {
    return Promise.resolve();
  }

  nearest(scope: string, partition: string, vector: Float32Array): Promise<VectorHit | undefined> {
    const s = this.#scopes.get(scope);
    const items = s?.partitions.get(partition)?.items;
    if (!s || !items) return Promise.resolve(undefined);
    let best: VectorHit | undefined;
    const now = this.now();
    const expired: Item[] = [];
    for (const item of items) {
      if (item.dead) continue;
      if (item.expiresAt <= now) {
        expired.push(item);
        continue;
      }
      const score = dot(item.vector, vector);
      if (!best || score > best.score) best = { key: item.key, score };
    }
    for (const item of expired) this.#kill(s, item);
    return Promise.resolve(best);
  }

  add(scope: string, partition: string, vector: Float32Array, key: string, expiresAt: number): Promise<void> {
    let s = this.#scopes.get(scope);
    if (!s) {
      s = { partitions: new Map(), byKey: new Map(), order: [], head: 0 };
      this.#scopes.set(scope, s);
    }
    const previous = s.byKey.get(key);
    if (previous) this.#kill(s, previous); // the same question again (a refresh): one vector, the newer one
    const item: Item = { key, partition, vector, expiresAt, dead: false };
    let p = s.partitions.get(partition);
    if (!p) {
      p = { items: [], dead: 0 };
      s.partitions.set(partition, p);
    }
    p.items.push(item);
    s.byKey.set(key, item);
    s.order.push(item);
    while (s.byKey.size > this.maxPerScope && s.head < s.order.length) {
      const oldest = s.order[s.head++];
      if (oldest && !oldest.dead) this.#kill(s, oldest);
    }
    if (s.head > 1024 && s.head > s.order.length / 2) {
      s.order = s.order.slice(s.head).filter((i) => !i.dead);
      s.head = 0;
    }
    return Promise.resolve();
  }

  purge(prefix: string): Promise<number> {
    let count = 0;
    for (const s of this.#scopes.values()) {
      for (const item of [...s.byKey.values()]) {
        if (!item.key.startsWith(prefix)) continue;
        this.#kill(s, item);
        count++;
      }
    }
    return Promise.resolve(count);
  }

  #kill(s: Scope, item: Item): void {
    if (item.dead) return;
    item.dead = true;
    if (s.byKey.get(item.key) === item) s.byKey.delete(item.key);
    const p = s.partitions.get(item.partition);
    if (!p) return;
    p.dead++;
    if (p.dead * 2 < p.items.length) return;
    p.items = p.items.filter((i) => !i.dead);
    p.dead = 0;
    if (p.items.length === 0) s.partitions.delete(item.partition);
  }
}

interface VectorDoc {
  scope: string;
  partition: string;
  key: string;
  /** float32 little-endian bytes (BSON binary): 4 bytes a dimension, decoded without parsing numbers. */
  vector: unknown;
  expiresAt: Date;
}

/** MongoDB: one document per vector; a TTL index removes expired ones; a scan reads one partition. */
export class MongoVectorStore implements VectorStore {
  readonly kind = 'mongodb' as const;

  constructor(
    private readonly db: Db,
    private readonly name: string,
  ) {}

  get #collection() {
    return this.db.collection<VectorDoc>(this.name);
  }

  async init(): Promise<void> {
    await this.#collection.createIndexes([
      { key: { scope: 1, partition: 1 }, name: 'scope_partition' },
      { key: { key: 1 }, name: 'key' },
      { key: { expiresAt: 1 }, name: 'ttl', expireAfterSeconds: 0 },
    ]);
  }

  async nearest(scope: string, partition: string, vector: Float32Array): Promise<VectorHit | undefined> {
    const cursor = this.#collection.find({ scope, partition, expiresAt: { $gt: new Date() } }, { projection: { _id: 0, key: 1, vector: 1 } });
    let best: VectorHit | undefined;
    for await (const doc of cursor) {
      const stored = floats(doc.vector);
      if (!stored) continue;
      const score = dot(stored, vector);
      if (!best || score > best.score) best = { key: doc.key, score };
    }
    return best;
  }

  async add(scope: string, partition: string, vector: Float32Array, key: string, expiresAt: number): Promise<void> {
    const bytes = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
    await this.#collection.updateOne({ scope, partition, key }, { $set: { vector: bytes, expiresAt: new Date(expiresAt) } }, { upsert: true });
  }

  async purge(prefix: string): Promise<number> {
    const result = await this.#collection.deleteMany({ key: { $regex: `^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}` } });
    return result.deletedCount;
  }
}

/** A BSON binary (driver's Binary: `.buffer` holds the bytes) or a Buffer → floats; copied for alignment. */
function floats(value: unknown): Float32Array | undefined {
  const bytes = value instanceof Uint8Array ? value : (value as { buffer?: unknown } | null)?.buffer;
  if (!(bytes instanceof Uint8Array) || bytes.byteLength % 4 !== 0) return undefined;
  const copy = new Uint8Array(bytes);
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}
