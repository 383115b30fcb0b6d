import type { ServerRoute } from '@hapi/hapi';
import type { Logger } from 'pino';
import { GatewayError } from '../errors.js';
import type { SurfaceDefinition } from '../contracts/surface.js';
import type { RelayResult } from '../contracts/result.js';
import type { Handler } from '../pipeline/compose.js';
import { createContext } from '../pipeline/context.js';
import { createRequestValidator } from './request-validation.js';
import { requestIdOf } from './request-meta.js';

interface ExplainBody {
  /** The caller's gateway key, as the client would send it. */
  key: string;
  /** The request body exactly as the client would send it. */
  request: unknown;
  /** Which endpoint: a method + path of a surface route; default POST /v1/chat/completions. */
  path?: string;
  headers?: Record<string, string>;
  clientIp?: string;
}

const validateBody = createRequestValidator({
  type: 'object',
  required: ['key', 'request'],
  additionalProperties: false,
  properties: {
    key: { type: 'string', minLength: 1 },
    request: { type: 'object' },
    path: { type: 'string' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    clientIp: { type: 'string' },
  },
});

/**
 * POST /admin/explain: runs the whole pipeline in dry-run mode for a request as a client would send it, and returns
 * every plugin's decisions. No upstream is called and no state changes.
 */
export function explainRoute(surfaces: readonly SurfaceDefinition[], pipeline: Handler, log: Logger): ServerRoute {
  return {
    method: 'POST',
    path: '/admin/explain',
    handler: async (request) => {
      const body = request.payload as ExplainBody;
      validateBody(body);
      const path = body.path ?? '/v1/chat/completions';
      const spec = surfaces.flatMap((d) => d.routes.map((r) => ({ r, d }))).find(({ r }) => r.method === 'POST' && r.path === path);
      if (!spec) throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', `explain: no POST route ${path}`, { param: 'path' });
      if (spec.r.schema) createRequestValidator(spec.r.schema)(body.request);
      const headers: Record<string, string> = { ...(body.headers ?? {}), authorization: `Bearer ${body.key}` };
      const canonical = spec.r.decode(body.request, { params: {}, query: {}, headers });
      const ctx = createContext({
        id: requestIdOf(request),
        surface: spec.d.surface.id,
        request: canonical,
        headers,
        query: {},
        clientIp: body.clientIp ?? '127.0.0.1',
        signal: new AbortController().signal,
        log,
        dryRun: true,
      });
      let outcome: { ok: true; result: string } | { ok: false; error: { code: string; status: number; message: string } };
      try {
        const result: RelayResult = await pipeline(ctx);
        outcome = { ok: true, result: result.kind };
      } catch (error) {
        if (!(error instanceof GatewayError)) throw error;
        outcome = { ok: false, error: { code: error.code, status: error.status, message: error.message } };
      }
      return {
        outcome,
        principal: ctx.principal ? { tenant: ctx.principal.tenant, group: ctx.principal.group, key: ctx.principal.keyId } : null,
        route: ctx.route ? { channel: ctx.route.channel.name, key: ctx.route.keyIndex, upstreamModel: ctx.route.upstreamModel } : null,
        headers: ctx.responseHeaders,
        trace: ctx.trace.map(({ by, message, data }) => ({ by, message, ...(data ? { data } : {}) })),
      };
    },
  };
}
