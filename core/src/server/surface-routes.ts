import type { ServerRoute } from '@hapi/hapi';
import type { SurfaceDefinition, SurfaceRequest } from '../contracts/surface.js';
import { relay, type RelayDeps } from './relay.js';
import { createRequestValidator, parseJsonBody } from './request-validation.js';

/** Turns a surface's route specs into hapi routes: parse → shape check → decode → pipeline → encode. */
export function surfaceRoutes(definition: SurfaceDefinition, deps: RelayDeps, bodyLimit: number): ServerRoute[] {
  const { surface } = definition;
  return definition.routes.map((spec): ServerRoute => {
    const validate = spec.schema ? createRequestValidator(spec.schema) : undefined;
    const routeSurface = spec.encodeResponse ? { ...surface, encodeResponse: spec.encodeResponse } : surface;
    return {
      method: spec.method,
      path: spec.path,
      options: {
        app: { surface: surface.id },
        ...(spec.method === 'POST' ? { payload: { parse: false, output: 'data', maxBytes: bodyLimit } } : {}),
        handler: (request, h) => {
          const body = spec.method === 'POST' ? parseJsonBody(request.payload) : undefined;
          validate?.(body);
          const view: SurfaceRequest = {
            params: request.params as Record<string, string>,
            query: request.query as Record<string, string | undefined>,
            headers: request.headers as Record<string, string | undefined>,
          };
          return relay(request, h, routeSurface, spec.decode(body, view), deps);
        },
      },
    };
  });
}
