import type { ResolvedKey } from './principal.js';

interface Entry {
  value: ResolvedKey | null;
  expiresAt: number;
}

export interface KeyCacheOptions {
  ttlMs: number;
  /** Cap per map (known keys, unknown keys); the oldest entries go first. */
  maxEntries: number;
  now?: () => number;
}

/**
 * Key lookups by hash, cached in process. A hit is one Map read; a miss loads from the store once, however many
 * requests wait for it (single flight). Unknown keys are cached too (as null) in a separate, equally bounded map,
 * so a client retrying a wrong key — or a flood of random ones — cannot push known keys out or hammer the store.
 * Invalidation (from this instance or, through the bus, another) drops entries at once; a load that began before an
 * invalidation still answers its requests but is not cached, so stale data cannot slip back in.
 */
export class KeyCache {
  readonly #known = new Map<string, Entry>();
  readonly #unknown = new Map<string, Entry>();
  readonly #pending = new Map<string, Promise<ResolvedKey | null>>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  #generation = 0;

  constructor(options: KeyCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#max = Math.max(1, options.maxEntries);
    this.#now = options.now ?? Date.now;
  }

  /** The cached answer: a key, null for "no such key", undefined for "not cached / stale". */
  peek(hash: string): ResolvedKey | null | undefined {
    const entry = this.#known.get(hash) ?? this.#unknown.get(hash);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) return undefined;
    return entry.value;
  }

  /** Cached answer, or one load shared by every concurrent caller for the same hash. */
  async get(hash: string, load: (hash: string) => Promise<ResolvedKey | null>): Promise<ResolvedKey | null> {
    const cached = this.peek(hash);
    if (cached !== undefined) return cached;
    let pending = this.#pending.get(hash);
    if (!pending) {
      const generation = this.#generation;
      pending = load(hash)
        .then((value) => {
          if (generation === this.#generation) this.#store(hash, value);
          return value;
        })
        .finally(() => this.#pending.delete(hash));
      this.#pending.set(hash, pending);
    }
    return pending;
  }

  #store(hash: string, value: ResolvedKey | null): void {
    const map = value ? this.#known : this.#unknown;
    (value ? this.#unknown : this.#known).delete(hash);
    map.delete(hash); // re-inserting moves it to the young end
    map.set(hash, { value, expiresAt: this.#now() + this.#ttlMs });
    if (map.size > this.#max) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
  }

  /** A key changed (updated, disabled, rotated, deleted): forget it under any hash. */
  invalidateKey(keyId: string): void {
    this.#generation++;
    for (const [hash, entry] of this.#known) if (entry.value?.principal.keyId === keyId) this.#known.delete(hash);
  }

  /** A tenant changed: forget every key of it. */
  invalidateTenant(tenant: string): void {
    this.#generation++;
    for (const [hash, entry] of this.#known) if (entry.value?.principal.tenant === tenant) this.#known.delete(hash);
  }

  /** Everything (e.g. after the invalidation bus reconnected and may have missed messages). */
  clear(): void {
    this.#generation++;
    this.#known.clear();
    this.#unknown.clear();
  }

  get size(): { known: number; unknown: number } {
    return { known: this.#known.size, unknown: this.#unknown.size };
  }
}
