import { Pool } from 'undici';
import type { Channel } from '../contracts/channel.js';

/** One keep-alive connection pool per channel, created on first use and closed at shutdown. */
export class UpstreamPools {
  readonly #pools = new Map<string, Pool>();

  get(channel: Channel): Pool {
    let pool = this.#pools.get(channel.name);
    if (!pool) {
      pool = new Pool(channel.baseUrl.origin, {
        connections: 256,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        connect: { timeout: channel.timeouts.connectMs },
      });
      this.#pools.set(channel.name, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#pools.values()].map((pool) => pool.close()));
    this.#pools.clear();
  }
}
