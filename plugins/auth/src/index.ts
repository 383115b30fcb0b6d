import { definePlugin, GatewayError, parseDuration, type ModelsResponse, type PluginApi, type Principal, type RelayContext, type RelayResult, channelUsableBy } from '@sluice/core';
import { credentialOf } from './credentials.js';
import { KeyCache } from './cache.js';
import { createLocalBus, createRedisBus, type Invalidation, type InvalidationBus } from './invalidation.js';
import { optionsSchema, type AuthOptions } from './options.js';
import { resolveStatic, resolveStored, type ResolvedKey } from './principal.js';
import { hashKey } from './records.js';
import { EmbeddedAuthStore, sharedEmbeddedStore, StoreError, type AuthStore } from './store.js';
import { MongoAuthStore } from './store-mongo.js';
import { FailureThrottle } from './throttle.js';
import { AuthAdmin } from './admin/service.js';
import { adminRoutes } from './admin/routes.js';

// One message for unknown, disabled and expired keys: a caller learns nothing about which keys exist.
const unauthenticated = (): GatewayError =>
  new GatewayError('SLUICE_ERR_UNAUTHENTICATED', 'Invalid API key. Check the key you sent to the gateway.');
const missing = (): GatewayError =>
  new GatewayError('SLUICE_ERR_UNAUTHENTICATED', 'Missing API key. Send it as "Authorization: Bearer <key>".');
const throttled = (waitMs: number): GatewayError =>
  new GatewayError('SLUICE_ERR_RATE_LIMITED', 'Too many failed authentication attempts from this address; try again later.', { retryAfterMs: waitMs });

function openStore(api: PluginApi, options: AuthOptions): AuthStore {
  if (api.state.mongo) return new MongoAuthStore(api.state.mongo, options.collectionPrefix);
  return options.sharedStore ? sharedEmbeddedStore(options.sharedStore) : new EmbeddedAuthStore();
}

/** Indexes at startup; an unreachable MongoDB must not stop the gateway (static keys still work), so keep trying. */
function initStore(api: PluginApi, store: AuthStore): void {
  let timer: NodeJS.Timeout | undefined;
  const attempt = (): void => {
    store.init().then(
      () => api.log.info({ store: store.kind }, 'auth store ready'),
      (error: Error) => {
        api.log.error({ store: store.kind, err: error.message }, 'auth store: creating indexes failed; retrying in 5s');
        timer = setTimeout(attempt, 5000).unref();
      },
    );
  };
  attempt();
  api.onClose(() => clearTimeout(timer));
}

/** The model list a key sees: what channels serve, to its group and channel binding, within its model globs. */
function visibleTo(api: PluginApi, key: ResolvedKey, principal: Principal): (model: string) => boolean {
  return (model) =>
    key.allowsModel(model) && api.channels.serving(model).some((c) => channelUsableBy(c, principal));
}

/**
 * Authenticates each call (the key as each official SDK sends it), sets ctx.principal, enforces the key's model
 * globs and IP allow-list, throttles addresses that keep failing, and serves the admin API for tenants and keys.
 */
