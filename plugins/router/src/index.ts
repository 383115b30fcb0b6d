import {
  channelUsableBy,
  definePlugin,
  GatewayError,
  parseDuration,
  tapStream,
  UpstreamFailure,
  type ChannelRegistry,
  type ModelsResponse,
  type RelayContext,
  type RelayResult,
} from '@sluice/core';
import { registerHealthRoutes } from './admin.js';
import { embeddedHealthStore, redisHealthStore } from './health-store.js';
import { Health, keyTarget } from './health.js';
import { routerSchema, type RouterOptions } from './options.js';
import { KeyRotation, pickChannel } from './pick.js';
import { applyRules, compileRules } from './rules.js';
import { select } from './select.js';
import { embeddedStickyStore, redisStickyStore, sessionOf, type StickyStore } from './sticky.js';

/**
 * Picks channel, key and upstream model for every call: aliases → jexl rules → eligible channels (serves model,
 * group, key binding, healthy, not failed in this request) → sticky pin / rule order / priority tier + weight →
 * a healthy key. Records each attempt's outcome in the shared circuit breakers.
 */
export default definePlugin<RouterOptions>({
  name: '@sluice/router',
  version: '0.2.0',
  schema: routerSchema,
  check(options) {
    compileRules(options.rules);
  },
  async setup(api, options) {
    const rules = compileRules(options.rules);
    const keys = new KeyRotation();
    const redis = api.state.redis;
    const health = new Health(
      redis ? redisHealthStore(redis, `${options.keyPrefix}health`) : embeddedHealthStore(),
      {
        failureThreshold: options.health.failureThreshold,
        cooldownMs: parseDuration(options.health.cooldown),
        authCooldownMs: parseDuration(options.health.authCooldown),
        syncIntervalMs: parseDuration(options.health.syncInterval),
      },
      api.log,
    );
    await health.sync();
    api.onClose(() => health.close());
    registerHealthRoutes(api, health);
    const sticky = options.sticky;
    const stickyStore: StickyStore | undefined = sticky ? (redis ? redisStickyStore(redis, `${options.keyPrefix}sticky:`) : embeddedStickyStore()) : undefined;
    const stickyTtl = sticky ? parseDuration(sticky.ttl) : 0;

    const route = async (ctx: RelayContext): Promise<void> => {
      const alias = options.aliases[ctx.request.model];
      if (alias) {
        ctx.note('router', `alias ${ctx.request.model} → ${alias}`);
        ctx.request = { ...ctx.request, model: alias };
      }
      const ruleChannels = applyRules(rules, ctx);
      const model = ctx.request.model;
      const failed = ctx.attempts.filter((a) => a.error);
      const session = sticky && stickyStore ? sessionOf(ctx, sticky) : undefined;
      const pin = session && stickyStore ? await stickyStore.get(session).catch(() => undefined) : undefined;
      const outcome = select({
        model,
        serving: api.channels.serving(model),
        principal: ctx.principal,
        ruleChannels,
        failedChannels: new Set(failed.filter((a) => a.error !== 'auth' && a.error !== 'rate_limited').map((a) => a.channel)),
        failedKeys: new Set(failed.map((a) => keyTarget(a.channel, a.keyIndex))),
        health,
        keys,
        sticky: pin,
        dryRun: ctx.dryRun,
      });
      if (!outcome.selection) {
        ctx.note('router', 'no channel', { stages: outcome.stages });
        if (outcome.empty === 'no-access') {
          throw new GatewayError('SLUICE_ERR_MODEL_NOT_FOUND', `The model '${model}' does not exist or you do not have access to it.`, { param: 'model' });
        }
        throw new GatewayError('SLUICE_ERR_NO_CHANNEL', `No channel is available for '${model}' right now.`);
      }
      const { channel, keyIndex, how, fallback } = outcome.selection;
      const upstreamModel = channel.models.get(model) ?? model;
      ctx.route = { channel, keyIndex, upstreamModel };
      ctx.note('router', `picked ${channel.name} (${how})`, { stages: outcome.stages, key: keyIndex, upstreamModel, fallback });
      if (options.routeHeader) {
        ctx.responseHeaders['x-sluice-route'] = `${channel.name}; model=${upstreamModel}; attempt=${ctx.attempts.length + 1}`;
      }
      if (session && stickyStore && !ctx.dryRun && (pin?.channel !== channel.name || pin.keyIndex !== keyIndex)) {
        stickyStore.set(session, { channel: channel.name, keyIndex }, stickyTtl).catch((error: Error) => api.log.warn({ err: error.message }, 'sticky write failed'));
      }
    };

    const recordFailure = (ctx: RelayContext, error: unknown): void => {
      if (ctx.dryRun || !(error instanceof UpstreamFailure) || !ctx.route) return;
      health.failed(ctx.route.channel.name, ctx.route.keyIndex, error.upstream.kind, error.upstream.retryAfterMs);
    };

    return async (ctx, next): Promise<RelayResult> => {
      if (ctx.operation === 'models') return filterModels(await next(), ctx, api.channels);
      await route(ctx);
      if (ctx.operation === 'count_tokens') return next();
      const routed = ctx.route;
      let result: RelayResult;
      try {
        result = await next();
      } catch (error) {
        recordFailure(ctx, error);
        throw error;
      }
      if (ctx.dryRun || !routed) return result;
      return tapStream(result, {
        onEnd: () => health.succeeded(routed.channel.name, routed.keyIndex),
        onError: (error) => recordFailure(ctx, error),
      });
    };
  },
});

/** The model list shows only what this caller could actually be routed to. */
function filterModels(result: RelayResult, ctx: RelayContext, channels: ChannelRegistry): RelayResult {
  if (result.kind !== 'response' || result.response.operation !== 'models') return result;
  const visible = (id: string): boolean => channels.serving(id).some((c) => channelUsableBy(c, ctx.principal));
  const response: ModelsResponse = { operation: 'models', models: result.response.models.filter((m) => visible(m.id)) };
  return { ...result, response };
}

export { pickChannel, KeyRotation };
export type { RouterOptions };
