/**
 * A mock OpenAI upstream for Sluice's end-to-end tests and benchmark.
 *
 * It speaks OpenAI's wire format (see ./openai-wire.ts) on 127.0.0.1 using
 * only node:http, so the gateway can be exercised exactly as in production.
 *
 * Scenario models (picked by the request's `model`) misbehave on purpose:
 *   - `mock-drop`      stream: role chunk + 2 content chunks, a short pause, then the socket is destroyed;
 *                      non-stream: socket destroyed before any response.
 *   - `mock-malformed` stream: role chunk + 1 content chunk, then `data: {not json\n\n`, then end;
 *                      non-stream: HTTP 200 with body `{not json`.
 *   - `mock-slow`      waits 5000 ms before sending anything (not even headers).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closer, FailureQueue, listenLoopback, readBody, sleep, trackSockets } from './server-kit.js';
import * as wire from './openai-wire.js';

export { openAIErrors, maskApiKey, MODELS, SCENARIO_MODELS } from './openai-wire.js';
export type { OpenAIErrorBody } from './openai-wire.js';

export type { MockFailure } from './server-kit.js';
import type { MockFailure } from './server-kit.js';
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}
export interface OpenAIUpstreamOptions {
  /** If set, require `Authorization: Bearer <apiKey>`; otherwise 401 like OpenAI. */
  apiKey?: string;
  /** Default 0 (random port); always listens on 127.0.0.1. */
  port?: number;
  /** Assistant text; split into word pieces for streaming. */
  reply?: string;
  /** Delay between stream frames. */
  chunkDelayMs?: number;
  /** Delay before the first stream frame (headers go out first), and before non-stream JSON bodies. */
  firstChunkDelayMs?: number;
  /** Record requests (default true; the benchmark turns it off). */
  record?: boolean;
}
export interface OpenAIUpstream {
  /** Base URL including `/v1`, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  requests: RecordedRequest[];
  /** The next `times` (default 1) requests answer with this status/body/headers. */
  failNext(failure: MockFailure, times?: number): void;
  /** Closes the server and destroys open sockets (including in-flight streams). */
  close(): Promise<void>;
}

export const DEFAULT_REPLY = 'Hello from the mock upstream.';
const SLOW_MS = 5000;
const DROP_PAUSE_MS = 25;

interface Config { apiKey: string | undefined; reply: string; chunkDelayMs: number; firstChunkDelayMs: number; record: boolean }

