/**
 * Anthropic Messages API wire-format builders for the mock upstream (./anthropic-upstream.ts).
 *
 * Shapes follow the API as documented and recorded (2025–2026, anthropic-version 2023-06-01): bodies are compact
 * JSON; a message starts with `model`, then id, type, role, content, stop_reason, stop_sequence, stop_details,
 * usage; usage carries input_tokens (cache EXCLUDED), cache_creation_input_tokens, cache_read_input_tokens, the
 * cache_creation split by TTL, output_tokens, service_tier, inference_geo. Streams are named events —
 * message_start, content_block_start / ping / content_block_delta / content_block_stop per block, message_delta
 * with the final stop_reason and cumulative usage, message_stop — with `{"type": "ping"}` written with a space,
 * as the API does. Errors are `{"type":"error","error":{"type","message"},"request_id"}`.
 */
import { createHash, randomBytes } from 'node:crypto';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function base62(length: number): string {
  let out = '';
  for (const b of randomBytes(length)) out += BASE62.charAt(b % BASE62.length);
  return out;
}

export const newMessageId = (): string => `msg_01${base62(22)}`;
export const newToolUseId = (): string => `toolu_01${base62(22)}`;
export const newRequestId = (): string => `req_011C${base62(20)}`;
export const ORGANIZATION_ID = '6c1f6bd1-2a5e-4e0c-9f3c-0d6e5b7a8c90';

export const json = (body: unknown): string => JSON.stringify(body);
export const sse = (type: string, payload: unknown): string => `event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`;
export const PING = 'event: ping\ndata: {"type": "ping"}\n\n';

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------- errors

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id?: string;
}

const err = (type: string, message: string): AnthropicErrorBody => ({ type: 'error', error: { type, message } });

/**
 * The "magic string" Anthropic documents for testing: a prompt containing it makes the model answer with a
 * redacted_thinking block.
 */
export const REDACTED_TRIGGER = 'ANTHROPIC_MAGIC_STRING_TRIGGER_REDACTED_THINKING_46C9A13E193C177646C7398A98432ECCCE4C1253D5E2D82641AC0E52CC2876CB';

export const anthropicErrors = {
  invalidApiKey: () => err('authentication_error', 'invalid x-api-key'),
  missingVersion: () => err('invalid_request_error', 'anthropic-version: header is required'),
  fieldRequired: (field: string) => err('invalid_request_error', `${field}: Field required`),
  invalidJson: () => err('invalid_request_error', 'There was an error parsing the body of your request. Please ensure it is valid JSON.'),
  promptTooLong: (got = 208310, max = 200000) => err('invalid_request_error', `prompt is too long: ${got} tokens > ${max} maximum`),
  permission: () => err('permission_error', 'Your API key does not have permission to use the specified resource.'),
  notFoundModel: (model: string) => err('not_found_error', `model: ${model}`),
  notFound: () => err('not_found_error', 'Not Found'),
  requestTooLarge: () => err('request_too_large', 'Request exceeds the maximum allowed number of bytes.'),
  rateLimited: () =>
    err(
      'rate_limit_error',
      'This request would exceed the rate limit for your organization (6c1f6bd1-2a5e-4e0c-9f3c-0d6e5b7a8c90) of 50,000 ' +
        'input tokens per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the ' +
        'response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try ' +
        'again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for ' +
        'a rate limit increase.',
    ),
  apiError: () => err('api_error', 'Internal server error'),
  overloaded: () => err('overloaded_error', 'Overloaded'),
  invalidSignature: (at: string) => err('invalid_request_error', `${at}: Invalid \`signature\` in \`thinking\` block`),
  thinkingFirst: (at: string, found: string) =>
    err(
      'invalid_request_error',
      `${at}.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${found}\`. When \`thinking\` is enabled, ` +
        'a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and ' +
        '`tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this ' +
        'requirement, disable `thinking`. Please consult our documentation at ' +
        'https://docs.claude.com/en/docs/build-with-claude/extended-thinking',
    ),
  /** Default body for a bare `failNext({ status })`. */
  forStatus(status: number): AnthropicErrorBody {
    if (status === 400) return anthropicErrors.promptTooLong();
    if (status === 401) return anthropicErrors.invalidApiKey();
    if (status === 403) return anthropicErrors.permission();
    if (status === 404) return anthropicErrors.notFoundModel('claude-unknown');
    if (status === 413) return anthropicErrors.requestTooLarge();
    if (status === 429) return anthropicErrors.rateLimited();
    if (status === 529) return anthropicErrors.overloaded();
    if (status >= 500) return anthropicErrors.apiError();
    return err('invalid_request_error', `Mock upstream failure (HTTP ${status}).`);
  },
};

// ---------------------------------------------------------------- tokens, text, signatures

/** Deterministic stand-in for a tokenizer: one token per whitespace-separated word. */
export const countWords = (text: string): number => text.match(/\S+/g)?.length ?? 0;

/** Split a reply into token-like pieces that keep their leading space, like the API's text deltas. */
export const splitText = (text: string): string[] => text.match(/\s*\S+|\s+$/g) ?? [];

