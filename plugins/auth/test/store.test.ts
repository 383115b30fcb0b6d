// The store contract against the embedded store (always) and MongoDB (when MONGODB_URL is set).
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { EmbeddedAuthStore, sharedEmbeddedStore, dropSharedEmbeddedStore } from '../src/store.js';
import { MongoAuthStore } from '../src/store-mongo.js';
import { storeContract } from './store-contract.js';

t.test('embedded store', async (t) => {
  storeContract(t, async () => ({ store: new EmbeddedAuthStore(), cleanup: async () => undefined }));
});

t.test('mongodb store', { skip: process.env['MONGODB_URL'] ? false : 'MONGODB_URL is not set' }, async (t) => {
  const prefix = `sluice_auth_test_${randomUUID().slice(0, 8)}_`;
  const client = new MongoClient(process.env['MONGODB_URL'] ?? '', { serverSelectionTimeoutMS: 5000 });
  t.teardown(() => client.close());
  const db = client.db();
  storeContract(t, async () => ({
    store: new MongoAuthStore(db, prefix),
    async cleanup() {
      for (const name of ['tenants', 'keys']) await db.collection(`${prefix}${name}`).drop().catch(() => undefined);
    },
  }));
  t.test('indexes exist after init', async (t) => {
    const indexes = await db.collection(`${prefix}keys`).indexes();
    const hash = indexes.find((i) => i.name === 'hash_unique');
    t.equal(hash?.unique, true, 'unique index on hash');
  });
});

t.test('shared embedded stores: one per name, dropped on request', async (t) => {
  const name = `shared-${randomUUID()}`;
  const a = sharedEmbeddedStore(name);
  t.equal(sharedEmbeddedStore(name), a, 'same name, same store');
  t.not(sharedEmbeddedStore(`${name}-other`), a, 'other name, other store');
  dropSharedEmbeddedStore(name);
  dropSharedEmbeddedStore(`${name}-other`);
  t.not(sharedEmbeddedStore(name), a, 'a dropped name starts afresh');
  dropSharedEmbeddedStore(name);
});
