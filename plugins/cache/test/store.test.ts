// One contract for the exact store (Redis and the embedded twin) and one for the vector store (embedded, and
// MongoDB when MONGODB_URL is set). Redis tests use the real server with a unique prefix per run.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { MemoryExactStore, MemoryVectorStore, MongoVectorStore, RedisExactStore, unit, type ExactStore, type VectorStore } from '@sluice/cache';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

interface ExactHarness {
  store: ExactStore;
  /** Makes `key` expire now: the clock moves for the twin; Redis gets PEXPIREAT in the past after its TTL is checked. */
  expire(key: string, ttlMs: number): Promise<void>;
}

function exactContract(name: string, make: () => Promise<ExactHarness>): void {
  t.test(`exact store contract: ${name}`, async (t) => {
    const { store, expire } = await make();

    t.test('get of an unknown key is null; set then get returns the value', async (t) => {
      t.equal(await store.get('t.a:nothing'), null);
      await store.set('t.a:k1', '{"v":1}', 60_000);
      t.equal(await store.get('t.a:k1'), '{"v":1}');
    });

    t.test('a write is visible to the next get without awaiting it', async (t) => {
      const write = store.set('t.a:k-unawaited', 'x', 60_000);
      t.equal(await store.get('t.a:k-unawaited'), 'x');
      await write;
    });

    t.test('set replaces', async (t) => {
      await store.set('t.a:k2', 'one', 60_000);
      await store.set('t.a:k2', 'two', 60_000);
      t.equal(await store.get('t.a:k2'), 'two');
    });

    t.test('an entry is gone after its TTL', async (t) => {
      await store.set('t.a:k3', 'short', 5_000);
      t.equal(await store.get('t.a:k3'), 'short');
      await expire('t.a:k3', 5_000);
      t.equal(await store.get('t.a:k3'), null);
    });

    t.test('purge by prefix removes exactly the matching keys; glob characters are literal', async (t) => {
      await store.set('t.acme:1', 'a', 60_000);
      await store.set('t.acme.k.key1:2', 'b', 60_000);
      await store.set('t.acme2:3', 'c', 60_000);
      await store.set('t.*:4', 'd', 60_000);
      t.equal(await store.purge('t.acme:'), 1);
      t.equal(await store.get('t.acme:1'), null);
      t.equal(await store.get('t.acme.k.key1:2'), 'b');
      t.equal(await store.get('t.acme2:3'), 'c');
      t.equal(await store.purge('t.*'), 1, '"*" matches only itself');
      t.equal(await store.get('t.acme2:3'), 'c');
      t.ok((await store.purge('')) >= 2, 'empty prefix purges everything');
      t.equal(await store.get('t.acme2:3'), null);
    });
  });
}

exactContract('embedded', async () => {
  let now = 1_000_000;
  const store = new MemoryExactStore(1024 * 1024, () => now);
  return { store, expire: async (_key, ttlMs) => void (now += ttlMs) };
});

const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
await redis.connect();
const prefix = `sluice:cache:test:${randomUUID()}:`;
t.teardown(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});
exactContract('redis', async () => ({
  store: new RedisExactStore(redis, prefix),
  async expire(key, ttlMs) {
    const ttl = await redis.pttl(prefix + key);
    if (ttl <= 0 || ttl > ttlMs) throw new Error(`TTL not applied: ${ttl}`);
    await redis.pexpireat(prefix + key, 1);
  },
}));

t.test('redis: keys live under the configured prefix', async (t) => {
  const store = new RedisExactStore(redis, prefix);
  await store.set('t.x:abc', 'v', 60_000);
  t.equal(await redis.get(`${prefix}t.x:abc`), 'v');
});

