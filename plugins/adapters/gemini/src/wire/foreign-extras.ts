// Request fields another wire format carried that the canonical types do not model: the ones Gemini has an
// equivalent for are translated into generationConfig, the others are reported as dropped.
import type { VendorExtra } from '@sluice/core';
import { isRecord, type Wire } from './types.js';

type Drop = (field: string, reason: string) => void;

// Represented by canonical fields already (maxTokens, includeUsage), so nothing is lost.
const REPRESENTED = new Set(['max_completion_tokens', 'stream_options']);

// Thinking budgets for OpenAI's reasoning_effort levels (Gemini 2.5's documented ranges).
const THINKING_BUDGET: Record<string, number> = { none: 0, minimal: 512, low: 1024, medium: 8192, high: 24576 };

const empty = (value: unknown): boolean => value === null || value === undefined || (Array.isArray(value) && value.length === 0);

function responseFormat(value: unknown, config: Wire): boolean {
  if (!isRecord(value)) return false;
  if (value['type'] === 'text') return true;
  if (value['type'] === 'json_object') {
    config['responseMimeType'] = 'application/json';
    return true;
  }
  const schema = isRecord(value['json_schema']) ? value['json_schema']['schema'] : undefined;
  if (value['type'] === 'json_schema' && isRecord(schema)) {
    config['responseMimeType'] = 'application/json';
    config['responseJsonSchema'] = schema;
    return true;
  }
  return false;
}

/** OpenAI's fields → generationConfig where Gemini has the same knob; every other non-empty field → drop(). */
export function encodeForeignExtra(extra: Readonly<VendorExtra>, config: Wire, drop: Drop): void {
  for (const [key, value] of Object.entries(extra.fields)) {
    if (empty(value)) continue;
    if (extra.format === 'openai') {
      if (REPRESENTED.has(key)) continue;
      if (key === 'seed' && typeof value === 'number') {
        config['seed'] = value;
        continue;
      }
      if (key === 'presence_penalty' && typeof value === 'number') {
        config['presencePenalty'] = value;
        continue;
      }
      if (key === 'frequency_penalty' && typeof value === 'number') {
        config['frequencyPenalty'] = value;
        continue;
      }
      if (key === 'response_format' && responseFormat(value, config)) continue;
      if (key === 'reasoning_effort' && typeof value === 'string' && THINKING_BUDGET[value] !== undefined) {
        const budget = THINKING_BUDGET[value];
        config['thinkingConfig'] = budget === 0 ? { thinkingBudget: 0 } : { thinkingBudget: budget, includeThoughts: true };
        continue;
      }
    }
    drop(key, `no Gemini equivalent (${extra.format} request field)`);
  }
}
