import type { Usage } from '@sluice/core';
import { isRecord } from './extras.js';

/**
 * Usage, converted between semantics. Anthropic's `input_tokens` EXCLUDES the tokens read from and written to the
 * prompt cache (total input = input_tokens + cache_read_input_tokens + cache_creation_input_tokens); canonical
 * `input` (OpenAI's prompt_tokens) INCLUDES them. Counts an upstream did not report stay undefined.
 */
export interface AnthropicCounts {
  input?: number;
  cacheRead?: number;
  cacheCreation?: number;
  output?: number;
  thinking?: number;
}

const n = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Folds one wire usage object into `counts`; streams repeat counts cumulatively, so a later report overwrites. */
export function mergeCounts(counts: AnthropicCounts, wire: unknown): AnthropicCounts {
  if (!isRecord(wire)) return counts;
  const set = (key: keyof AnthropicCounts, value: number | undefined): void => {
    if (value !== undefined) counts[key] = value;
  };
  set('input', n(wire['input_tokens']));
  set('cacheRead', n(wire['cache_read_input_tokens']));
  set('cacheCreation', n(wire['cache_creation_input_tokens']));
  set('output', n(wire['output_tokens']));
  set('thinking', isRecord(wire['output_tokens_details']) ? n(wire['output_tokens_details']['thinking_tokens']) : undefined);
  return counts;
}

export function countsToUsage(counts: Readonly<AnthropicCounts>): Usage {
  const usage: Usage = {};
  if (counts.input !== undefined) usage.input = counts.input + (counts.cacheRead ?? 0) + (counts.cacheCreation ?? 0);
  if (counts.cacheRead !== undefined) usage.cachedInput = counts.cacheRead;
  if (counts.cacheCreation !== undefined) usage.cacheWrite = counts.cacheCreation;
  if (counts.output !== undefined) usage.output = counts.output;
  if (counts.thinking !== undefined) usage.reasoning = counts.thinking;
  return usage;
}

/** Anthropic usage object → canonical. */
export const decodeUsage = (wire: unknown): Usage => countsToUsage(mergeCounts({}, wire));

export interface UsageWire {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
}

/** Canonical → Anthropic usage. Anthropic's schema has no "unknown": unreported counts are written as 0. */
export function encodeUsage(usage: Usage): UsageWire {
  const read = usage.cachedInput ?? 0;
  const write = usage.cacheWrite ?? 0;
  return {
    input_tokens: Math.max(0, (usage.input ?? 0) - read - write),
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
    output_tokens: usage.output ?? 0,
  };
}
