import type { Logger } from 'pino';
import type { CanonicalRequest, Operation } from './canonical.js';
import type { Channel } from './channel.js';
import type { UpstreamErrorKind } from './adapter.js';

/** Who is calling, set by the auth plugin. */
export interface Principal {
  tenant: string;
  group: string;
  /** A stable, non-secret id of the key used (never the key itself). */
  keyId: string;
  /** Model globs this caller may use; undefined = no restriction. */
  allowedModels?: readonly string[];
  /** Channel names this caller is bound to; undefined = any channel of its group. */
  allowedChannels?: readonly string[];
  metadata: Readonly<Record<string, unknown>>;
  /**
   * Budget and rate-limit settings of the key and of its tenant, carried by auth and read by quota:
   * `{ budget?: { amount, period }, limits?: { rpm, tpm, concurrent } }` for each (see @sluice/quota's README).
   */
  limits?: Readonly<{ key?: Readonly<Record<string, unknown>>; tenant?: Readonly<Record<string, unknown>> }>;
}

/** Where this attempt goes, set by the router plugin. */
export interface Route {
  channel: Channel;
  keyIndex: number;
  upstreamModel: string;
}

export interface Attempt {
  channel: string;
  keyIndex: number;
  upstreamModel: string;
  startedAt: number;
  durationMs?: number;
  status?: number;
  error?: UpstreamErrorKind;
}

export interface TraceEntry {
  /** Plugin (or 'core') that decided. */
  by: string;
  at: number;
  message: string;
  data?: Readonly<Record<string, unknown>>;
}

/** Typed per-plugin state; plugins extend it by declaration merging, like hapi's request.plugins. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface PluginState {}

export interface RelayContext {
  readonly id: string;
  readonly surface: string;
  readonly operation: Operation;
  /** The canonical request; plugins may replace it (e.g. the router rewriting the model). */
  request: CanonicalRequest;
  /** Client request headers, lower-cased. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly clientIp: string;
  readonly startedAt: number;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /**
   * An explain run (POST /admin/explain): plugins decide and note() why, but change no state (no reservations,
   * no cache writes, no health updates), and no upstream is called.
   */
  readonly dryRun: boolean;
  principal?: Principal;
  route?: Route;
  readonly attempts: Attempt[];
  readonly trace: TraceEntry[];
  /** Headers added to the client response (e.g. x-sluice-route). */
  readonly responseHeaders: Record<string, string>;
  /**
   * Set by a cache plugin that answered without calling an upstream; billing and logs read it (a hit is recorded as
   * a hit, priced by the quota plugin's cache rule).
   */
  cached?: { kind: 'exact' | 'semantic'; score?: number };
  /** Fields a translation could not carry, reported in x-sluice-dropped. */
  readonly dropped: string[];
  readonly plugins: Partial<PluginState>;
  note(by: string, message: string, data?: Readonly<Record<string, unknown>>): void;
}
