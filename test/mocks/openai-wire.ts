/**
 * OpenAI wire-format builders for the mock upstream.
 *
 * Key order and formatting follow recorded api.openai.com traffic (2025):
 * success bodies are 2-space-indented JSON, the classic error bodies
 * (auth, model_not_found, rate limits, 5xx, bad URL/JSON) are 4-space-indented
 * with a trailing newline, newer validation errors are 2-space-indented, and
 * stream chunks are compact JSON in `data: ...\n\n` frames.
 */
import { randomBytes } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Real fingerprints are `fp_` + 10 hex digits; a constant keeps output stable. */
export const SYSTEM_FINGERPRINT = 'fp_5d7c3a1b9e';

export function randomId(prefix: string, length: number): string {
  let out = prefix;
  for (const b of randomBytes(length)) out += ALNUM.charAt(b % ALNUM.length);
  return out;
}

export const newRequestId = (): string => `req_${randomBytes(16).toString('hex')}`;
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export const successJson = (body: unknown): string => `${JSON.stringify(body, null, 2)}\n`;
export const errorJson = (body: unknown, style: 'classic' | 'validation' = 'classic'): string =>
  `${JSON.stringify(body, null, style === 'classic' ? 4 : 2)}\n`;
export const sse = (chunk: unknown): string => `data: ${JSON.stringify(chunk)}\n\n`;
export const SSE_DONE = 'data: [DONE]\n\n';

// ---------------------------------------------------------------- errors

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const err = (message: string, type: string, param: string | null, code: string | null): OpenAIErrorBody => ({
  error: { message, type, param, code },
});

/** OpenAI shows the first 8 and last 4 characters of a rejected key, starring the rest. */
export function maskApiKey(key: string): string {
  if (key.length <= 12) return key;
  return `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`;
}

