import type { ChatRequest } from '@sluice/core';
import type { RequestEncodeContext } from './request.js';
import { isRecord, type Wire } from './extras.js';

/**
 * OpenAI request fields the canonical types do not model, for an Anthropic upstream: reasoning requests become an
 * extended-thinking budget, a JSON schema response format becomes output_config.format, and everything else that
 * has no Anthropic equivalent is reported as dropped.
 */

/** Thinking budgets for OpenAI's reasoning_effort (Anthropic's minimum budget is 1024). */
export const EFFORT_BUDGETS: Readonly<Record<string, number>> = { minimal: 1024, low: 2048, medium: 8192, high: 16384, xhigh: 32768 };
const MIN_BUDGET = 1024;

// Represented elsewhere (max_completion_tokens → maxTokens) or meaningless upstream (the gateway always meters).
const HANDLED = new Set(['max_completion_tokens', 'stream_options', 'reasoning_effort', 'reasoning', 'thinking', 'response_format']);

export function applyOpenAIFields(wire: Wire, request: Readonly<ChatRequest>, ctx: RequestEncodeContext): void {
  const fields = request.extra?.fields ?? {};
  for (const [key, value] of Object.entries(fields)) {
    // null / false are OpenAI's defaults ("no logprobs", "do not store"): nothing is lost by leaving them out.
    if (HANDLED.has(key) || value === null || value === false || value === undefined) continue;
    ctx.drop(key, 'no Anthropic equivalent');
  }
  responseFormat(wire, fields['response_format'], ctx);
  const thinking = requestedBudget(fields);
  if (thinking) enableThinking(wire, request, thinking, ctx);
  else for (const key of ['reasoning_effort', 'reasoning', 'thinking']) if (asksForThinking(fields[key])) ctx.drop(key, 'not understood as a thinking budget');
}

/** A reasoning field that is present and does not say "off". */
function asksForThinking(value: unknown): boolean {
  if (value === undefined || value === null || value === 'none') return false;
  return !(isRecord(value) && (value['enabled'] === false || value['type'] === 'disabled' || value['effort'] === 'none'));
}

function responseFormat(wire: Wire, format: unknown, ctx: RequestEncodeContext): void {
  if (!isRecord(format) || format['type'] === 'text') return;
  const schema = isRecord(format['json_schema']) ? format['json_schema']['schema'] : undefined;
  if (format['type'] === 'json_schema' && isRecord(schema)) {
    wire['output_config'] = { ...(isRecord(wire['output_config']) ? wire['output_config'] : {}), format: { type: 'json_schema', schema } };
    return;
  }
  ctx.drop('response_format', `type '${String(format['type'])}' has no Anthropic equivalent (json_schema is supported)`);
}

interface Requested {
  field: string;
  budget: number;
  /** OpenAI's effort word, when the client gave one (adaptive thinking uses it instead of a budget). */
  effort?: string;
}

/** reasoning_effort, OpenRouter's reasoning {effort, max_tokens}, or an Anthropic-shaped thinking object. */
function requestedBudget(fields: Readonly<Wire>): Requested | undefined {
  const thinking = fields['thinking'];
  if (isRecord(thinking) && thinking['type'] === 'enabled' && typeof thinking['budget_tokens'] === 'number') {
    return { budget: thinking['budget_tokens'], field: 'thinking' };
  }
  const reasoning = fields['reasoning'];
  if (isRecord(reasoning) && reasoning['enabled'] !== false) {
    if (typeof reasoning['max_tokens'] === 'number') return { budget: Math.max(MIN_BUDGET, reasoning['max_tokens']), field: 'reasoning' };
    const effort = reasoning['effort'];
    const budget = typeof effort === 'string' ? EFFORT_BUDGETS[effort] : undefined;
    if (budget !== undefined) return { budget, field: 'reasoning', effort: effort as string };
  }
  const effort = fields['reasoning_effort'];
  const budget = typeof effort === 'string' ? EFFORT_BUDGETS[effort] : undefined;
  return budget !== undefined ? { budget, field: 'reasoning_effort', effort: effort as string } : undefined;
}

// Anthropic's effort levels have no 'minimal'.
const ADAPTIVE_EFFORT: Readonly<Record<string, string>> = { minimal: 'low', low: 'low', medium: 'medium', high: 'high', xhigh: 'xhigh' };

/**
 * Turns thinking on. Anthropic counts thinking inside max_tokens (as OpenAI counts reasoning inside
 * max_completion_tokens), needs budget < max_tokens, and refuses thinking with forced tool use, a changed
 * temperature, top_k, or top_p below 0.95: whatever cannot coexist with it is reported.
 */
function enableThinking(wire: Wire, request: Readonly<ChatRequest>, wanted: Requested, ctx: RequestEncodeContext): void {
  const choice = wire['tool_choice'];
  if (isRecord(choice) && (choice['type'] === 'any' || choice['type'] === 'tool')) {
    ctx.drop(wanted.field, 'Anthropic cannot think while a tool call is forced');
    return;
  }
  let budget = wanted.budget;
  if (request.maxTokens === undefined) {
    // Room for the thinking on top of the answer the client would have had.
    wire['max_tokens'] = ctx.defaultMaxTokens + budget;
  } else {
    budget = Math.min(budget, request.maxTokens - 1);
    if (budget < MIN_BUDGET) {
      ctx.drop(wanted.field, `max_tokens ${request.maxTokens} leaves no room for Anthropic's minimum thinking budget (${MIN_BUDGET})`);
      return;
    }
  }
  const effort = wanted.effort !== undefined ? ADAPTIVE_EFFORT[wanted.effort] : undefined;
  if (ctx.thinking === 'adaptive' && effort !== undefined) {
    wire['thinking'] = { type: 'adaptive' };
    wire['output_config'] = { ...(isRecord(wire['output_config']) ? wire['output_config'] : {}), effort };
  } else {
    wire['thinking'] = { type: 'enabled', budget_tokens: budget };
  }
  if (wire['temperature'] !== undefined && wire['temperature'] !== 1) {
    delete wire['temperature'];
    ctx.drop('temperature', 'Anthropic requires the default temperature while thinking');
  }
  if (wire['top_k'] !== undefined) {
    delete wire['top_k'];
    ctx.drop('top_k', 'Anthropic does not accept top_k while thinking');
  }
  if (typeof wire['top_p'] === 'number' && wire['top_p'] < 0.95) {
    delete wire['top_p'];
    ctx.drop('top_p', 'Anthropic accepts top_p of 0.95 or more while thinking');
  }
}
