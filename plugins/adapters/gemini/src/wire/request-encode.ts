// Canonical chat request → Gemini GenerateContentRequest (the adapter's direction). Never mutates its input:
// a retry may translate the same request again for another channel.
import type { ChatMessage, ChatRequest, ContentPart, ToolCall } from '@sluice/core';
import { applyExtra, geminiFields } from './extras.js';
import { encodeForeignExtra } from './foreign-extras.js';
import { argsObject, imageMimeType, isSyntheticId, parseDataUrl, writeModelParts } from './parts.js';
import { isRecord, type GeminiContent, type GeminiPart, type GeminiRequest, type GeminiTool, type Wire } from './types.js';

export type Drop = (field: string, reason: string) => void;

export interface EncodeOptions {
  /** http(s) image URLs: sent as fileData (Gemini fetches them) or dropped. */
  imageUrls: 'fileData' | 'drop';
}

/** Remembers the calls of earlier assistant turns, so a tool result finds its function name. */
class CallBook {
  readonly #names = new Map<string, string>();
  #unanswered: ToolCall[] = [];

  add(calls: readonly ToolCall[]): void {
    for (const call of calls) this.#names.set(call.id, call.function.name);
    this.#unanswered = [...calls];
  }

  /** By id when the result names one we know; otherwise the next unanswered call, in order. */
  answer(id: string | undefined): string | undefined {
    const byId = id === undefined ? undefined : this.#names.get(id);
    const index = byId === undefined ? 0 : this.#unanswered.findIndex((c) => c.id === id);
    const [call] = index >= 0 ? this.#unanswered.splice(index, 1) : [];
    return byId ?? call?.function.name;
  }
}

function textOf(content: ChatMessage['content'], path: string, drop: Drop): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content
    .map((part, j) => {
      if (part.type === 'text' && typeof part['text'] === 'string') return part['text'];
      drop(`${path}[${j}]`, `a ${part.type} part cannot go in this message`);
      return '';
    })
    .join('');
}

