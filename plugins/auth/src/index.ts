import { definePlugin, GatewayError, type ModelsResponse, type Principal, type RelayResult, type SchemaObject } from '@sluice/core';
import { credentialOf } from './credentials.js';
import { globMatcher } from './globs.js';
import { Keyring } from './keyring.js';

export type AuthOptions = Record<string, never>;

const schema: SchemaObject = { type: 'object', additionalProperties: false, properties: {} };

// One message for unknown, disabled and expired keys: a caller learns nothing about which keys exist.
const unauthenticated = (): GatewayError =>
  new GatewayError('SLUICE_ERR_UNAUTHENTICATED', 'Invalid API key. Check the key you sent to the gateway.');

/** Authenticates each call with a gateway key from gateway.yaml's tenants and sets ctx.principal. */
export default definePlugin<AuthOptions>({
  name: '@sluice/auth',
  version: '0.1.0',
  schema,
  async setup(api) {
    const keyring = new Keyring(api.config.tenants);
    api.log.info({ keys: keyring.size }, 'static keys loaded');
    const matchers = new WeakMap<Principal, (model: string) => boolean>();
    const allows = (principal: Principal, model: string): boolean => {
      if (!principal.allowedModels) return true;
      let match = matchers.get(principal);
      if (!match) {
        match = globMatcher(principal.allowedModels);
        matchers.set(principal, match);
      }
      return match(model);
    };

    return async (ctx, next): Promise<RelayResult> => {
      const credential = credentialOf(ctx);
      if (!credential) {
        throw new GatewayError('SLUICE_ERR_UNAUTHENTICATED', 'Missing API key. Send it as "Authorization: Bearer <key>".');
      }
      const record = keyring.find(credential);
      if (!record || !record.enabled || (record.expiresAt !== undefined && record.expiresAt <= Date.now())) {
        ctx.note('auth', 'rejected: unknown, disabled or expired key');
        throw unauthenticated();
      }
      const principal = record.principal;
      ctx.principal = principal;
      ctx.note('auth', 'authenticated', { tenant: principal.tenant, key: principal.keyId, group: principal.group });

      if (ctx.operation === 'models') {
        const result = await next();
        if (result.kind !== 'response' || result.response.operation !== 'models') return result;
        const response: ModelsResponse = { operation: 'models', models: result.response.models.filter((m) => allows(principal, m.id)) };
        return { ...result, response };
      }
      if (!allows(principal, ctx.request.model)) {
        throw new GatewayError('SLUICE_ERR_FORBIDDEN', `This key may not use the model '${ctx.request.model}'.`, { param: 'model' });
      }
      return next();
    };
  },
});
