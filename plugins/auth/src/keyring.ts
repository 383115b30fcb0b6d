import { createHash } from 'node:crypto';
import type { Principal, TenantConfig } from '@sluice/core';

export interface KeyRecord {
  principal: Principal;
  enabled: boolean;
  expiresAt?: number;
}

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/**
 * Static keys from gateway.yaml, held only as SHA-256 hashes. A lookup is one hash and one Map read: no store
 * round trip on the hot path.
 */
export class Keyring {
  readonly #byHash = new Map<string, KeyRecord>();

  constructor(tenants: readonly TenantConfig[]) {
    for (const tenant of tenants) {
      for (const key of tenant.keys) {
        const hash = hashKey(key.key);
        const principal: Principal = {
          tenant: tenant.id,
          group: tenant.group,
          keyId: key.id ?? `key-${hash.slice(0, 12)}`,
          metadata: { ...tenant.metadata, ...key.metadata },
        };
        if (key.models) principal.allowedModels = key.models;
        if (key.channels) principal.allowedChannels = key.channels;
        const record: KeyRecord = { principal, enabled: key.enabled };
        if (key.expiresAt !== undefined) record.expiresAt = key.expiresAt;
        this.#byHash.set(hash, record);
      }
    }
  }

  find(key: string): KeyRecord | undefined {
    return this.#byHash.get(hashKey(key));
  }

  get size(): number {
    return this.#byHash.size;
  }
}
