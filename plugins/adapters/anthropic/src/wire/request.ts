import { openaiWire, type ChatRequest, type ToolChoice, type ToolDefinition } from '@sluice/core';
import { encodeCacheControl } from './content.js';
import { encodeConversation, type EncodeContext } from './conversation.js';
import { anthropicFields, applyExtra, ANTHROPIC_FORMAT, isRecord, type Wire } from './extras.js';
import { applyOpenAIFields } from './openai-fields.js';
import { BETA_EXTRA } from './decode-request.js';

export interface RequestEncodeContext extends EncodeContext {
  readonly defaultMaxTokens: number;
  readonly thinking: 'budget' | 'adaptive';
}

/** Canonical chat request → Anthropic Messages API body. Pure: the request is read, never changed. */
export function encodeRequest(request: Readonly<ChatRequest>, model: string, ctx: RequestEncodeContext): Wire {
  const { system, messages } = encodeConversation(request.messages, ctx);
  const wire: Wire = { model, messages };
  if (system !== undefined) wire['system'] = system;
  wire['max_tokens'] = request.maxTokens ?? ctx.defaultMaxTokens;
  if (request.stop !== undefined && request.stop.length > 0) wire['stop_sequences'] = request.stop;
  if (request.temperature !== undefined) wire['temperature'] = temperature(request.temperature, ctx);
  if (request.topP !== undefined) wire['top_p'] = request.topP;
  if (request.topK !== undefined) wire['top_k'] = request.topK;
  if (request.n !== undefined && request.n !== 1) ctx.drop('n', 'Anthropic returns one choice per request');
  const extraFields = anthropicFields(request.extra);
  if (request.user !== undefined) {
    const metadata = isRecord(extraFields['metadata']) ? extraFields['metadata'] : {};
    wire['metadata'] = { ...metadata, user_id: request.user };
  }
  const tools = encodeTools(request.tools, extraFields['tools'], ctx);
  if (tools.length > 0) {
    wire['tools'] = tools;
    const choice = encodeToolChoice(request.toolChoice, request.parallelToolCalls);
    if (choice) wire['tool_choice'] = choice;
  }
  if (request.stream) wire['stream'] = true;

  const extra = request.extra;
  if (extra?.format === ANTHROPIC_FORMAT) applyExtra(wire, extra, new Set(['tools', BETA_EXTRA]));
  else if (extra?.format === openaiWire.OPENAI_FORMAT) applyOpenAIFields(wire, request, ctx);
  else if (extra) for (const key of Object.keys(extra.fields)) ctx.drop(key, `a ${extra.format} field with no Anthropic equivalent`);
  return wire;
}

/** Anthropic's temperature is 0–1 (OpenAI's is 0–2): a higher value is clamped, and reported. */
function temperature(value: number, ctx: RequestEncodeContext): number {
  if (value <= 1 || ctx.sameFormat) return value;
  ctx.drop('temperature', `Anthropic accepts 0–1; ${value} was sent as 1`);
  return 1;
}

const TOOL_KNOWN = new Set(['type', 'name', 'description', 'input_schema', 'strict', 'cache_control']);
const isCustomTool = (tool: Wire): boolean => tool['type'] === undefined || tool['type'] === null || tool['type'] === 'custom';

/**
 * Function tools → Anthropic custom tools. `original` (same-format relays) holds the client's own tool list: its
 * fields the canonical types do not model are merged back by name, and its server tools (web search, code
 * execution, ...) are appended.
 */
function encodeTools(tools: readonly ToolDefinition[] | undefined, original: unknown, ctx: RequestEncodeContext): Wire[] {
  const originals = Array.isArray(original) ? original.filter(isRecord) : [];
  const out: Wire[] = [];
  tools?.forEach((tool, i) => {
    if (tool.type !== 'function' || !isRecord(tool.function)) return ctx.drop(`tools[${i}]`, `tool type '${String(tool.type)}' has no Anthropic equivalent`);
    const fn = tool.function;
    const wire: Wire = { name: fn.name };
    if (fn.description !== undefined) wire['description'] = fn.description;
    wire['input_schema'] = fn.parameters ?? { type: 'object', properties: {} };
    if (fn.strict !== undefined && fn.strict !== null) wire['strict'] = fn.strict;
    if (tool.cacheControl) wire['cache_control'] = encodeCacheControl(tool.cacheControl);
    const same = originals.find((o) => isCustomTool(o) && o['name'] === fn.name);
    if (same) for (const key in same) if (!TOOL_KNOWN.has(key) || key === 'type') wire[key] ??= same[key];
    out.push(wire);
  });
  out.push(...originals.filter((o) => !isCustomTool(o)));
  return out;
}

function encodeToolChoice(choice: ToolChoice | undefined, parallel: boolean | undefined): Wire | undefined {
  let wire: Wire | undefined;
  if (choice === 'auto') wire = { type: 'auto' };
  else if (choice === 'none') return { type: 'none' };
  else if (choice === 'required') wire = { type: 'any' };
  else if (isRecord(choice) && isRecord(choice.function)) wire = { type: 'tool', name: choice.function.name };
  if (parallel === false) wire = { ...(wire ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return wire;
}
