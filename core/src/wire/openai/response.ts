import type {
  ChatChoice,
  ChatMessage,
  ChatResponse,
  CompletionResponse,
  EmbeddingResponse,
  FinishReason,
  ModelsResponse,
  Usage,
} from '../../contracts/canonical.js';
import { applyExtra, collectExtra } from '../extras.js';
import { OPENAI_FORMAT } from './request.js';
import { decodeUsage, encodeUsage } from './usage.js';
import { decodeReasoning, encodeReasoning } from './reasoning.js';

type Wire = Record<string, unknown>;

const RESPONSE_KNOWN = new Set(['id', 'object', 'created', 'model', 'choices', 'usage']);
const CHOICE_KNOWN = new Set(['index', 'message', 'finish_reason', 'text']);
const MESSAGE_KNOWN = new Set(['role', 'content', 'tool_calls', 'reasoning_content', 'reasoning_details', 'name']);

const FINISH: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};

export const decodeFinish = (value: unknown): FinishReason | null =>
  typeof value === 'string' ? (FINISH[value] ?? 'stop') : null;

function withExtra<T extends { extra?: ReturnType<typeof collectExtra> }>(target: T, source: Wire, known: ReadonlySet<string>): T {
  const extra = collectExtra(source, known, OPENAI_FORMAT);
  if (extra) target.extra = extra;
  return target;
}

// ---- wire → canonical (adapters) ----

function decodeAssistant(wire: Wire): ChatMessage {
  const message: ChatMessage = { role: 'assistant', content: (wire['content'] ?? null) as string | null };
  if (Array.isArray(wire['tool_calls']) && wire['tool_calls'].length > 0) message.tool_calls = wire['tool_calls'] as ChatMessage['tool_calls'] & object;
  const reasoning = decodeReasoning(wire);
  if (reasoning) message.reasoning = reasoning;
  return withExtra(message, wire, MESSAGE_KNOWN);
}

export function decodeChatResponse(wire: Wire): { response: ChatResponse; usage: Usage } {
  const choices = ((wire['choices'] ?? []) as Wire[]).map(
    (c, i): ChatChoice =>
      withExtra<ChatChoice>(
        { index: typeof c['index'] === 'number' ? c['index'] : i, message: decodeAssistant((c['message'] ?? {}) as Wire), finishReason: decodeFinish(c['finish_reason']) },
        c,
        CHOICE_KNOWN,
      ),
  );
  const response = withExtra<ChatResponse>(
    { operation: 'chat', id: String(wire['id'] ?? ''), created: Number(wire['created'] ?? 0), model: String(wire['model'] ?? ''), choices },
    wire,
    RESPONSE_KNOWN,
  );
  return { response, usage: decodeUsage(wire['usage']) };
}

export function decodeCompletionResponse(wire: Wire): { response: CompletionResponse; usage: Usage } {
  const choices = ((wire['choices'] ?? []) as Wire[]).map((c, i) =>
    withExtra<CompletionResponse['choices'][number]>({ index: typeof c['index'] === 'number' ? c['index'] : i, text: String(c['text'] ?? ''), finishReason: decodeFinish(c['finish_reason']) }, c, CHOICE_KNOWN),
  );
  const response = withExtra<CompletionResponse>(
    { operation: 'completions', id: String(wire['id'] ?? ''), created: Number(wire['created'] ?? 0), model: String(wire['model'] ?? ''), choices },
    wire,
    RESPONSE_KNOWN,
  );
  return { response, usage: decodeUsage(wire['usage']) };
}

export function decodeEmbeddingResponse(wire: Wire): { response: EmbeddingResponse; usage: Usage } {
  const data = ((wire['data'] ?? []) as Wire[]).slice().sort((a, b) => Number(a['index'] ?? 0) - Number(b['index'] ?? 0));
  const vectors = data.map((d) => decodeVector(d['embedding']));
  const usage = decodeUsage(wire['usage']);
  return { response: { operation: 'embeddings', model: String(wire['model'] ?? ''), vectors }, usage };
}

function decodeVector(value: unknown): number[] {
  if (Array.isArray(value)) return value as number[];
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'base64');
    return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
  }
  return [];
}

// ---- canonical → wire (the OpenAI surface) ----

function encodeAssistant(message: ChatMessage): Wire {
  const wire: Wire = { role: message.role, content: message.content };
  if (message.tool_calls?.length) wire['tool_calls'] = message.tool_calls;
  encodeReasoning(wire, message.reasoning);
  applyExtra(wire, message.extra, OPENAI_FORMAT);
  return wire;
}

export function encodeChatResponse(response: ChatResponse, usage: Usage): Wire {
  const wire: Wire = {
    id: response.id,
    object: 'chat.completion',
    created: response.created,
    model: response.model,
    choices: response.choices.map((c) => {
      const choice: Wire = { index: c.index, message: encodeAssistant(c.message), finish_reason: c.finishReason };
      applyExtra(choice, c.extra, OPENAI_FORMAT);
      return choice;
    }),
    usage: encodeUsage(usage),
  };
  applyExtra(wire, response.extra, OPENAI_FORMAT);
  return wire;
}

export function encodeCompletionResponse(response: CompletionResponse, usage: Usage): Wire {
  const wire: Wire = {
    id: response.id,
    object: 'text_completion',
    created: response.created,
    model: response.model,
    choices: response.choices.map((c) => {
      const choice: Wire = { index: c.index, text: c.text, finish_reason: c.finishReason };
      applyExtra(choice, c.extra, OPENAI_FORMAT);
      return choice;
    }),
    usage: encodeUsage(usage),
  };
  applyExtra(wire, response.extra, OPENAI_FORMAT);
  return wire;
}

export function encodeEmbeddingResponse(response: EmbeddingResponse, usage: Usage, base64: boolean): Wire {
  return {
    object: 'list',
    data: response.vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
    })),
    model: response.model,
    usage: { prompt_tokens: usage.input ?? 0, total_tokens: usage.input ?? 0 },
  };
}

export function encodeModel(model: ModelsResponse['models'][number]): Wire {
  return { id: model.id, object: 'model', created: model.created, owned_by: model.ownedBy };
}

export function encodeModels(response: ModelsResponse): Wire {
  return { object: 'list', data: response.models.map(encodeModel) };
}
