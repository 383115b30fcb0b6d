// Gemini GenerateContentRequest → canonical chat request (the surface's direction: a @google/genai client).
import type { ChatMessage, ChatRequest, ContentPart, ToolChoice, ToolDefinition } from '@sluice/core';
import { collectExtra } from './extras.js';
import { dataUrl, readModelParts, SYNTHETIC_ID_PREFIX, toJsonSchema } from './parts.js';
import { GEMINI_FORMAT, isRecord, type GeminiPart, type Wire } from './types.js';

const REQUEST_KNOWN = new Set(['contents', 'systemInstruction', 'generationConfig', 'tools', 'toolConfig', 'model']);
const CONFIG_KNOWN = new Set(['maxOutputTokens', 'temperature', 'topP', 'topK', 'candidateCount', 'stopSequences']);
const TOOL_CONFIG_KNOWN = new Set(['functionCallingConfig']);
const AUDIO_FORMATS: Record<string, string> = { 'audio/wav': 'wav', 'audio/x-wav': 'wav', 'audio/mp3': 'mp3', 'audio/mpeg': 'mp3' };

const partsOf = (content: unknown): GeminiPart[] =>
  isRecord(content) && Array.isArray(content['parts']) ? (content['parts'].filter(isRecord) as GeminiPart[]) : [];

function userPart(part: GeminiPart): ContentPart {
  if (typeof part.text === 'string') return { type: 'text', text: part.text };
  if (isRecord(part.inlineData) && typeof part.inlineData.data === 'string') {
    const { mimeType, data } = part.inlineData;
    if (mimeType.startsWith('image/')) return { type: 'image_url', image_url: { url: dataUrl(mimeType, data) } };
    const format = AUDIO_FORMATS[mimeType];
    if (format) return { type: 'input_audio', input_audio: { data, format } };
    return { type: 'file', file: { file_data: dataUrl(mimeType, data) } };
  }
  if (isRecord(part.fileData) && typeof part.fileData.fileUri === 'string') {
    const mimeType = part.fileData.mimeType;
    if (mimeType === undefined || mimeType.startsWith('image/')) return { type: 'image_url', image_url: { url: part.fileData.fileUri } };
    return { type: 'gemini_file', fileData: part.fileData };
  }
  // Kinds no other format has (executableCode, videoMetadata, ...) travel as a Gemini part.
  return { type: 'gemini_part', part };
}

/** One text part reads as a plain string, as most clients write it. */
function simplify(parts: ContentPart[]): string | ContentPart[] {
  const [first] = parts;
  return parts.length === 1 && first?.type === 'text' ? String(first['text']) : parts;
}

interface PendingCall {
  id: string;
  name: string;
}

/** Tool results find their call: by id, else by name, else in order (Gemini's own calls have no ids). */
function takeCall(pending: PendingCall[], id: string | undefined, name: string): string | undefined {
  let index = pending.findIndex((p) => id !== undefined && p.id === id);
  if (index < 0) index = pending.findIndex((p) => p.name === name);
  if (index < 0) index = pending.length > 0 ? 0 : -1;
  return index < 0 ? undefined : pending.splice(index, 1)[0]!.id;
}

/** Consecutive model contents are one turn (@google/genai records a streamed reply as one content per chunk). */
function turns(contents: readonly Wire[]): Wire[] {
  const merged: Wire[] = [];
  for (const content of contents) {
    const previous = merged.at(-1);
    if (content['role'] === 'model' && previous?.['role'] === 'model') previous['parts'] = [...partsOf(previous), ...partsOf(content)];
    else merged.push({ role: content['role'], parts: partsOf(content) });
  }
  return merged;
}

