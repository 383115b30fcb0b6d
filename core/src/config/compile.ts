import { parseDuration, parseSize } from './units.js';
import type { ConfigSource } from './load.js';
import type { ConfigIssue } from './validate.js';
import type { ChannelConfig, GatewayConfig, TenantConfig } from './types.js';

type Duration = string | number;

/** The shape the root schema guarantees (defaults filled in by ajv). */
export interface RawConfig {
  version: 1;
  server: {
    host: string;
    port: number;
    adminKey?: string;
    bodyLimit: string | number;
    shutdownGrace: Duration;
    keepAlive: Duration;
    trustProxy: boolean;
  };
  logging: { level: string };
  state: { redis?: string; mongodb?: string };
  pipeline: { use: string; with: Record<string, unknown> }[];
  adapters: string[];
  channels: {
    name: string;
    adapter: string;
    baseUrl?: string;
    keys: string[];
    models: (string | { name: string; upstream: string })[];
    groups: string[];
    priority: number;
    weight: number;
    enabled: boolean;
    strict: boolean;
    timeouts?: { connect?: Duration; firstByte?: Duration; idle?: Duration; total?: Duration };
    headers: Record<string, string>;
    options: Record<string, unknown>;
  }[];
  tenants: {
    id: string;
    group: string;
    keys: {
      key: string;
      id?: string;
      models?: string[];
      channels?: string[];
      ips?: string[];
      limits?: Record<string, unknown>;
      enabled: boolean;
      expires?: string;
      metadata: Record<string, unknown>;
    }[];
    limits?: Record<string, unknown>;
    metadata: Record<string, unknown>;
  }[];
}

const DEFAULT_TIMEOUTS = { connect: '10s', firstByte: '60s', idle: '60s', total: '10m' } as const;

function compileChannel(raw: RawConfig['channels'][number], index: number): ChannelConfig {
  const t = { ...DEFAULT_TIMEOUTS, ...raw.timeouts };
  const channel: ChannelConfig = {
    name: raw.name,
    adapter: raw.adapter,
    keys: raw.keys.filter((k) => k.trim() !== ''),
    models: raw.models.map((m) => (typeof m === 'string' ? { name: m, upstream: m } : m)),
    groups: raw.groups,
    priority: raw.priority,
    weight: raw.weight,
    enabled: raw.enabled,
    strict: raw.strict,
    timeouts: {
      connectMs: parseDuration(t.connect),
      firstByteMs: parseDuration(t.firstByte),
      idleMs: parseDuration(t.idle),
      totalMs: parseDuration(t.total),
    },
    headers: raw.headers,
    options: raw.options,
    path: `channels[${index}]`,
  };
  if (raw.baseUrl) channel.baseUrl = raw.baseUrl.replace(/\/+$/, '');
  return channel;
}

function compileTenant(raw: RawConfig['tenants'][number]): TenantConfig {
  return {
    id: raw.id,
    group: raw.group,
    metadata: raw.metadata,
    ...(raw.limits !== undefined ? { limits: raw.limits } : {}),
    keys: raw.keys.map((k) => {
      const key: TenantConfig['keys'][number] = { key: k.key, enabled: k.enabled, metadata: k.metadata };
      if (k.id !== undefined) key.id = k.id;
      if (k.models !== undefined) key.models = k.models;
      if (k.channels !== undefined) key.channels = k.channels;
      if (k.ips !== undefined) key.ips = k.ips;
      if (k.limits !== undefined) key.limits = k.limits;
      if (k.expires !== undefined) key.expiresAt = Date.parse(k.expires);
      return key;
    }),
  };
}

/** Checks what a schema cannot say (uniqueness) and converts units once, so nothing is parsed per request. */
export function compileConfig(raw: RawConfig, sourcePath: string, source: ConfigSource): GatewayConfig {
  const issues: ConfigIssue[] = [];
  const firstChannel = new Map<string, number>();
  raw.channels.forEach((c, i) => {
    const earlier = firstChannel.get(c.name);
    if (earlier !== undefined)
      issues.push({ path: `channels[${i}].name`, segments: ['channels', i, 'name'], message: `duplicate channel name "${c.name}" (also channels[${earlier}])` });
    else firstChannel.set(c.name, i);
  });
  const tenantIds = new Set<string>();
  const keyOwners = new Map<string, string>();
  raw.tenants.forEach((t, i) => {
    if (tenantIds.has(t.id)) issues.push({ path: `tenants[${i}].id`, segments: ['tenants', i, 'id'], message: `duplicate tenant "${t.id}"` });
    tenantIds.add(t.id);
    t.keys.forEach((k, j) => {
      const segments = ['tenants', i, 'keys', j, 'key'];
      if (keyOwners.has(k.key)) issues.push({ path: `tenants[${i}].keys[${j}].key`, segments, message: 'the same key is configured twice' });
      keyOwners.set(k.key, t.id);
    });
  });
  if (issues.length > 0) source.fail(issues);

  const server: GatewayConfig['server'] = {
    host: raw.server.host,
    port: raw.server.port,
    bodyLimitBytes: parseSize(raw.server.bodyLimit),
    shutdownGraceMs: parseDuration(raw.server.shutdownGrace),
    keepAliveMs: parseDuration(raw.server.keepAlive),
    trustProxy: raw.server.trustProxy,
  };
  if (raw.server.adminKey) server.adminKey = raw.server.adminKey;
  const state: GatewayConfig['state'] = {};
  if (raw.state.redis) state.redis = raw.state.redis;
  if (raw.state.mongodb) state.mongodb = raw.state.mongodb;

  return {
    version: 1,
    sourcePath,
    server,
    logging: raw.logging,
    state,
    pipeline: raw.pipeline.map((p, i) => ({ use: p.use, with: p.with, path: `pipeline[${i}]` })),
    adapters: raw.adapters,
    channels: raw.channels.map(compileChannel),
    tenants: raw.tenants.map(compileTenant),
  };
}
