import { setTimeout as sleep } from 'node:timers/promises';
import type { CanonicalChunk, CanonicalResponse, FinishReason, RelayResult, Usage } from '@sluice/core';
import { assemble, chatToChunks, completionToChunks } from './assemble.js';

/** What one cache entry holds (stored as JSON text): a complete answer, as a response or as its chunk sequence. */
export type CacheEntry =
  | { v: 1; storedAt: number; usage: Usage; kind: 'response'; response: CanonicalResponse }
  | { v: 1; storedAt: number; usage: Usage; kind: 'stream'; chunks: CanonicalChunk[] };

const finished = (reason: FinishReason | null): boolean => reason !== null && reason !== 'error';

/** Only complete, successful answers are stored: every choice finished, none with an error. */
export function isCompleteResponse(response: CanonicalResponse): boolean {
  switch (response.operation) {
    case 'chat':
    case 'completions':
      return response.choices.length > 0 && response.choices.every((c) => finished(c.finishReason));
    case 'embeddings':
      return response.vectors.length > 0;
    default:
      return false; // models and count_tokens are answered by the gateway itself
  }
}

export function encodeResponseEntry(response: CanonicalResponse, usage: Usage, now: number): string {
  return JSON.stringify({ v: 1, storedAt: now, usage, kind: 'response', response });
}

/**
 * Collects a stream's chunks as JSON text while they pass (each chunk is serialised once, and the entry is
 * assembled from the pieces), up to a size limit past which it gives up and lets the stream go by.
 */
export class StreamRecorder {
  readonly #parts: string[] = [];
  readonly #finish = new Map<number, FinishReason | null>();
  #size = 0;
  #overflow = false;

  constructor(private readonly maxBytes: number) {}

  push(chunk: CanonicalChunk): void {
    if (this.#overflow) return;
    const json = JSON.stringify(chunk);
    this.#size += json.length;
    if (this.#size > this.maxBytes) {
      this.#overflow = true;
      this.#parts.length = 0;
      return;
    }
    this.#parts.push(json);
    for (const c of chunk.choices) if (!this.#finish.has(c.index) || c.finishReason !== null) this.#finish.set(c.index, c.finishReason);
  }

  /** Why this stream must not be stored, or undefined when it may be. */
  refusal(): string | undefined {
    if (this.#overflow) return `larger than maxEntrySize (${this.maxBytes} bytes)`;
    if (this.#parts.length === 0 || this.#finish.size === 0) return 'empty stream';
    if (![...this.#finish.values()].every(finished)) return 'a choice did not finish';
    return undefined;
  }

  encode(usage: Usage, now: number): string {
    return `{"v":1,"storedAt":${now},"usage":${JSON.stringify(usage)},"kind":"stream","chunks":[${this.#parts.join(',')}]}`;
  }
}

export function decodeEntry(json: string): CacheEntry | undefined {
  try {
    const entry = JSON.parse(json) as CacheEntry;
    return entry.v === 1 && (entry.kind === 'response' || entry.kind === 'stream') ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** The answer's operation, to check an entry fits the request (a hash collision or a foreign key must not mix them). */
export function entryOperation(entry: CacheEntry): string | undefined {
  return entry.kind === 'response' ? entry.response.operation : entry.chunks[0]?.operation;
}

export interface ReplayOptions {
  /** The client asked for a stream. */
  stream: boolean;
  /** Pause between replayed chunks (0 = none). */
  chunkDelayMs: number;
  signal: AbortSignal;
}

/** A cached entry as the result the client asked for: its own form, or converted (stream ⇄ response). */
export function replay(entry: CacheEntry, options: ReplayOptions): RelayResult | undefined {
  const usage = entry.usage;
  if (!options.stream) {
    if (entry.kind === 'response') return { kind: 'response', response: entry.response, usage };
    const response = assemble(entry.chunks);
    return response ? { kind: 'response', response, usage } : undefined;
  }
  let chunks: CanonicalChunk[];
  if (entry.kind === 'stream') chunks = entry.chunks;
  else if (entry.response.operation === 'chat') chunks = chatToChunks(entry.response);
  else if (entry.response.operation === 'completions') chunks = completionToChunks(entry.response);
  else return undefined; // embeddings never stream
  return { kind: 'stream', chunks: paced(chunks, options), usage: () => usage };
}

async function* paced(chunks: readonly CanonicalChunk[], options: ReplayOptions): AsyncGenerator<CanonicalChunk> {
  for (const [i, chunk] of chunks.entries()) {
    if (i > 0 && options.chunkDelayMs > 0) await sleep(options.chunkDelayMs, undefined, { signal: options.signal });
    yield chunk;
  }
}
