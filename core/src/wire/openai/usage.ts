import type { Usage } from '../../contracts/canonical.js';

type Wire = Record<string, unknown>;

/** OpenAI usage object → canonical (the semantics match; only names differ). */
export function decodeUsage(wire: unknown): Usage {
  const usage: Usage = {};
  if (!wire || typeof wire !== 'object') return usage;
  const u = wire as Wire;
  const n = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  const input = n(u['prompt_tokens']);
  const output = n(u['completion_tokens']);
  const cached = n((u['prompt_tokens_details'] as Wire | undefined)?.['cached_tokens']);
  const reasoning = n((u['completion_tokens_details'] as Wire | undefined)?.['reasoning_tokens']);
  if (input !== undefined) usage.input = input;
  if (output !== undefined) usage.output = output;
  if (cached !== undefined) usage.cachedInput = cached;
  if (reasoning !== undefined) usage.reasoning = reasoning;
  return usage;
}

/** Canonical → OpenAI usage object. Unreported counts are written as 0: OpenAI's schema has no "unknown". */
export function encodeUsage(usage: Usage): Wire {
  const input = usage.input ?? 0;
  const output = usage.output ?? 0;
  const wire: Wire = { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
  if (usage.cachedInput !== undefined) wire['prompt_tokens_details'] = { cached_tokens: usage.cachedInput };
  if (usage.reasoning !== undefined) wire['completion_tokens_details'] = { reasoning_tokens: usage.reasoning };
  return wire;
}
