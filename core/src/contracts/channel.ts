import type { Adapter } from './adapter.js';
import type { Secret } from '../secret.js';

export interface ChannelTimeouts {
  /** TCP + TLS connect. */
  connectMs: number;
  /** From request sent to response headers (first byte). */
  firstByteMs: number;
  /** Longest silence between two body reads (stream events). */
  idleMs: number;
  /** Whole attempt, headers to last byte. */
  totalMs: number;
}

/** A configured upstream: one adapter, one base URL, a pool of keys, the models it serves. Compiled at startup. */
export interface Channel {
  readonly name: string;
  readonly adapter: Adapter<unknown>;
  /** The adapter options, validated against adapter.schema. */
  readonly options: unknown;
  readonly baseUrl: URL;
  readonly keys: readonly Secret[];
  /** Public model name → upstream model name. */
  readonly models: ReadonlyMap<string, string>;
  readonly groups: readonly string[];
  readonly priority: number;
  readonly weight: number;
  /** Refuse requests with fields the adapter cannot carry (instead of dropping them with a report). */
  readonly strict: boolean;
  readonly timeouts: ChannelTimeouts;
  /** Extra headers sent upstream (operator-set, e.g. an org id). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface ChannelRegistry {
  all(): readonly Channel[];
  get(name: string): Channel | undefined;
  /** Channels that serve a public model name, in declaration order. */
  serving(model: string): readonly Channel[];
  /** Every public model name, once, with the channels serving it. */
  models(): ReadonlyMap<string, readonly Channel[]>;
}