export const openAIErrors = {
  serverError: (requestId: string = newRequestId()): OpenAIErrorBody =>
    err(
      'The server had an error processing your request. Sorry about that! You can retry your request, or contact us ' +
        'through our help center at help.openai.com if you keep seeing this error. ' +
        `(Please include the request ID ${requestId} in your email.)`,
      'server_error', null, null,
    ),
  overloaded: (requestId: string = newRequestId()): OpenAIErrorBody =>
    err(
      'That model is currently overloaded with other requests. You can retry your request, or contact us through our ' +
        `help center at help.openai.com if the error persists. (Please include the request ID ${requestId} in your message.)`,
      'server_error', null, null,
    ),
  rateLimited: (model = 'gpt-4o'): OpenAIErrorBody =>
    err(
      `Rate limit reached for ${model} in organization org-mockupstream on requests per min (RPM): Limit 500, Used 500, ` +
        'Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/rate-limits to learn more.',
      'requests', null, 'rate_limit_exceeded',
    ),
  invalidApiKey: (masked: string): OpenAIErrorBody =>
    err(
      `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      'invalid_request_error', null, 'invalid_api_key',
    ),
  missingApiKey: (): OpenAIErrorBody =>
    err(
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth " +
        '(i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you\'re accessing the ' +
        'API from your browser and are prompted for a username. You can obtain an API key from ' +
        'https://platform.openai.com/account/api-keys.',
      'invalid_request_error', null, null,
    ),
  contextLength: (max = 128000, got = 130000): OpenAIErrorBody =>
    err(
      `This model's maximum context length is ${max} tokens. However, your messages resulted in ${got} tokens. ` +
        'Please reduce the length of the messages.',
      'invalid_request_error', 'messages', 'context_length_exceeded',
    ),
  /** What /chat/completions etc. answer (404) for an unknown or inaccessible model. */
  notFoundModel: (model: string): OpenAIErrorBody =>
    err(`The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', null, 'model_not_found'),
  /** What GET /models/{id} answers (404); note the different quoting and param. */
  modelRetrieveNotFound: (model: string): OpenAIErrorBody =>
    err(`The model '${model}' does not exist`, 'invalid_request_error', 'model', 'model_not_found'),
  forbiddenRegion: (): OpenAIErrorBody =>
    err('Country, region, or territory not supported', 'request_forbidden', null, 'unsupported_country_region_territory'),
  invalidUrl: (method: string, path: string): OpenAIErrorBody =>
    err(`Invalid URL (${method} ${path})`, 'invalid_request_error', null, null),
  invalidJson: (): OpenAIErrorBody =>
    err(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library " +
        'correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble ' +
        'figuring out how to fix this, please contact us through our help center at help.openai.com.)',
      'invalid_request_error', null, null,
    ),
  missingParam: (name: string): OpenAIErrorBody =>
    err(`Missing required parameter: '${name}'.`, 'invalid_request_error', name, 'missing_required_parameter'),
  /** Default body for a bare `failNext({ status })`. */
  forStatus: (status: number, hint: { requestId?: string; model?: string; apiKey?: string } = {}): OpenAIErrorBody => {
    if (status === 400) return openAIErrors.contextLength();
    if (status === 401) return openAIErrors.invalidApiKey(maskApiKey(hint.apiKey ?? 'sk-mock-rejected-0000000000000000'));
    if (status === 403) return openAIErrors.forbiddenRegion();
    if (status === 404) return openAIErrors.notFoundModel(hint.model ?? 'gpt-unknown');
    if (status === 429) return openAIErrors.rateLimited(hint.model);
    if (status === 503) return openAIErrors.overloaded(hint.requestId);
    if (status >= 500) return openAIErrors.serverError(hint.requestId);
    return err(`Mock upstream failure (HTTP ${status}).`, 'invalid_request_error', null, null);
  },
};

// ---------------------------------------------------------------- tokens & text

/** Deterministic stand-in for a tokenizer: one token per whitespace-separated word. */
export const countWords = (text: string): number => text.match(/\S+/g)?.length ?? 0;

/** Text of a message `content`: a string or an array of `{type:'text', text}` parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p: unknown) => (isRecord(p) && typeof p['text'] === 'string' ? p['text'] : ''))
    .join(' ');
}

export function promptTokens(messages: unknown[]): number {
  return messages.reduce<number>((n, m) => n + (isRecord(m) ? countWords(contentText(m['content'])) : 0), 0);
}

/** Split a reply into token-like pieces that keep their leading space (" world"), like OpenAI deltas. */
export const splitText = (text: string): string[] => text.match(/\s*\S+|\s+$/g) ?? [];

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function chatUsage(prompt: number, completion: number) {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}
export type ChatUsage = ReturnType<typeof chatUsage>;

// ---------------------------------------------------------------- tool calls

export interface PlannedToolCall { id: string; name: string; arguments: string; fragments: string[] }

/** One call per function tool; arguments are a schema-shaped sample so clients can JSON.parse them. */
export function planToolCalls(tools: unknown): PlannedToolCall[] {
  const fns = (Array.isArray(tools) ? tools : [])
    .map((t: unknown) => (isRecord(t) && isRecord(t['function']) ? t['function'] : undefined))
    .filter((f): f is Record<string, unknown> => f !== undefined && typeof f['name'] === 'string');
  // Parallel calls come back with Python-style ", " / ": " separators; single calls are compact.
  const spaced = fns.length > 1;
  return fns.map((f) => {
    const sample = sampleValue(f['parameters']);
    const args = spaced ? spacedJson(sample) : JSON.stringify(sample);
    return { id: randomId('call_', 24), name: String(f['name']), arguments: args, fragments: fragment(args, 4) };
  });
}

export const toolCompletionTokens = (calls: PlannedToolCall[]): number =>
  calls.reduce((n, c) => n + 1 + c.fragments.length, 0);

function sampleValue(schema: unknown): unknown {
  if (!isRecord(schema)) return {};
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
  switch (schema['type']) {
    case 'string': return 'mock';
    case 'number': case 'integer': return 1;
    case 'boolean': return true;
    case 'array': return [];
    case 'null': return null;
    default: {
      const props = isRecord(schema['properties']) ? schema['properties'] : {};
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, sampleValue(v)]));
    }
  }
}

function spacedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(spacedJson).join(', ')}]`;
  if (isRecord(v)) return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${spacedJson(x)}`).join(', ')}}`;
  return JSON.stringify(v) ?? 'null';
}

function fragment(s: string, pieces: number): string[] {
  const size = Math.max(1, Math.ceil(s.length / pieces));
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------- chat completions

export function chatCompletion(o: {
  id: string; created: number; model: string; content: string | null;
  toolCalls: PlannedToolCall[]; finishReason: string; usage: ChatUsage;
}) {
  const message: Record<string, unknown> = { role: 'assistant', content: o.content };
  if (o.toolCalls.length > 0) {
    message['tool_calls'] = o.toolCalls.map((c) => ({
      id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments },
    }));
  }
  message['refusal'] = null;
  message['annotations'] = [];
  return {
    id: o.id, object: 'chat.completion', created: o.created, model: o.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: o.finishReason }],
    usage: o.usage, service_tier: 'default', system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

export interface StreamCtx { id: string; created: number; model: string; includeUsage: boolean; obfuscate: boolean }

// Real chunks carry an `obfuscation` pad (random chars) that evens out frame
// sizes: roughly 15 characters minus the delta text length.
let obfPool = '';
let obfCursor = 0;
function obfuscation(len: number): string {
  if (obfCursor + len > obfPool.length) { obfPool = randomId('', 4096); obfCursor = 0; }
  obfCursor += len;
  return obfPool.slice(obfCursor - len, obfCursor);
}

function chunk(ctx: StreamCtx, delta: Record<string, unknown>, finish: string | null, padText: string, usageFirst: boolean): string {
  const o: Record<string, unknown> = {
    id: ctx.id, object: 'chat.completion.chunk', created: ctx.created, model: ctx.model,
    service_tier: 'default', system_fingerprint: SYSTEM_FINGERPRINT,
  };
  // Recorded tool-call streams put `usage: null` before `choices`; text streams after.
  if (ctx.includeUsage && usageFirst) o['usage'] = null;
  o['choices'] = [{ index: 0, delta, logprobs: null, finish_reason: finish }];
  if (ctx.includeUsage && !usageFirst) o['usage'] = null;
  if (ctx.obfuscate) o['obfuscation'] = obfuscation(Math.max(2, 15 - padText.length));
  return sse(o);
}

function usageChunk(ctx: StreamCtx, usage: ChatUsage): string {
  const o: Record<string, unknown> = {
    id: ctx.id, object: 'chat.completion.chunk', created: ctx.created, model: ctx.model,
    service_tier: 'default', system_fingerprint: SYSTEM_FINGERPRINT, choices: [], usage,
  };
  if (ctx.obfuscate) o['obfuscation'] = obfuscation(2);
  return sse(o);
}

/** Every SSE frame of a text answer, `[DONE]` included. */
export function chatTextFrames(ctx: StreamCtx, pieces: string[], finish: string, prompt: number): string[] {
  const frames = [chunk(ctx, { role: 'assistant', content: '', refusal: null }, null, '', false)];
  for (const p of pieces) frames.push(chunk(ctx, { content: p }, null, p, false));
  frames.push(chunk(ctx, {}, finish, '', false));
  if (ctx.includeUsage) frames.push(usageChunk(ctx, chatUsage(prompt, pieces.length)));
  frames.push(SSE_DONE);
  return frames;
}

/** Every SSE frame of a (parallel) tool-call answer, `[DONE]` included. */
export function chatToolFrames(ctx: StreamCtx, calls: PlannedToolCall[], prompt: number): string[] {
  const frames = [chunk(ctx, { role: 'assistant', content: null }, null, '', true)];
  calls.forEach((c, index) => {
    const head = { index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } };
    frames.push(chunk(ctx, { tool_calls: [head] }, null, '', true));
    for (const f of c.fragments) frames.push(chunk(ctx, { tool_calls: [{ index, function: { arguments: f } }] }, null, f, true));
  });
  frames.push(chunk(ctx, {}, 'tool_calls', '', false));
  if (ctx.includeUsage) frames.push(usageChunk(ctx, chatUsage(prompt, toolCompletionTokens(calls))));
  frames.push(SSE_DONE);
  return frames;
}

