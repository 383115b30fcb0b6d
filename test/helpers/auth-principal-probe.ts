// A test plugin placed after @sluice/auth: shows the principal it received in a response header.
import { definePlugin } from '@sluice/core';

export default definePlugin<Record<string, never>>({
  name: 'auth-principal-probe',
  version: '0.0.0',
  schema: { type: 'object', additionalProperties: false, properties: {} },
  requires: ['@sluice/auth'],
  async setup() {
    return async (ctx, next) => {
      ctx.responseHeaders['x-test-principal'] = Buffer.from(JSON.stringify({ ...ctx.principal, frozen: Object.isFrozen(ctx.principal) })).toString('base64url');
      return next();
    };
  },
});
