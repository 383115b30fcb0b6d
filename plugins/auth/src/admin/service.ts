import { GatewayError, type TenantConfig } from '@sluice/core';
import { applyPatch, hashKey, newKeyId, newSecret, type KeyPatch, type KeyRecord, type TenantPatch, type TenantRecord } from '../records.js';
import { StoreError, type AuthStore } from '../store.js';
import type { Invalidation } from '../invalidation.js';
import { parseExpiry } from './expiry.js';

type FreeForm = Record<string, unknown>;

export interface TenantView {
  object: 'tenant';
  id: string;
  group: string;
  enabled: boolean;
  limits: FreeForm | null;
  metadata: FreeForm;
  /** 'config': from gateway.yaml, read-only here. */
  source: 'store' | 'config';
  createdAt: string | null;
  updatedAt: string | null;
}

export interface KeyView {
  object: 'key';
  id: string;
  tenant: string;
  name: string | null;
  prefix: string | null;
  enabled: boolean;
  expiresAt: string | null;
  models: string[] | null;
  channels: string[] | null;
  ips: string[] | null;
  limits: FreeForm | null;
  metadata: FreeForm;
  source: 'store' | 'config';
  createdAt: string | null;
  updatedAt: string | null;
}

export interface CreateTenantBody { id: string; group?: string; enabled?: boolean; limits?: FreeForm | null; metadata?: FreeForm }
export type UpdateTenantBody = Omit<CreateTenantBody, 'id'>;
export interface UpdateKeyBody {
  name?: string | null;
  enabled?: boolean;
  expires?: string | null;
  models?: string[] | null;
  channels?: string[] | null;
  ips?: string[] | null;
  limits?: FreeForm | null;
  metadata?: FreeForm;
}
export interface CreateKeyBody extends UpdateKeyBody { tenant: string }

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

function tenantView(record: TenantRecord): TenantView {
  const { id, group, enabled, metadata } = record;
  return { object: 'tenant', id, group, enabled, limits: record.limits ?? null, metadata, source: 'store', createdAt: iso(record.createdAt), updatedAt: iso(record.updatedAt) };
}

export function keyView(record: KeyRecord): KeyView {
  return {
    object: 'key',
    id: record.id,
    tenant: record.tenant,
    name: record.name ?? null,
    prefix: record.prefix,
    enabled: record.enabled,
    expiresAt: iso(record.expiresAt),
    models: record.models ?? null,
    channels: record.channels ?? null,
    ips: record.ips ?? null,
    limits: record.limits ?? null,
    metadata: record.metadata,
    source: 'store',
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
  };
}

function staticTenantView(tenant: TenantConfig): TenantView {
  return { object: 'tenant', id: tenant.id, group: tenant.group, enabled: true, limits: null, metadata: tenant.metadata, source: 'config', createdAt: null, updatedAt: null };
}

function staticKeyViews(tenant: TenantConfig): KeyView[] {
  return tenant.keys.map((key) => ({
    object: 'key',
    id: key.id ?? `key-${hashKey(key.key).slice(0, 12)}`,
    tenant: tenant.id,
    name: null,
    prefix: null, // not even part of a configured secret is shown
    enabled: key.enabled,
    expiresAt: iso(key.expiresAt),
    models: key.models ?? null,
    channels: key.channels ?? null,
    ips: null,
    limits: null,
    metadata: key.metadata,
    source: 'config',
    createdAt: null,
    updatedAt: null,
  }));
}

const conflict = (message: string): GatewayError => new GatewayError('SLUICE_ERR_INVALID_REQUEST', message, { status: 409 });
const notFound = (message: string): GatewayError => new GatewayError('SLUICE_ERR_INVALID_REQUEST', message, { status: 404 });
const readOnly = (what: string): GatewayError => conflict(`${what} is defined in gateway.yaml and is read-only here; change it in the file.`);

