import type { ChatMessage, ChatRequest, ContentPart, ReasoningBlock, ToolCall, ToolChoice, ToolDefinition } from '@sluice/core';
import { decodeBlock, decodeCacheControl } from './content.js';
import { collectExtra, isRecord, withAnthropicFields, type Wire } from './extras.js';

/**
 * Anthropic Messages request → canonical (the /v1/messages surface). Nothing is lost here: what the canonical types
 * do not model travels as Anthropic extras (request fields, server tools, cache marks on blocks that cannot carry
 * one, tool_result is_error) and is re-emitted when the upstream speaks Anthropic too.
 */

const REQUEST_KNOWN = new Set(['model', 'messages', 'system', 'max_tokens', 'stream', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'tool_choice']);
const MESSAGE_KNOWN = new Set(['role', 'content']);

const blocksOf = (content: unknown): Wire[] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content.filter(isRecord) : [];

/** Parts → the plainest canonical content: a string when every part is plain text. */
function simplify(parts: ContentPart[]): string | ContentPart[] | null {
  if (parts.length === 0) return null;
  const plain = parts.every((p) => p.type === 'text' && Object.keys(p).length === 2);
  return plain ? parts.map((p) => (p as { text: string }).text).join('') : parts;
}

function systemMessage(system: unknown): ChatMessage | undefined {
  if (typeof system === 'string') return system === '' ? undefined : { role: 'system', content: system };
  const parts = blocksOf(system).map(decodeBlock);
  return parts.length > 0 ? { role: 'system', content: simplify(parts) } : undefined;
}

function toolMessage(block: Wire): ChatMessage {
  const content = block['content'];
  const message: ChatMessage = {
    role: 'tool',
    tool_call_id: String(block['tool_use_id'] ?? ''),
    content: typeof content === 'string' ? content : content === undefined ? '' : blocksOf(content).map(decodeBlock),
  };
  const fields: Wire = {};
  if (block['is_error'] === true) fields['is_error'] = true;
  if (isRecord(block['cache_control'])) fields['cache_control'] = block['cache_control'];
  return withAnthropicFields(message, fields);
}

function userMessages(wire: Wire): ChatMessage[] {
  if (typeof wire['content'] === 'string') return [withAnthropicFields<ChatMessage>({ role: 'user', content: wire['content'] }, collectExtra(wire, MESSAGE_KNOWN)?.fields ?? {})];
  const out: ChatMessage[] = [];
  let parts: ContentPart[] = [];
  const flush = (): void => {
    if (parts.length > 0) out.push({ role: 'user', content: simplify(parts) });
    parts = [];
  };
  for (const block of blocksOf(wire['content'])) {
    if (block['type'] === 'tool_result') {
      flush();
      out.push(toolMessage(block));
    } else {
      parts.push(decodeBlock(block));
    }
  }
  flush();
  return out;
}

function assistantMessage(wire: Wire): ChatMessage {
  if (typeof wire['content'] === 'string') return { role: 'assistant', content: wire['content'] };
  const reasoning: ReasoningBlock[] = [];
  const parts: ContentPart[] = [];
  const calls: ToolCall[] = [];
  const fields: Wire = {};
  for (const block of blocksOf(wire['content'])) {
    const type = block['type'];
    if (type === 'thinking') {
      const thought: ReasoningBlock = { text: String(block['thinking'] ?? '') };
      // An empty signature (thinking that came from a provider without them) is no signature.
      if (typeof block['signature'] === 'string' && block['signature'] !== '') thought.signature = block['signature'];
      reasoning.push(thought);
    }
    else if (type === 'redacted_thinking') reasoning.push({ redacted: String(block['data'] ?? '') });
    else if (type === 'tool_use') {
      calls.push({ id: String(block['id'] ?? ''), type: 'function', function: { name: String(block['name'] ?? ''), arguments: JSON.stringify(block['input'] ?? {}) } });
    } else {
      parts.push(decodeBlock(block));
      continue;
    }
    // A cache mark on a thinking or tool_use block: kept at message level, re-applied to the turn's last block.
    if (isRecord(block['cache_control'])) fields['cache_control'] = block['cache_control'];
  }
  const message: ChatMessage = { role: 'assistant', content: simplify(parts) };
  if (reasoning.length > 0) message.reasoning = reasoning;
  if (calls.length > 0) message.tool_calls = calls;
  return withAnthropicFields(message, fields);
}