// ---------------------------------------------------------------- legacy completions

const completionUsage = (prompt: number, completion: number) => ({
  prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion,
});

export function textCompletion(o: { id: string; created: number; model: string; text: string; finishReason: string; prompt: number; completion: number }) {
  return {
    id: o.id, object: 'text_completion', created: o.created, model: o.model,
    choices: [{ text: o.text, index: 0, logprobs: null, finish_reason: o.finishReason }],
    usage: completionUsage(o.prompt, o.completion),
  };
}

/** Legacy completion chunks put `model` after `choices` on the wire. */
export function completionFrames(ctx: StreamCtx, pieces: string[], finish: string, prompt: number): string[] {
  const frame = (choices: unknown[], usage?: unknown): string => {
    const o: Record<string, unknown> = { id: ctx.id, object: 'text_completion', created: ctx.created, choices, model: ctx.model };
    if (ctx.includeUsage) o['usage'] = usage ?? null;
    return sse(o);
  };
  const choice = (text: string, f: string | null) => ({ text, index: 0, logprobs: null, finish_reason: f });
  const frames = pieces.map((p) => frame([choice(p, null)]));
  frames.push(frame([choice('', finish)]));
  if (ctx.includeUsage) frames.push(frame([], completionUsage(prompt, pieces.length)));
  frames.push(SSE_DONE);
  return frames;
}

