// The same contract against the real Redis (127.0.0.1:6379), each test under its own key prefix; plus what only
// a shared store can do: reclaim what a dead instance left.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { Redis } from 'ioredis';
import { RedisHotStore } from '../src/hot/redis.js';
import { hotContract } from './hot-contract.js';

const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const run = `sluice:quota:${randomUUID().slice(0, 8)}:`;
let n = 0;
const fresh = (): string => `${run}${++n}:`;
t.teardown(async () => {
  const keys = await redis.keys(`${run}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

hotContract(t, async () => {
  const prefix = fresh();
  return { store: new RedisHotStore(redis, prefix), prefix };
});

t.test('reclaim: a dead owner\'s reservation is released (charged) and its settled record recovered', async (t) => {
  const prefix = fresh();
  const store = new RedisHotStore(redis, prefix);
  const budget = `${prefix}b:k`;
  await store.initBudgets([{ key: budget, spent: 0, ttlMs: 0 }]);
  const base = { leaseMs: 60_000, budgets: [{ key: budget, limit: 1000 }], windows: [], concurrency: [{ key: `${prefix}c`, limit: 5 }] };
  await store.heartbeat('dead', 60_000);
  await store.heartbeat('alive', 60_000);
  t.match(await store.admit({ ...base, id: 'r1', owner: 'dead', amount: 30, record: JSON.stringify({ id: 'r1', status: 'reclaimed', cost: 30 }) }), { ok: true });
  t.match(await store.admit({ ...base, id: 'r2', owner: 'dead', amount: 30, record: '{}' }), { ok: true });
  await store.settle({ id: 'r2', owner: 'dead', cost: 12, tokenDelta: 0, budgets: [], record: JSON.stringify({ id: 'r2', status: 'ok', cost: 12 }) });
  t.same(await store.reclaim('alive', 'charge'), [], 'nothing is taken while the owner beats');
  await redis.del(`${prefix}alive:dead`);
  const recovered = await store.reclaim('alive', 'charge');
  t.same(recovered.map((r) => [r.id, JSON.parse(r.record)]).sort(), [
    ['r1', { id: 'r1', status: 'reclaimed', cost: 30 }],
    ['r2', { id: 'r2', status: 'ok', cost: 12 }],
  ]);
  t.same(await store.balances([budget]), [{ spent: 42, reserved: 0 }], 'reservation released, its estimate charged');
  t.equal(await redis.zcard(`${prefix}c`), 0, 'concurrency leases released');
  t.same(await store.reclaim('third', 'charge'), [], 'the live reclaimer now owns them: nobody takes them twice');
  await store.commit('alive', ['r1', 'r2']);
  t.equal(await store.pending(), 0);
});

t.test('refund policy releases without charging', async (t) => {
  const prefix = fresh();
  const store = new RedisHotStore(redis, prefix);
  await store.initBudgets([{ key: `${prefix}b:k`, spent: 5, ttlMs: 0 }]);
  await store.admit({ id: 'r', owner: 'gone', amount: 50, leaseMs: 1000, budgets: [{ key: `${prefix}b:k`, limit: 100 }], windows: [], concurrency: [], record: '{"id":"r"}' });
  const [rec] = await store.reclaim('me', 'refund');
  t.match(JSON.parse(rec?.record ?? '{}'), { id: 'r', status: 'reclaimed', cost: 0 });
  t.same(await store.balances([`${prefix}b:k`]), [{ spent: 5, reserved: 0 }]);
});

t.test('amounts beyond 2^31 stay exact through Lua', async (t) => {
  const prefix = fresh();
  const store = new RedisHotStore(redis, prefix);
  const big = 987_654_321_012;
  await store.initBudgets([{ key: `${prefix}b:k`, spent: big, ttlMs: 0 }]);
  t.match(await store.admit({ id: 'x', owner: 'o', amount: 123_456_789_012, leaseMs: 1000, budgets: [{ key: `${prefix}b:k`, limit: 2 * big }], windows: [], concurrency: [], record: '{}' }), { ok: true });
  t.same(await store.balances([`${prefix}b:k`]), [{ spent: big, reserved: 123_456_789_012 }]);
});
