import { randomUUID } from 'node:crypto';
import type { Request } from '@hapi/hapi';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's x-request-id when it is safe to echo and log, else a fresh one. */
export function requestIdOf(request: Request): string {
  const app = request.app as { requestId?: string };
  if (app.requestId) return app.requestId;
  const given = request.headers['x-request-id'];
  app.requestId = typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
  return app.requestId;
}

export function clientIpOf(request: Request, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers['x-forwarded-for'];
    const first = typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined;
    if (first) return first;
  }
  return request.info.remoteAddress;
}