/** Per-request state; `signal` aborts when the client or close() drops the connection. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  body: Record<string, unknown>;
  requestId: string;
  signal: AbortSignal;
}

export async function startOpenAIUpstream(options: OpenAIUpstreamOptions = {}): Promise<OpenAIUpstream> {
  const cfg: Config = {
    apiKey: options.apiKey,
    reply: options.reply ?? DEFAULT_REPLY,
    chunkDelayMs: options.chunkDelayMs ?? 0,
    firstChunkDelayMs: options.firstChunkDelayMs ?? 0,
    record: options.record ?? true,
  };
  const requests: RecordedRequest[] = [];
  const failures = new FailureQueue();

  const server = createServer({ noDelay: true }, (req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  const sockets = trackSockets(server);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://mock').pathname;
    let parsed: unknown = null;
    let jsonOk = true;
    if (raw.length > 0) {
      try { parsed = JSON.parse(raw); } catch { parsed = raw; jsonOk = false; }
    }
    if (cfg.record) requests.push({ method, path, headers: { ...req.headers }, body: parsed });

    const aborter = new AbortController();
    res.once('close', () => aborter.abort());
    const ex: Exchange = {
      req, res, requestId: wire.newRequestId(), signal: aborter.signal,
      body: wire.isRecord(parsed) ? parsed : {},
    };

    const failure = takeFailure();
    if (failure) return sendFailure(ex, failure);
    const authError = checkAuth(req.headers.authorization);
    if (authError) return sendError(ex, 401, authError);
    if (!jsonOk) return sendError(ex, 400, wire.openAIErrors.invalidJson());

    if (method === 'POST' && path === '/v1/chat/completions') return chatCompletions(ex);
    if (method === 'POST' && path === '/v1/completions') return completions(ex);
    if (method === 'POST' && path === '/v1/embeddings') return embeddings(ex);
    if (method === 'GET' && path === '/v1/models') return sendJson(ex, 200, { object: 'list', data: wire.MODELS });
    if (method === 'GET' && path.startsWith('/v1/models/')) {
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      const model = wire.MODELS.find((m) => m.id === id);
      return model ? sendJson(ex, 200, model) : sendError(ex, 404, wire.openAIErrors.modelRetrieveNotFound(id));
    }
    return sendError(ex, 404, wire.openAIErrors.invalidUrl(method, path));
  }

  const takeFailure = (): MockFailure | undefined => failures.take();

  function checkAuth(header: string | undefined): wire.OpenAIErrorBody | undefined {
    if (cfg.apiKey === undefined || header === `Bearer ${cfg.apiKey}`) return undefined;
    const token = (header ?? '').replace(/^Bearer\s*/i, '').trim();
    return token === '' ? wire.openAIErrors.missingApiKey() : wire.openAIErrors.invalidApiKey(wire.maskApiKey(token));
  }

  function sendFailure(ex: Exchange, f: MockFailure): void {
    const model = typeof ex.body['model'] === 'string' ? ex.body['model'] : undefined;
    const bearer = ex.req.headers.authorization?.replace(/^Bearer\s*/i, '');
    const body = f.body ?? wire.openAIErrors.forStatus(f.status, {
      requestId: ex.requestId,
      ...(model !== undefined && { model }),
      ...(bearer !== undefined && { apiKey: bearer }),
    });
    // A string body is sent verbatim so tests can simulate non-JSON proxies (HTML 502s etc.).
    const text = typeof body === 'string' ? body : wire.errorJson(body);
    send(ex, f.status, text, { 'content-type': 'application/json', ...f.headers });
  }

  // ------------------------------------------------------------ endpoints

  async function chatCompletions(ex: Exchange): Promise<void> {
    const b = ex.body;
    const model = typeof b['model'] === 'string' ? b['model'] : '';
    if (model === '') return sendError(ex, 400, wire.openAIErrors.missingParam('model'));
    const messages = b['messages'];
    if (!Array.isArray(messages)) return sendError(ex, 400, wire.openAIErrors.missingParam('messages'));

    const prompt = wire.promptTokens(messages);
    const calls = wantsToolCalls(b['tools'], messages) ? wire.planToolCalls(b['tools']) : [];
    const { pieces, finish } = limitPieces(wire.splitText(cfg.reply), b['max_completion_tokens'] ?? b['max_tokens']);
    const ctx = streamCtx(b, 'chatcmpl-', model);

    if (model === 'mock-slow' && !(await sleep(SLOW_MS, ex.signal))) return;
    if (b['stream'] !== true) {
      if (model === 'mock-drop') return void ex.req.socket.destroy();
      if (model === 'mock-malformed') return send(ex, 200, '{not json', { 'content-type': 'application/json' });
      const toolMode = calls.length > 0;
      const usage = wire.chatUsage(prompt, toolMode ? wire.toolCompletionTokens(calls) : pieces.length);
      const body = wire.chatCompletion({
        id: ctx.id, created: ctx.created, model, usage, toolCalls: calls,
        content: toolMode ? null : pieces.join(''), finishReason: toolMode ? 'tool_calls' : finish,
      });
      return (await sleep(cfg.firstChunkDelayMs, ex.signal)) ? sendJson(ex, 200, body) : undefined;
    }

    const frames = calls.length > 0 ? wire.chatToolFrames(ctx, calls, prompt) : wire.chatTextFrames(ctx, pieces, finish, prompt);
    if (model === 'mock-drop') {
      // Pause before the cut so clients can observe the partial data before the error.
      const sent = await streamFrames(ex, frames.slice(0, 3));
      if (sent && (await sleep(Math.max(cfg.chunkDelayMs, DROP_PAUSE_MS), ex.signal))) ex.req.socket.destroy();
      return;
    }
    if (model === 'mock-malformed') {
      if (await streamFrames(ex, [...frames.slice(0, 2), 'data: {not json\n\n'])) ex.res.end();
      return;
    }
    if (await streamFrames(ex, frames)) ex.res.end();
  }

  async function completions(ex: Exchange): Promise<void> {
    const b = ex.body;
    const model = typeof b['model'] === 'string' ? b['model'] : '';
    if (model === '') return sendError(ex, 400, wire.openAIErrors.missingParam('model'));
    if (b['prompt'] === undefined) return sendError(ex, 400, wire.openAIErrors.missingParam('prompt'));

    const prompt = inputTokens(b['prompt']);
    const { pieces, finish } = limitPieces(wire.splitText(cfg.reply), b['max_tokens']);
    const ctx = streamCtx(b, 'cmpl-', model);
    if (b['stream'] === true) {
      if (await streamFrames(ex, wire.completionFrames(ctx, pieces, finish, prompt))) ex.res.end();
      return;
    }
    const body = wire.textCompletion({
      id: ctx.id, created: ctx.created, model, text: pieces.join(''), finishReason: finish, prompt, completion: pieces.length,
    });
    if (await sleep(cfg.firstChunkDelayMs, ex.signal)) sendJson(ex, 200, body);
  }

  function embeddings(ex: Exchange): void {
    const b = ex.body;
    const model = typeof b['model'] === 'string' ? b['model'] : '';
    if (model === '') return sendError(ex, 400, wire.openAIErrors.missingParam('model'));
    const inputs = embeddingInputs(b['input']);
    if (inputs === undefined) return sendError(ex, 400, wire.openAIErrors.missingParam('input'));
    const dims = b['dimensions'] ?? 8;
    if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1) {
      // Newer-style validation error: 2-space indented on the real API.
      const e = { error: { message: `${String(dims)} is less than the minimum of 1 - 'dimensions'`, type: 'invalid_request_error', param: null, code: null } };
      return send(ex, 400, wire.errorJson(e, 'validation'), { 'content-type': 'application/json' });
    }
    const base64 = b['encoding_format'] === 'base64';
    const vectors = inputs.map((i) => wire.embedVector(i, dims));
    const data = base64 ? vectors.map(wire.float32Base64) : vectors;
    sendJson(ex, 200, wire.embeddingList(model, data, inputs.reduce<number>((n, i) => n + inputTokens(i), 0)));
  }

  // ------------------------------------------------------------ plumbing

  function streamCtx(b: Record<string, unknown>, prefix: string, model: string): wire.StreamCtx {
    const so = wire.isRecord(b['stream_options']) ? b['stream_options'] : {};
    return {
      id: wire.randomId(prefix, 29), created: wire.nowSeconds(), model,
      includeUsage: so['include_usage'] === true,
      obfuscate: so['include_obfuscation'] !== false,
    };
  }

  /** Writes each SSE frame with its own res.write; false if the connection went away. */
  async function streamFrames(ex: Exchange, frames: string[]): Promise<boolean> {
    ex.res.writeHead(200, { ...baseHeaders(ex), 'content-type': 'text/event-stream; charset=utf-8' });
    ex.res.flushHeaders();
    for (const [i, frame] of frames.entries()) {
      if (!(await sleep(i === 0 ? cfg.firstChunkDelayMs : cfg.chunkDelayMs, ex.signal))) return false;
      ex.res.write(frame);
    }
    return !ex.signal.aborted;
  }

  function baseHeaders(ex: Exchange): Record<string, string> {
    return { 'x-request-id': ex.requestId, 'openai-version': '2020-10-01', 'openai-processing-ms': '1' };
  }

  function send(ex: Exchange, status: number, text: string, headers: Record<string, string>): void {
    if (ex.signal.aborted) return;
    ex.res.writeHead(status, { ...baseHeaders(ex), 'content-length': String(Buffer.byteLength(text)), ...headers });
    ex.res.end(text);
  }
  const sendJson = (ex: Exchange, status: number, body: unknown): void =>
    send(ex, status, wire.successJson(body), { 'content-type': 'application/json' });
  const sendError = (ex: Exchange, status: number, body: wire.OpenAIErrorBody): void =>
    send(ex, status, wire.errorJson(body), { 'content-type': 'application/json' });

  const port = await listenLoopback(server, options.port);

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    failNext: (failure, times) => failures.push(failure, times),
    close: closer(server, sockets),
  };
}

