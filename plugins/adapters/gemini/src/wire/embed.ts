// embedContent / batchEmbedContents, both directions.
import { GatewayError, type EmbeddingRequest, type EmbeddingResponse, type Usage } from '@sluice/core';
import { collectExtra, geminiFields } from './extras.js';
import { decodeUsage } from './usage.js';
import { isRecord, type GeminiContent, type GeminiUsageMetadata, type Wire } from './types.js';

type Drop = (field: string, reason: string) => void;

const textContent = (text: string): GeminiContent => ({ parts: [{ text }] });

/** Canonical embeddings → one embedContent call (single string) or one batchEmbedContents call (a list). */
export function encodeEmbedding(request: Readonly<EmbeddingRequest>, model: string, drop: Drop): { action: 'embedContent' | 'batchEmbedContents'; body: Wire } {
  const { input } = request;
  if (typeof input !== 'string' && !(Array.isArray(input) && input.every((i) => typeof i === 'string'))) {
    throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', 'Gemini embeds text only: token-array input cannot be sent to this model.', { param: 'input' });
  }
  if (request.user !== undefined) drop('user', 'Gemini has no end-user identifier');
  // Same-format relay: taskType, title, ... from a Gemini client.
  const relayed = geminiFields(request.extra);
  if (request.extra && request.extra.format !== 'gemini') {
    for (const key of Object.keys(request.extra.fields)) if (key !== 'encoding_format') drop(key, `no Gemini equivalent (${request.extra.format} request field)`);
  }
  const one = (text: string): Wire => {
    const item: Wire = { ...relayed, content: textContent(text) };
    if (request.dimensions !== undefined) item['outputDimensionality'] = request.dimensions;
    return item;
  };
  if (typeof input === 'string') return { action: 'embedContent', body: one(input) };
  return { action: 'batchEmbedContents', body: { requests: input.map((text) => ({ model, ...one(text) })) } };
}

const valuesOf = (embedding: unknown): number[] =>
  isRecord(embedding) && Array.isArray(embedding['values']) ? (embedding['values'] as number[]) : [];

export function decodeEmbeddingResponse(wire: Wire, model: string): { response: EmbeddingResponse; usage: Usage } {
  const vectors = Array.isArray(wire['embeddings']) ? wire['embeddings'].map(valuesOf) : isRecord(wire['embedding']) ? [valuesOf(wire['embedding'])] : [];
  const usage = decodeUsage(isRecord(wire['usageMetadata']) ? (wire['usageMetadata'] as GeminiUsageMetadata) : undefined);
  return { response: { operation: 'embeddings', model, vectors }, usage };
}

// ---- the surface's direction ----

const CONTENT_TEXT = (content: unknown, param: string): string => {
  const parts = isRecord(content) && Array.isArray(content['parts']) ? content['parts'] : undefined;
  if (!parts) throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', `Missing required parameter: '${param}.parts'.`, { param: `${param}.parts` });
  return parts.map((p: unknown) => (isRecord(p) && typeof p['text'] === 'string' ? p['text'] : '')).join('');
};

const ITEM_KNOWN = new Set(['model', 'content', 'outputDimensionality']);

function withItem(request: EmbeddingRequest, item: Wire): EmbeddingRequest {
  if (typeof item['outputDimensionality'] === 'number') request.dimensions = item['outputDimensionality'];
  const extra = collectExtra(item, ITEM_KNOWN);
  if (extra) request.extra = extra;
  return request;
}

export function decodeEmbedContent(body: Wire, model: string): EmbeddingRequest {
  const input = CONTENT_TEXT(body['content'], 'content');
  return withItem({ operation: 'embeddings', model, input, stream: false, includeUsage: false }, body);
}

/** Options (taskType, dimensions) are taken from the first request: canonical embeddings share one set. */
export function decodeBatchEmbed(body: Wire, model: string): EmbeddingRequest {
  const requests = Array.isArray(body['requests']) ? body['requests'].filter(isRecord) : [];
  if (requests.length === 0) throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', "Missing required parameter: 'requests'.", { param: 'requests' });
  const input = requests.map((r, i) => CONTENT_TEXT(r['content'], `requests[${i}].content`));
  return withItem({ operation: 'embeddings', model, input, stream: false, includeUsage: false }, requests[0]!);
}

export function encodeEmbeddingResponse(response: EmbeddingResponse, batch: boolean): Wire {
  if (batch) return { embeddings: response.vectors.map((values) => ({ values })) };
  return { embedding: { values: response.vectors[0] ?? [] } };
}
