/** The fake model itself: deterministic text, token counts and embeddings derived from the input. */

export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The reply for a prompt: a fixed text if configured, else an echo that makes tests and demos readable. */
export function replyFor(prompt: string, fixed: string | undefined, maxTokens: number | undefined): { tokens: string[]; truncated: boolean } {
  const text = fixed ?? `This is a mock reply to: ${prompt.slice(0, 80)}`;
  const tokens = text.match(/\S+\s*/g) ?? [];
  if (maxTokens !== undefined && tokens.length > maxTokens) return { tokens: tokens.slice(0, maxTokens), truncated: true };
  return { tokens, truncated: false };
}

export function countTokens(text: string): number {
  return (text.match(/\S+/g) ?? []).length;
}

function fnv1a(text: string, seed: number): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Hashed bag of words, L2-normalised: texts that share words have a high cosine similarity. */
export function embed(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of wordsOf(text)) {
    const slot = fnv1a(word, 0) % dimensions;
    vector[slot] = (vector[slot] ?? 0) + (fnv1a(word, 1) & 1 ? 1 : -1);
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((v) => v / norm);
}
