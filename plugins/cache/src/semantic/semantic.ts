import type { ChatMessage, ChatRequest } from '@sluice/core';
import { canonicalJson, digest } from '../key.js';
import type { CompiledSemantic } from '../options.js';
import type { Embedder } from './embedder.js';
import { unit, type VectorHit, type VectorStore } from './vectors.js';

function textOf(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  if (!message.content) return '';
  return message.content.map((p) => (p.type === 'text' && typeof p['text'] === 'string' ? p['text'] : '')).join(' ');
}

const isSystem = (m: ChatMessage): boolean => m.role === 'system' || m.role === 'developer';

/** What a semantic lookup compares: the text to embed, and the partition that must match exactly. */
export interface SemanticQuery {
  text: string;
  partition: string;
}

/**
 * The last user turn (plus `contextTurns` earlier non-system messages) is the only fuzzy part: it is embedded.
 * Everything else must match exactly and forms the partition: the resolved model, the system prompt, the
 * conversation before the embedded window, and the other parameters (tools, temperature, response format, ...).
 * Calls not ending with a user turn (tool results) are not eligible.
 */
export function semanticQuery(request: ChatRequest, normalized: Record<string, unknown>, resolved: string, contextTurns: number): SemanticQuery | undefined {
  const last = request.messages.at(-1);
  if (!last || last.role !== 'user') return undefined;
  const window = new Set<number>();
  for (let i = request.messages.length - 1; i >= 0 && window.size <= contextTurns; i--) {
    const message = request.messages[i];
    if (message && !isSystem(message)) window.add(i);
  }
  const text = [...window].reverse().map((i) => (request.messages[i] ? textOf(request.messages[i]) : '')).join('\n').trim();
  if (text === '') return undefined;
  const messages = normalized['messages'];
  const exact = Array.isArray(messages) ? messages.filter((_, i) => !window.has(i)) : [];
  return { text, partition: digest(`${resolved}\n${canonicalJson({ ...normalized, messages: exact })}`) };
}


/** Embeds through the configured channel and finds or records the nearest earlier question in the scope. */
export class SemanticCache {
  constructor(
    readonly options: CompiledSemantic,
    private readonly embedder: Embedder,
    readonly store: VectorStore,
  ) {}

  async embed(text: string, signal: AbortSignal): Promise<Float32Array> {
    return unit(await this.embedder.embed(text, signal));
  }

  /** The nearest earlier question at or above the threshold, or undefined. */
  async lookup(scope: string, query: SemanticQuery, vector: Float32Array): Promise<VectorHit | undefined> {
    const hit = await this.store.nearest(scope, query.partition, vector);
    return hit && hit.score >= this.options.threshold ? hit : undefined;
  }

  add(scope: string, query: SemanticQuery, vector: Float32Array, key: string, expiresAt: number): Promise<void> {
    return this.store.add(scope, query.partition, vector, key, expiresAt);
  }
}