export function fragment(s: string, pieces: number): string[] {
  const size = Math.max(1, Math.ceil(s.length / pieces));
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

/** Stands in for Anthropic's opaque thinking signature: only this mock can mint one, and it checks them. */
export function signThinking(thinking: string): string {
  const digest = createHash('sha512').update(`sluice-mock-signature:${thinking}`).digest();
  return `Eq${Buffer.concat([digest, digest]).toString('base64')}`;
}

export const REDACTED_DATA = `EmwKAhgBEgy${createHash('sha256').update('sluice-mock-redacted').digest('base64')}`;

// ---------------------------------------------------------------- usage

export interface UsageCounts { input: number; cacheCreation: number; cacheRead: number; output: number; ttl1h: boolean }

/** The full usage object of a message (message_start and non-stream responses). */
export function usage(c: UsageCounts, output = c.output) {
  return {
    input_tokens: c.input,
    cache_creation_input_tokens: c.cacheCreation,
    cache_read_input_tokens: c.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: c.ttl1h ? 0 : c.cacheCreation, ephemeral_1h_input_tokens: c.ttl1h ? c.cacheCreation : 0 },
    output_tokens: output,
    service_tier: 'standard',
    inference_geo: 'not_available',
  };
}

/** The cumulative usage of message_delta. */
export const deltaUsage = (c: UsageCounts) => ({
  input_tokens: c.input,
  cache_creation_input_tokens: c.cacheCreation,
  cache_read_input_tokens: c.cacheRead,
  output_tokens: c.output,
});

// ---------------------------------------------------------------- content

export type Block =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface Answer {
  id: string;
  model: string;
  blocks: Block[];
  /** Text pieces per text block index (stream deltas); the joined pieces equal the block's text. */
  pieces: Map<number, string[]>;
  stopReason: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';
  stopSequence: string | null;
  counts: UsageCounts;
}

export function message(a: Answer) {
  return {
    model: a.model,
    id: a.id,
    type: 'message',
    role: 'assistant',
    content: a.blocks,
    stop_reason: a.stopReason,
    stop_sequence: a.stopSequence,
    stop_details: null,
    usage: usage(a.counts),
  };
}

/** Every SSE frame of an answer, in the API's order: a ping follows the first block start. */
export function streamFrames(a: Answer): string[] {
  const frames = [
    sse('message_start', {
      type: 'message_start',
      message: { model: a.model, id: a.id, type: 'message', role: 'assistant', content: [], stop_reason: null, stop_sequence: null, stop_details: null, usage: usage(a.counts, 1) },
    }),
  ];
  a.blocks.forEach((block, index) => {
    const delta = (d: Record<string, unknown>): string => sse('content_block_delta', { type: 'content_block_delta', index, delta: d });
    const start = (b: Record<string, unknown>): void => {
      frames.push(sse('content_block_start', { type: 'content_block_start', index, content_block: b }));
      if (index === 0) frames.push(PING);
    };
    switch (block.type) {
      case 'text':
        start({ type: 'text', text: '' });
        for (const p of a.pieces.get(index) ?? [block.text]) frames.push(delta({ type: 'text_delta', text: p }));
        break;
      case 'thinking':
        start({ type: 'thinking', thinking: '', signature: '' });
        for (const p of splitText(block.thinking)) frames.push(delta({ type: 'thinking_delta', thinking: p }));
        frames.push(delta({ type: 'signature_delta', signature: block.signature }));
        break;
      case 'redacted_thinking':
        start(block);
        break;
      case 'tool_use': {
        start({ type: 'tool_use', id: block.id, name: block.name, input: {} });
        frames.push(delta({ type: 'input_json_delta', partial_json: '' }));
        for (const f of fragment(JSON.stringify(block.input), 4)) frames.push(delta({ type: 'input_json_delta', partial_json: f }));
        break;
      }
    }
    frames.push(sse('content_block_stop', { type: 'content_block_stop', index }));
  });
  frames.push(
    sse('message_delta', { type: 'message_delta', delta: { stop_reason: a.stopReason, stop_sequence: a.stopSequence, stop_details: null }, usage: deltaUsage(a.counts) }),
  );
  frames.push(sse('message_stop', { type: 'message_stop' }));
  return frames;
}

/** A schema-shaped sample input, so clients can use the tool arguments. */
export function sampleValue(schema: unknown): unknown {
  if (!isRecord(schema)) return {};
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
  switch (schema['type']) {
    case 'string': return 'mock';
    case 'number': case 'integer': return 1;
    case 'boolean': return true;
    case 'array': return [];
    default: {
      const props = isRecord(schema['properties']) ? schema['properties'] : {};
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, sampleValue(v)]));
    }
  }
}

export const KNOWN_MODELS = ['claude-sonnet-4-6', 'claude-opus-4-5', 'claude-haiku-4-5'] as const;
/** Scenario models that make the mock misbehave on purpose (see anthropic-upstream.ts). */
export const SCENARIO_MODELS = ['claude-drop', 'claude-malformed', 'claude-stream-error', 'claude-truncated'] as const;
