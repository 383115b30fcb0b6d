import type { Server } from '@hapi/hapi';
import type { DestinationStream, Logger } from 'pino';
import type { Middleware, PluginApi } from './contracts/plugin.js';
import type { ChannelRegistry } from './contracts/channel.js';
import type { ModelsResponse } from './contracts/canonical.js';
import type { GatewayConfig } from './config/types.js';
import { loadConfigFile, parseConfigText, type ConfigSource } from './config/load.js';
import { compileSchema, formatPath, validateAt, type ConfigIssue } from './config/validate.js';
import { OptionError, parsePath } from './config/option-error.js';
import { loadAdapters } from './loader/adapters.js';
import { loadPlugins, type LoadedPlugin } from './loader/plugins.js';
import { buildChannels } from './channels/registry.js';
import { createDispatch } from './dispatch/dispatch.js';
import { UpstreamPools } from './dispatch/pools.js';
import { compose, type Handler } from './pipeline/compose.js';
import { connectState, type StateConnectors } from './state/connectors.js';
import { createServer } from './server/server.js';
import { createLogger } from './logger.js';
import { randomUUID } from 'node:crypto';
import { createContext } from './pipeline/context.js';
import { GatewayError } from './errors.js';
import { estimateInputTokens } from './tokens/estimate.js';
import type { SurfaceDefinition } from './contracts/surface.js';
import { openaiSurfaceDefinition } from './surface/openai/routes.js';
import { adminOnly } from './server/admin.js';
import { explainRoute } from './server/explain.js';
import type { RelayContext } from './contracts/context.js';
import type { RelayResult } from './contracts/result.js';
import type { ServerRoute } from '@hapi/hapi';

export interface GatewayOptions {
  /** Path of gateway.yaml (default ./gateway.yaml). */
  configPath?: string;
  /** YAML text instead of a file (tests); relative plugin paths resolve against configPath's folder. */
  configText?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Where logs go (default: async stdout). */
  logDestination?: DestinationStream;
  /** Overrides server.port (0 = any free port). */
  port?: number;
}

export interface LoadedGateway {
  config: GatewayConfig;
  source: ConfigSource;
  plugins: LoadedPlugin[];
  pluginOptions: Record<string, unknown>[];
  channels: ChannelRegistry;
  inactiveChannels: { name: string; reason: string }[];
  surfaces: SurfaceDefinition[];
}

/** Everything `sluice validate` checks: the file, every plugin and adapter, their options. Connects to nothing. */
export async function loadGateway(options: GatewayOptions = {}): Promise<LoadedGateway> {
  const configPath = options.configPath ?? 'gateway.yaml';
  const { config, source } =
    options.configText === undefined
      ? await loadConfigFile(configPath, options.env)
      : parseConfigText(options.configText, configPath, options.env);
  const issues: ConfigIssue[] = [];
  const { adapters, surfaces } = await loadAdapters(config.adapters, config.sourcePath, issues);
  const plugins = await loadPlugins(config.pipeline, config.sourcePath, issues);
  const pluginOptions = plugins.map(({ plugin, entry, index }) => {
    const validate = compileSchema(source.ajv, plugin.schema, `plugin "${plugin.name}"`);
    const optionsCopy = structuredClone(entry.with);
    const schemaIssues = validateAt(validate, optionsCopy, ['pipeline', index, 'with']);
    issues.push(...schemaIssues);
    if (schemaIssues.length === 0 && plugin.check) {
      try {
        plugin.check(optionsCopy);
      } catch (error) {
        if (!(error instanceof OptionError)) throw error;
        const segments = ['pipeline', index, 'with', ...parsePath(error.path)];
        issues.push({ path: formatPath(segments), segments, message: error.message });
      }
    }
    return optionsCopy;
  });
  const { registry, inactive } = buildChannels(config.channels, adapters, source.ajv, issues);
  if (issues.length > 0) source.fail(issues);
  const ids = new Set<string>([openaiSurfaceDefinition.surface.id]);
  for (const definition of surfaces) {
    if (ids.has(definition.surface.id)) issues.push({ path: 'adapters', message: `surface "${definition.surface.id}" is provided twice` });
    ids.add(definition.surface.id);
  }
  if (issues.length > 0) source.fail(issues);
  return { config, source, plugins, pluginOptions, channels: registry, inactiveChannels: inactive, surfaces: [openaiSurfaceDefinition, ...surfaces] };
}

export interface Gateway {
  readonly server: Server;
  readonly config: GatewayConfig;
  readonly channels: ChannelRegistry;
  readonly log: Logger;
  readonly state: StateConnectors;
  /** http://host:port once started. */
  readonly url: string;
  start(): Promise<void>;
  /** Stops accepting, lets in-flight calls finish (up to server.shutdownGrace), then closes pools and stores. */
  stop(): Promise<void>;
}

