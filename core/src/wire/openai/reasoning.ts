import type { ChatDelta, ReasoningBlock } from '../../contracts/canonical.js';

/**
 * Reasoning on the OpenAI wire. Plain text rides in `reasoning_content` (DeepSeek's field, read by most clients);
 * signatures and encrypted blocks — which Anthropic and Gemini need back on the next turn — ride in
 * `reasoning_details` (OpenRouter's convention), which SDKs keep on the message object a client echoes back.
 */
type Wire = Record<string, unknown>;

interface DetailWire { type: string; text?: string; signature?: string; data?: string }

export function decodeReasoning(wire: Wire): ReasoningBlock[] | undefined {
  const details = wire['reasoning_details'];
  if (Array.isArray(details) && details.length > 0) {
    return (details as DetailWire[]).map((d) => {
      const block: ReasoningBlock = {};
      if (d.type === 'reasoning.encrypted' && typeof d.data === 'string') block.redacted = d.data;
      if (typeof d.text === 'string') block.text = d.text;
      if (typeof d.signature === 'string') block.signature = d.signature;
      return block;
    });
  }
  return typeof wire['reasoning_content'] === 'string' ? [{ text: wire['reasoning_content'] }] : undefined;
}

export function encodeReasoning(wire: Wire, blocks: readonly ReasoningBlock[] | undefined): void {
  if (!blocks?.length) return;
  const text = blocks.map((b) => b.text ?? '').join('');
  if (text) wire['reasoning_content'] = text;
  if (blocks.some((b) => b.signature !== undefined || b.redacted !== undefined)) {
    wire['reasoning_details'] = blocks.map((b, index): DetailWire & { index: number } =>
      b.redacted !== undefined
        ? { type: 'reasoning.encrypted', data: b.redacted, index }
        : { type: 'reasoning.text', ...(b.text !== undefined ? { text: b.text } : {}), ...(b.signature !== undefined ? { signature: b.signature } : {}), index },
    );
  }
}

export function decodeReasoningDelta(wire: Wire, delta: ChatDelta): void {
  if (typeof wire['reasoning_content'] === 'string') delta.reasoning = wire['reasoning_content'];
  const details = wire['reasoning_details'];
  if (!Array.isArray(details)) return;
  for (const d of details as DetailWire[]) {
    if (d.type === 'reasoning.encrypted' && typeof d.data === 'string') delta.reasoningRedacted = d.data;
    if (typeof d.text === 'string' && delta.reasoning === undefined) delta.reasoning = d.text;
    if (typeof d.signature === 'string') delta.reasoningSignature = d.signature;
  }
}

export function encodeReasoningDelta(wire: Wire, delta: ChatDelta): void {
  if (delta.reasoning !== undefined) wire['reasoning_content'] = delta.reasoning;
  const details: DetailWire[] = [];
  if (delta.reasoningSignature !== undefined) details.push({ type: 'reasoning.text', signature: delta.reasoningSignature });
  if (delta.reasoningRedacted !== undefined) details.push({ type: 'reasoning.encrypted', data: delta.reasoningRedacted });
  if (details.length > 0) wire['reasoning_details'] = details;
}
