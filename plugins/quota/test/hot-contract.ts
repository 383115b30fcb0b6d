// One contract for both hot stores (Redis Lua and the embedded twin): same inputs, same answers.
import type { Test } from 'tap';
import type { AdmitSpec, HotStore } from '../src/hot/types.js';

export interface ContractTarget {
  store: HotStore;
  /** A fresh key namespace per test. */
  prefix: string;
}

let n = 0;
const spec = (p: string, over: Partial<AdmitSpec> = {}): AdmitSpec => ({
  id: `req-${++n}`,
  owner: 'owner-a',
  amount: 10,
  leaseMs: 60_000,
  budgets: [{ key: `${p}b:k`, limit: 100 }],
  windows: [],
  concurrency: [],
  record: JSON.stringify({ id: `req-${n}`, cost: 0 }),
  ...over,
});

export function hotContract(t: Test, make: () => Promise<ContractTarget>): void {
  t.test('a missing budget counter asks to be initialised, then counts from the given spend', async (t) => {
    const { store, prefix } = await make();
    const first = await store.admit(spec(prefix));
    t.same(first, { ok: false, reason: 'uninitialized', keys: [`${prefix}b:k`] });
    await store.initBudgets([{ key: `${prefix}b:k`, spent: 85, ttlMs: 0 }]);
    await store.initBudgets([{ key: `${prefix}b:k`, spent: 0, ttlMs: 0 }]); // first writer wins
    t.match(await store.admit(spec(prefix, { amount: 20 })), { ok: false, reason: 'budget', index: 0, remaining: 15 });
    t.match(await store.admit(spec(prefix, { amount: 15 })), { ok: true });
    t.same(await store.balances([`${prefix}b:k`]), [{ spent: 85, reserved: 15 }]);
  });

  t.test('reserve, settle to the actual cost, reservation released', async (t) => {
    const { store, prefix } = await make();
    await store.initBudgets([{ key: `${prefix}b:k`, spent: 0, ttlMs: 0 }, { key: `${prefix}b:t`, spent: 0, ttlMs: 0 }]);
    const s = spec(prefix, { amount: 40, budgets: [{ key: `${prefix}b:k`, limit: 100 }, { key: `${prefix}b:t`, limit: 50 }] });
    t.match(await store.admit(s), { ok: true });
    t.match(await store.admit({ ...s, id: 'other' }), { ok: false, reason: 'budget', index: 1, remaining: 10 }, 'the tenant budget is the tighter one');
    t.same(await store.balances([`${prefix}b:k`, `${prefix}b:t`]), [{ spent: 0, reserved: 40 }, { spent: 0, reserved: 40 }], 'a rejection reserves nothing');
    t.equal(await store.pending(), 1);
    t.equal(await store.settle({ id: s.id, owner: s.owner, cost: 7, tokenDelta: 0, budgets: [], record: '{}' }), 'settled');
    t.same(await store.balances([`${prefix}b:k`, `${prefix}b:t`]), [{ spent: 7, reserved: 0 }, { spent: 7, reserved: 0 }]);
    t.equal(await store.pending(), 1, 'the settled record is kept until the ledger has it');
    await store.commit(s.owner, [s.id]);
    t.equal(await store.pending(), 0);
    t.equal(await store.settle({ id: s.id, owner: s.owner, cost: 7, tokenDelta: 0, budgets: [`${prefix}b:k`], record: '{}' }), 'gone');
    t.same(await store.balances([`${prefix}b:k`]), [{ spent: 14, reserved: 0 }], 'a settlement without reservation still counts');
  });

  t.test('request window: the limit holds, the retry hint is positive, headers state is reported', async (t) => {
    const { store, prefix } = await make();
    const w = { key: `${prefix}w:r`, unit: 'requests' as const, limit: 3, windowMs: 60_000, cost: 1 };
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await store.admit(spec(prefix, { budgets: [], windows: [w] })));
    t.same(results.map((r) => r.ok), [true, true, true, false, false]);
    t.match(results[0], { ok: true, windows: [{ unit: 'requests', limit: 3, remaining: 2 }] });
    const rejected = results[3];
    t.ok(rejected && !rejected.ok && rejected.reason === 'requests' && rejected.retryAfterMs > 0 && rejected.retryAfterMs <= 60_000);
  });

  t.test('token window: admission counts the estimate, settlement corrects it', async (t) => {
    const { store, prefix } = await make();
    const w = (cost: number) => ({ key: `${prefix}w:t`, unit: 'tokens' as const, limit: 100, windowMs: 60_000, cost });
    const a = spec(prefix, { budgets: [], windows: [w(80)] });
    t.match(await store.admit(a), { ok: true, windows: [{ remaining: 20 }] });
    t.match(await store.admit(spec(prefix, { budgets: [], windows: [w(30)] })), { ok: false, reason: 'tokens' });
    await store.settle({ id: a.id, owner: a.owner, cost: 0, tokenDelta: -60, budgets: [], record: '{}' });
    t.match(await store.admit(spec(prefix, { budgets: [], windows: [w(30)] })), { ok: true, windows: [{ remaining: 50 }] });
  });

  t.test('concurrency: leases are held until settlement', async (t) => {
    const { store, prefix } = await make();
    const c = [{ key: `${prefix}c`, limit: 2 }];
    const a = spec(prefix, { budgets: [], concurrency: c });
    t.match(await store.admit(a), { ok: true });
    t.match(await store.admit(spec(prefix, { budgets: [], concurrency: c })), { ok: true });
    t.match(await store.admit(spec(prefix, { budgets: [], concurrency: c })), { ok: false, reason: 'concurrent' });
    await store.settle({ id: a.id, owner: a.owner, cost: 0, tokenDelta: 0, budgets: [], record: '{}' });
    t.match(await store.admit(spec(prefix, { budgets: [], concurrency: c })), { ok: true });
  });

  t.test('a rejected rate limit takes nothing from the budget, and vice versa', async (t) => {
    const { store, prefix } = await make();
    await store.initBudgets([{ key: `${prefix}b:k`, spent: 95, ttlMs: 0 }]);
    const w = { key: `${prefix}w:r`, unit: 'requests' as const, limit: 5, windowMs: 60_000, cost: 1 };
    t.match(await store.admit(spec(prefix, { windows: [w] })), { ok: false, reason: 'budget' });
    t.match(await store.admit(spec(prefix, { budgets: [], windows: [w] })), { ok: true, windows: [{ remaining: 4 }] }, 'the budget rejection used no request slot');
  });
}
