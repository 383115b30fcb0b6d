import { GatewayError, type PluginApi } from '@sluice/core';
import { tenantPrefixes } from './key.js';
import type { ExactStore } from './store.js';
import type { VectorStore } from './semantic/vectors.js';

type ServerRoute = Parameters<PluginApi['route']>[0];

/**
 * `DELETE /admin/cache?tenant=<id>` drops one tenant's entries (tenant and key scopes), `?prefix=<key prefix>`
 * the entries whose key (as in the x-sluice-cache-key header) starts with it, `?all=true` everything.
 * Answers `{ purged, vectors }`: exact entries and semantic vectors deleted.
 */
export function purgeRoute(exact: ExactStore, vectors: VectorStore | undefined): ServerRoute {
  return {
    method: 'DELETE',
    path: '/admin/cache',
    handler: async (request) => {
      const query = request.query as Record<string, string | string[] | undefined>;
      const one = (name: string): string | undefined => (typeof query[name] === 'string' ? query[name] : undefined);
      const tenant = one('tenant');
      const prefix = one('prefix');
      let prefixes: string[];
      if (tenant) prefixes = tenantPrefixes(tenant);
      else if (prefix) prefixes = [prefix];
      else if (one('all') === 'true') prefixes = [''];
      else throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', 'say what to purge: ?tenant=<id>, ?prefix=<key prefix> or ?all=true', { param: 'tenant' });
      let purged = 0;
      let vectorCount = 0;
      for (const p of prefixes) {
        purged += await exact.purge(p);
        if (vectors) vectorCount += await vectors.purge(p);
      }
      return { purged, vectors: vectorCount };
    },
  };
}
