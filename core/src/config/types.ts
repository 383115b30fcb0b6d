/** The compiled gateway.yaml: durations in ms, sizes in bytes, defaults applied. Built once at startup. */
export interface ServerConfig {
  host: string;
  port: number;
  adminKey?: string;
  bodyLimitBytes: number;
  shutdownGraceMs: number;
  /** SSE keep-alive comment interval while an upstream is silent. */
  keepAliveMs: number;
  /** Honour x-forwarded-for for the client IP. */
  trustProxy: boolean;
}

export interface PipelineEntry {
  use: string;
  with: Record<string, unknown>;
  /** The YAML path of this entry, e.g. "pipeline[2]". */
  path: string;
}

export interface ChannelModelConfig { name: string; upstream: string }

export interface ChannelConfig {
  name: string;
  adapter: string;
  baseUrl?: string;
  keys: string[];
  models: ChannelModelConfig[];
  groups: string[];
  priority: number;
  weight: number;
  enabled: boolean;
  strict: boolean;
  timeouts: { connectMs: number; firstByteMs: number; idleMs: number; totalMs: number };
  headers: Record<string, string>;
  options: Record<string, unknown>;
  path: string;
}

export interface TenantKeyConfig {
  key: string;
  id?: string;
  models?: string[];
  channels?: string[];
  ips?: string[];
  limits?: Record<string, unknown>;
  enabled: boolean;
  /** Epoch ms. */
  expiresAt?: number;
  metadata: Record<string, unknown>;
}

export interface TenantConfig {
  id: string;
  group: string;
  keys: TenantKeyConfig[];
  limits?: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface GatewayConfig {
  version: 1;
  /** Absolute path of the file it came from (relative plugin paths resolve against its folder). */
  sourcePath: string;
  server: ServerConfig;
  logging: { level: string };
  state: { redis?: string; mongodb?: string };
  pipeline: PipelineEntry[];
  adapters: string[];
  channels: ChannelConfig[];
  tenants: TenantConfig[];
}
