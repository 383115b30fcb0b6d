import Hapi from '@hapi/hapi';
import type { Boom } from '@hapi/boom';
import type { Logger } from 'pino';
import { GatewayError, type ErrorCode } from '../errors.js';
import type { StateConnectors } from '../state/connectors.js';
import type { Surface, SurfaceDefinition } from '../contracts/surface.js';
import { openaiSurface } from '../surface/openai/surface.js';
import { surfaceRoutes } from './surface-routes.js';
import type { ServerConfig } from '../config/types.js';
import type { Handler } from '../pipeline/compose.js';
import { requestIdOf } from './request-meta.js';

const BOOM_CODES: Record<number, ErrorCode> = {
  400: 'SLUICE_ERR_INVALID_JSON',
  404: 'SLUICE_ERR_ROUTE_NOT_FOUND',
  405: 'SLUICE_ERR_METHOD_NOT_ALLOWED',
  413: 'SLUICE_ERR_BODY_TOO_LARGE',
  415: 'SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE',
};

export interface ServerDeps {
  config: ServerConfig;
  pipeline: Handler;
  log: Logger;
  state: StateConnectors;
  /** Every surface, OpenAI's first; later ones come from adapter packages. */
  surfaces: readonly SurfaceDefinition[];
}

/** The hapi server: surfaces' routes, health endpoints, and one place that turns any error into a surface's shape. */
export function createServer(deps: ServerDeps): Hapi.Server {
  const { config, log } = deps;
  const server = Hapi.server({
    host: config.host,
    port: config.port,
    // LLM bodies are small and streams must never be held for a compressor.
    compression: false,
    router: { stripTrailingSlash: true },
    routes: { timeout: { server: false, socket: false }, payload: { maxBytes: config.bodyLimitBytes } },
  });
  const relayDeps = { pipeline: deps.pipeline, log, keepAliveMs: config.keepAliveMs, trustProxy: config.trustProxy };
  for (const definition of deps.surfaces) server.route(surfaceRoutes(definition, relayDeps, config.bodyLimitBytes));
  const surfaceOf = surfaceLookup(deps.surfaces);
  server.route([
    { method: 'GET', path: '/healthz', handler: () => ({ status: 'ok' }) },
    {
      method: 'GET',
      path: '/readyz',
      handler: async (_request, h) => {
        const stores = await deps.state.check();
        const ready = Object.values(stores).every((s) => s === 'ok' || s === 'embedded');
        return h.response({ status: ready ? 'ready' : 'unavailable', stores }).code(ready ? 200 : 503);
      },
    },
  ]);

  server.ext('onRequest', (request, h) => {
    requestIdOf(request);
    return h.continue;
  });
  // Errors raised by hapi itself (unknown route, oversize body, bad JSON) or thrown from a handler, as a surface error.
  server.ext('onPreResponse', (request, h) => {
    const response = request.response;
    const id = requestIdOf(request);
    if (!('isBoom' in response) || !response.isBoom) {
      return h.continue;
    }
    const surface = surfaceOf(request.route.settings.app as { surface?: string } | undefined, request.path);
    const error = fromBoom(response, id, log, request.method, request.path);
    log.info({ reqId: id, path: request.path, status: error.status, code: error.code, error: error.message }, 'request rejected');
    const rendered = surface.renderError(error);
    const reply = h.response(JSON.stringify(rendered.body)).type('application/json').code(rendered.status).header('x-request-id', id);
    for (const [name, value] of Object.entries(rendered.headers)) reply.header(name, value);
    return reply;
  });
  server.ext('onPostHandler', (request, h) => {
    const response = request.response;
    if ('header' in response && !('isBoom' in response && response.isBoom)) response.header('x-request-id', requestIdOf(request));
    return h.continue;
  });
  return server;
}

/** The surface whose error shape a response takes: the route's own, else by URL prefix (for unknown URLs). */
function surfaceLookup(definitions: readonly SurfaceDefinition[]): (app: { surface?: string } | undefined, path: string) => Surface {
  const byId = new Map(definitions.map((d) => [d.surface.id, d.surface]));
  // Longest prefix first, so '/v1/messages' can win over '/v1/'.
  const prefixes = definitions
    .flatMap((d) => (d.pathPrefixes ?? []).map((prefix) => ({ prefix, surface: d.surface })))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return (app, path) => byId.get(app?.surface ?? '') ?? prefixes.find((p) => path.startsWith(p.prefix))?.surface ?? openaiSurface;
}

function fromBoom(boom: Boom, id: string, log: Logger, method: string, path: string): GatewayError {
  // hapi boomifies thrown errors in place, so a GatewayError thrown by a handler is still one.
  if (boom instanceof GatewayError) return boom;
  const status = boom.output.statusCode;
  if (status >= 500) {
    log.error({ reqId: id, err: boom }, 'unexpected error');
    return new GatewayError('SLUICE_ERR_INTERNAL', `internal error (request id ${id})`);
  }
  const code = BOOM_CODES[status] ?? 'SLUICE_ERR_INVALID_REQUEST';
  return new GatewayError(code, describeBoom(boom, method, path), { status });
}

/** hapi's own messages, in words a client can act on. */
function describeBoom(boom: Boom, method: string, path: string): string {
  switch (boom.output.statusCode) {
    case 404:
      return `Unknown request URL: ${method.toUpperCase()} ${path}.`;
    case 405:
      return `Method ${method.toUpperCase()} is not allowed on ${path}.`;
    case 413:
      return `The request body is larger than the gateway's limit (server.bodyLimit).`;
    default:
      return String(boom.output.payload.message || boom.message);
  }
}
