import {
  defineAdapter,
  kindForStatus,
  openaiWire,
  upstreamError,
  type Adapter,
  type AdapterContext,
  type RelayRequest,
  type UpstreamErrorKind,
  type UpstreamRequest,
} from '@sluice/core';
import { createOpenAIStream } from '../stream.js';
import { compatibleOptionsSchema, resolveSettings, type CompatibleOptions, type VendorSettings } from './options.js';
import { OPENAI_DEFAULTS, type VendorPreset } from './presets.js';
import { renameChoiceFields, rewriteBody, withCachedTokens } from './rewrite.js';

type Wire = Record<string, unknown>;

const PATHS = { chat: '/chat/completions', completions: '/completions', embeddings: '/embeddings' } as const;

function headersFor(settings: VendorSettings, ctx: AdapterContext<CompatibleOptions>): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const [name, value] of Object.entries(settings.headers)) headers[name.toLowerCase()] = value;
  // A keyless self-hosted server gets no auth header at all rather than "Bearer ".
  if (ctx.apiKey) headers[settings.authHeader] = settings.authScheme ? `${settings.authScheme} ${ctx.apiKey}` : ctx.apiKey;
  if (ctx.options.organization) headers['openai-organization'] = ctx.options.organization;
  if (ctx.options.project) headers['openai-project'] = ctx.options.project;
  return headers;
}

function encode(request: Readonly<RelayRequest>, model: string): Wire {
  switch (request.operation) {
    case 'chat':
      return openaiWire.encodeChat(request, model);
    case 'completions':
      return openaiWire.encodeCompletion(request, model);
    case 'embeddings':
      return openaiWire.encodeEmbedding(request, model);
  }
}

/** Vendor fields renamed to OpenAI's before the shared codec decodes a response body or a stream chunk. */
const normaliser = (settings: VendorSettings) => (wire: Wire): Wire =>
  withCachedTokens(renameChoiceFields(wire, settings.responseRename), settings.cachedTokensField || undefined);

/** OpenAI's error codes that say more than the status does. */
const CODE_KINDS: Readonly<Record<string, UpstreamErrorKind>> = {
  context_length_exceeded: 'context_length',
  string_above_max_length: 'context_length',
  content_filter: 'content_filter',
  content_policy_violation: 'content_filter',
};

/** The vendor's message: OpenAI's error.message, or Mistral-style top-level message/detail, or a text body. */
function messageOf(status: number, body: unknown): string {
  const record = body !== null && typeof body === 'object' ? (body as Wire) : {};
  const error = record['error'] !== null && typeof record['error'] === 'object' ? (record['error'] as Wire) : undefined;
  const candidate = error?.['message'] ?? (error ? undefined : (record['message'] ?? record['detail']));
  if (typeof candidate === 'string' && candidate) return candidate;
  if (candidate !== undefined && candidate !== null) return JSON.stringify(candidate).slice(0, 500);
  if (typeof body === 'string' && body) return body.slice(0, 500);
  return `upstream answered ${status}`;
}

function mapError(status: number, body: unknown, headers: Readonly<Record<string, string>>): ReturnType<Adapter['mapError']> {
  const error = (body as { error?: { code?: unknown } } | null | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : '';
  // 402 (OpenRouter, DeepSeek: out of credit) is the channel's account, not the caller's request: fail over.
  const kind = CODE_KINDS[code] ?? (status === 402 ? 'auth' : kindForStatus(status));
  return upstreamError(status, kind, messageOf(status, body), headers);
}

/**
 * One adapter of the OpenAI-compatible family from a vendor preset. The OpenAI codec does the translation; the
 * preset (overridable per channel through `options:`) says where to send it, how to authenticate, and which fields
 * the vendor names differently or refuses.
 */
export function createOpenAICompatibleAdapter(preset: VendorPreset): Adapter<CompatibleOptions> {
  const defaults: VendorSettings = { ...OPENAI_DEFAULTS, ...preset.settings };
  // Settings are resolved per call from frozen options; cheap (a dozen keys) and keeps the adapter stateless.
  const settingsFor = (ctx: AdapterContext<CompatibleOptions>): VendorSettings => resolveSettings(defaults, ctx.options);
  return defineAdapter<CompatibleOptions>({
    id: preset.id,
    format: openaiWire.OPENAI_FORMAT,
    schema: compatibleOptionsSchema,
    operations: preset.operations,
    requiresKey: preset.requiresKey,
    toUpstream(request, ctx): UpstreamRequest {
      const settings = settingsFor(ctx);
      const path = settings.pathTemplate
        .replaceAll('{model}', encodeURIComponent(ctx.upstreamModel))
        .replaceAll('{path}', PATHS[request.operation]);
      const query = { ...settings.query, ...(settings.apiVersion ? { 'api-version': settings.apiVersion } : {}) };
      const body = rewriteBody(encode(request, ctx.upstreamModel), settings, (field, reason) => ctx.drop(field, reason), preset.vendor);
      const upstream: UpstreamRequest = { method: 'POST', path, headers: headersFor(settings, ctx), body, stream: request.stream };
      if (Object.keys(query).length > 0) upstream.query = query;
      return upstream;
    },
    fromUpstream(body, request, ctx) {
      const wire = normaliser(settingsFor(ctx))(body as Wire);
      switch (request.operation) {
        case 'chat':
          return openaiWire.decodeChatResponse(wire);
        case 'completions':
          return openaiWire.decodeCompletionResponse(wire);
        case 'embeddings':
          return openaiWire.decodeEmbeddingResponse(wire);
      }
    },
    createStream: (request, ctx) => createOpenAIStream(request.operation, normaliser(settingsFor(ctx))),
    mapError,
  });
}
