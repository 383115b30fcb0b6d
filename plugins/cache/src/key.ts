import { createHash } from 'node:crypto';
import type { ChannelRegistry, ChatMessage, ContentPart, Principal, RelayRequest, ToolDefinition } from '@sluice/core';
import type { CacheScope } from './options.js';

/**
 * Extra (same-format) request fields that do not change the answer, or that the surface re-applies to every
 * answer (encoding_format): leaving them out of the key lets more identical questions share an entry.
 */
const NEUTRAL_EXTRA = new Set(['stream_options', 'metadata', 'store', 'encoding_format', 'safety_identifier', 'prompt_cache_key', 'user']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** JSON with object keys sorted and undefined dropped: equal values, equal text, whatever the field order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

const unlessDefault = <T>(value: T | undefined, fallback: T): T | undefined => (value === fallback ? undefined : value);
const unlessEmpty = <T>(list: readonly T[] | undefined): readonly T[] | undefined => (list && list.length > 0 ? list : undefined);

function content(value: ChatMessage['content']): Json | undefined {
  if (value === null || value === '') return null;
  if (typeof value === 'string') return value;
  // One plain text part is the same prompt as the bare string.
  const only: ContentPart | undefined = value[0];
  if (value.length === 1 && only?.type === 'text' && typeof only['text'] === 'string' && only['cacheControl'] === undefined) return only['text'];
  return value as unknown as Json;
}

function message(m: ChatMessage): Record<string, unknown> {
  return { role: m.role, content: content(m.content), name: m.name, tool_calls: unlessEmpty(m.tool_calls), tool_call_id: m.tool_call_id, reasoning: m.reasoning, extra: m.extra };
}

function extraOf(request: RelayRequest): Record<string, unknown> | undefined {
  if (!request.extra) return undefined;
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request.extra.fields)) {
    if (NEUTRAL_EXTRA.has(name)) continue;
    // The OpenAI codec mirrors max_completion_tokens into maxTokens: the key counts it once.
    if (name === 'max_completion_tokens' && 'maxTokens' in request && request.maxTokens !== undefined) continue;
    fields[name] = value;
  }
  return Object.keys(fields).length > 0 ? { format: request.extra.format, fields } : undefined;
}

function tools(list: readonly ToolDefinition[] | undefined): unknown {
  return unlessEmpty(list)?.map((t) => ({ type: t.type, function: t.function }));
}

/**
 * The request reduced to what decides the answer: no stream flags (a streamed and a plain call share an entry),
 * defaults written out by some clients and omitted by others collapsed (n=1, top_p=1, temperature=1, empty stop or
 * tools, tool_choice auto/none), and the end-user id left out.
 */
export function normalizeRequest(request: RelayRequest): Record<string, unknown> {
  switch (request.operation) {
    case 'chat': {
      const hasTools = (request.tools?.length ?? 0) > 0;
      return {
        op: 'chat',
        messages: request.messages.map(message),
        maxTokens: request.maxTokens,
        temperature: unlessDefault(request.temperature, 1),
        topP: unlessDefault(request.topP, 1),
        topK: request.topK,
        n: unlessDefault(request.n, 1),
        stop: unlessEmpty(request.stop),
        tools: tools(request.tools),
        toolChoice: hasTools ? unlessDefault(request.toolChoice, 'auto') : undefined,
        parallelToolCalls: hasTools ? unlessDefault(request.parallelToolCalls, true) : undefined,
        extra: extraOf(request),
      };
    }
    case 'completions':
      return {
        op: 'completions',
        prompt: request.prompt,
        maxTokens: request.maxTokens,
        temperature: unlessDefault(request.temperature, 1),
        topP: unlessDefault(request.topP, 1),
        n: unlessDefault(request.n, 1),
        stop: unlessEmpty(request.stop),
        extra: extraOf(request),
      };
    case 'embeddings':
      return { op: 'embeddings', input: request.input, dimensions: request.dimensions, extra: extraOf(request) };
  }
}

/**
 * Where the call may go: each channel serving the model for this caller, with the upstream model it maps to.
 * Part of the key, so remapping a public name to another upstream model (or binding a key to other channels)
 * never serves answers of the old one.
 */
export function resolvedModel(channels: ChannelRegistry, model: string, principal: Principal | undefined): string {
  const group = principal?.group ?? 'default';
  const routes = channels
    .serving(model)
    .filter((c) => c.groups.includes(group) && (!principal?.allowedChannels || principal.allowedChannels.includes(c.name)))
    .map((c) => `${c.name}=${c.models.get(model) ?? model}`)
    .sort();
  return `${model}|${group}|${routes.join(',')}`;
}

export function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** The cache key of a call, below a scope: `<scope>:<hash>`. */
export function requestKey(scope: string, resolved: string, normalized: Record<string, unknown>): string {
  return `${scope}:${digest(`${resolved}\n${canonicalJson(normalized)}`)}`;
}

/** Escapes everything but [A-Za-z0-9_-], so '.', ':' and glob characters can separate and match safely. */
export function segment(value: string): string {
  if (/^[A-Za-z0-9_-]*$/.test(value)) return value;
  return Array.from(Buffer.from(value, 'utf8'), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9_-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/** The scope segment of a caller's keys; undefined when the scope needs a principal and there is none. */
export function scopeOf(scope: CacheScope, principal: Principal | undefined): string | undefined {
  if (scope === 'global') return 'global';
  if (!principal) return undefined;
  switch (scope) {
    case 'tenant':
      return `t.${segment(principal.tenant)}`;
    case 'key':
      return `t.${segment(principal.tenant)}.k.${segment(principal.keyId)}`;
    case 'group':
      return `g.${segment(principal.group)}`;
  }
}

/** Key prefixes that hold one tenant's entries (tenant and key scopes; shared scopes belong to nobody). */
export function tenantPrefixes(tenant: string): string[] {
  const t = `t.${segment(tenant)}`;
  return [`${t}:`, `${t}.k.`];
}
