import type { ServerRoute } from '@hapi/hapi';
import type { CanonicalRequest, ModelsRequest, ModelsResponse } from '../../contracts/canonical.js';
import { GatewayError } from '../../errors.js';
import { relay, type RelayDeps } from '../../server/relay.js';
import { createRequestValidator, parseJsonBody } from '../../server/request-validation.js';
import { decodeChat, decodeCompletion, decodeEmbedding } from '../../wire/openai/request.js';
import { chatRequestSchema, completionRequestSchema, embeddingRequestSchema } from '../../wire/openai/request-schema.js';
import { encodeModel } from '../../wire/openai/response.js';
import { openaiSurface } from './surface.js';

type Wire = Record<string, unknown>;

function post(path: string, schema: Parameters<typeof createRequestValidator>[0], decode: (wire: Wire) => CanonicalRequest, deps: RelayDeps, bodyLimit: number): ServerRoute {
  const validate = createRequestValidator(schema);
  return {
    method: 'POST',
    path,
    options: {
      app: { surface: openaiSurface.id },
      payload: { parse: false, output: 'data', maxBytes: bodyLimit },
      handler: (request, h) => {
        const body = parseJsonBody(request.payload);
        validate(body);
        return relay(request, h, openaiSurface, decode(body as Wire), deps);
      },
    },
  };
}

const modelsRequest: ModelsRequest = { operation: 'models', model: '', stream: false, includeUsage: false };

/** The OpenAI-compatible surface: chat, completions, embeddings, models. */
export function openaiRoutes(deps: RelayDeps, bodyLimit: number): ServerRoute[] {
  return [
    post('/v1/chat/completions', chatRequestSchema, decodeChat, deps, bodyLimit),
    post('/v1/completions', completionRequestSchema, decodeCompletion, deps, bodyLimit),
    post('/v1/embeddings', embeddingRequestSchema, decodeEmbedding, deps, bodyLimit),
    {
      method: 'GET',
      path: '/v1/models',
      options: { app: { surface: openaiSurface.id }, handler: (request, h) => relay(request, h, openaiSurface, { ...modelsRequest }, deps) },
    },
    {
      method: 'GET',
      path: '/v1/models/{id*}',
      options: {
        app: { surface: openaiSurface.id },
        handler: async (request, h) => {
          const id = String(request.params['id'] ?? '');
          const single = { ...modelsRequest, model: id };
          const response = await relay(request, h, { ...openaiSurface, encodeResponse: (r) => pickModel(r as ModelsResponse, id) }, single, deps);
          return response;
        },
      },
    },
  ];
}

function pickModel(response: ModelsResponse, id: string): unknown {
  const model = response.models.find((m) => m.id === id);
  if (!model) throw new GatewayError('SLUICE_ERR_MODEL_NOT_FOUND', `The model '${id}' does not exist or you do not have access to it.`, { param: 'model' });
  return encodeModel(model);
}