// ---------------------------------------------------------------- embeddings

/** Hashed bag of words (FNV-1a), L2-normalised and rounded to float32 like the real API. */
export function embedVector(input: string | number[], dims: number): number[] {
  const words = typeof input === 'string' ? input.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [] : input.map(String);
  const v = new Array<number>(dims).fill(0);
  for (const w of words) {
    let h = 0x811c9dc5;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193);
    // murmur3 finaliser: FNV's low bits alone spread poorly under `% dims`.
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h = (h ^ (h >>> 16)) >>> 0;
    const slot = h % dims;
    // Hash-derived signed weight, so two words sharing a slot practically never cancel out.
    const weight = (0.5 + ((h >>> 20) & 0xff) / 256) * ((h >>> 16) & 1 ? 1 : -1);
    v[slot] = (v[slot] ?? 0) + weight;
  }
  const norm = Math.hypot(...v);
  return norm === 0 ? v.map((_, i) => (i === 0 ? 1 : 0)) : v.map((x) => Math.fround(x / norm));
}

/** OpenAI's `encoding_format: 'base64'`: little-endian float32 bytes. */
export function float32Base64(vec: number[]): string {
  const view = new DataView(new ArrayBuffer(vec.length * 4));
  vec.forEach((x, i) => view.setFloat32(i * 4, x, true));
  return Buffer.from(view.buffer).toString('base64');
}

export function embeddingList(model: string, embeddings: (number[] | string)[], prompt: number) {
  return {
    object: 'list',
    data: embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model,
    usage: { prompt_tokens: prompt, total_tokens: prompt },
  };
}

// ---------------------------------------------------------------- models

export interface ModelObject { id: string; object: 'model'; created: number; owned_by: string }

/** Scenario models that make the mock misbehave on purpose (see openai-upstream.ts). */
export const SCENARIO_MODELS = ['mock-drop', 'mock-malformed', 'mock-slow'] as const;

export const MODELS: readonly ModelObject[] = [
  { id: 'gpt-4o', object: 'model', created: 1715367049, owned_by: 'system' },
  { id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' },
  { id: 'text-embedding-3-small', object: 'model', created: 1705948997, owned_by: 'system' },
  { id: 'gpt-3.5-turbo-instruct', object: 'model', created: 1692901427, owned_by: 'system' },
  ...SCENARIO_MODELS.map((id): ModelObject => ({ id, object: 'model', created: 1700000000, owned_by: 'sluice-mock' })),
];
