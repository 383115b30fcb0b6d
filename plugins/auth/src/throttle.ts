import type { PluginApi, StateConnectors } from '@sluice/core';

type Logger = PluginApi['log'];
import { throttleBucket } from './ip.js';

type Redis = NonNullable<StateConnectors['redis']>;

export interface ThrottleOptions {
  /** Failed attempts allowed per window and address bucket; 0 turns throttling off. */
  limit: number;
  windowMs: number;
  now?: () => number;
}

// One atomic step for every instance: count the failure, start the window on the first one, report what is left.
const COUNT_FAILURE = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}`;

const MAX_TRACKED = 100_000;

/**
 * Throttles addresses that keep failing authentication. Failures are counted in Redis when configured (so every
 * instance sees the same count), in process otherwise. The verdict "blocked until T" is mirrored in process, so
 * checking a request costs no round trip; only a failure does.
 */
export class FailureThrottle {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #blocked = new Map<string, number>();
  readonly #counts = new Map<string, { n: number; resetAt: number }>();

  constructor(
    options: ThrottleOptions,
    private readonly redis: Redis | null,
    private readonly key: (bucket: string) => string,
    private readonly log: Logger,
  ) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
  }

  /** Milliseconds this address must still wait, 0 when it may try. A Map read when anything is blocked at all. */
  blockedFor(ip: string): number {
    if (this.#blocked.size === 0) return 0;
    const bucket = throttleBucket(ip);
    const until = this.#blocked.get(bucket);
    if (until === undefined) return 0;
    const left = until - this.#now();
    if (left > 0) return left;
    this.#blocked.delete(bucket);
    return 0;
  }

  /** Counts a failure; returns how long to wait when it crossed the limit, else 0. */
  async fail(ip: string): Promise<number> {
    if (this.#limit <= 0) return 0;
    const bucket = throttleBucket(ip);
    const { n, ttl } = await this.#count(bucket);
    if (n <= this.#limit) return 0;
    this.#blocked.set(bucket, this.#now() + ttl);
    if (this.#blocked.size > MAX_TRACKED) this.#sweep(this.#blocked, (until) => until);
    return ttl;
  }

  async #count(bucket: string): Promise<{ n: number; ttl: number }> {
    if (this.redis) {
      try {
        const [n, ttl] = (await this.redis.eval(COUNT_FAILURE, 1, this.key(bucket), String(this.#windowMs))) as [number, number];
        return { n, ttl: Math.max(1, ttl) };
      } catch (error) {
        this.log.warn({ err: (error as Error).message }, 'failed-auth counter: redis unavailable, counting in process');
      }
    }
    const now = this.#now();
    let entry = this.#counts.get(bucket);
    if (!entry || entry.resetAt <= now) {
      entry = { n: 0, resetAt: now + this.#windowMs };
      this.#counts.set(bucket, entry);
      if (this.#counts.size > MAX_TRACKED) this.#sweep(this.#counts, (e) => e.resetAt);
    }
    entry.n++;
    return { n: entry.n, ttl: Math.max(1, entry.resetAt - now) };
  }

  /** Drops expired entries; if that is not enough, the oldest. Memory stays bounded under an address flood. */
  #sweep<V>(map: Map<string, V>, until: (value: V) => number): void {
    const now = this.#now();
    for (const [bucket, value] of map) if (until(value) <= now) map.delete(bucket);
    for (const bucket of map.keys()) {
      if (map.size <= MAX_TRACKED) break;
      map.delete(bucket);
    }
  }
}