function userPart(part: ContentPart, path: string, options: EncodeOptions, drop: Drop): GeminiPart | undefined {
  if (part.cacheControl !== undefined) drop(`${path}.cache_control`, 'Gemini caches prompts implicitly');
  const p = part as Wire;
  if (part.type === 'text' && typeof p['text'] === 'string') return { text: p['text'] };
  if (part.type === 'image_url' && isRecord(p['image_url']) && typeof p['image_url']['url'] === 'string') {
    const url = p['image_url']['url'];
    const detail = p['image_url']['detail'];
    if (detail !== undefined && detail !== 'auto') drop(`${path}.image_url.detail`, 'Gemini has no per-image detail');
    const inline = parseDataUrl(url);
    if (inline) return { inlineData: inline };
    if (options.imageUrls === 'fileData' && /^https?:\/\//i.test(url)) return { fileData: { mimeType: imageMimeType(url), fileUri: url } };
    drop(path, 'image URLs are not sent to this channel (options.imageUrls: drop)');
    return undefined;
  }
  if (part.type === 'input_audio' && isRecord(p['input_audio']) && typeof p['input_audio']['data'] === 'string') {
    const format = p['input_audio']['format'] === 'mp3' ? 'audio/mp3' : 'audio/wav';
    return { inlineData: { mimeType: format, data: p['input_audio']['data'] } };
  }
  if (part.type === 'file' && isRecord(p['file']) && typeof p['file']['file_data'] === 'string') {
    const inline = parseDataUrl(p['file']['file_data']);
    if (inline) return { inlineData: inline };
  }
  // Parts a Gemini client sent that only Gemini knows (same-format relay).
  if (part.type === 'gemini_file' && isRecord(p['fileData'])) return { fileData: p['fileData'] as { fileUri: string } };
  if (part.type === 'gemini_part' && isRecord(p['part'])) return p['part'] as GeminiPart;
  drop(path, `Gemini cannot take a ${part.type} part here`);
  return undefined;
}

function userParts(message: ChatMessage, path: string, options: EncodeOptions, drop: Drop): GeminiPart[] {
  if (typeof message.content === 'string') return [{ text: message.content }];
  const parts = (message.content ?? []).flatMap((part, j): GeminiPart[] => {
    const converted = userPart(part, `${path}.content[${j}]`, options, drop);
    return converted ? [converted] : [];
  });
  return parts.length > 0 ? parts : [{ text: '' }];
}

function modelParts(message: ChatMessage, path: string, drop: Drop): GeminiPart[] {
  const calls = (message.tool_calls ?? []).map((call, k) => {
    let args = argsObject(call.function.arguments);
    if (!args) {
      drop(`${path}.tool_calls[${k}].function.arguments`, 'Gemini needs function arguments as a JSON object');
      args = {};
    }
    return { id: call.id, name: call.function.name, args };
  });
  const parts = writeModelParts({
    reasoning: message.reasoning,
    text: textOf(message.content, `${path}.content`, drop),
    calls,
    lost: (field, reason) => drop(`${path}.${field}`, reason),
  });
  // Parts of kinds canonical messages cannot hold, relayed from a Gemini client (code execution, images, ...).
  const relayed = geminiFields(message.extra)['parts'];
  if (Array.isArray(relayed)) parts.push(...(relayed as GeminiPart[]));
  return parts.length > 0 ? parts : [{ text: '' }];
}

function functionResponse(message: ChatMessage, name: string | undefined, path: string, drop: Drop): GeminiPart {
  const text = textOf(message.content, `${path}.content`, drop);
  const parsed = argsObject(text);
  // Gemini takes an object; a plain-text tool result goes under "output", the key its SDKs use.
  const response = parsed && text.trim() !== '' ? parsed : { output: text };
  const id = message.tool_call_id;
  return { functionResponse: { ...(id !== undefined && !isSyntheticId(id) ? { id } : {}), name: name ?? message.name ?? id ?? 'function', response } };
}

/** Message fields a foreign format had that Gemini cannot carry (empty values are not worth reporting). */
function dropMessageExtra(message: ChatMessage, path: string, drop: Drop): void {
  if (!message.extra || message.extra.format === 'gemini') return;
  for (const [key, value] of Object.entries(message.extra.fields)) {
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    drop(`${path}.${key}`, 'no Gemini equivalent');
  }
}

function encodeContents(request: Readonly<ChatRequest>, options: EncodeOptions, drop: Drop): { contents: GeminiContent[]; system: GeminiPart[] } {
  const contents: GeminiContent[] = [];
  const system: GeminiPart[] = [];
  const book = new CallBook();
  let toolTurn: GeminiContent | undefined;
  request.messages.forEach((message, i) => {
    const path = `messages[${i}]`;
    dropMessageExtra(message, path, drop);
    if (message.role !== 'tool') toolTurn = undefined;
    switch (message.role) {
      case 'system':
      case 'developer':
        // Gemini has one system instruction; system turns anywhere in the conversation join it, in order.
        system.push({ text: textOf(message.content, `${path}.content`, drop) });
        return;
      case 'user':
        if (message.name !== undefined) drop(`${path}.name`, 'Gemini has no participant names');
        contents.push({ role: 'user', parts: userParts(message, path, options, drop) });
        return;
      case 'assistant':
        contents.push({ role: 'model', parts: modelParts(message, path, drop) });
        book.add(message.tool_calls ?? []);
        return;
      case 'tool': {
        // Parallel results go back together, in one turn, as Gemini expects.
        const part = functionResponse(message, book.answer(message.tool_call_id), path, drop);
        if (toolTurn) toolTurn.parts.push(part);
        else contents.push((toolTurn = { role: 'user', parts: [part] }));
        return;
      }
    }
  });
  return { contents, system };
}

function encodeTools(request: Readonly<ChatRequest>, drop: Drop): GeminiTool[] | undefined {
  if (!request.tools?.length) return undefined;
  const functionDeclarations = request.tools.map((tool, i) => {
    if (tool.function.strict === true) drop(`tools[${i}].function.strict`, 'Gemini has no strict mode for function arguments');
    if (tool.cacheControl !== undefined) drop(`tools[${i}].cache_control`, 'Gemini caches prompts implicitly');
    const declaration: Wire = { name: tool.function.name };
    if (tool.function.description !== undefined) declaration['description'] = tool.function.description;
    // parametersJsonSchema takes full JSON Schema; `parameters` would reject additionalProperties, $schema, ...
    if (tool.function.parameters !== undefined) declaration['parametersJsonSchema'] = tool.function.parameters;
    return declaration as unknown as NonNullable<GeminiTool['functionDeclarations']>[number];
  });
  return [{ functionDeclarations }];
}

function encodeToolChoice(choice: ChatRequest['toolChoice']): GeminiRequest['toolConfig'] | undefined {
  if (choice === undefined) return undefined;
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
}

export function encodeChatRequest(request: Readonly<ChatRequest>, options: EncodeOptions, drop: Drop): GeminiRequest {
  const { contents, system } = encodeContents(request, options, drop);
  const wire: GeminiRequest = { contents };
  if (system.length > 0) wire.systemInstruction = { parts: system };
  const config: Wire = {};
  if (request.maxTokens !== undefined) config['maxOutputTokens'] = request.maxTokens;
  if (request.temperature !== undefined) config['temperature'] = request.temperature;
  if (request.topP !== undefined) config['topP'] = request.topP;
  if (request.topK !== undefined) config['topK'] = request.topK;
  if (request.n !== undefined) config['candidateCount'] = request.n;
  if (request.stop !== undefined) config['stopSequences'] = [...request.stop];
  const tools = encodeTools(request, drop);
  if (tools) wire.tools = tools;
  const toolConfig = encodeToolChoice(request.toolChoice);
  if (toolConfig) wire.toolConfig = toolConfig;
  if (request.parallelToolCalls === false) drop('parallel_tool_calls', 'Gemini cannot forbid parallel function calls');
  if (request.user !== undefined) drop('user', 'Gemini has no end-user identifier');

  const relayed = geminiFields(request.extra);
  if (request.extra && request.extra.format !== 'gemini') encodeForeignExtra(request.extra, config, drop);
  if (Object.keys(config).length > 0) wire.generationConfig = config;
  // Same-format relay: unknown fields (safetySettings, cachedContent, thinkingConfig, ...) pass through.
  applyExtra(wire, relayed, new Set(['tools']));
  if (Array.isArray(relayed['tools'])) wire.tools = [...(wire.tools ?? []), ...(relayed['tools'] as GeminiTool[])];
  return wire;
}