t.test('embedded: LRU by total size; a hit refreshes recency; oversize values are not kept', async (t) => {
  const store = new MemoryExactStore(30);
  await store.set('a', '123456789', 60_000); // 10 bytes with its key
  await store.set('b', '123456789', 60_000);
  await store.set('c', '123456789', 60_000);
  t.equal(store.size, 30);
  await store.get('a'); // a is now the most recent; b is the oldest
  await store.set('d', '123456789', 60_000);
  t.equal(await store.get('b'), null, 'least recently used evicted');
  t.equal(await store.get('a'), '123456789');
  t.equal(await store.get('c'), '123456789');
  await store.set('e', 'x'.repeat(40), 60_000);
  t.equal(await store.get('e'), null, 'larger than the whole store: not stored');
  t.ok(store.size <= 30);
});

function vectorContract(name: string, make: () => Promise<VectorStore>): void {
  t.test(`vector store contract: ${name}`, async (t) => {
    const store = await make();
    await store.init();
    const v = (...xs: number[]): Float32Array => unit(xs);

    t.test('nearest is the most similar vector of the same scope and partition', async (t) => {
      await store.add('t.a', 'p1', v(1, 0, 0), 't.a:x', Date.now() + 60_000);
      await store.add('t.a', 'p1', v(0, 1, 0), 't.a:y', Date.now() + 60_000);
      await store.add('t.b', 'p1', v(1, 0.1, 0), 't.b:z', Date.now() + 60_000);
      await store.add('t.a', 'p2', v(1, 0.1, 0), 't.a:w', Date.now() + 60_000);
      const hit = await store.nearest('t.a', 'p1', v(0.9, 0.1, 0));
      t.equal(hit?.key, 't.a:x');
      t.ok(hit && hit.score > 0.99 && hit.score <= 1.0001, `cosine similarity (${hit?.score})`);
      t.equal(await store.nearest('t.c', 'p1', v(1, 0, 0)), undefined, 'another scope sees nothing');
    });

    t.test('adding the same key again keeps one vector', async (t) => {
      await store.add('t.a', 'p3', v(1, 0, 0), 't.a:same', Date.now() + 60_000);
      await store.add('t.a', 'p3', v(0, 0, 1), 't.a:same', Date.now() + 60_000);
      const hit = await store.nearest('t.a', 'p3', v(1, 0, 0));
      t.ok(hit && Math.abs(hit.score) < 1e-6, 'the newer vector replaced the older');
    });

    t.test('purge by key prefix', async (t) => {
      t.equal(await store.purge('t.b:'), 1);
      t.equal(await store.nearest('t.b', 'p1', v(1, 0, 0)), undefined);
      t.ok(await store.nearest('t.a', 'p1', v(1, 0, 0)));
    });

    t.test('expired vectors are not found', async (t) => {
      await store.add('t.e', 'p', v(1, 1, 0), 't.e:old', Date.now() - 1000);
      t.equal(await store.nearest('t.e', 'p', v(1, 1, 0)), undefined);
    });
  });
}

vectorContract('embedded', async () => new MemoryVectorStore(100));

t.test('embedded vectors: the oldest go past maxEntriesPerScope', async (t) => {
  const store = new MemoryVectorStore(2);
  const far = Date.now() + 60_000;
  await store.add('s', 'p', unit([1, 0]), 'k1', far);
  await store.add('s', 'p', unit([0, 1]), 'k2', far);
  await store.add('s', 'q', unit([1, 1]), 'k3', far);
  t.equal(await store.nearest('s', 'p', unit([1, 0])).then((h) => h?.key), 'k2', 'k1 (oldest) was dropped');
  t.equal(await store.nearest('s', 'q', unit([1, 1])).then((h) => h?.key), 'k3');
});

const MONGODB_URL = process.env['MONGODB_URL'];
if (MONGODB_URL) {
  const client = new MongoClient(MONGODB_URL, { serverSelectionTimeoutMS: 3000 });
  const db = client.db();
  const collection = `cache_vectors_test_${randomUUID().slice(0, 8)}`;
  t.teardown(async () => {
    await db.dropCollection(collection).catch(() => undefined);
    await client.close();
  });
  // Mongo's TTL monitor runs once a minute: "expired" is checked by the query's own expiresAt filter.
  vectorContract('mongodb', async () => new MongoVectorStore(db, collection));
} else {
  t.comment('MONGODB_URL not set: the MongoDB vector store contract is skipped');
}
