import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import type { Logger } from 'pino';

/**
 * Handles to the shared stores. null means "not configured": each plugin then uses its own embedded twin.
 * Core only connects and pings; every plugin owns its keys and collections (see DESIGN.md §4).
 */
export interface StateConnectors {
  readonly redis: Redis | null;
  readonly mongo: Db | null;
  /** Reachability of each configured store, for /readyz. */
  check(): Promise<Record<string, 'ok' | 'embedded' | string>>;
  close(): Promise<void>;
}

const PING_TIMEOUT_MS = 2000;

export async function connectState(
  urls: { redis?: string; mongodb?: string },
  log: Logger,
): Promise<StateConnectors> {
  const redis = urls.redis ? await connectRedis(urls.redis, log) : null;
  const mongoClient = urls.mongodb ? new MongoClient(urls.mongodb, { serverSelectionTimeoutMS: 5000 }) : null;
  // The driver connects on first use; a ping at startup surfaces a wrong URL early without blocking boot.
  const mongo = mongoClient ? mongoClient.db(databaseName(urls.mongodb ?? '')) : null;
  if (mongo) {
    mongo.command({ ping: 1 }).then(
      () => log.info({ store: 'mongodb' }, 'mongodb connected'),
      (error: Error) => log.error({ store: 'mongodb', err: error.message }, 'mongodb unreachable'),
    );
  }
  return {
    redis,
    mongo,
    async check() {
      const status: Record<string, string> = {};
      status['redis'] = redis ? await timed(redis.ping()) : 'embedded';
      status['mongodb'] = mongo ? await timed(mongo.command({ ping: 1 })) : 'embedded';
      return status;
    },
    async close() {
      // quit() waits for a reply that never comes from an unreachable Redis; disconnect() also stops reconnecting.
      if (redis?.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis?.disconnect();
      await mongoClient?.close().catch(() => undefined);
    },
  };
}

async function connectRedis(url: string, log: Logger): Promise<Redis> {
  // Fail fast while Redis is away (no offline queue), keep reconnecting in the background.
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  redis.on('error', (error: Error) => log.warn({ store: 'redis', err: error.message }, 'redis error'));
  try {
    await redis.connect();
    log.info({ store: 'redis' }, 'redis connected');
  } catch (error) {
    log.error({ store: 'redis', err: (error as Error).message }, 'redis unreachable at startup; retrying in background');
  }
  return redis;
}

function databaseName(url: string): string {
  try {
    const name = new URL(url).pathname.replace(/^\//, '');
    return name || 'sluice';
  } catch {
    return 'sluice';
  }
}

async function timed(probe: Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([probe.then(() => 'ok'), timeout]);
  } catch (error) {
    return `error: ${(error as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}
