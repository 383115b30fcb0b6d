import { GatewayError, type PluginApi } from '@sluice/core';
import { channelTarget, keyTarget, type Health } from './health.js';

const STATES = new Set(['enabled', 'disabled', 'auto']);

/** GET /admin/health shows every channel's and key's circuit; POST /admin/health forces one on or off. */
export function registerHealthRoutes(api: PluginApi, health: Health): void {
  api.route(
    {
      method: 'GET',
      path: '/admin/health',
      handler: () => ({
        channels: api.channels.all().map((channel) => ({
          name: channel.name,
          state: health.state(channelTarget(channel.name)),
          ...health.circuit(channelTarget(channel.name)),
          keys: channel.keys.map((_, i) => ({ index: i, state: health.state(keyTarget(channel.name, i)), ...health.circuit(keyTarget(channel.name, i)) })),
        })),
      }),
    },
    { admin: true },
  );
  api.route(
    {
      method: 'POST',
      path: '/admin/health',
      handler: async (request) => {
        const body = (request.payload ?? {}) as { channel?: unknown; key?: unknown; state?: unknown };
        const channel = typeof body.channel === 'string' ? api.channels.get(body.channel) : undefined;
        if (!channel) throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', 'channel: must name a configured channel', { param: 'channel' });
        if (typeof body.state !== 'string' || !STATES.has(body.state)) {
          throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', 'state: must be one of enabled, disabled, auto', { param: 'state' });
        }
        if (body.key !== undefined && (typeof body.key !== 'number' || !Number.isInteger(body.key) || body.key < 0 || body.key >= channel.keys.length)) {
          throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', `key: must be a key index of ${channel.name} (0..${channel.keys.length - 1})`, { param: 'key' });
        }
        const target = typeof body.key === 'number' ? keyTarget(channel.name, body.key) : channelTarget(channel.name);
        await health.force(target, body.state as 'enabled' | 'disabled' | 'auto');
        return { target, state: health.state(target) };
      },
    },
    { admin: true },
  );
}
