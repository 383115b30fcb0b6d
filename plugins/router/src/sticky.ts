import { createHash } from 'node:crypto';
import type { RelayContext, StateConnectors } from '@sluice/core';

type Redis = NonNullable<StateConnectors['redis']>;

export interface StickyPin {
  channel: string;
  keyIndex: number;
}

export interface StickyStore {
  get(session: string): Promise<StickyPin | undefined>;
  set(session: string, pin: StickyPin, ttlMs: number): Promise<void>;
}

/** The session a request belongs to: a header, or a hash of the conversation's first messages, per tenant. */
export function sessionOf(ctx: RelayContext, options: { header?: string; prefixMessages?: number }): string | undefined {
  const tenant = ctx.principal?.tenant ?? '-';
  if (options.header) {
    const value = ctx.headers[options.header.toLowerCase()];
    return value ? `${tenant}:h:${value}` : undefined;
  }
  if (options.prefixMessages && ctx.request.operation === 'chat') {
    const prefix = ctx.request.messages.slice(0, options.prefixMessages);
    return `${tenant}:p:${createHash('sha256').update(JSON.stringify(prefix)).digest('base64url')}`;
  }
  return undefined;
}

export function redisStickyStore(redis: Redis, prefix: string): StickyStore {
  return {
    async get(session) {
      const value = await redis.get(prefix + session);
      return value ? (JSON.parse(value) as StickyPin) : undefined;
    },
    async set(session, pin, ttlMs) {
      await redis.set(prefix + session, JSON.stringify(pin), 'PX', ttlMs);
    },
  };
}

export function embeddedStickyStore(maxEntries = 100_000): StickyStore {
  const pins = new Map<string, { pin: StickyPin; expires: number }>();
  return {
    async get(session) {
      const entry = pins.get(session);
      if (!entry) return undefined;
      if (entry.expires <= Date.now()) {
        pins.delete(session);
        return undefined;
      }
      return entry.pin;
    },
    async set(session, pin, ttlMs) {
      // Bounded: the oldest insertion goes first (Map keeps insertion order).
      if (pins.size >= maxEntries) pins.delete(pins.keys().next().value as string);
      pins.delete(session);
      pins.set(session, { pin, expires: Date.now() + ttlMs });
    },
  };
}
