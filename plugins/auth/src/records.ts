import { hash, randomBytes } from 'node:crypto';

/**
 * The records the auth store keeps. Times are epoch milliseconds. Optional lists mean "no restriction" when absent
 * (a key without `models` may use every model its group's channels serve).
 */
export interface TenantRecord {
  id: string;
  group: string;
  enabled: boolean;
  /** Opaque rate-limit / budget settings for the quota plugin (see README, "Limits"). */
  limits?: Record<string, unknown>;
  metadata: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface KeyRecord {
  /** Non-secret id (`key_…`), shown in logs, traces and the admin API. */
  id: string;
  /** SHA-256 (hex) of the plaintext key; the plaintext itself is never stored. */
  hash: string;
  /** The first characters of the plaintext, so an operator can recognise a key (`sk-sluice-AbCd`). */
  prefix: string;
  tenant: string;
  name?: string;
  enabled: boolean;
  expiresAt?: number;
  /** Model globs this key may use. */
  models?: string[];
  /** Channel names this key is bound to. */
  channels?: string[];
  /** CIDR allow-list (IPv4 and IPv6) for the caller's address. */
  ips?: string[];
  limits?: Record<string, unknown>;
  metadata: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

/** Fields of a tenant an update may change (undefined = leave as is; null = remove, for optional ones). */
export interface TenantPatch {
  group?: string;
  enabled?: boolean;
  limits?: Record<string, unknown> | null;
  metadata?: Record<string, unknown>;
}

export interface KeyPatch {
  name?: string | null;
  enabled?: boolean;
  expiresAt?: number | null;
  models?: string[] | null;
  channels?: string[] | null;
  ips?: string[] | null;
  limits?: Record<string, unknown> | null;
  metadata?: Record<string, unknown>;
  /** Rotation: a new secret replaces the old one, which stops matching at once. */
  hash?: string;
  prefix?: string;
}

export const KEY_PREFIX = 'sk-sluice-';
const PREFIX_SHOWN = KEY_PREFIX.length + 4;

// crypto.hash: the one-shot form, about twice as fast as createHash() for a short input — this runs per request.
export const hashKey = (key: string): string => hash('sha256', key, 'hex');

/** A new secret: 32 random bytes (256 bits), base64url, behind a recognisable prefix (secret scanners can match it). */
export function newSecret(): { key: string; hash: string; prefix: string } {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashKey(key), prefix: key.slice(0, PREFIX_SHOWN) };
}

export const newKeyId = (): string => `key_${randomBytes(8).toString('hex')}`;

/** Applies a patch to a record: `null` removes an optional field, `undefined` keeps it. Returns a new object. */
export function applyPatch<R extends object>(record: R, patch: object, now: number): R {
  const next = { ...record } as Record<string, unknown>;
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete next[field];
    else next[field] = value;
  }
  next['updatedAt'] = now;
  return next as R;
}
