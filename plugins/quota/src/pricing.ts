import type { Usage } from '@sluice/core';
import type { PriceEntry } from './schema.js';
import { firstMatch } from './globs.js';

/** Token counts by billing class, every field a whole number (the "not reported" gaps already filled). */
export interface Tokens {
  input: number;
  output: number;
  cachedInput: number;
  cacheWrite: number;
  reasoning: number;
}

export const toTokens = (usage: Usage): Tokens => ({
  input: usage.input ?? 0,
  output: usage.output ?? 0,
  cachedInput: usage.cachedInput ?? 0,
  cacheWrite: usage.cacheWrite ?? 0,
  reasoning: usage.reasoning ?? 0,
});

const PER_MILLION = 1_000_000n;
// Multipliers are held as integer parts-per-million so the arithmetic stays exact.
const PPM = 1_000_000n;

/**
 * Prices a call in integer micro-units. Usage follows OpenAI's semantics (input includes cached and cache-write
 * tokens, output includes reasoning), so each class is billed once at its own price. BigInt keeps large token
 * counts × prices exact; the result is rounded up once, so a request never costs less than its tokens.
 */
export class PriceTable {
  readonly #lookup: (model: string) => PriceEntry | undefined;
  readonly #multipliers: Map<string, bigint>;

  constructor(prices: Readonly<Record<string, PriceEntry>>, multipliers: Readonly<Record<string, number>>) {
    this.#lookup = firstMatch(prices);
    this.#multipliers = new Map(Object.entries(multipliers).map(([group, m]) => [group, BigInt(Math.round(m * 1_000_000))]));
  }

  entry(model: string): PriceEntry | undefined {
    return this.#lookup(model);
  }

  cost(model: string, group: string, tokens: Tokens): number {
    const p = this.#lookup(model);
    if (!p) return 0;
    const cached = Math.min(tokens.cachedInput, tokens.input);
    const written = Math.min(tokens.cacheWrite, tokens.input - cached);
    const reasoning = Math.min(tokens.reasoning, tokens.output);
    const perMillion =
      BigInt(tokens.input - cached - written) * BigInt(p.input) +
      BigInt(cached) * BigInt(p.cachedInput ?? p.input) +
      BigInt(written) * BigInt(p.cacheWrite ?? p.input) +
      BigInt(tokens.output - reasoning) * BigInt(p.output) +
      BigInt(reasoning) * BigInt(p.reasoning ?? p.output);
    const multiplier = this.#multipliers.get(group) ?? PPM;
    const scaled = (perMillion + BigInt(p.request ?? 0) * PER_MILLION) * multiplier;
    const divisor = PER_MILLION * PPM;
    return Number((scaled + divisor - 1n) / divisor);
  }
}
