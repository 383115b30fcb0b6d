import type { Usage } from '@sluice/core';
import type { GeminiUsageMetadata } from './types.js';

const count = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/**
 * usageMetadata → canonical usage. Gemini's promptTokenCount already includes cachedContentTokenCount (as OpenAI's
 * prompt_tokens includes cached tokens); tool-use prompt tokens (e.g. search results) are billed as input too.
 * candidatesTokenCount excludes thoughtsTokenCount, while canonical output includes reasoning: they are added.
 * A count Gemini left out stays undefined ("not reported"), so the gateway estimates it rather than booking 0.
 */
export function decodeUsage(metadata: GeminiUsageMetadata | undefined): Usage {
  const usage: Usage = {};
  if (!metadata) return usage;
  const prompt = count(metadata.promptTokenCount);
  const toolPrompt = count(metadata.toolUsePromptTokenCount);
  const candidates = count(metadata.candidatesTokenCount);
  const thoughts = count(metadata.thoughtsTokenCount);
  const cached = count(metadata.cachedContentTokenCount);
  if (prompt !== undefined) usage.input = prompt + (toolPrompt ?? 0);
  if (candidates !== undefined || thoughts !== undefined) usage.output = (candidates ?? 0) + (thoughts ?? 0);
  if (thoughts !== undefined) usage.reasoning = thoughts;
  if (cached !== undefined) usage.cachedInput = cached;
  return usage;
}

/** Canonical usage → usageMetadata. Gemini's schema has no "unknown", so unreported counts are written as 0. */
export function encodeUsage(usage: Usage): GeminiUsageMetadata {
  const input = usage.input ?? 0;
  const output = usage.output ?? 0;
  const reasoning = usage.reasoning ?? 0;
  const metadata: GeminiUsageMetadata = {
    promptTokenCount: input,
    candidatesTokenCount: Math.max(0, output - reasoning),
    totalTokenCount: input + output,
  };
  if (usage.cachedInput !== undefined) metadata.cachedContentTokenCount = usage.cachedInput;
  if (usage.reasoning !== undefined) metadata.thoughtsTokenCount = usage.reasoning;
  return metadata;
}