// -------------------------------------------------------------- helpers



/** Tool calls are answered when tools are offered and the last user turn says "call tool". */
function wantsToolCalls(tools: unknown, messages: unknown[]): boolean {
  if (!Array.isArray(tools) || tools.length === 0) return false;
  const lastUser = [...messages].reverse().find((m) => wire.isRecord(m) && m['role'] === 'user');
  return wire.isRecord(lastUser) && /call tool/i.test(wire.contentText(lastUser['content']));
}

function limitPieces(pieces: string[], max: unknown): { pieces: string[]; finish: string } {
  if (typeof max === 'number' && max >= 0 && pieces.length > max) return { pieces: pieces.slice(0, max), finish: 'length' };
  return { pieces, finish: 'stop' };
}

/** Prompt size of a string, string[], token array or array of token arrays. */
function inputTokens(input: unknown): number {
  if (typeof input === 'string') return wire.countWords(input);
  if (!Array.isArray(input)) return 0;
  return input.reduce<number>((n, x) => n + (typeof x === 'number' ? 1 : inputTokens(x)), 0);
}

/** Normalises embeddings `input` (string | string[] | number[] | number[][]) to one entry per vector. */
function embeddingInputs(input: unknown): (string | number[])[] | undefined {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((x) => typeof x === 'number')) return [input as number[]];
  if (input.every((x) => typeof x === 'string' || (Array.isArray(x) && x.every((y) => typeof y === 'number')))) {
    return input as (string | number[])[];
  }
  return undefined;
}
