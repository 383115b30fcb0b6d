import type {
  ChatMessage,
  ChatRequest,
  CompletionRequest,
  EmbeddingRequest,
  ToolChoice,
  ToolDefinition,
  ContentPart,
  ToolCall,
} from '../../contracts/canonical.js';
import { applyExtra, collectExtra } from '../extras.js';
import { decodeReasoning, encodeReasoning } from './reasoning.js';

/** The OpenAI wire format id; adapters speaking it re-emit `extra` fields tagged with it. */
export const OPENAI_FORMAT = 'openai';

type Wire = Record<string, unknown>;

const CHAT_KNOWN = new Set([
  'model', 'messages', 'stream', 'max_tokens', 'temperature', 'top_p', 'n', 'stop', 'tools',
  'tool_choice', 'parallel_tool_calls', 'user',
]);
const MESSAGE_KNOWN = new Set(['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'reasoning_content', 'reasoning_details']);
// stream_options stays in extra: its other fields (include_obfuscation, ...) are relayed to OpenAI upstreams.
const COMPLETION_KNOWN = new Set(['model', 'prompt', 'stream', 'max_tokens', 'temperature', 'top_p', 'n', 'stop', 'user']);
// encoding_format stays in extra: the surface reads it to answer in the same encoding.
const EMBEDDING_KNOWN = new Set(['model', 'input', 'dimensions', 'user']);

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const stopList = (value: unknown): string[] | undefined =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? (value as string[]) : undefined;

function decodeMessage(wire: Wire): ChatMessage {
  // The legacy "function" role is a tool result without an id; relay it as a tool message.
  const role = wire['role'] === 'function' ? 'tool' : (wire['role'] as ChatMessage['role']);
  const message: ChatMessage = { role, content: (wire['content'] ?? null) as string | ContentPart[] | null };
  if (typeof wire['name'] === 'string') message.name = wire['name'];
  if (Array.isArray(wire['tool_calls'])) message.tool_calls = wire['tool_calls'] as ToolCall[];
  if (typeof wire['tool_call_id'] === 'string') message.tool_call_id = wire['tool_call_id'];
  const reasoning = decodeReasoning(wire);
  if (reasoning) message.reasoning = reasoning;
  const extra = collectExtra(wire, MESSAGE_KNOWN, OPENAI_FORMAT);
  if (extra) message.extra = extra;
  return message;
}

function common<T extends { maxTokens?: number; temperature?: number; topP?: number; n?: number; stop?: string[]; user?: string }>(
  target: T,
  wire: Wire,
): T {
  const maxTokens = num(wire['max_completion_tokens']) ?? num(wire['max_tokens']);
  if (maxTokens !== undefined) target.maxTokens = maxTokens;
  const temperature = num(wire['temperature']);
  if (temperature !== undefined) target.temperature = temperature;
  const topP = num(wire['top_p']);
  if (topP !== undefined) target.topP = topP;
  const n = num(wire['n']);
  if (n !== undefined) target.n = n;
  const stop = stopList(wire['stop']);
  if (stop !== undefined) target.stop = stop;
  if (typeof wire['user'] === 'string') target.user = wire['user'];
  return target;
}

const includeUsage = (wire: Wire): boolean =>
  wire['stream'] === true && (wire['stream_options'] as { include_usage?: boolean } | null | undefined)?.include_usage === true;

export function decodeChat(wire: Wire): ChatRequest {
  const request = common<ChatRequest>(
    {
      operation: 'chat',
      model: wire['model'] as string,
      messages: (wire['messages'] as Wire[]).map(decodeMessage),
      stream: wire['stream'] === true,
      includeUsage: includeUsage(wire),
    },
    wire,
  );
  if (Array.isArray(wire['tools'])) request.tools = wire['tools'] as ToolDefinition[];
  if (wire['tool_choice'] !== undefined) request.toolChoice = wire['tool_choice'] as ToolChoice;
  if (typeof wire['parallel_tool_calls'] === 'boolean') request.parallelToolCalls = wire['parallel_tool_calls'];
  const extra = collectExtra(wire, CHAT_KNOWN, OPENAI_FORMAT);
  if (extra) request.extra = extra;
  return request;
}

export function decodeCompletion(wire: Wire): CompletionRequest {
  const request = common<CompletionRequest>(
    {
      operation: 'completions',
      model: wire['model'] as string,
      prompt: wire['prompt'] as string | string[],
      stream: wire['stream'] === true,
      includeUsage: includeUsage(wire),
    },
    wire,
  );
  const extra = collectExtra(wire, COMPLETION_KNOWN, OPENAI_FORMAT);
  if (extra) request.extra = extra;
  return request;
}

export function decodeEmbedding(wire: Wire): EmbeddingRequest {
  const request: EmbeddingRequest = {
    operation: 'embeddings',
    model: wire['model'] as string,
    input: wire['input'] as EmbeddingRequest['input'],
    stream: false,
    includeUsage: false,
  };
  if (typeof wire['dimensions'] === 'number') request.dimensions = wire['dimensions'];
  if (typeof wire['user'] === 'string') request.user = wire['user'];
  const extra = collectExtra(wire, EMBEDDING_KNOWN, OPENAI_FORMAT);
  if (extra) request.extra = extra;
  return request;
}

// ---- canonical → wire (used by adapters that call OpenAI-format upstreams) ----

/** Canonical parts → OpenAI parts: `cacheControl` travels as OpenRouter's `cache_control`, never in camelCase. */
function encodeContent(content: ChatMessage['content']): ChatMessage['content'] | Wire[] {
  if (!Array.isArray(content) || !content.some((part) => 'cacheControl' in part)) return content;
  return content.map((part) => {
    if (!('cacheControl' in part)) return part;
    const { cacheControl, ...rest } = part as ContentPart & { cacheControl?: unknown };
    return cacheControl === undefined ? rest : { ...rest, cache_control: cacheControl };
  });
}

function encodeMessage(message: ChatMessage): Wire {
  const wire: Wire = { role: message.role, content: encodeContent(message.content) };
  if (message.name !== undefined) wire['name'] = message.name;
  if (message.tool_calls !== undefined) wire['tool_calls'] = message.tool_calls;
  if (message.tool_call_id !== undefined) wire['tool_call_id'] = message.tool_call_id;
  encodeReasoning(wire, message.reasoning);
  applyExtra(wire, message.extra, OPENAI_FORMAT);
  return wire;
}

function encodeCommon(wire: Wire, request: ChatRequest | CompletionRequest, extraFields: Readonly<Record<string, unknown>>): void {
  // A client that sent max_completion_tokens gets it relayed as such (via extra), not duplicated as max_tokens.
  // Written under the name the client used (a relayed extra never overwrites it), so a plugin's change wins.
  if (request.maxTokens !== undefined) wire['max_completion_tokens' in extraFields ? 'max_completion_tokens' : 'max_tokens'] = request.maxTokens;
  if (request.temperature !== undefined) wire['temperature'] = request.temperature;
  if (request.topP !== undefined) wire['top_p'] = request.topP;
  if (request.n !== undefined) wire['n'] = request.n;
  if (request.stop !== undefined) wire['stop'] = request.stop;
  if (request.user !== undefined) wire['user'] = request.user;
  if (request.stream) {
    wire['stream'] = true;
    // Always ask for usage: the gateway meters every stream, whether or not the client wants the usage chunk.
    const clientOptions = extraFields['stream_options'];
    wire['stream_options'] = { ...(typeof clientOptions === 'object' && clientOptions !== null ? clientOptions : {}), include_usage: true };
  }
}

const sameFormat = (extra: ChatRequest['extra']): Readonly<Record<string, unknown>> =>
  extra?.format === OPENAI_FORMAT ? extra.fields : {};

export function encodeChat(request: Readonly<ChatRequest>, model: string): Wire {
  const wire: Wire = { model, messages: request.messages.map(encodeMessage) };
  encodeCommon(wire, request, sameFormat(request.extra));
  if (request.tools !== undefined) wire['tools'] = request.tools;
  if (request.toolChoice !== undefined) wire['tool_choice'] = request.toolChoice;
  if (request.parallelToolCalls !== undefined) wire['parallel_tool_calls'] = request.parallelToolCalls;
  applyExtra(wire, request.extra, OPENAI_FORMAT);
  return wire;
}

export function encodeCompletion(request: Readonly<CompletionRequest>, model: string): Wire {
  const wire: Wire = { model, prompt: request.prompt };
  encodeCommon(wire, request, sameFormat(request.extra));
  applyExtra(wire, request.extra, OPENAI_FORMAT);
  return wire;
}

export function encodeEmbedding(request: Readonly<EmbeddingRequest>, model: string): Wire {
  // Vectors come back as floats whatever the client asked: the surface encodes base64 itself.
  const wire: Wire = { model, input: request.input, encoding_format: 'float' };
  if (request.dimensions !== undefined) wire['dimensions'] = request.dimensions;
  if (request.user !== undefined) wire['user'] = request.user;
  applyExtra(wire, request.extra, OPENAI_FORMAT);
  return wire;
}
