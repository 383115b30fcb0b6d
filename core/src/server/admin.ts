import { timingSafeEqual, createHash } from 'node:crypto';
import type { Lifecycle, ServerRoute } from '@hapi/hapi';
import { GatewayError } from '../errors.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Wraps a route so that only the admin key opens it. Hashing first makes the comparison length-independent. */
export function adminOnly(route: ServerRoute, adminKey: string | undefined): ServerRoute {
  const expected = adminKey ? digest(adminKey) : undefined;
  const options = typeof route.options === 'function' ? undefined : route.options;
  const handler = route.handler ?? options?.handler;
  if (typeof handler !== 'function') throw new Error(`admin route ${route.path} needs a function handler`);
  const guarded: Lifecycle.Method = (request, h, err) => {
    if (!expected) throw new GatewayError('SLUICE_ERR_FORBIDDEN', 'The admin API is disabled: set server.adminKey.');
    const match = /^Bearer\s+(.+)$/i.exec(String(request.headers['authorization'] ?? ''));
    if (!match?.[1] || !timingSafeEqual(digest(match[1].trim()), expected)) {
      throw new GatewayError('SLUICE_ERR_UNAUTHENTICATED', 'Invalid admin key.');
    }
    return handler(request, h, err);
  };
  return route.handler ? { ...route, handler: guarded } : { ...route, options: { ...options, handler: guarded } };
}
