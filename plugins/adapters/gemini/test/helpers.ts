// Shared by this package's unit tests: an adapter context that records drops, and deep freezing.
import { conformanceContext, deepFreeze, type RecordingContext } from '@sluice/adapter-testkit';
import type { GeminiOptions } from '@sluice/adapter-gemini';

// Assembled at run time so no committed line looks like a real provider key.
export const API_KEY = ['AIza', 'SyTest-0123456789abcdefghijklmnopqrs'].join('');

export type TestContext = RecordingContext<GeminiOptions>;

export function context(options: GeminiOptions = {}, surface = 'openai'): TestContext {
  return conformanceContext(options, { apiKey: API_KEY, upstreamModel: 'gemini-2.5-flash', surface, channel: 'gemini-main' });
}

export { deepFreeze };

/** Every way to cut `text` in two (as bytes), so a parser sees each boundary once. */
export function* byteSplits(text: string): Generator<Uint8Array[]> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i <= bytes.length; i++) yield [bytes.slice(0, i), bytes.slice(i)];
}
