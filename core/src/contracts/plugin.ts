import type { SchemaObject } from 'ajv';
import type { ServerRoute } from '@hapi/hapi';
import type { Logger } from 'pino';
import type { RelayContext } from './context.js';
import type { RelayResult } from './result.js';
import type { ChannelRegistry } from './channel.js';
import type { StateConnectors } from '../state/connectors.js';
import type { RelayRequest } from './canonical.js';
import type { GatewayConfig } from '../config/types.js';

export type Next = () => Promise<RelayResult>;
export type Middleware = (ctx: RelayContext, next: Next) => Promise<RelayResult>;

/** What a plugin gets at setup. Everything a plugin needs from core comes through here. */
export interface PluginApi {
  /** The plugin's name as loaded. */
  readonly name: string;
  readonly log: Logger;
  /** The whole compiled gateway config (read-only). */
  readonly config: Readonly<GatewayConfig>;
  readonly channels: ChannelRegistry;
  /** Redis / MongoDB handles when configured; null means "use your embedded twin". */
  readonly state: StateConnectors;
  /** Names of the plugins earlier in the pipeline. */
  readonly before: readonly string[];
  /** Run at gateway shutdown, after in-flight requests have finished. */
  onClose(hook: () => Promise<void> | void): void;
  /**
   * Adds an HTTP route (hapi). With `admin: true` the route answers only to `Authorization: Bearer <server.adminKey>`
   * (constant-time comparison) and is refused when no admin key is configured.
   */
  route(route: ServerRoute, options?: { admin?: boolean }): void;
  /**
   * One upstream call on a named channel, through core's dispatch (the channel's adapter, keys round-robin,
   * timeouts, base-URL check, typed UpstreamFailure on error). No pipeline plugins run and nothing retries.
   */
  invoke(request: RelayRequest, options: { channel: string; signal: AbortSignal }): Promise<RelayResult>;
}

export interface Plugin<O = Record<string, unknown>> {
  readonly name: string;
  readonly version: string;
  /** JSON Schema for the plugin's `with:` options; validated (with defaults applied) before setup. */
  readonly schema: SchemaObject;
  /** Plugins that must come earlier in the pipeline; checked at load. */
  readonly requires?: readonly string[];
  /**
   * Optional deeper validation of the options (after the schema), run at load and by `sluice validate`; throw an
   * OptionError naming the option's path. Must not connect to anything.
   */
  check?(options: Readonly<O>): void;
  /** Returns the middleware, or nothing for a plugin that only sets things up. */
  setup(api: PluginApi, options: Readonly<O>): Promise<Middleware | void>;
}

export function definePlugin<O>(plugin: Plugin<O>): Plugin<O> {
  return plugin;
}

export type { RelayContext, RelayResult };
