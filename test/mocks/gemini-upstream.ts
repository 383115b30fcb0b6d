/**
 * A mock Gemini API upstream (generativelanguage v1beta) for Sluice's end-to-end tests, on 127.0.0.1 with only
 * node:http. Byte shapes follow recorded Google traffic: non-stream bodies are 2-space-indented JSON with a trailing
 * newline; `:streamGenerateContent?alt=sse` events are `data: <json>\r\n\r\n` where the JSON is Google's compact
 * style (`"key": value` with a space after the colon, none after commas); errors are google.rpc.Status bodies.
 *
 * Scenario models (picked by the model in the URL):
 *   - `mock-thinking`   a thought part first (with includeThoughts), thoughtsTokenCount, a thoughtSignature on the last part
 *   - `mock-cached`     usage reports cachedContentTokenCount (half the prompt)
 *   - `mock-blocked`    promptFeedback.blockReason SAFETY and no candidates
 *   - `mock-safety`     one candidate with finishReason SAFETY and no content
 *   - `mock-drop`       stream: two events, a 25 ms pause, then the socket is destroyed; non-stream: destroyed at once
 *   - `mock-malformed`  stream: one event, then `data: {not json`; non-stream: HTTP 200 `{not json`
 * Any model answers function calls when tools are declared and the last user text says "call tool": one call per
 * declared function (up to two, in one event), the first carrying a thoughtSignature as Gemini's thinking models do.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closer, FailureQueue, listenLoopback, readBody, sleep, trackSockets } from './server-kit.js';

type Wire = Record<string, unknown>;

export type { MockFailure } from './server-kit.js';
import type { MockFailure } from './server-kit.js';
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}
export interface GeminiUpstreamOptions {
  /** If set, require it in x-goog-api-key (or ?key=): missing → 403, wrong → 400 API_KEY_INVALID, as Gemini does. */
  apiKey?: string;
  reply?: string;
  chunkDelayMs?: number;
  firstChunkDelayMs?: number;
}
export interface GeminiUpstream {
  /** Base URL including `/v1beta`. */
  url: string;
  requests: RecordedRequest[];
  failNext(failure: MockFailure, times?: number): void;
  close(): Promise<void>;
}

export const DEFAULT_REPLY = 'Hello from the Gemini mock.';
export const THOUGHT = 'The user wants a greeting; keep it short.';
export const SIGNATURE = 'CiQBcsjafP0p2bHwfQGXbDBV3EBAuQAyTrd0Yf6VY3ZkIn6nDuI=';
export const PARIS = 'Paris';