/** Store failures as client errors: a conflict is a 409, anything else a 503 without the driver's details. */
async function stored<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof StoreError && error.kind === 'conflict') throw conflict(error.message);
    if (error instanceof GatewayError) throw error;
    throw new GatewayError('SLUICE_ERR_STORE_UNAVAILABLE', 'The key store is unavailable; try again.', { cause: error });
  }
}

export interface AdminDeps {
  store: AuthStore;
  staticTenants: readonly TenantConfig[];
  /** Configured channel names (a key may only be bound to these). */
  channelNames: ReadonlySet<string>;
  publish(change: Invalidation): Promise<void>;
  now(): number;
}

/** What the admin API does, apart from HTTP: validation beyond the schema, store calls, invalidation. */
export class AuthAdmin {
  readonly #staticTenants: Map<string, TenantConfig>;
  readonly #staticKeys: Map<string, KeyView>;

  constructor(private readonly deps: AdminDeps) {
    this.#staticTenants = new Map(deps.staticTenants.map((t) => [t.id, t]));
    this.#staticKeys = new Map(deps.staticTenants.flatMap(staticKeyViews).map((k) => [k.id, k]));
  }

  async listTenants(): Promise<TenantView[]> {
    const records = await stored(() => this.deps.store.listTenants());
    return [...[...this.#staticTenants.values()].map(staticTenantView), ...records.map(tenantView)];
  }

  async getTenant(id: string): Promise<TenantView> {
    const config = this.#staticTenants.get(id);
    if (config) return staticTenantView(config);
    const record = await stored(() => this.deps.store.getTenant(id));
    if (!record) throw notFound(`No tenant '${id}'.`);
    return tenantView(record);
  }

  async createTenant(body: CreateTenantBody): Promise<TenantView> {
    if (this.#staticTenants.has(body.id)) throw readOnly(`Tenant '${body.id}'`);
    const now = this.deps.now();
    const record: TenantRecord = { id: body.id, group: body.group ?? 'default', enabled: body.enabled ?? true, metadata: body.metadata ?? {}, createdAt: now, updatedAt: now };
    if (body.limits) record.limits = body.limits;
    await stored(() => this.deps.store.createTenant(record));
    return tenantView(record);
  }

  async updateTenant(id: string, body: UpdateTenantBody): Promise<TenantView> {
    if (this.#staticTenants.has(id)) throw readOnly(`Tenant '${id}'`);
    const patch: TenantPatch = {};
    if (body.group !== undefined) patch.group = body.group;
    if (body.enabled !== undefined) patch.enabled = body.enabled;
    if (body.limits !== undefined) patch.limits = body.limits;
    if (body.metadata !== undefined) patch.metadata = body.metadata;
    const record = await stored(() => this.deps.store.updateTenant(id, patch, this.deps.now()));
    if (!record) throw notFound(`No tenant '${id}'.`);
    await this.deps.publish({ kind: 'tenant', id });
    return tenantView(record);
  }

  /** Refuses a tenant that still has keys unless `cascade`, so no key is removed by surprise. */
  async deleteTenant(id: string, cascade: boolean): Promise<{ id: string; object: 'tenant'; deleted: true; keysDeleted: number }> {
    if (this.#staticTenants.has(id)) throw readOnly(`Tenant '${id}'`);
    const record = await stored(() => this.deps.store.getTenant(id));
    if (!record) throw notFound(`No tenant '${id}'.`);
    const keys = await stored(() => this.deps.store.listKeys({ tenant: id }));
    if (keys.length > 0 && !cascade) {
      throw conflict(`Tenant '${id}' has ${keys.length} key(s); delete them first, or delete with ?cascade=true.`);
    }
    const keysDeleted = keys.length > 0 ? await stored(() => this.deps.store.deleteKeysOfTenant(id)) : 0;
    await stored(() => this.deps.store.deleteTenant(id));
    await this.deps.publish({ kind: 'tenant', id });
    return { id, object: 'tenant', deleted: true, keysDeleted };
  }

  async listKeys(tenant?: string): Promise<KeyView[]> {
    const records = await stored(() => this.deps.store.listKeys(tenant === undefined ? {} : { tenant }));
    const fromConfig = [...this.#staticKeys.values()].filter((k) => tenant === undefined || k.tenant === tenant);
    return [...fromConfig, ...records.map(keyView)];
  }

  async getKey(id: string): Promise<KeyView> {
    const config = this.#staticKeys.get(id);
    if (config) return config;
    return keyView(await this.#storedKey(id));
  }

  /** The plaintext is in this answer and nowhere else, ever. */
  async createKey(body: CreateKeyBody): Promise<KeyView & { key: string }> {
    if (!this.#staticTenants.has(body.tenant)) {
      const tenant = await stored(() => this.deps.store.getTenant(body.tenant));
      if (!tenant) throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', `tenant: no tenant '${body.tenant}'.`, { param: 'tenant' });
    }
    const now = this.deps.now();
    const secret = newSecret();
    const base: KeyRecord = { id: newKeyId(), hash: secret.hash, prefix: secret.prefix, tenant: body.tenant, enabled: true, metadata: {}, createdAt: now, updatedAt: now };
    const record = applyPatch(base, this.#keyPatch(body, now), now);
    await stored(() => this.deps.store.createKey(record));
    // No invalidation needed: a fresh random secret cannot be in any cache yet.
    return { ...keyView(record), key: secret.key };
  }

  async updateKey(id: string, body: UpdateKeyBody): Promise<KeyView> {
    if (this.#staticKeys.has(id)) throw readOnly(`Key '${id}'`);
    const record = await stored(() => this.deps.store.updateKey(id, this.#keyPatch(body, this.deps.now()), this.deps.now()));
    if (!record) throw notFound(`No key '${id}'.`);
    await this.deps.publish({ kind: 'key', id });
    return keyView(record);
  }

  /** A new secret; the old one stops working on every instance with the invalidation. */
  async rotateKey(id: string): Promise<KeyView & { key: string }> {
    if (this.#staticKeys.has(id)) throw readOnly(`Key '${id}'`);
    const secret = newSecret();
    const record = await stored(() => this.deps.store.updateKey(id, { hash: secret.hash, prefix: secret.prefix }, this.deps.now()));
    if (!record) throw notFound(`No key '${id}'.`);
    await this.deps.publish({ kind: 'key', id });
    return { ...keyView(record), key: secret.key };
  }

  async deleteKey(id: string): Promise<{ id: string; object: 'key'; deleted: true }> {
    if (this.#staticKeys.has(id)) throw readOnly(`Key '${id}'`);
    const deleted = await stored(() => this.deps.store.deleteKey(id));
    if (!deleted) throw notFound(`No key '${id}'.`);
    await this.deps.publish({ kind: 'key', id });
    return { id, object: 'key', deleted: true };
  }

  async #storedKey(id: string): Promise<KeyRecord> {
    const record = await stored(() => this.deps.store.getKey(id));
    if (!record) throw notFound(`No key '${id}'.`);
    return record;
  }

  /** Body → store patch: expiry made absolute, channels checked against the configuration. */
  #keyPatch(body: UpdateKeyBody, now: number): KeyPatch {
    const patch: KeyPatch = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.enabled !== undefined) patch.enabled = body.enabled;
    if (body.expires !== undefined) patch.expiresAt = body.expires === null ? null : (parseExpiry(body.expires, now) ?? null);
    if (body.models !== undefined) patch.models = body.models;
    if (body.ips !== undefined) patch.ips = body.ips;
    if (body.limits !== undefined) patch.limits = body.limits;
    if (body.metadata !== undefined) patch.metadata = body.metadata;
    if (body.channels !== undefined) {
      for (const [i, name] of (body.channels ?? []).entries()) {
        if (!this.deps.channelNames.has(name)) {
          throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', `channels[${i}]: no channel '${name}' is configured.`, { param: `channels[${i}]` });
        }
      }
      patch.channels = body.channels;
    }
    return patch;
  }
}
