import type { PluginApi, StateConnectors } from '@sluice/core';

type Logger = PluginApi['log'];

/** What changed. Ids only: no secret and no hash ever travels on the bus. */
export type Invalidation = { kind: 'key'; id: string } | { kind: 'tenant'; id: string } | { kind: 'all' };

export interface InvalidationBus {
  readonly mode: 'redis' | 'local';
  /** Tells every instance (this one included) to drop what the message names. */
  publish(message: Invalidation): Promise<void>;
  close(): Promise<void>;
}

type Listener = (message: Invalidation) => void;
type Redis = NonNullable<StateConnectors['redis']>;

export function parseInvalidation(text: string): Invalidation | undefined {
  try {
    const value = JSON.parse(text) as { kind?: unknown; id?: unknown };
    if (value.kind === 'all') return { kind: 'all' };
    if ((value.kind === 'key' || value.kind === 'tenant') && typeof value.id === 'string') return { kind: value.kind, id: value.id };
  } catch {
    // not ours, or garbled: ignore
  }
  return undefined;
}

const localListeners = new WeakMap<object, Set<Listener>>();

/**
 * Without Redis: in-process delivery to every gateway that shares the same embedded store object (one, normally).
 * Synchronous, so a change is visible to the next request.
 */
export function createLocalBus(scope: object, listener: Listener): InvalidationBus {
  let listeners = localListeners.get(scope);
  if (!listeners) {
    listeners = new Set();
    localListeners.set(scope, listeners);
  }
  const set = listeners;
  set.add(listener);
  return {
    mode: 'local',
    async publish(message) {
      for (const l of [...set]) l(message);
    },
    async close() {
      set.delete(listener);
    },
  };
}

/**
 * With Redis: pub/sub on `channel`, subscribed on a duplicate connection (a subscribed connection can do nothing
 * else). The publisher applies its own change locally at once; others get it within a network round trip. After a
 * reconnect the subscriber may have missed messages, so `onResync` runs (the cache is cleared); between a loss and
 * the reconnect the cache TTL bounds how stale an instance can be.
 */
export async function createRedisBus(redis: Redis, channel: string, listener: Listener, onResync: () => void, log: Logger): Promise<InvalidationBus> {
  // Named, so an operator can tell it apart in CLIENT LIST.
  const sub = redis.duplicate({ autoResubscribe: false, lazyConnect: true, enableOfflineQueue: false, connectionName: `sluice-auth-sub:${channel}` });
  let initialising = true;
  let closing = false;
  sub.on('error', (error: Error) => log.warn({ err: error.message }, 'auth invalidation subscriber: redis error'));
  sub.on('message', (from: string, text: string) => {
    if (from !== channel) return;
    const message = parseInvalidation(text);
    if (message) listener(message);
  });
  // Every later 'ready' is a reconnect (or a late first connection): subscribe again, then resync.
  sub.on('ready', () => {
    if (initialising || closing) return;
    sub.subscribe(channel).then(onResync, (error: Error) => log.warn({ err: error.message }, 'auth invalidation: subscribe failed'));
  });
  try {
    await sub.connect();
    await sub.subscribe(channel);
  } catch (error) {
    log.error({ err: (error as Error).message }, 'auth invalidation: redis unreachable; relying on the cache TTL until it is back');
  } finally {
    initialising = false;
  }
  return {
    mode: 'redis',
    async publish(message) {
      listener(message);
      try {
        await redis.publish(channel, JSON.stringify(message));
      } catch (error) {
        log.warn({ err: (error as Error).message, change: message }, 'auth invalidation not published; other instances catch up within the cache TTL');
      }
    },
    async close() {
      closing = true;
      if (sub.status === 'ready') await sub.quit().catch(() => sub.disconnect());
      else sub.disconnect();
    },
  };
}
