// credentialOf (each SDK's way of sending the key), static keys (hashes only).
import { inspect } from 'node:util';
import t from 'tap';
import type { TenantConfig } from '@sluice/core';
import { credentialOf } from '../src/credentials.js';
import { resolveStatic } from '../src/principal.js';
import { hashKey } from '../src/records.js';

const KEY = 'sk-sluice-tenant-key-0123456789';
const ctx = (headers: Record<string, string | undefined>, query: Record<string, string | undefined> = {}) => ({ headers, query });

t.test('credentialOf: the four forms the official SDKs use', async (t) => {
  t.equal(credentialOf(ctx({ authorization: `Bearer ${KEY}` })), KEY, 'OpenAI: Authorization: Bearer');
  t.equal(credentialOf(ctx({ 'x-api-key': KEY })), KEY, 'Anthropic: x-api-key');
  t.equal(credentialOf(ctx({ 'x-goog-api-key': KEY })), KEY, 'Gemini: x-goog-api-key');
  t.equal(credentialOf(ctx({}, { key: KEY })), KEY, 'Gemini: ?key=');
});

t.test('credentialOf: Bearer is case-insensitive and surrounding space is trimmed', async (t) => {
  t.equal(credentialOf(ctx({ authorization: `bearer ${KEY}` })), KEY);
  t.equal(credentialOf(ctx({ authorization: `BEARER   ${KEY}  ` })), KEY);
});

t.test('credentialOf: nothing usable → undefined', async (t) => {
  t.equal(credentialOf(ctx({})), undefined);
  t.equal(credentialOf(ctx({ authorization: 'Basic dXNlcjpwYXNz' })), undefined, 'not a bearer token');
  t.notOk(credentialOf(ctx({ authorization: 'Bearer ' })), 'an empty bearer token is no key');
  t.notOk(credentialOf(ctx({ authorization: 'Bearer    ' })), 'a blank bearer token is no key');
});

t.test('credentialOf: the Authorization header takes precedence', async (t) => {
  t.equal(credentialOf(ctx({ authorization: 'Bearer from-auth', 'x-api-key': 'from-x-api-key' }, { key: 'from-query' })), 'from-auth');
  t.equal(credentialOf(ctx({ 'x-api-key': 'from-x-api-key', 'x-goog-api-key': 'from-goog' }, { key: 'from-query' })), 'from-x-api-key');
  t.equal(credentialOf(ctx({ 'x-goog-api-key': 'from-goog' }, { key: 'from-query' })), 'from-goog');
});

t.test('credentialOf: an Authorization header of another scheme does not hide the SDK headers', async (t) => {
  t.equal(credentialOf(ctx({ authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': KEY })), KEY);
  t.equal(credentialOf(ctx({ authorization: 'Token abc' }, { key: KEY })), KEY);
});

const TENANTS: TenantConfig[] = [
  {
    id: 'acme',
    group: 'pro',
    metadata: { plan: 'gold', region: 'eu' },
    keys: [
      { key: KEY, id: 'acme-main', enabled: true, metadata: { region: 'us' }, models: ['gpt-4o*'], channels: ['openai-main'] },
      { key: 'sk-acme-second-key-abcdef', enabled: false, metadata: {}, expiresAt: Date.parse('2030-01-01T00:00:00Z') },
    ],
  },
  { id: 'demo', group: 'default', metadata: {}, keys: [{ key: 'sk-demo-key-zyxwvut', enabled: true, metadata: {} }] },
];

t.test('resolveStatic: finds a key by hash and builds its principal', async (t) => {
  const keys = resolveStatic(TENANTS);
  t.equal(keys.size, 3);
  const record = keys.get(hashKey(KEY));
  t.strictSame(record?.principal, {
    tenant: 'acme',
    group: 'pro',
    keyId: 'acme-main',
    metadata: { plan: 'gold', region: 'us' },
    allowedModels: ['gpt-4o*'],
    allowedChannels: ['openai-main'],
  });
  t.equal(record?.active, true);
  t.equal(record?.source, 'config');
  t.ok(record?.allowsModel('gpt-4o-mini'));
  t.notOk(record?.allowsModel('o3-mini'));
  t.equal(record?.allowsIp, undefined, 'no IP allow-list');
  t.ok(Object.isFrozen(record?.principal) && Object.isFrozen(record?.principal.metadata), 'shared principals are frozen');
  const second = keys.get(hashKey('sk-acme-second-key-abcdef'));
  t.equal(second?.active, false);
  t.equal(second?.expiresAt, Date.parse('2030-01-01T00:00:00Z'));
  t.equal(second?.principal.keyId, `key-${hashKey('sk-acme-second-key-abcdef').slice(0, 12)}`, 'default key id: a hash prefix');
  const demo = keys.get(hashKey('sk-demo-key-zyxwvut'));
  t.equal(demo?.principal.tenant, 'demo');
  t.notOk('allowedModels' in (demo?.principal ?? {}), 'no model restriction unless configured');
  t.ok(demo?.allowsModel('anything'));
});

t.test('resolveStatic: only exact keys match', async (t) => {
  const keys = resolveStatic(TENANTS);
  for (const wrong of ['', KEY.slice(0, -1), `${KEY} `, KEY.toUpperCase(), hashKey(KEY), `key-${hashKey(KEY).slice(0, 12)}`]) {
    t.equal(keys.get(hashKey(wrong)), undefined, `no match for ${JSON.stringify(wrong.slice(0, 20))}`);
  }
});

t.test('resolveStatic: the plaintext key is not retained', async (t) => {
  const keys = resolveStatic(TENANTS);
  const renderings = [inspect(keys, { depth: Infinity, showHidden: true }), JSON.stringify([...keys.values()])];
  for (const text of renderings) {
    t.notMatch(text, KEY);
    t.notMatch(text, 'sk-acme-second-key-abcdef');
    t.notMatch(text, 'sk-demo-key-zyxwvut');
  }
  t.notMatch(JSON.stringify(keys.get(hashKey('sk-demo-key-zyxwvut'))), hashKey('sk-demo-key-zyxwvut'), 'a record does not carry its hash');
});

t.test('hashKey: SHA-256 hex', async (t) => {
  t.equal(hashKey('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  t.match(hashKey(KEY), /^[0-9a-f]{64}$/);
});

