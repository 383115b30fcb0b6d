// The invalidation bus: message parsing, in-process delivery, and Redis pub/sub (real Redis) including a reconnect.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { PluginApi } from '@sluice/core';
import { createLocalBus, createRedisBus, parseInvalidation, type Invalidation } from '../src/invalidation.js';

const log = { warn() {}, error() {}, info() {} } as unknown as PluginApi['log'];

async function until(check: () => boolean, deadlineMs = 5000): Promise<boolean> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > deadlineMs) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

t.test('parseInvalidation: ids only; anything else is ignored', async (t) => {
  t.strictSame(parseInvalidation('{"kind":"key","id":"key_1"}'), { kind: 'key', id: 'key_1' });
  t.strictSame(parseInvalidation('{"kind":"tenant","id":"acme","extra":1}'), { kind: 'tenant', id: 'acme' });
  t.strictSame(parseInvalidation('{"kind":"all"}'), { kind: 'all' });
  for (const junk of ['', 'nope', '{"kind":"key"}', '{"kind":"key","id":5}', '{"kind":"drop-table","id":"x"}', 'null', '[]']) {
    t.equal(parseInvalidation(junk), undefined, JSON.stringify(junk));
  }
});

t.test('local bus: every gateway sharing the scope hears a change, itself included; close stops it', async (t) => {
  const scope = {};
  const heardA: Invalidation[] = [];
  const heardB: Invalidation[] = [];
  const a = createLocalBus(scope, (m) => heardA.push(m));
  const b = createLocalBus(scope, (m) => heardB.push(m));
  const other = createLocalBus({}, () => t.fail('another scope must not hear it'));
  await a.publish({ kind: 'key', id: 'k1' });
  t.strictSame(heardA, [{ kind: 'key', id: 'k1' }]);
  t.strictSame(heardB, [{ kind: 'key', id: 'k1' }], 'synchronous: visible to the next request');
  await b.close();
  await a.publish({ kind: 'all' });
  t.equal(heardB.length, 1, 'closed: no more');
  await a.close();
  await other.close();
});

t.test('redis bus: another instance hears a change; after its connection is killed it resyncs and hears again', async (t) => {
  const channel = `sluice:auth:test-${randomUUID()}:invalidate`;
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
  await redis.connect();
  t.teardown(() => redis.quit());
  const heard: Invalidation[] = [];
  let resyncs = 0;
  const a = await createRedisBus(redis, channel, () => undefined, () => undefined, log);
  const b = await createRedisBus(redis, channel, (m) => heard.push(m), () => resyncs++, log);
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  await a.publish({ kind: 'tenant', id: 'acme' });
  t.ok(await until(() => heard.length === 1), 'B heard A');
  t.strictSame(heard, [{ kind: 'tenant', id: 'acme' }]);

  // Kill both subscriber connections of this run (their names carry this run's channel), as a network blip would.
  const clients = (await redis.client('LIST')) as string;
  const ids = clients.split('\n').filter((line) => line.includes(`name=sluice-auth-sub:${channel}`)).map((line) => /id=(\d+)/.exec(line)?.[1]);
  t.equal(ids.length, 2, 'two named subscriber connections');
  for (const id of ids) if (id) await redis.client('KILL', 'ID', id);
  t.ok(await until(() => resyncs === 1), 'B resynced after reconnecting (it may have missed messages)');
  await a.publish({ kind: 'key', id: 'k2' });
  t.ok(await until(() => heard.length === 2), 'and hears changes again');
});
