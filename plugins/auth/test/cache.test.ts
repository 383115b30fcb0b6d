// KeyCache: hits, TTL, single flight, bounded maps, invalidation (including a load racing an invalidation).
import t from 'tap';
import { KeyCache } from '../src/cache.js';
import { resolveStored, type ResolvedKey } from '../src/principal.js';
import type { KeyRecord } from '../src/records.js';

const tenant = { id: 'acme', group: 'default', enabled: true, metadata: {} };
const resolved = (id: string, tenantId = 'acme'): ResolvedKey => {
  const key: KeyRecord = { id, hash: `h-${id}`, prefix: 'sk-sluice-x', tenant: tenantId, enabled: true, metadata: {}, createdAt: 0, updatedAt: 0 };
  return resolveStored(key, { ...tenant, id: tenantId });
};

function clock(): { now: () => number; advance(ms: number): void } {
  let now = 1_000_000;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

t.test('a hit is served without loading; a miss loads once', async (t) => {
  const cache = new KeyCache({ ttlMs: 1000, maxEntries: 10 });
  let loads = 0;
  const load = async () => (loads++, resolved('k1'));
  t.equal(cache.peek('h1'), undefined, 'nothing cached yet');
  t.equal((await cache.get('h1', load))?.principal.keyId, 'k1');
  t.equal((await cache.get('h1', load))?.principal.keyId, 'k1');
  t.equal(cache.peek('h1')?.principal.keyId, 'k1');
  t.equal(loads, 1);
});

t.test('unknown keys are remembered as null', async (t) => {
  const cache = new KeyCache({ ttlMs: 1000, maxEntries: 10 });
  let loads = 0;
  const load = async () => (loads++, null);
  t.equal(await cache.get('nope', load), null);
  t.equal(await cache.get('nope', load), null);
  t.equal(cache.peek('nope'), null, 'null = known to be unknown (not undefined = not cached)');
  t.equal(loads, 1);
});

t.test('entries expire after the TTL', async (t) => {
  const c = clock();
  const cache = new KeyCache({ ttlMs: 1000, maxEntries: 10, now: c.now });
  let loads = 0;
  const load = async () => (loads++, resolved('k1'));
  await cache.get('h1', load);
  c.advance(999);
  await cache.get('h1', load);
  t.equal(loads, 1, 'still fresh');
  c.advance(1);
  t.equal(cache.peek('h1'), undefined, 'stale');
  await cache.get('h1', load);
  t.equal(loads, 2, 'reloaded');
});

t.test('concurrent misses share one load', async (t) => {
  const cache = new KeyCache({ ttlMs: 1000, maxEntries: 10 });
  let loads = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const load = async () => {
    loads++;
    await gate;
    return resolved('k1');
  };
  const waiting = Array.from({ length: 20 }, () => cache.get('h1', load));
  release();
  const results = await Promise.all(waiting);
  t.equal(loads, 1);
  t.ok(results.every((r) => r?.principal.keyId === 'k1'));
});

t.test('a failed load is not cached and is retried next time', async (t) => {
  const cache = new KeyCache({ ttlMs: 1000, maxEntries: 10 });
  let calls = 0;
  const load = async () => {
    calls++;
    if (calls === 1) throw new Error('store down');
    return resolved('k1');
  };
  await t.rejects(cache.get('h1', load), /store down/);
  t.equal((await cache.get('h1', load))?.principal.keyId, 'k1');
});

t.test('maps are bounded; unknown keys cannot evict known ones', async (t) => {
  const cache = new KeyCache({ ttlMs: 60_000, maxEntries: 3 });
  for (const id of ['a', 'b', 'c', 'd']) await cache.get(`h-${id}`, async () => resolved(id));
  t.equal(cache.size.known, 3);
  t.equal(cache.peek('h-a'), undefined, 'the oldest went first');
  t.equal(cache.peek('h-d')?.principal.keyId, 'd');
  for (let i = 0; i < 50; i++) await cache.get(`junk-${i}`, async () => null);
  t.equal(cache.size.unknown, 3);
  t.equal(cache.peek('h-b')?.principal.keyId, 'b', 'a flood of wrong keys leaves known keys alone');
});

t.test('invalidation by key id, by tenant, and everything', async (t) => {
  const cache = new KeyCache({ ttlMs: 60_000, maxEntries: 10 });
  await cache.get('h1', async () => resolved('k1', 'acme'));
  await cache.get('h2', async () => resolved('k2', 'acme'));
  await cache.get('h3', async () => resolved('k3', 'other'));
  await cache.get('h4', async () => null);
  cache.invalidateKey('k1');
  t.equal(cache.peek('h1'), undefined);
  t.ok(cache.peek('h2'));
  cache.invalidateTenant('acme');
  t.equal(cache.peek('h2'), undefined);
  t.ok(cache.peek('h3'), 'other tenants untouched');
  cache.clear();
  t.equal(cache.peek('h3'), undefined);
  t.equal(cache.peek('h4'), undefined, 'unknown keys forgotten too');
});

t.test('a load that began before an invalidation answers but is not cached', async (t) => {
  const cache = new KeyCache({ ttlMs: 60_000, maxEntries: 10 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const pending = cache.get('h1', async () => {
    await gate;
    return resolved('k1'); // read before the change landed: stale
  });
  cache.invalidateKey('k1');
  release();
  t.equal((await pending)?.principal.keyId, 'k1', 'the waiting request still gets its answer');
  t.equal(cache.peek('h1'), undefined, 'but the stale record is not kept');
  let loads = 0;
  await cache.get('h1', async () => (loads++, resolved('k1')));
  t.equal(loads, 1, 'the next request reads the store again');
});
