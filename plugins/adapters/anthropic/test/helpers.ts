import { readFileSync } from 'node:fs';
import { SseParser, type CanonicalChunk, type StreamTranslator } from '@sluice/core';
import type { AnthropicOptions } from '@sluice/adapter-anthropic';
import { conformanceContext, deepFreeze, type RecordingContext } from '@sluice/adapter-testkit';

export const API_KEY = 'sk-ant-api03-test-0123456789abcdefghijklmnop';

export type TestContext = RecordingContext<AnthropicOptions>;

/** An adapter context that records what was dropped (surface 'openai' = translation, 'anthropic' = same format). */
export function context(surface = 'openai', options: AnthropicOptions = {}): TestContext {
  return conformanceContext(options, { apiKey: API_KEY, upstreamModel: 'claude-sonnet-4-6', surface, channel: 'claude-main' });
}

export { deepFreeze };

export const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** Feeds bytes to a fresh parser + translator in the given pieces; returns every chunk, end() included. */
export function replay(bytes: Uint8Array, cuts: readonly number[], translator: StreamTranslator): CanonicalChunk[] {
  const parser = new SseParser();
  const chunks: CanonicalChunk[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    for (const event of parser.push(bytes.subarray(from, cut))) chunks.push(...translator.push(event));
    from = cut;
  }
  for (const event of parser.end()) chunks.push(...translator.push(event));
  chunks.push(...translator.end());
  return chunks;
}

/** Text, reasoning, signatures, redacted blocks, tool calls by index and finish reasons, folded from chunks. */
export function fold(chunks: readonly CanonicalChunk[]) {
  let content = '';
  let reasoning = '';
  const signatures: string[] = [];
  const redacted: string[] = [];
  const finish: string[] = [];
  const calls = new Map<number, { id?: string; name?: string; arguments: string }>();
  for (const chunk of chunks) {
    if (chunk.operation !== 'chat') continue;
    for (const choice of chunk.choices) {
      const d = choice.delta;
      content += d.content ?? '';
      reasoning += d.reasoning ?? '';
      if (d.reasoningSignature !== undefined) signatures.push(d.reasoningSignature);
      if (d.reasoningRedacted !== undefined) redacted.push(d.reasoningRedacted);
      for (const call of d.toolCalls ?? []) {
        const entry = calls.get(call.index) ?? { arguments: '' };
        if (call.id !== undefined) entry.id = call.id;
        if (call.function?.name !== undefined) entry.name = call.function.name;
        entry.arguments += call.function?.arguments ?? '';
        calls.set(call.index, entry);
      }
      if (choice.finishReason) finish.push(choice.finishReason);
    }
  }
  return { content, reasoning, signatures, redacted, finish, calls: [...calls.entries()].sort((a, b) => a[0] - b[0]) };
}
