import type { ReasoningBlock, ToolCall } from '@sluice/core';
import { isRecord, type GeminiPart, type Wire } from './types.js';

/**
 * Gemini's function calls carry no id (newer models sometimes do). Where one is missing we make one with this
 * prefix; such ids are never sent upstream, where results are matched by name and order instead.
 */
export const SYNTHETIC_ID_PREFIX = 'call_gm_';
export const isSyntheticId = (id: string | undefined): boolean => id === undefined || id.startsWith(SYNTHETIC_ID_PREFIX);

const DATA_URL = /^data:([^;,]+)((?:;[^;,]*)*?);base64,(.*)$/s;

export function parseDataUrl(url: string): { mimeType: string; data: string } | undefined {
  const match = DATA_URL.exec(url);
  return match ? { mimeType: match[1]!, data: match[3]! } : undefined;
}

export const dataUrl = (mimeType: string, data: string): string => `data:${mimeType};base64,${data}`;

const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', heic: 'image/heic', heif: 'image/heif',
};

/** Gemini needs a MIME type with a file URI; an image URL without a known extension is sent as JPEG. */
export function imageMimeType(url: string): string {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // not a URL: use the text as is
  }
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? '';
  return IMAGE_TYPES[extension] ?? 'image/jpeg';
}

/** A tool call's JSON arguments as the object Gemini's functionCall.args must be (undefined when they are not). */
export function argsObject(text: string): Wire | undefined {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export interface ModelTurn {
  text: string | null;
  reasoning: ReasoningBlock[];
  toolCalls: ToolCall[];
  /** Parts of kinds the canonical message cannot hold (code execution, inline images, ...). */
  other: GeminiPart[];
}

/**
 * A model turn's parts → canonical pieces. Thought parts accumulate into a reasoning block; a thoughtSignature, on
 * whichever part Gemini put it, closes the current block (a block may thus be signature-only).
 */
export function readModelParts(parts: readonly GeminiPart[], idFor: (call: Wire, ordinal: number) => string): ModelTurn {
  const reasoning: ReasoningBlock[] = [];
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  const other: GeminiPart[] = [];
  let block: ReasoningBlock = {};
  const close = (signature: string): void => {
    block.signature = signature;
    reasoning.push(block);
    block = {};
  };
  for (const part of parts) {
    const signature = typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '' ? part.thoughtSignature : undefined;
    if (part.thought === true && typeof part.text === 'string') {
      block.text = (block.text ?? '') + part.text;
      if (signature) close(signature);
      continue;
    }
    if (signature) close(signature);
    if (typeof part.text === 'string') texts.push(part.text);
    else if (isRecord(part.functionCall)) {
      const call = part.functionCall;
      toolCalls.push({
        id: typeof call['id'] === 'string' && call['id'] !== '' ? call['id'] : idFor(call, toolCalls.length),
        type: 'function',
        function: { name: String(call['name'] ?? ''), arguments: JSON.stringify(call['args'] ?? {}) },
      });
    } else if (Object.keys(part).some((key) => key !== 'thoughtSignature' && key !== 'thought')) other.push(part);
  }
  if (block.text !== undefined) reasoning.push(block);
  return { text: texts.length > 0 ? texts.join('') : toolCalls.length > 0 ? null : '', reasoning, toolCalls, other };
}

export interface ModelPartsInput {
  reasoning: readonly ReasoningBlock[] | undefined;
  text: string;
  calls: readonly { id?: string; name: string; args: Wire }[];
  /** Called for what cannot be sent (redacted reasoning, surplus signatures). */
  lost?(field: string, reason: string): void;
}

/**
 * Canonical pieces → a model turn's parts, putting signatures where Gemini validates them: with function calls,
 * on the function-call parts in order (the first call of a step carries the step's signature); otherwise the last one
 * on the last text part, as Gemini sends a plain answer's, and any others on their thought part (or an empty text part).
 */
export function writeModelParts(input: ModelPartsInput): GeminiPart[] {
  const thoughts: GeminiPart[] = [];
  const signatures: { signature: string; thought: GeminiPart | undefined }[] = [];
  for (const [i, block] of (input.reasoning ?? []).entries()) {
    if (block.redacted !== undefined) input.lost?.(`reasoning[${i}].redacted`, 'Gemini has no redacted reasoning blocks');
    const thought: GeminiPart | undefined = block.text ? { text: block.text, thought: true } : undefined;
    if (thought) thoughts.push(thought);
    if (block.signature) signatures.push({ signature: block.signature, thought });
  }
  const text: GeminiPart[] = input.text !== '' ? [{ text: input.text }] : [];
  const calls: GeminiPart[] = input.calls.map((call) => ({
    functionCall: { ...(call.id !== undefined && !isSyntheticId(call.id) ? { id: call.id } : {}), name: call.name, args: call.args },
  }));
  if (calls.length > 0) {
    signatures.forEach(({ signature }, i) => {
      const target = calls[i];
      if (target) target.thoughtSignature = signature;
      else input.lost?.(`reasoning[${i}].signature`, 'more reasoning signatures than function calls');
    });
  } else {
    signatures.forEach(({ signature, thought }, i) => {
      const last = text.at(-1);
      // Gemini puts the signature of a plain answer on its last part; earlier ones stay with their thoughts.
      if (last && last.thoughtSignature === undefined && (i === signatures.length - 1 || !thought)) last.thoughtSignature = signature;
      else if (thought) thought.thoughtSignature = signature;
      else text.push({ text: '', thoughtSignature: signature });
    });
  }
  return [...thoughts, ...text, ...calls];
}

/** Gemini's Schema (OpenAPI subset, upper-case types) → JSON Schema, for tools declared with `parameters`. */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!isRecord(schema)) return schema;
  const out: Wire = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable' || key === 'propertyOrdering') continue;
    if (key === 'type' && typeof value === 'string') out[key] = value === 'TYPE_UNSPECIFIED' ? undefined : value.toLowerCase();
    else if (key === 'properties' && isRecord(value)) out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v)]));
    else if (key === 'items' || key === 'anyOf') out[key] = toJsonSchema(value);
    else out[key] = value;
  }
  if (schema['nullable'] === true && typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
  if (out['type'] === undefined) delete out['type'];
  return out;
}