function decodeContents(contents: readonly Wire[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  let pending: PendingCall[] = [];
  turns(contents).forEach((content, c) => {
    const parts = partsOf(content);
    if (content['role'] === 'model') {
      const turn = readModelParts(parts, (_call, k) => `${SYNTHETIC_ID_PREFIX}h${c}_${k}`);
      const message: ChatMessage = { role: 'assistant', content: turn.text };
      if (turn.toolCalls.length > 0) message.tool_calls = turn.toolCalls;
      if (turn.reasoning.length > 0) message.reasoning = turn.reasoning;
      if (turn.other.length > 0) message.extra = { format: GEMINI_FORMAT, fields: { parts: turn.other } };
      pending = turn.toolCalls.map((call) => ({ id: call.id, name: call.function.name }));
      messages.push(message);
      return;
    }
    // A user turn: function results become tool messages (first, as OpenAI-style histories need), the rest a user message.
    const rest: ContentPart[] = [];
    for (const [k, part] of parts.entries()) {
      const result = part.functionResponse;
      if (!isRecord(result)) {
        if (part.thought !== true) rest.push(userPart(part));
        continue;
      }
      const name = String(result['name'] ?? '');
      const id = typeof result['id'] === 'string' && result['id'] !== '' ? result['id'] : undefined;
      const callId = takeCall(pending, id, name) ?? id ?? `${SYNTHETIC_ID_PREFIX}h${c}_r${k}`;
      messages.push({ role: 'tool', tool_call_id: callId, content: JSON.stringify(result['response'] ?? {}) });
    }
    if (rest.length > 0) messages.push({ role: 'user', content: simplify(rest) });
  });
  return messages;
}

function decodeTools(tools: unknown, extra: Wire): ToolDefinition[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  const definitions: ToolDefinition[] = [];
  const native: unknown[] = [];
  for (const tool of tools.filter(isRecord)) {
    const declarations = Array.isArray(tool['functionDeclarations']) ? tool['functionDeclarations'].filter(isRecord) : undefined;
    if (!declarations) {
      native.push(tool); // googleSearch, codeExecution, urlContext, ...: only a Gemini upstream can run them
      continue;
    }
    for (const d of declarations) {
      const fn: ToolDefinition['function'] = { name: String(d['name'] ?? '') };
      if (typeof d['description'] === 'string') fn.description = d['description'];
      const parameters = isRecord(d['parametersJsonSchema']) ? d['parametersJsonSchema'] : isRecord(d['parameters']) ? toJsonSchema(d['parameters']) : undefined;
      if (isRecord(parameters)) fn.parameters = parameters;
      definitions.push({ type: 'function', function: fn });
    }
  }
  if (native.length > 0) extra['tools'] = native;
  return definitions.length > 0 ? definitions : undefined;
}

function decodeToolChoice(toolConfig: unknown): ToolChoice | undefined {
  const config = isRecord(toolConfig) && isRecord(toolConfig['functionCallingConfig']) ? toolConfig['functionCallingConfig'] : undefined;
  const allowed = Array.isArray(config?.['allowedFunctionNames']) ? (config['allowedFunctionNames'] as unknown[]) : [];
  switch (config?.['mode']) {
    case 'AUTO':
    case 'VALIDATED':
      return 'auto';
    case 'NONE':
      return 'none';
    case 'ANY':
      return allowed.length === 1 && typeof allowed[0] === 'string' ? { type: 'function', function: { name: allowed[0] } } : 'required';
    default:
      return undefined;
  }
}

function decodeConfig(request: ChatRequest, config: unknown, extra: Wire): void {
  if (!isRecord(config)) return;
  const num = (key: string): number | undefined => (typeof config[key] === 'number' ? config[key] : undefined);
  const maxTokens = num('maxOutputTokens');
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = num('temperature');
  if (temperature !== undefined) request.temperature = temperature;
  const topP = num('topP');
  if (topP !== undefined) request.topP = topP;
  const topK = num('topK');
  if (topK !== undefined) request.topK = topK;
  const n = num('candidateCount');
  if (n !== undefined) request.n = n;
  if (Array.isArray(config['stopSequences'])) request.stop = config['stopSequences'].filter((s): s is string => typeof s === 'string');
  const unknown = collectExtra(config, CONFIG_KNOWN);
  if (unknown) extra['generationConfig'] = unknown.fields; // responseMimeType, thinkingConfig, seed, ...
}

export function decodeGenerateContent(body: Wire, model: string, stream: boolean): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = partsOf(body['systemInstruction']).filter((p) => typeof p.text === 'string');
  if (system.length > 0) messages.push({ role: 'system', content: simplify(system.map((p) => ({ type: 'text', text: p.text! }))) });
  messages.push(...decodeContents(Array.isArray(body['contents']) ? body['contents'].filter(isRecord) : []));
  // Gemini always reports usage in a stream, so the canonical stream carries it too.
  const request: ChatRequest = { operation: 'chat', model, messages, stream, includeUsage: stream };
  const extra: Wire = collectExtra(body, REQUEST_KNOWN)?.fields ?? {};
  decodeConfig(request, body['generationConfig'], extra);
  const tools = decodeTools(body['tools'], extra);
  if (tools) request.tools = tools;
  const toolChoice = decodeToolChoice(body['toolConfig']);
  if (toolChoice) request.toolChoice = toolChoice;
  const toolConfig = isRecord(body['toolConfig']) ? collectExtra(body['toolConfig'], TOOL_CONFIG_KNOWN) : undefined;
  if (toolConfig) extra['toolConfig'] = toolConfig.fields;
  if (Object.keys(extra).length > 0) request.extra = { format: GEMINI_FORMAT, fields: extra };
  return request;
}