function decodeTools(tools: unknown): ToolDefinition[] {
  const out: ToolDefinition[] = [];
  for (const tool of Array.isArray(tools) ? tools.filter(isRecord) : []) {
    if (tool['type'] !== undefined && tool['type'] !== null && tool['type'] !== 'custom') continue; // server tools ride in extra
    const fn: ToolDefinition['function'] = { name: String(tool['name'] ?? '') };
    if (typeof tool['description'] === 'string') fn.description = tool['description'];
    if (isRecord(tool['input_schema'])) fn.parameters = tool['input_schema'];
    if (typeof tool['strict'] === 'boolean') fn.strict = tool['strict'];
    const definition: ToolDefinition = { type: 'function', function: fn };
    const cache = decodeCacheControl(tool['cache_control']);
    if (cache) definition.cacheControl = cache;
    out.push(definition);
  }
  return out;
}

function decodeToolChoice(wire: unknown): { choice?: ToolChoice; parallel?: boolean } {
  if (!isRecord(wire)) return {};
  const parallel = wire['disable_parallel_tool_use'] === true ? { parallel: false } : {};
  switch (wire['type']) {
    case 'auto':
      return { choice: 'auto', ...parallel };
    case 'any':
      return { choice: 'required', ...parallel };
    case 'none':
      return { choice: 'none' };
    case 'tool':
      return { choice: { type: 'function', function: { name: String(wire['name'] ?? '') } }, ...parallel };
    default:
      return {};
  }
}

/** Where the client's anthropic-beta header rides in the request's extra (a name no body field can have). */
export const BETA_EXTRA = 'anthropic-beta';

export function decodeRequest(wire: Wire, headers: Readonly<Record<string, string | undefined>> = {}): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = systemMessage(wire['system']);
  if (system) messages.push(system);
  for (const m of Array.isArray(wire['messages']) ? wire['messages'].filter(isRecord) : []) {
    if (m['role'] === 'assistant') messages.push(assistantMessage(m));
    else messages.push(...userMessages(m));
  }
  const stream = wire['stream'] === true;
  // Anthropic streams always end with usage, so an Anthropic client always "asked" for it.
  const request: ChatRequest = { operation: 'chat', model: String(wire['model'] ?? ''), messages, stream, includeUsage: stream };
  const num = (key: string): number | undefined => (typeof wire[key] === 'number' ? wire[key] : undefined);
  const maxTokens = num('max_tokens');
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = num('temperature');
  if (temperature !== undefined) request.temperature = temperature;
  const topP = num('top_p');
  if (topP !== undefined) request.topP = topP;
  const topK = num('top_k');
  if (topK !== undefined) request.topK = topK;
  if (Array.isArray(wire['stop_sequences']) && wire['stop_sequences'].length > 0) request.stop = wire['stop_sequences'].map(String);
  const tools = decodeTools(wire['tools']);
  if (tools.length > 0) request.tools = tools;
  const { choice, parallel } = decodeToolChoice(wire['tool_choice']);
  if (choice !== undefined) request.toolChoice = choice;
  if (parallel !== undefined) request.parallelToolCalls = parallel;
  const userId = isRecord(wire['metadata']) ? wire['metadata']['user_id'] : undefined;
  if (typeof userId === 'string') request.user = userId;
  // Unknown fields (thinking, output_config, service_tier, ...), metadata and the original tools list.
  const extra = collectExtra(wire, REQUEST_KNOWN);
  if (extra) request.extra = extra;
  // Betas change what the body means; an Anthropic upstream gets the client's along with its own.
  const beta = headers['anthropic-beta'];
  if (beta) withAnthropicFields(request, { [BETA_EXTRA]: beta });
  return request;
}
