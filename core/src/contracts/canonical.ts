/**
 * Canonical request/response types. Modelled on OpenAI chat completions (the lingua franca), owned and versioned by
 * core. Fields a source format has that these types do not know travel in `vendorExtra`, tagged with their wire
 * format, so a same-format relay (OpenAI client → OpenAI upstream) loses nothing.
 */
export const CANONICAL_VERSION = 1;

export type Operation = 'chat' | 'completions' | 'embeddings' | 'models' | 'count_tokens';

/** Unknown fields from a specific wire format; only an adapter speaking that format re-emits them. */
export interface VendorExtra {
  format: string;
  fields: Record<string, unknown>;
}

export interface TextPart { type: 'text'; text: string; cacheControl?: CacheControl }
export interface ImagePart { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' }; cacheControl?: CacheControl }
export interface OtherPart { type: string; [field: string]: unknown }
export type ContentPart = TextPart | ImagePart | OtherPart;

export interface CacheControl { type: 'ephemeral'; ttl?: string }

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** Reasoning ("thinking") kept with its provider signature so it survives multi-turn relays. */
export interface ReasoningBlock { text?: string; signature?: string; redacted?: string }

export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  reasoning?: ReasoningBlock[];
  extra?: VendorExtra;
}

export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
  cacheControl?: CacheControl;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export interface ChatRequest {
  operation: 'chat';
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  /** The client asked for a usage chunk at the end of the stream. */
  includeUsage: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  n?: number;
  stop?: string[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  user?: string;
  extra?: VendorExtra;
}

export interface CompletionRequest {
  operation: 'completions';
  model: string;
  prompt: string | string[];
  stream: boolean;
  includeUsage: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  n?: number;
  stop?: string[];
  user?: string;
  extra?: VendorExtra;
}

export interface EmbeddingRequest {
  operation: 'embeddings';
  model: string;
  input: string | string[] | number[] | number[][];
  stream: false;
  includeUsage: false;
  dimensions?: number;
  user?: string;
  extra?: VendorExtra;
}

export interface ModelsRequest { operation: 'models'; model: string; stream: false; includeUsage: false; extra?: VendorExtra }

/** "How many input tokens would this chat request be?" — answered by the gateway, never relayed. */
export interface CountTokensRequest extends Omit<ChatRequest, 'operation' | 'stream' | 'includeUsage'> {
  operation: 'count_tokens';
  stream: false;
  includeUsage: false;
}

export type CanonicalRequest = ChatRequest | CompletionRequest | EmbeddingRequest | ModelsRequest | CountTokensRequest;

/** The requests that are relayed to an upstream (the others are answered by the gateway itself). */
export type RelayRequest = ChatRequest | CompletionRequest | EmbeddingRequest;
export type RelayOperation = RelayRequest['operation'];

/**
 * Token counts, with OpenAI's semantics: `input` counts every prompt token, including the `cachedInput` read from
 * and the `cacheWrite` written to a prompt cache; `output` counts every generated token, including `reasoning`.
 * Adapters for formats that count differently (Anthropic's input_tokens excludes cache reads) convert.
 * `undefined` means "not reported", which is not 0: the gateway then estimates.
 */
export interface Usage {
  input?: number;
  output?: number;
  cachedInput?: number;
  cacheWrite?: number;
  reasoning?: number;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

export interface ChatChoice {
  index: number;
  message: ChatMessage;
  finishReason: FinishReason | null;
  extra?: VendorExtra;
}

export interface ChatResponse {
  operation: 'chat';
  id: string;
  created: number;
  model: string;
  choices: ChatChoice[];
  extra?: VendorExtra;
}

export interface CompletionChoice { index: number; text: string; finishReason: FinishReason | null; extra?: VendorExtra }
export interface CompletionResponse {
  operation: 'completions';
  id: string;
  created: number;
  model: string;
  choices: CompletionChoice[];
  extra?: VendorExtra;
}

export interface EmbeddingResponse {
  operation: 'embeddings';
  model: string;
  /** One vector per input, in input order. */
  vectors: number[][];
  extra?: VendorExtra;
}

export interface ModelInfo { id: string; created: number; ownedBy: string }
export interface ModelsResponse { operation: 'models'; models: ModelInfo[] }

export interface CountTokensResponse { operation: 'count_tokens'; inputTokens: number }

export type CanonicalResponse = ChatResponse | CompletionResponse | EmbeddingResponse | ModelsResponse | CountTokensResponse;

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChatDelta {
  role?: 'assistant';
  content?: string;
  reasoning?: string;
  /** Signature closing the current reasoning block (Anthropic thinking, Gemini thoughtSignature). */
  reasoningSignature?: string;
  /** An opaque, encrypted reasoning block (Anthropic redacted_thinking). */
  reasoningRedacted?: string;
  toolCalls?: ToolCallDelta[];
  extra?: VendorExtra;
}

export interface ChatChunk {
  operation: 'chat';
  id: string;
  created: number;
  model: string;
  choices: { index: number; delta: ChatDelta; finishReason: FinishReason | null; extra?: VendorExtra }[];
  extra?: VendorExtra;
}

export interface CompletionChunk {
  operation: 'completions';
  id: string;
  created: number;
  model: string;
  choices: { index: number; text: string; finishReason: FinishReason | null }[];
  extra?: VendorExtra;
}

export type CanonicalChunk = ChatChunk | CompletionChunk;
