import type { ChannelConfig, ChannelRegistry, PluginApi } from '@sluice/core';
import { bodyValidator, createKeySchema, createTenantSchema, updateKeySchema, updateTenantSchema } from './schemas.js';
import type { AuthAdmin, CreateKeyBody, CreateTenantBody, UpdateKeyBody, UpdateTenantBody } from './service.js';

type ServerRoute = Parameters<PluginApi['route']>[0];

const list = <T>(data: T[]): { object: 'list'; data: T[] } => ({ object: 'list', data });

const validCreateTenant = bodyValidator<CreateTenantBody>(createTenantSchema);
const validUpdateTenant = bodyValidator<UpdateTenantBody>(updateTenantSchema);
const validCreateKey = bodyValidator<CreateKeyBody>(createKeySchema);
const validUpdateKey = bodyValidator<UpdateKeyBody>(updateKeySchema);

const param = (request: { params: unknown }, name: string): string => String((request.params as Record<string, unknown>)[name] ?? '');
const query = (request: { query: unknown }, name: string): string | undefined => {
  const value = (request.query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
};

/** The channels a key can be bound to, with whether each is in service (a channel without keys is not). */
function channelViews(channels: ChannelRegistry, configured: readonly ChannelConfig[]): unknown[] {
  return configured.map((config) => {
    const live = channels.get(config.name);
    return {
      object: 'channel',
      name: config.name,
      adapter: config.adapter,
      models: config.models.map((m) => m.name),
      groups: config.groups,
      priority: config.priority,
      weight: config.weight,
      keys: live ? live.keys.length : config.keys.length,
      status: live ? 'in_service' : 'not_in_service',
    };
  });
}

/**
 * The admin API routes; the caller registers them with `{ admin: true }` (admin-key guard in core). Handlers throw
 * GatewayErrors, which core renders in the OpenAI error shape.
 */
export function adminRoutes(admin: AuthAdmin, channels: ChannelRegistry, configured: readonly ChannelConfig[], withChannels: boolean): ServerRoute[] {
  const routes: ServerRoute[] = [
    { method: 'GET', path: '/admin/tenants', handler: async () => list(await admin.listTenants()) },
    { method: 'POST', path: '/admin/tenants', handler: async (request, h) => h.response(await admin.createTenant(validCreateTenant(request.payload))).code(201) },
    { method: 'GET', path: '/admin/tenants/{id}', handler: (request) => admin.getTenant(param(request, 'id')) },
    { method: 'PATCH', path: '/admin/tenants/{id}', handler: (request) => admin.updateTenant(param(request, 'id'), validUpdateTenant(request.payload)) },
    { method: 'POST', path: '/admin/tenants/{id}/disable', handler: (request) => admin.updateTenant(param(request, 'id'), { enabled: false }) },
    { method: 'POST', path: '/admin/tenants/{id}/enable', handler: (request) => admin.updateTenant(param(request, 'id'), { enabled: true }) },
    { method: 'DELETE', path: '/admin/tenants/{id}', handler: (request) => admin.deleteTenant(param(request, 'id'), query(request, 'cascade') === 'true') },

    { method: 'GET', path: '/admin/keys', handler: async (request) => list(await admin.listKeys(query(request, 'tenant'))) },
    { method: 'POST', path: '/admin/keys', handler: async (request, h) => h.response(await admin.createKey(validCreateKey(request.payload))).code(201) },
    { method: 'GET', path: '/admin/keys/{id}', handler: (request) => admin.getKey(param(request, 'id')) },
    { method: 'PATCH', path: '/admin/keys/{id}', handler: (request) => admin.updateKey(param(request, 'id'), validUpdateKey(request.payload)) },
    { method: 'POST', path: '/admin/keys/{id}/disable', handler: (request) => admin.updateKey(param(request, 'id'), { enabled: false }) },
    { method: 'POST', path: '/admin/keys/{id}/enable', handler: (request) => admin.updateKey(param(request, 'id'), { enabled: true }) },
    { method: 'POST', path: '/admin/keys/{id}/rotate', handler: (request) => admin.rotateKey(param(request, 'id')) },
    { method: 'DELETE', path: '/admin/keys/{id}', handler: (request) => admin.deleteKey(param(request, 'id')) },
  ];
  if (withChannels) routes.push({ method: 'GET', path: '/admin/channels', handler: () => list(channelViews(channels, configured)) });
  // Secrets travel in some of these answers: never let a proxy or browser keep a copy.
  return routes.map((route) => ({ ...route, options: { cache: { otherwise: 'no-store' } } }));
}
