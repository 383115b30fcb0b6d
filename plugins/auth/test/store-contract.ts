// The one contract every AuthStore implementation passes (embedded always, MongoDB when MONGODB_URL is set).
import type { Test } from 'tap';
import type { AuthStore } from '../src/store.js';
import { StoreError } from '../src/store.js';
import { hashKey, type KeyRecord, type TenantRecord } from '../src/records.js';

export interface StoreFixture {
  store: AuthStore;
  /** Removes whatever the run created. */
  cleanup(): Promise<void>;
}

const T0 = Date.parse('2026-01-01T00:00:00Z');

const tenant = (id: string, extra: Partial<TenantRecord> = {}): TenantRecord => ({
  id,
  group: 'default',
  enabled: true,
  metadata: {},
  createdAt: T0,
  updatedAt: T0,
  ...extra,
});

let serial = 0;
const key = (tenantId: string, extra: Partial<KeyRecord> = {}): KeyRecord => {
  serial++;
  return {
    id: `key_contract${String(serial).padStart(4, '0')}`,
    hash: hashKey(`secret-${serial}-${Math.random()}`),
    prefix: 'sk-sluice-Abcd',
    tenant: tenantId,
    enabled: true,
    metadata: {},
    createdAt: T0 + serial,
    updatedAt: T0 + serial,
    ...extra,
  };
};

async function conflict(t: Test, run: () => Promise<unknown>, what: string): Promise<void> {
  const error = await run().then(() => undefined, (e: unknown) => e);
  t.ok(error instanceof StoreError && error.kind === 'conflict', `${what}: StoreError('conflict')`);
}

