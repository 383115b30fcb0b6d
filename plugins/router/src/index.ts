import {
  definePlugin,
  GatewayError,
  type Channel,
  type ModelsResponse,
  type Principal,
  type RelayContext,
  type RelayResult,
  type SchemaObject,
} from '@sluice/core';
import { KeyRotation, pickChannel } from './pick.js';

export type RouterOptions = Record<string, never>;

const schema: SchemaObject = { type: 'object', additionalProperties: false, properties: {} };

const DEFAULT_GROUP = 'default';

function usableBy(channel: Channel, principal: Principal | undefined): boolean {
  const group = principal?.group ?? DEFAULT_GROUP;
  if (!channel.groups.includes(group)) return false;
  return !principal?.allowedChannels || principal.allowedChannels.includes(channel.name);
}

/**
 * First router: channels serving the model, usable by the caller's group and key binding, not already failed in
 * this request; highest priority tier; weighted random; then round-robin over the channel's keys.
 */
export default definePlugin<RouterOptions>({
  name: '@sluice/router',
  version: '0.1.0',
  schema,
  async setup(api) {
    const keys = new KeyRotation();

    const route = (ctx: RelayContext): void => {
      const model = ctx.request.model;
      const serving = api.channels.serving(model).filter((c) => usableBy(c, ctx.principal));
      if (serving.length === 0) {
        throw new GatewayError('SLUICE_ERR_MODEL_NOT_FOUND', `The model '${model}' does not exist or you do not have access to it.`, { param: 'model' });
      }
      const failed = new Set(ctx.attempts.filter((a) => a.error).map((a) => a.channel));
      const eligible = serving.filter((c) => !failed.has(c.name));
      const channel = pickChannel(eligible);
      if (!channel) {
        throw new GatewayError('SLUICE_ERR_NO_CHANNEL', `No channel is available for '${model}' (all ${serving.length} failed).`);
      }
      const keyIndex = keys.take(channel);
      const upstreamModel = channel.models.get(model) ?? model;
      ctx.route = { channel, keyIndex, upstreamModel };
      ctx.note('router', `picked ${channel.name}`, {
        eligible: eligible.map((c) => c.name),
        excluded: [...failed],
        priority: channel.priority,
        upstreamModel,
      });
    };

    return async (ctx, next): Promise<RelayResult> => {
      if (ctx.operation !== 'models') {
        route(ctx);
        return next();
      }
      // The model list shows only what this caller could actually be routed to.
      const result = await next();
      if (result.kind !== 'response' || result.response.operation !== 'models') return result;
      const visible = (id: string): boolean => api.channels.serving(id).some((c) => usableBy(c, ctx.principal));
      const response: ModelsResponse = { operation: 'models', models: result.response.models.filter((m) => visible(m.id)) };
      return { ...result, response };
    };
  },
});

export { pickChannel, KeyRotation };
