// The OpenAI wire format, both directions: the OpenAI surface decodes requests and encodes responses; adapters
// for OpenAI-format upstreams encode requests and decode responses. One codec, so the two cannot drift.
export { OPENAI_FORMAT, decodeChat, decodeCompletion, decodeEmbedding, encodeChat, encodeCompletion, encodeEmbedding } from './request.js';
export {
  decodeChatResponse,
  decodeCompletionResponse,
  decodeEmbeddingResponse,
  encodeChatResponse,
  encodeCompletionResponse,
  encodeEmbeddingResponse,
  encodeModels,
  decodeFinish,
} from './response.js';
export { decodeChatChunk, decodeCompletionChunk, encodeChatChunk, encodeCompletionChunk, encodeUsageChunk } from './chunk.js';
export { decodeUsage, encodeUsage } from './usage.js';
export { encodeError } from './error.js';
