import { SseParser, type AdapterContext, type CanonicalChunk, type SseEvent, type StreamTranslator, type Usage } from '@sluice/core';

/** An AdapterContext that records ctx.drop calls (or throws on them, as core does for a strict channel). */
export interface RecordingContext<C> extends AdapterContext<C> {
  readonly dropped: { field: string; reason: string }[];
}

export class StrictDropError extends Error {
  constructor(readonly field: string) {
    super(`strict channel: '${field}' cannot be sent upstream`);
    this.name = 'StrictDropError';
  }
}

export function conformanceContext<C>(
  options: C,
  init: { apiKey: string; upstreamModel: string; surface: string; channel?: string; strict?: boolean },
): RecordingContext<C> {
  const dropped: { field: string; reason: string }[] = [];
  return {
    options,
    channel: init.channel ?? 'conformance',
    upstreamModel: init.upstreamModel,
    apiKey: init.apiKey,
    surface: init.surface,
    dropped,
    drop(field, reason) {
      if (init.strict) throw new StrictDropError(field);
      dropped.push({ field, reason });
    },
  };
}

export interface Replay {
  chunks: CanonicalChunk[];
  usage: Usage;
  /** What the translator threw, if it did (the replay stops there, as dispatch does). */
  error?: Error;
}

/**
 * Feeds raw bytes, in the given pieces, through core's SSE framing and the translator, exactly as dispatch does:
 * push per read, parser.end() at EOF, then translator.end().
 */
export function replaySse(translator: StreamTranslator, pieces: Iterable<Uint8Array>): Replay {
  const parser = new SseParser();
  const events = function* (): Generator<SseEvent> {
    for (const piece of pieces) yield* parser.push(piece);
    yield* parser.end();
  };
  return translateEvents(translator, events());
}

/** Feeds already-framed events through the translator (used to inject unknown events between real ones). */
export function translateEvents(translator: StreamTranslator, events: Iterable<SseEvent>): Replay {
  const chunks: CanonicalChunk[] = [];
  try {
    for (const event of events) chunks.push(...translator.push(event));
    chunks.push(...translator.end());
  } catch (error) {
    return { chunks, usage: translator.usage(), error: error instanceof Error ? error : new Error(String(error)) };
  }
  return { chunks, usage: translator.usage() };
}

/** Every event of a capture, framed once (the reference the replays are compared to). */
export function framedEvents(bytes: Uint8Array): SseEvent[] {
  const parser = new SseParser();
  return [...parser.push(bytes), ...parser.end()];
}

/** The capture split in two at `at`. */
export function splitAt(bytes: Uint8Array, at: number): Uint8Array[] {
  return [bytes.subarray(0, at), bytes.subarray(at)];
}

/** The capture one byte per read: every boundary at once, including inside UTF-8 sequences and CRLF pairs. */
export function* byteByByte(bytes: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
}
