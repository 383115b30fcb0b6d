import type { Principal, TenantConfig } from '@sluice/core';
import { globMatcher } from '@sluice/core';
import { compileAllowList } from './ip.js';
import { hashKey, type KeyRecord, type TenantRecord } from './records.js';

/** Rate-limit and budget settings, opaque to auth: the quota plugin reads them (README, "Limits"). */
export interface PrincipalLimits {
  key?: Readonly<Record<string, unknown>>;
  tenant?: Readonly<Record<string, unknown>>;
}

/** Everything the hot path needs about one key, compiled once and cached (globs and CIDRs precompiled). */
export interface ResolvedKey {
  readonly principal: Principal;
  /** Key and tenant both enabled. */
  readonly active: boolean;
  readonly expiresAt: number | undefined;
  readonly source: 'config' | 'store';
  allowsModel(model: string): boolean;
  /** Undefined when the key has no IP allow-list. */
  readonly allowsIp: ((ip: string) => boolean) | undefined;
}

/** Principals are shared by every request of a key: frozen, so no plugin can change another request's caller. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

const anyModel = (): boolean => true;

interface KeyShape {
  tenant: string;
  group: string;
  keyId: string;
  active: boolean;
  expiresAt: number | undefined;
  models: readonly string[] | undefined;
  channels: readonly string[] | undefined;
  ips: readonly string[] | undefined;
  metadata: Record<string, unknown>;
  limits: PrincipalLimits;
  source: 'config' | 'store';
}

function resolve(shape: KeyShape): ResolvedKey {
  const principal: Principal = { tenant: shape.tenant, group: shape.group, keyId: shape.keyId, metadata: structuredClone(shape.metadata) };
  if (shape.models) principal.allowedModels = [...shape.models];
  if (shape.channels) principal.allowedChannels = [...shape.channels];
  if (shape.limits.key || shape.limits.tenant) principal.limits = structuredClone(shape.limits);
  return {
    principal: deepFreeze(principal),
    active: shape.active,
    expiresAt: shape.expiresAt,
    source: shape.source,
    allowsModel: shape.models ? globMatcher(shape.models) : anyModel,
    allowsIp: shape.ips ? compileAllowList(shape.ips) : undefined,
  };
}

/** A stored key and its tenant. Tenant metadata is the base; the key's own entries win. */
export function resolveStored(key: KeyRecord, tenant: Pick<TenantRecord, 'id' | 'group' | 'enabled' | 'metadata' | 'limits'>): ResolvedKey {
  const limits: PrincipalLimits = {};
  if (key.limits) limits.key = key.limits;
  if (tenant.limits) limits.tenant = tenant.limits;
  return resolve({
    tenant: tenant.id,
    group: tenant.group,
    keyId: key.id,
    active: key.enabled && tenant.enabled,
    expiresAt: key.expiresAt,
    models: key.models,
    channels: key.channels,
    ips: key.ips,
    metadata: { ...tenant.metadata, ...key.metadata },
    limits,
    source: 'store',
  });
}

/** The static keys of gateway.yaml's `tenants:`, by hash (the plaintext is not kept). */
export function resolveStatic(tenants: readonly TenantConfig[]): Map<string, ResolvedKey> {
  const byHash = new Map<string, ResolvedKey>();
  for (const tenant of tenants) {
    for (const key of tenant.keys) {
      const hash = hashKey(key.key);
      byHash.set(
        hash,
        resolve({
          tenant: tenant.id,
          group: tenant.group,
          keyId: key.id ?? `key-${hash.slice(0, 12)}`,
          active: key.enabled,
          expiresAt: key.expiresAt,
          models: key.models,
          channels: key.channels,
          ips: key.ips,
          metadata: { ...tenant.metadata, ...key.metadata },
          limits: { ...(key.limits ? { key: key.limits } : {}), ...(tenant.limits ? { tenant: tenant.limits } : {}) },
          source: 'config',
        }),
      );
    }
  }
  return byHash;
}
