import type { ModelsRequest, ModelsResponse } from '../../contracts/canonical.js';
import { defineSurface, type SurfaceDefinition } from '../../contracts/surface.js';
import { GatewayError } from '../../errors.js';
import { decodeChat, decodeCompletion, decodeEmbedding } from '../../wire/openai/request.js';
import { chatRequestSchema, completionRequestSchema, embeddingRequestSchema } from '../../wire/openai/request-schema.js';
import { encodeModel } from '../../wire/openai/response.js';
import { openaiSurface } from './surface.js';

type Wire = Record<string, unknown>;

const modelsRequest = (model = ''): ModelsRequest => ({ operation: 'models', model, stream: false, includeUsage: false });

/** The OpenAI-compatible surface: chat, completions, embeddings, models. */
export const openaiSurfaceDefinition: SurfaceDefinition = defineSurface({
  surface: openaiSurface,
  routes: [
    { method: 'POST', path: '/v1/chat/completions', schema: chatRequestSchema, decode: (body) => decodeChat(body as Wire) },
    { method: 'POST', path: '/v1/completions', schema: completionRequestSchema, decode: (body) => decodeCompletion(body as Wire) },
    { method: 'POST', path: '/v1/embeddings', schema: embeddingRequestSchema, decode: (body) => decodeEmbedding(body as Wire) },
    { method: 'GET', path: '/v1/models', decode: () => modelsRequest() },
    {
      method: 'GET',
      path: '/v1/models/{id*}',
      decode: (_body, request) => modelsRequest(request.params['id'] ?? ''),
      encodeResponse(response, _usage, ctx) {
        const id = ctx.request.model;
        const model = (response as ModelsResponse).models.find((m) => m.id === id);
        if (!model) throw new GatewayError('SLUICE_ERR_MODEL_NOT_FOUND', `The model '${id}' does not exist or you do not have access to it.`, { param: 'model' });
        return encodeModel(model);
      },
    },
  ],
  pathPrefixes: ['/v1/'],
});
