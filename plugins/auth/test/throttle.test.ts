// Failed-auth throttling: in process, and shared through the real Redis (127.0.0.1:6379) across instances.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { PluginApi } from '@sluice/core';
import { FailureThrottle } from '../src/throttle.js';

const warnings: string[] = [];
const log = { warn: (_o: unknown, message: string) => void warnings.push(message) } as unknown as PluginApi['log'];

function clock(): { now: () => number; advance(ms: number): void } {
  let now = 5_000_000;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

t.test('embedded: the failure past the limit blocks the address for the rest of the window', async (t) => {
  const c = clock();
  const throttle = new FailureThrottle({ limit: 3, windowMs: 60_000, now: c.now }, null, (b) => b, log);
  for (let i = 0; i < 3; i++) t.equal(await throttle.fail('203.0.113.1'), 0, `failure ${i + 1} is within the limit`);
  t.equal(throttle.blockedFor('203.0.113.1'), 0, 'not blocked yet');
  c.advance(10_000);
  t.equal(await throttle.fail('203.0.113.1'), 50_000, 'the 4th failure: wait the rest of the window');
  t.equal(throttle.blockedFor('203.0.113.1'), 50_000);
  t.equal(throttle.blockedFor('::ffff:203.0.113.1'), 50_000, 'the same address, IPv4-mapped');
  t.equal(throttle.blockedFor('203.0.113.2'), 0, 'other addresses unaffected');
  c.advance(50_000);
  t.equal(throttle.blockedFor('203.0.113.1'), 0, 'free again when the window ends');
  t.equal(await throttle.fail('203.0.113.1'), 0, 'and a new window starts counting from 1');
});

t.test('embedded: IPv6 addresses in one /64 share a bucket', async (t) => {
  const throttle = new FailureThrottle({ limit: 2, windowMs: 60_000 }, null, (b) => b, log);
  await throttle.fail('2001:db8:1:2::1');
  await throttle.fail('2001:db8:1:2::2');
  t.ok((await throttle.fail('2001:db8:1:2::3')) > 0, 'rotating inside the /64 does not help');
  t.ok(throttle.blockedFor('2001:db8:1:2:ffff::9') > 0);
  t.equal(throttle.blockedFor('2001:db8:1:3::1'), 0, 'the neighbouring /64 is not blocked');
});

t.test('limit 0 turns throttling off', async (t) => {
  const throttle = new FailureThrottle({ limit: 0, windowMs: 60_000 }, null, (b) => b, log);
  for (let i = 0; i < 100; i++) t.equal(await throttle.fail('203.0.113.1'), 0);
  t.equal(throttle.blockedFor('203.0.113.1'), 0);
});

t.test('redis: failures on two instances count together', async (t) => {
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const prefix = `sluice:auth:test-${randomUUID()}:`;
  t.teardown(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  const keyOf = (bucket: string): string => `${prefix}fail:${bucket}`;
  const a = new FailureThrottle({ limit: 4, windowMs: 60_000 }, redis, keyOf, log);
  const b = new FailureThrottle({ limit: 4, windowMs: 60_000 }, redis, keyOf, log);
  t.equal(await a.fail('198.51.100.7'), 0);
  t.equal(await b.fail('198.51.100.7'), 0);
  t.equal(await a.fail('198.51.100.7'), 0);
  t.equal(await b.fail('198.51.100.7'), 0);
  t.equal(await redis.get(keyOf('198.51.100.7')), '4', 'one shared counter');
  const ttl = await redis.pttl(keyOf('198.51.100.7'));
  t.ok(ttl > 0 && ttl <= 60_000, 'the window expires by itself');
  const wait = await b.fail('198.51.100.7');
  t.ok(wait > 0 && wait <= 60_000, 'the 5th failure, on either instance, crosses the limit');
  t.ok(b.blockedFor('198.51.100.7') > 0);
  t.equal(a.blockedFor('198.51.100.7'), 0, 'the other instance learns on its next failure from that address (no round trip per request)');
  t.ok((await a.fail('198.51.100.7')) > 0);
  t.ok(a.blockedFor('198.51.100.7') > 0);
});

t.test('redis unreachable: counting falls back to the process', async (t) => {
  const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  dead.on('error', () => undefined);
  t.teardown(() => dead.disconnect());
  const throttle = new FailureThrottle({ limit: 1, windowMs: 60_000 }, dead, (b) => b, log);
  t.equal(await throttle.fail('192.0.2.1'), 0);
  t.ok((await throttle.fail('192.0.2.1')) > 0, 'still throttled');
  t.ok(warnings.some((w) => /counting in process/.test(w)), 'and says so in the log');
});