/** Google's compact JSON: `{"a": 1,"b": [1,2]}`. */
export function googleJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(googleJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${fields.map(([k, v]) => `${JSON.stringify(k)}: ${googleJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
const pretty = (body: unknown): string => `${JSON.stringify(body, null, 2)}\n`;
const isRecord = (v: unknown): v is Wire => typeof v === 'object' && v !== null && !Array.isArray(v);

const rpcError = (code: number, status: string, message: string, details?: Wire[]): Wire => ({
  error: { code, message, status, ...(details ? { details } : {}) },
});

export const geminiErrors = {
  invalidApiKey: (): Wire =>
    rpcError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
      { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
    ]),
  missingApiKey: (): Wire =>
    rpcError(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."),
  badRequest: (message = 'Invalid value at \'contents[0].parts[0]\' (oneof), oneof field \'data\' is already set.'): Wire => rpcError(400, 'INVALID_ARGUMENT', message),
  contextLength: (): Wire => rpcError(400, 'INVALID_ARGUMENT', 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).'),
  notFound: (model: string, method = 'generateContent'): Wire =>
    rpcError(404, 'NOT_FOUND', `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`),
  rateLimited: (retryDelay = '17s'): Wire =>
    rpcError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.', [
      { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier', quotaDimensions: { location: 'global', model: 'gemini-2.5-flash' }, quotaValue: '10' }] },
      { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay },
    ]),
  internal: (): Wire => rpcError(500, 'INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting'),
  unavailable: (): Wire => rpcError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'),
  deadline: (): Wire => rpcError(504, 'DEADLINE_EXCEEDED', 'The request timed out. Please try again.'),
  forStatus(status: number): Wire {
    const byStatus: Record<number, () => Wire> = { 400: () => geminiErrors.badRequest(), 403: geminiErrors.missingApiKey, 404: () => geminiErrors.notFound('gemini-x'), 429: () => geminiErrors.rateLimited(), 500: geminiErrors.internal, 503: geminiErrors.unavailable, 504: geminiErrors.deadline };
    return (byStatus[status] ?? geminiErrors.internal)();
  },
};

const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;
const textOf = (content: unknown): string =>
  isRecord(content) && Array.isArray(content['parts']) ? content['parts'].map((p) => (isRecord(p) && typeof p['text'] === 'string' ? p['text'] : '')).join(' ') : '';

const SAFETY_RATINGS = ['HARM_CATEGORY_SEXUALLY_EXPLICIT', 'HARM_CATEGORY_HATE_SPEECH', 'HARM_CATEGORY_HARASSMENT', 'HARM_CATEGORY_DANGEROUS_CONTENT'].map((category) => ({
  category,
  probability: category === 'HARM_CATEGORY_DANGEROUS_CONTENT' ? 'HIGH' : 'NEGLIGIBLE',
  ...(category === 'HARM_CATEGORY_DANGEROUS_CONTENT' ? { blocked: true } : {}),
}));

/** Sample arguments from a declaration's JSON Schema (or Gemini Schema): every string property says "Paris". */
function sampleArgs(declaration: Wire): Wire {
  const schema = (declaration['parametersJsonSchema'] ?? declaration['parameters']) as Wire | undefined;
  const properties = isRecord(schema?.['properties']) ? schema['properties'] : {};
  return Object.fromEntries(Object.entries(properties).map(([name, p]) => [name, /^(integer|number)$/i.test(String((p as Wire)['type'])) ? 3 : PARIS]));
}

interface Plan {
  model: string;
  responseId: string;
  prompt: number;
  cached?: number;
  thoughts?: number;
  thought?: string;
  pieces: string[];
  calls: Wire[];
  finish: string;
}

function planFor(model: string, body: Wire, reply: string): Plan {
  const contents = Array.isArray(body['contents']) ? body['contents'] : [];
  const prompt = Math.max(1, contents.reduce<number>((n, c) => n + words(textOf(c)), words(textOf(body['systemInstruction']))));
  const config = isRecord(body['generationConfig']) ? body['generationConfig'] : {};
  const declarations = (Array.isArray(body['tools']) ? body['tools'] : []).flatMap((t) => (isRecord(t) && Array.isArray(t['functionDeclarations']) ? t['functionDeclarations'] : []));
  const lastUser = [...contents].reverse().find((c) => isRecord(c) && c['role'] !== 'model');
  const calls = declarations.length > 0 && /call tool/i.test(textOf(lastUser))
    ? declarations.slice(0, 2).map((d) => ({ name: (d as Wire)['name'], args: sampleArgs(d as Wire) }))
    : [];
  let pieces = reply.split(/(?<= )/);
  let finish = 'STOP';
  const max = config['maxOutputTokens'];
  if (typeof max === 'number' && pieces.length > max) [pieces, finish] = [pieces.slice(0, max), 'MAX_TOKENS'];
  const plan: Plan = { model, responseId: randomBytes(16).toString('base64url').slice(0, 22), prompt, pieces: calls.length > 0 ? [] : pieces, calls, finish };
  if (model === 'mock-cached') plan.cached = Math.floor(prompt / 2);
  if (model === 'mock-thinking') {
    plan.thoughts = 12;
    const thinking = isRecord(config['thinkingConfig']) ? config['thinkingConfig'] : {};
    if (thinking['includeThoughts'] === true) plan.thought = THOUGHT;
  }
  return plan;
}

function usage(plan: Plan, candidates: number): Wire {
  const thoughts = plan.thoughts ?? 0;
  return {
    promptTokenCount: plan.prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: plan.prompt + candidates + thoughts,
    cachedContentTokenCount: plan.cached,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: plan.prompt }],
    cacheTokensDetails: plan.cached !== undefined ? [{ modality: 'TEXT', tokenCount: plan.cached }] : undefined,
    thoughtsTokenCount: plan.thoughts,
  };
}

const callParts = (plan: Plan): Wire[] => plan.calls.map((call, i) => ({ functionCall: call, ...(i === 0 ? { thoughtSignature: SIGNATURE } : {}) }));
const completion = (plan: Plan): number => (plan.calls.length > 0 ? 5 * plan.calls.length : plan.pieces.length);
const envelope = (plan: Plan, candidates: Wire[] | undefined, used: number, extra: Wire = {}): Wire => ({
  candidates, ...extra, usageMetadata: usage(plan, used), modelVersion: plan.model, responseId: plan.responseId,
});
const candidate = (parts: Wire[], finish?: string): Wire => ({ content: { parts, role: 'model' }, finishReason: finish, index: 0 });

function responseBody(plan: Plan): Wire {
  if (plan.model === 'mock-blocked') return envelope(plan, undefined, 0, { promptFeedback: { blockReason: 'SAFETY', safetyRatings: SAFETY_RATINGS } });
  if (plan.model === 'mock-safety') return envelope(plan, [{ finishReason: 'SAFETY', index: 0, safetyRatings: SAFETY_RATINGS }], 0);
  const parts: Wire[] = plan.thought ? [{ text: plan.thought, thought: true }] : [];
  if (plan.calls.length > 0) parts.push(...callParts(plan));
  else parts.push({ text: plan.pieces.join(''), ...(plan.thoughts ? { thoughtSignature: SIGNATURE } : {}) });
  return envelope(plan, [candidate(parts, plan.finish)], completion(plan));
}

function streamEvents(plan: Plan): Wire[] {
  if (plan.model === 'mock-blocked' || plan.model === 'mock-safety') return [responseBody(plan)];
  const events: Wire[] = [];
  if (plan.thought) events.push(envelope(plan, [candidate([{ text: plan.thought, thought: true }])], 0));
  if (plan.calls.length > 0) return [...events, envelope(plan, [candidate(callParts(plan), plan.finish)], completion(plan))];
  plan.pieces.forEach((piece, i) => {
    const last = i === plan.pieces.length - 1 && !plan.thoughts;
    events.push(envelope(plan, [candidate([{ text: piece }], last ? plan.finish : undefined)], i + 1));
  });
  // Thinking models close with an empty text part carrying the signature.
  if (plan.thoughts) events.push(envelope(plan, [candidate([{ text: '', thoughtSignature: SIGNATURE }], plan.finish)], plan.pieces.length));
  return events;
}

export async function startGeminiUpstream(options: GeminiUpstreamOptions = {}): Promise<GeminiUpstream> {
  const reply = options.reply ?? DEFAULT_REPLY;
  const requests: RecordedRequest[] = [];
  const failures = new FailureQueue();
  const server = createServer({ noDelay: true }, (req, res) => void handle(req, res).catch(() => res.destroy()));
  const sockets = trackSockets(server);

  const headers = (type: string): Record<string, string> => ({
    'content-type': type, vary: 'Origin, X-Origin, Referer', server: 'scaffolding on HTTPServer2', 'x-xss-protection': '0',
    'x-frame-options': 'SAMEORIGIN', 'x-content-type-options': 'nosniff', 'server-timing': 'gfet4t7; dur=412',
  });
  const send = (res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void => {
    if (res.destroyed) return;
    res.writeHead(status, { ...headers('application/json; charset=UTF-8'), 'content-length': String(Buffer.byteLength(text)), ...extra });
    res.end(text);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://mock');
    let body: unknown = raw;
    try { body = raw ? JSON.parse(raw) : null; } catch { /* recorded as text */ }
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { ...req.headers }, body });
    const aborter = new AbortController();
    res.once('close', () => aborter.abort());

    const f = failures.take();
    if (f) {
      return send(res, f.status, typeof f.body === 'string' ? f.body : pretty(f.body ?? geminiErrors.forStatus(f.status)), f.headers);
    }
    const key = req.headers['x-goog-api-key'] ?? url.searchParams.get('key') ?? undefined;
    if (options.apiKey !== undefined && key === undefined) return send(res, 403, pretty(geminiErrors.missingApiKey()));
    if (options.apiKey !== undefined && key !== options.apiKey) return send(res, 400, pretty(geminiErrors.invalidApiKey()));
    if (typeof body !== 'object' || body === null) return send(res, 400, pretty(rpcError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unexpected token.')));

    const match = /^\/v1beta\/models\/([^/:]+):(\w+)$/.exec(url.pathname);
    const [, model = '', action = ''] = match ?? [];
    const wire = body as Wire;
    if (action === 'embedContent' || action === 'batchEmbedContents') return embed(res, action, wire);
    if (action !== 'generateContent' && action !== 'streamGenerateContent') return send(res, 404, pretty(rpcError(404, 'NOT_FOUND', `Method not found: ${url.pathname}`)));
    if (!Array.isArray(wire['contents'])) return send(res, 400, pretty(geminiErrors.badRequest('* GenerateContentRequest.contents: contents is not specified\n')));
    const plan = planFor(model, wire, reply);
    if (action === 'generateContent') {
      if (model === 'mock-drop') return void req.socket.destroy();
      if (model === 'mock-malformed') return send(res, 200, '{not json');
      if (await sleep(options.firstChunkDelayMs ?? 0, aborter.signal)) send(res, 200, pretty(responseBody(plan)));
      return;
    }
    // Without alt=sse Gemini streams a JSON array; the gateway always asks for SSE, so only that form is served.
    if (url.searchParams.get('alt') !== 'sse') return send(res, 400, pretty(geminiErrors.badRequest('This mock serves streamGenerateContent with alt=sse only.')));
    res.writeHead(200, { ...headers('text/event-stream'), 'content-disposition': 'attachment' });
    res.flushHeaders();
    let frames = streamEvents(plan).map((e) => `data: ${googleJson(e)}\r\n\r\n`);
    if (model === 'mock-malformed') frames = [...frames.slice(0, 1), 'data: {not json\r\n\r\n'];
    for (const [i, frame] of frames.entries()) {
      // A pause before the cut, so the frames already written are seen before the reset.
      if (model === 'mock-drop' && i === 2) return void ((await sleep(25, aborter.signal)) && req.socket.destroy());
      if (!(await sleep(i === 0 ? (options.firstChunkDelayMs ?? 0) : (options.chunkDelayMs ?? 0), aborter.signal))) return;
      res.write(frame);
    }
    res.end();
  }

  function embed(res: ServerResponse, action: string, wire: Wire): void {
    const items = action === 'embedContent' ? [wire] : Array.isArray(wire['requests']) ? (wire['requests'] as Wire[]) : [];
    const vectors = items.map((item) => {
      const text = textOf(item['content']);
      const dims = typeof item['outputDimensionality'] === 'number' ? item['outputDimensionality'] : 8;
      return { values: Array.from({ length: dims }, (_, i) => Number((((text.length + 1) * (i + 1)) % 97 / 97 - 0.5).toFixed(6))) };
    });
    send(res, 200, pretty(action === 'embedContent' ? { embedding: vectors[0] } : { embeddings: vectors }));
  }

  const port = await listenLoopback(server);
  return {
    url: `http://127.0.0.1:${port}/v1beta`,
    requests,
    failNext: (failure, times) => failures.push(failure, times),
    close: closer(server, sockets),
  };
}