/** Loads, sets up every plugin in order, and builds the server. Call start() to listen. */
export async function createGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const loaded = await loadGateway(options);
  const { config, channels } = loaded;
  if (options.port !== undefined) config.server.port = options.port;
  const log = createLogger(config.logging.level, options.logDestination);
  for (const { name, reason } of loaded.inactiveChannels) log.warn({ channel: name, reason }, 'channel not in service');

  const state = await connectState(config.state, log);
  const pools = new UpstreamPools();
  const dispatch = createDispatch(pools);
  const invoke = createInvoke(channels, dispatch, log);
  const closeHooks: (() => Promise<void> | void)[] = [];
  const middlewares: Middleware[] = [];
  const before: string[] = [];
  const pluginRoutes: ServerRoute[] = [];
  for (const [i, { plugin }] of loaded.plugins.entries()) {
    const api: PluginApi = {
      name: plugin.name,
      log: log.child({ plugin: plugin.name }),
      config,
      channels,
      state,
      before: [...before],
      onClose: (hook) => void closeHooks.push(hook),
      route: (route, routeOptions) => void pluginRoutes.push(routeOptions?.admin ? adminOnly(route, config.server.adminKey) : route),
      invoke,
    };
    let middleware: Middleware | void;
    try {
      middleware = await plugin.setup(api, loaded.pluginOptions[i] ?? {});
    } catch (error) {
      await state.close();
      if (error instanceof Error && error.name === 'ConfigError') throw error;
      throw new Error(`plugin "${plugin.name}" (pipeline[${i}]) failed to set up: ${(error as Error).message}`, { cause: error });
    }
    if (middleware) middlewares.push(middleware);
    before.push(plugin.name);
  }

  const catalogue = modelCatalogue(channels);
  // Listing models and counting tokens are answered by the gateway itself, after auth and routing have run.
  const innermost: Handler = (ctx) => {
    if (ctx.request.operation === 'models') return Promise.resolve(catalogue());
    if (ctx.request.operation === 'count_tokens') {
      const inputTokens = estimateInputTokens(ctx.request);
      return Promise.resolve({ kind: 'response', usage: { input: inputTokens }, response: { operation: 'count_tokens', inputTokens } });
    }
    if (ctx.dryRun) return Promise.resolve(dryRunResult(ctx));
    return dispatch(ctx);
  };
  const pipeline = compose(middlewares, innermost);
  const server = createServer({ config: config.server, pipeline, log, state, surfaces: loaded.surfaces });
  server.route(pluginRoutes);
  server.route(adminOnly(explainRoute(loaded.surfaces, pipeline, log), config.server.adminKey));

  return {
    server,
    config,
    channels,
    log,
    state,
    get url() {
      return `http://${config.server.host === '0.0.0.0' ? '127.0.0.1' : config.server.host}:${server.info.port}`;
    },
    async start() {
      await server.start();
      log.info({ url: server.info.uri, channels: channels.all().map((c) => c.name), pipeline: before }, 'sluice listening');
    },
    async stop() {
      await server.stop({ timeout: config.server.shutdownGraceMs });
      for (const hook of closeHooks.reverse()) await hook();
      await pools.close();
      await state.close();
      log.info('sluice stopped');
      log.flush();
    },
  };
}

/** GET /v1/models answers from the channels (plugins such as auth filter it on the way out). */
function modelCatalogue(channels: ChannelRegistry): () => { kind: 'response'; response: ModelsResponse; usage: Record<string, never> } {
  const created = Math.floor(Date.now() / 1000);
  return () => ({
    kind: 'response',
    usage: {},
    response: {
      operation: 'models',
      models: [...channels.models().entries()].map(([id, serving]) => ({ id, created, ownedBy: serving[0]?.adapter.id ?? 'sluice' })),
    },
  });
}

/** What the innermost step answers in an explain run: the route that would be called, and nothing sent. */
function dryRunResult(ctx: RelayContext): RelayResult {
  ctx.note('dispatch', ctx.route ? `would call ${ctx.route.channel.name} as ${ctx.route.upstreamModel} (not called: explain)` : 'no route chosen');
  return {
    kind: 'response',
    usage: {},
    response: { operation: 'chat', id: `explain-${ctx.id}`, created: Math.floor(Date.now() / 1000), model: ctx.request.model, choices: [] },
  };
}

/**
 * PluginApi.invoke: one attempt on a named channel through the same dispatch as client calls (adapter, timeouts,
 * base-URL check, error mapping, secret scrubbing) — e.g. the semantic cache's embeddings. No pipeline, no retry.
 */
function createInvoke(channels: ChannelRegistry, dispatch: Handler, log: Logger): PluginApi['invoke'] {
  const nextKey = new Map<string, number>();
  return (request, { channel: name, signal }) => {
    const channel = channels.get(name);
    if (!channel) return Promise.reject(new GatewayError('SLUICE_ERR_NO_CHANNEL', `channel '${name}' is not in service`));
    const keyIndex = (nextKey.get(name) ?? 0) % channel.keys.length;
    nextKey.set(name, keyIndex + 1);
    const ctx = createContext({ id: randomUUID(), surface: 'internal', request, headers: {}, query: {}, clientIp: '127.0.0.1', signal, log });
    ctx.route = { channel, keyIndex, upstreamModel: channel.models.get(request.model) ?? request.model };
    return dispatch(ctx);
  };
}