export function storeContract(t: Test, open: () => Promise<StoreFixture>): void {
  let fixture: StoreFixture;
  t.before(async () => {
    fixture = await open();
    await fixture.store.init();
    await fixture.store.init(); // idempotent
  });
  t.teardown(async () => {
    await fixture.cleanup();
    await fixture.store.close();
  });

  t.test('tenants: create, get, list (by id), duplicate id', async (t) => {
    const { store } = fixture;
    await store.createTenant(tenant('t-b', { group: 'pro', metadata: { plan: 'gold', nested: { a: [1, 2] } }, limits: { rpm: 60 } }));
    await store.createTenant(tenant('t-a'));
    t.strictSame(await store.getTenant('t-b'), tenant('t-b', { group: 'pro', metadata: { plan: 'gold', nested: { a: [1, 2] } }, limits: { rpm: 60 } }));
    t.strictSame(await store.getTenant('t-a'), tenant('t-a'), 'no limits field when none was given');
    t.equal(await store.getTenant('t-none'), undefined);
    t.strictSame((await store.listTenants()).map((r) => r.id), ['t-a', 't-b']);
    await conflict(t, () => store.createTenant(tenant('t-a')), 'same id twice');
  });

  t.test('tenants: update applies a patch (null removes, absent keeps) and stamps updatedAt', async (t) => {
    const { store } = fixture;
    const updated = await store.updateTenant('t-b', { enabled: false, limits: null }, T0 + 5000);
    t.strictSame(updated, tenant('t-b', { group: 'pro', enabled: false, metadata: { plan: 'gold', nested: { a: [1, 2] } }, updatedAt: T0 + 5000 }));
    t.strictSame(await store.getTenant('t-b'), updated, 'persisted');
    const again = await store.updateTenant('t-b', { metadata: { plan: 'silver' }, group: 'default' }, T0 + 6000);
    t.strictSame(again?.metadata, { plan: 'silver' }, 'metadata is replaced, not merged');
    t.equal(again?.enabled, false, 'untouched fields kept');
    t.equal(await store.updateTenant('t-none', { enabled: false }, T0), undefined, 'no such tenant');
  });

  t.test('keys: create, get, find by hash, duplicate id or hash', async (t) => {
    const { store } = fixture;
    const full = key('t-a', {
      name: 'ci',
      expiresAt: Date.parse('2027-06-01T12:00:00Z'),
      models: ['gpt-4o*'],
      channels: ['openai-main'],
      ips: ['10.0.0.0/8', '2001:db8::/32'],
      limits: { rpm: 10, budget: { monthly: 5000000 } },
      metadata: { team: 'search' },
    });
    const bare = key('t-a');
    await store.createKey(full);
    await store.createKey(bare);
    t.strictSame(await store.getKey(full.id), full);
    t.strictSame(await store.getKey(bare.id), bare, 'optional fields stay absent');
    t.notOk('expiresAt' in ((await store.getKey(bare.id)) ?? {}), 'no expiresAt key at all');
    t.strictSame(await store.findKeyByHash(full.hash), full);
    t.equal(await store.findKeyByHash(hashKey('never-issued')), undefined);
    t.equal(await store.getKey('key_none'), undefined);
    await conflict(t, () => store.createKey({ ...key('t-a'), id: full.id }), 'same id');
    await conflict(t, () => store.createKey({ ...key('t-a'), hash: full.hash }), 'same hash');
  });

  t.test('keys: list by creation time, optionally by tenant', async (t) => {
    const { store } = fixture;
    const other = key('t-b', { createdAt: T0 - 1 });
    await store.createKey(other);
    const all = await store.listKeys();
    t.equal(all[0]?.id, other.id, 'oldest first');
    t.ok(all.every((k, i) => i === 0 || (all[i - 1]?.createdAt ?? 0) <= k.createdAt), 'sorted');
    t.strictSame((await store.listKeys({ tenant: 't-b' })).map((k) => k.id), [other.id]);
    t.equal((await store.listKeys({ tenant: 't-a' })).length, 2);
    t.strictSame(await store.listKeys({ tenant: 't-none' }), []);
  });

  t.test('keys: update (patch semantics), rotation moves the hash', async (t) => {
    const { store } = fixture;
    const [full] = await store.listKeys({ tenant: 't-a' });
    if (!full) return t.fail('fixture missing');
    const updated = await store.updateKey(full.id, { models: null, ips: ['192.168.0.0/16'], expiresAt: null, enabled: false, name: null }, T0 + 9000);
    t.equal(updated?.enabled, false);
    t.strictSame(updated?.ips, ['192.168.0.0/16']);
    for (const gone of ['models', 'expiresAt', 'name']) t.notOk(gone in (updated ?? {}), `${gone} removed`);
    t.strictSame(updated?.channels, ['openai-main'], 'untouched');
    t.equal(updated?.updatedAt, T0 + 9000);
    t.equal(updated?.createdAt, full.createdAt, 'createdAt kept');
    const expires = await store.updateKey(full.id, { expiresAt: Date.parse('2030-01-01T00:00:00Z') }, T0 + 9500);
    t.equal(expires?.expiresAt, Date.parse('2030-01-01T00:00:00Z'), 'expiry round-trips exactly');

    const newHash = hashKey(`rotated-${Math.random()}`);
    const rotated = await store.updateKey(full.id, { hash: newHash, prefix: 'sk-sluice-Wxyz' }, T0 + 10000);
    t.equal(rotated?.hash, newHash);
    t.equal(rotated?.prefix, 'sk-sluice-Wxyz');
    t.equal(await store.findKeyByHash(full.hash), undefined, 'the old secret no longer matches');
    t.equal((await store.findKeyByHash(newHash))?.id, full.id, 'the new one does');
    const [, bare] = await store.listKeys({ tenant: 't-a' });
    if (!bare) return t.fail('fixture missing');
    await conflict(t, () => store.updateKey(bare.id, { hash: newHash }, T0), 'rotating onto a hash in use');
    t.equal((await store.findKeyByHash(newHash))?.id, full.id, 'a refused rotation changes nothing');
    t.equal(await store.updateKey('key_none', { enabled: false }, T0), undefined, 'no such key');
  });

  t.test('records are copies: changing what goes in or comes out does not change the store', async (t) => {
    const { store } = fixture;
    const record = key('t-b', { models: ['a*'], metadata: { x: { y: 1 } } });
    await store.createKey(record);
    record.models?.push('b*');
    (record.metadata['x'] as { y: number }).y = 2;
    const read = await store.getKey(record.id);
    t.strictSame(read?.models, ['a*']);
    t.strictSame(read?.metadata, { x: { y: 1 } });
    read?.models?.push('c*');
    t.strictSame((await store.getKey(record.id))?.models, ['a*']);
    const listed = await store.listTenants();
    if (listed[0]) listed[0].group = 'mutated';
    t.not((await store.getTenant(listed[0]?.id ?? ''))?.group, 'mutated');
  });

  t.test('deletes: a key, every key of a tenant, a tenant', async (t) => {
    const { store } = fixture;
    const [first] = await store.listKeys({ tenant: 't-a' });
    if (!first) return t.fail('fixture missing');
    t.equal(await store.deleteKey(first.id), true);
    t.equal(await store.deleteKey(first.id), false, 'twice: nothing to delete');
    t.equal(await store.findKeyByHash(first.hash), undefined, 'its hash is free again');
    await store.createKey({ ...key('t-a'), hash: first.hash });
    t.equal(await store.deleteKeysOfTenant('t-b'), 2);
    t.strictSame(await store.listKeys({ tenant: 't-b' }), []);
    t.equal((await store.listKeys({ tenant: 't-a' })).length, 2, 'other tenants untouched');
    t.equal(await store.deleteKeysOfTenant('t-none'), 0);
    t.equal(await store.deleteTenant('t-b'), true);
    t.equal(await store.deleteTenant('t-b'), false);
    t.equal(await store.getTenant('t-b'), undefined);
    t.strictSame((await store.listTenants()).map((r) => r.id), ['t-a']);
  });
}