export default definePlugin<AuthOptions>({
  name: '@sluice/auth',
  version: '0.2.0',
  schema: optionsSchema,
  async setup(api, options) {
    const store = openStore(api, options);
    initStore(api, store);
    const staticKeys = resolveStatic(api.config.tenants);
    // Tenants from gateway.yaml, without their keys (no plaintext is kept outside the config object).
    const staticTenants = new Map(api.config.tenants.map((t) => [t.id, { id: t.id, group: t.group, enabled: true, metadata: t.metadata }]));
    const cache = new KeyCache({ ttlMs: parseDuration(options.cacheTtl), maxEntries: options.cacheSize });

    const apply = (change: Invalidation): void => {
      if (change.kind === 'key') cache.invalidateKey(change.id);
      else if (change.kind === 'tenant') cache.invalidateTenant(change.id);
      else cache.clear();
    };
    const bus: InvalidationBus = api.state.redis
      ? await createRedisBus(api.state.redis, `${options.redisPrefix}invalidate`, apply, () => cache.clear(), api.log)
      : createLocalBus(store, apply);
    api.onClose(() => bus.close());
    api.log.info({ keys: staticKeys.size, store: store.kind, invalidation: bus.mode }, 'auth ready');

    const throttle = new FailureThrottle(
      { limit: options.failedAuth.limit, windowMs: parseDuration(options.failedAuth.window) },
      api.state.redis,
      (bucket) => `${options.redisPrefix}fail:${bucket}`,
      api.log,
    );

    const admin = new AuthAdmin({
      store,
      staticTenants: api.config.tenants,
      channelNames: new Set(api.config.channels.map((c) => c.name)),
      publish: (change) => bus.publish(change),
      now: Date.now,
    });
    for (const route of adminRoutes(admin, api.channels, api.config.channels, options.adminChannels)) api.route(route, { admin: true });

    // A cache miss: one indexed read for the key, one for its tenant (none for a tenant from gateway.yaml).
    const load = async (hash: string): Promise<ResolvedKey | null> => {
      const key = await store.findKeyByHash(hash);
      if (!key) return null;
      const tenant = staticTenants.get(key.tenant) ?? (await store.getTenant(key.tenant));
      return tenant ? resolveStored(key, tenant) : null;
    };
    const lookup = async (hash: string): Promise<ResolvedKey | null> => {
      try {
        return await cache.get(hash, load);
      } catch (error) {
        if (!(error instanceof StoreError)) throw error;
        api.log.warn({ err: error.message }, 'auth store unavailable for a key lookup');
        throw new GatewayError('SLUICE_ERR_STORE_UNAVAILABLE', 'Authentication is temporarily unavailable; try again.', { retryAfterMs: 1000 });
      }
    };

    const reject = async (ctx: RelayContext, error: GatewayError, why: string): Promise<never> => {
      ctx.note('auth', `rejected: ${why}`);
      const waitMs = await throttle.fail(ctx.clientIp);
      throw waitMs > 0 ? throttled(waitMs) : error;
    };

    return async (ctx, next): Promise<RelayResult> => {
      const blockedMs = throttle.blockedFor(ctx.clientIp);
      if (blockedMs > 0) {
        ctx.note('auth', 'rejected: address throttled after repeated failures');
        throw throttled(blockedMs);
      }
      const credential = credentialOf(ctx);
      // Not counted as a failure: a call without a key guesses nothing (health checks, misconfigured clients).
      if (!credential) throw missing();
      // The hot path: one hash and one Map read (static keys, then the cache); the store only on a miss.
      const hash = hashKey(credential);
      let key = staticKeys.get(hash) ?? cache.peek(hash);
      if (key === undefined) key = await lookup(hash);
      if (!key || !key.active || (key.expiresAt !== undefined && key.expiresAt <= Date.now())) {
        return reject(ctx, unauthenticated(), 'unknown, disabled or expired key');
      }
      const principal = key.principal;
      if (key.allowsIp && !key.allowsIp(ctx.clientIp)) {
        ctx.note('auth', 'rejected: address not in the key\'s allow-list', { key: principal.keyId });
        throw new GatewayError('SLUICE_ERR_FORBIDDEN', 'This key may not be used from your address.');
      }
      ctx.principal = principal;
      ctx.note('auth', 'authenticated', { tenant: principal.tenant, key: principal.keyId, group: principal.group, source: key.source });

      if (ctx.operation === 'models') {
        const result = await next();
        if (result.kind !== 'response' || result.response.operation !== 'models') return result;
        const visible = visibleTo(api, key, principal);
        const response: ModelsResponse = { operation: 'models', models: result.response.models.filter((m) => visible(m.id)) };
        return { ...result, response };
      }
      if (!key.allowsModel(ctx.request.model)) {
        throw new GatewayError('SLUICE_ERR_FORBIDDEN', `This key may not use the model '${ctx.request.model}'.`, { param: 'model' });
      }
      return next();
    };
  },
});

export type { AuthOptions } from './options.js';
export type { AuthStore } from './store.js';
export type { PrincipalLimits } from './principal.js';
export { EmbeddedAuthStore, sharedEmbeddedStore, dropSharedEmbeddedStore, StoreError } from './store.js';
export { MongoAuthStore } from './store-mongo.js';
export { hashKey } from './records.js';
