// pickChannel (priority tier, then weighted random) and KeyRotation (round-robin per channel).
import t from 'tap';
import { Secret, type Channel } from '@sluice/core';
import mockAdapter from '@sluice/adapter-mock';
import { KeyRotation, pickChannel } from '@sluice/router';

function channel(name: string, priority: number, weight: number, keys = 1): Channel {
  return {
    name,
    adapter: mockAdapter as Channel['adapter'],
    options: {},
    baseUrl: new URL('http://in-process.invalid'),
    keys: Array.from({ length: keys }, (_, i) => new Secret(`sk-${name}-${i}`)),
    models: new Map([['m', 'm']]),
    groups: ['default'],
    priority,
    weight,
    strict: false,
    timeouts: { connectMs: 1000, firstByteMs: 1000, idleMs: 1000, totalMs: 1000 },
    headers: {},
  };
}

/** A deterministic generator in [0, 1): a 32-bit LCG (Numerical Recipes constants). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function draw(candidates: readonly Channel[], n: number, random: () => number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const picked = pickChannel(candidates, random);
    if (!picked) throw new Error('nothing picked');
    counts.set(picked.name, (counts.get(picked.name) ?? 0) + 1);
  }
  return counts;
}

t.test('no candidates → undefined', async (t) => {
  t.equal(pickChannel([]), undefined);
});

t.test('a single candidate is returned without drawing', async (t) => {
  const only = channel('only', 0, 5);
  t.equal(pickChannel([only], () => {
    throw new Error('random must not be called');
  }), only);
});

t.test('only the highest priority tier is ever picked', async (t) => {
  const low = channel('low', 0, 100);
  const high = channel('high', 10, 1);
  const high2 = channel('high2', 10, 1);
  const lowest = channel('lowest', -5, 100);
  const counts = draw([low, high, lowest, high2], 5000, lcg(1));
  t.strictSame([...counts.keys()].sort(), ['high', 'high2']);
  t.equal(pickChannel([low, lowest]), low, 'negative priorities rank below 0');
  t.equal(pickChannel([channel('a', -3, 1), channel('b', -1, 1)])?.name, 'b');
});

t.test('weights are respected within a tier (seeded, many draws)', async (t) => {
  const a = channel('a', 0, 1);
  const b = channel('b', 0, 3);
  const c = channel('c', 0, 6);
  const n = 100_000;
  for (const seed of [1, 42, 20250310]) {
    const counts = draw([a, b, c], n, lcg(seed));
    const share = (name: string): number => (counts.get(name) ?? 0) / n;
    t.ok(Math.abs(share('a') - 0.1) < 0.01, `seed ${seed}: a ≈ 10% (${share('a')})`);
    t.ok(Math.abs(share('b') - 0.3) < 0.01, `seed ${seed}: b ≈ 30% (${share('b')})`);
    t.ok(Math.abs(share('c') - 0.6) < 0.01, `seed ${seed}: c ≈ 60% (${share('c')})`);
  }
  t.strictSame(draw([a, b, c], 1000, lcg(7)), draw([a, b, c], 1000, lcg(7)), 'same seed, same picks');
});

t.test('the random draw maps onto cumulative weights exactly', async (t) => {
  const a = channel('a', 0, 1);
  const b = channel('b', 0, 3);
  t.equal(pickChannel([a, b], () => 0), a);
  t.equal(pickChannel([a, b], () => 0.2499), a);
  t.equal(pickChannel([a, b], () => 0.25), b);
  t.equal(pickChannel([a, b], () => 0.9999999), b);
});

t.test('a channel of a lower tier is picked once the higher tier is excluded (failover)', async (t) => {
  const primary = channel('primary', 1, 1);
  const backup = channel('backup', 0, 1);
  t.equal(pickChannel([primary, backup], lcg(3)), primary);
  t.equal(pickChannel([backup], lcg(3)), backup);
});

t.test('KeyRotation: round-robin over a channel\'s keys, per channel', async (t) => {
  const rotation = new KeyRotation();
  const three = channel('three', 0, 1, 3);
  const two = channel('two', 0, 1, 2);
  const one = channel('one', 0, 1, 1);
  t.strictSame([0, 1, 2, 3, 4, 5, 6].map(() => rotation.take(three)), [0, 1, 2, 0, 1, 2, 0]);
  t.strictSame([0, 1, 2, 3].map(() => rotation.take(two)), [0, 1, 0, 1], 'independent of other channels');
  t.strictSame([0, 1, 2].map(() => rotation.take(one)), [0, 0, 0]);
  t.equal(rotation.take(three), 1, 'state kept per channel');
  t.strictSame([rotation.take(three), rotation.take(three)], [2, 0]);
  t.equal(new KeyRotation().take(three), 0, 'each rotation starts at the first key');
});

t.test('KeyRotation: every index is a valid key index', async (t) => {
  const rotation = new KeyRotation();
  const c = channel('c', 0, 1, 5);
  for (let i = 0; i < 50; i++) {
    const index = rotation.take(c);
    t.ok(Number.isInteger(index) && index >= 0 && index < c.keys.length, `take #${i} = ${index}`);
  }
});
