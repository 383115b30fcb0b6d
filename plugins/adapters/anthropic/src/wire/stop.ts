import type { FinishReason } from '@sluice/core';

const FROM_WIRE: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** Anthropic stop_reason → canonical; an unknown non-null reason is a normal stop. */
export const decodeStopReason = (value: unknown): FinishReason | null =>
  typeof value === 'string' ? (FROM_WIRE[value] ?? 'stop') : null;

const TO_WIRE: Record<FinishReason, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
  error: 'end_turn',
};

/** Canonical → Anthropic stop_reason; `stopSequence` (same-format relays) turns a stop into 'stop_sequence'. */
export function encodeStopReason(reason: FinishReason | null, stopSequence: unknown): string {
  if (typeof stopSequence === 'string' && (reason === 'stop' || reason === null)) return 'stop_sequence';
  return TO_WIRE[reason ?? 'stop'];
}
