import type { CacheControl, ContentPart } from '@sluice/core';
import { isRecord, type Wire } from './extras.js';

/** Content blocks ⇄ canonical content parts: text, images (base64 ⇄ data: URL, url ⇄ http URL), cache marks. */

export function decodeCacheControl(value: unknown): CacheControl | undefined {
  if (!isRecord(value) || value['type'] !== 'ephemeral') return undefined;
  return typeof value['ttl'] === 'string' ? { type: 'ephemeral', ttl: value['ttl'] } : { type: 'ephemeral' };
}

export const encodeCacheControl = (value: CacheControl): Wire => (value.ttl !== undefined ? { type: 'ephemeral', ttl: value.ttl } : { type: 'ephemeral' });

/** Copies `from[key]` for every key not in `skip` (same-format fidelity for fields neither side models). */
function copyOthers(target: Wire, from: Readonly<Wire>, skip: ReadonlySet<string>): void {
  for (const key in from) if (Object.hasOwn(from, key) && !skip.has(key) && key !== '__proto__') target[key] = from[key];
}

const TEXT_PART_KNOWN = new Set(['type', 'text', 'cacheControl', 'cache_control']);
const IMAGE_PART_KNOWN = new Set(['type', 'image_url', 'cacheControl', 'cache_control']);
const TEXT_BLOCK_KNOWN = new Set(['type', 'text', 'cache_control']);

const DATA_URL = /^data:([^;,]+)(?:;[^;,]*)*;base64,/;

/** An image URL as an Anthropic image source, or undefined for a data: URL that is not base64. */
export function imageSource(url: string): Wire | undefined {
  if (!url.startsWith('data:')) return { type: 'url', url };
  const match = DATA_URL.exec(url);
  if (!match) return undefined;
  return { type: 'base64', media_type: match[1], data: url.slice(match[0].length) };
}

export type PartResult = { block: Wire } | { unsupported: string };

/**
 * Canonical part → Anthropic block. `sameFormat`: the client speaks Anthropic, so parts the canonical types do not
 * model are Anthropic blocks it sent (documents, search results, ...) and go back verbatim.
 */
export function encodePart(part: ContentPart, sameFormat: boolean): PartResult {
  const p = part as Wire;
  // cache_control on an OpenAI content part is OpenRouter's convention for Anthropic prompt caching.
  const mark = decodeCacheControl(p['cacheControl']) ?? decodeCacheControl(p['cache_control']);
  const cache = mark ? encodeCacheControl(mark) : undefined;
  if (part.type === 'text' && typeof p['text'] === 'string') {
    const block: Wire = { type: 'text', text: p['text'] };
    if (sameFormat) copyOthers(block, p, TEXT_PART_KNOWN);
    if (cache) block['cache_control'] = cache;
    return { block };
  }
  if (part.type === 'image_url' && isRecord(p['image_url']) && typeof p['image_url']['url'] === 'string') {
    const source = imageSource(p['image_url']['url']);
    if (!source) return { unsupported: 'only base64 data: URLs and http(s) URLs can be sent as Anthropic images' };
    const block: Wire = { type: 'image', source };
    if (sameFormat) copyOthers(block, p, IMAGE_PART_KNOWN);
    if (cache) block['cache_control'] = cache;
    return { block };
  }
  if (sameFormat) return { block: { ...p } };
  return { unsupported: `content part type '${part.type}' has no Anthropic equivalent` };
}

/** Anthropic content block (text, image, or any other kind) → canonical part. */
export function decodeBlock(block: Readonly<Wire>): ContentPart {
  const cache = decodeCacheControl(block['cache_control']);
  if (block['type'] === 'text' && typeof block['text'] === 'string') {
    const part: Wire = { type: 'text', text: block['text'] };
    copyOthers(part, block, TEXT_BLOCK_KNOWN);
    if (cache) part['cacheControl'] = cache;
    return part as unknown as ContentPart;
  }
  const source = block['source'];
  if (block['type'] === 'image' && isRecord(source)) {
    let url: string | undefined;
    if (source['type'] === 'base64' && typeof source['data'] === 'string') url = `data:${String(source['media_type'])};base64,${source['data']}`;
    if (source['type'] === 'url' && typeof source['url'] === 'string') url = source['url'];
    if (url !== undefined) {
      const part: Wire = { type: 'image_url', image_url: { url } };
      if (cache) part['cacheControl'] = cache;
      return part as unknown as ContentPart;
    }
  }
  // Documents, search results, file-sourced images...: kept verbatim for an Anthropic upstream.
  return { ...block } as ContentPart;
}
