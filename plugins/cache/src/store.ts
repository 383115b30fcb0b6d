import type { StateConnectors } from '@sluice/core';

type Redis = NonNullable<StateConnectors['redis']>;

/**
 * Where exact entries live: Redis when state.redis is set (shared by every gateway instance), else an in-process
 * LRU. Both take a key below the plugin's namespace and an entry as JSON text.
 */
export interface ExactStore {
  readonly kind: 'redis' | 'embedded';
  get(key: string): Promise<string | null>;
  /**
   * The write is issued before this returns a promise (Redis: the command is queued on the one connection;
   * embedded: stored at once), so a later get() on the same store sees it without awaiting the write.
   */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Deletes every entry whose key starts with `prefix` ('' = all); resolves with how many. */
  purge(prefix: string): Promise<number>;
}

const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

export class RedisExactStore implements ExactStore {
  readonly kind = 'redis' as const;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  get(key: string): Promise<string | null> {
    return this.redis.get(this.prefix + key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.prefix + key, value, 'PX', ttlMs);
  }

  /** SCAN + UNLINK in batches: never KEYS, which blocks Redis on a large keyspace. */
  async purge(prefix: string): Promise<number> {
    let count = 0;
    const stream = this.redis.scanStream({ match: `${escapeGlob(this.prefix + prefix)}*`, count: 1000 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length > 0) count += await this.redis.unlink(...keys);
    }
    return count;
  }
}

interface Slot {
  value: string;
  expiresAt: number;
  bytes: number;
}

/**
 * The embedded twin: a Map in recency order (a hit moves the entry to the end), entries expire after their TTL,
 * and the least recently used go first when the total size passes maxBytes. One process only.
 */
export class MemoryExactStore implements ExactStore {
  readonly kind = 'embedded' as const;
  readonly #slots = new Map<string, Slot>();
  #bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Approximate bytes held (UTF-16 code units of keys and values). */
  get size(): number {
    return this.#bytes;
  }

  get(key: string): Promise<string | null> {
    const slot = this.#slots.get(key);
    if (!slot) return Promise.resolve(null);
    this.#slots.delete(key);
    if (slot.expiresAt <= this.now()) {
      this.#bytes -= slot.bytes;
      return Promise.resolve(null);
    }
    this.#slots.set(key, slot);
    return Promise.resolve(slot.value);
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#remove(key);
    const bytes = key.length + value.length;
    if (bytes > this.maxBytes || ttlMs <= 0) return Promise.resolve();
    this.#slots.set(key, { value, expiresAt: this.now() + ttlMs, bytes });
    this.#bytes += bytes;
    for (const oldest of this.#slots.keys()) {
      if (this.#bytes <= this.maxBytes) break;
      this.#remove(oldest);
    }
    return Promise.resolve();
  }

  purge(prefix: string): Promise<number> {
    let count = 0;
    for (const key of [...this.#slots.keys()]) {
      if (!key.startsWith(prefix)) continue;
      this.#remove(key);
      count++;
    }
    return Promise.resolve(count);
  }

  #remove(key: string): void {
    const slot = this.#slots.get(key);
    if (!slot) return;
    this.#slots.delete(key);
    this.#bytes -= slot.bytes;
  }
}
