/**
 * A mock Anthropic Messages API upstream for Sluice's end-to-end tests, on 127.0.0.1 with only node:http. It
 * speaks the wire format byte for byte (see ./anthropic-wire.ts): `x-api-key` and `anthropic-version` checks,
 * `request-id` on every answer, compact JSON, named SSE events with a ping, thinking with signatures it verifies
 * when they come back, parallel tool_use streamed as input_json_delta pieces, prompt-cache usage, error bodies
 * (`retry-after` on 429, 529 overloaded).
 *
 * Scenario models (picked by the request's `model`) misbehave on purpose:
 *   - `claude-drop`          stream: message_start, a text block start and two deltas, a short pause, then the socket
 *                            is destroyed; non-stream: socket destroyed before any response.
 *   - `claude-malformed`     stream: the same start, then `data: {not json`, then end; non-stream: 200 `{not json`.
 *   - `claude-stream-error`  stream: the same start, then `event: error` (overloaded_error), then end.
 *   - `claude-truncated`     stream: the same start, then a clean end without message_delta / message_stop.
 * Any other model not in KNOWN_MODELS answers 404 not_found_error, as the API does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closer, FailureQueue, listenLoopback, readBody, sleep, trackSockets } from './server-kit.js';
import * as wire from './anthropic-wire.js';
import { checkThinking, plan, promptCounts } from './anthropic-model.js';

export { anthropicErrors, REDACTED_TRIGGER, signThinking, KNOWN_MODELS, SCENARIO_MODELS } from './anthropic-wire.js';
export type { AnthropicErrorBody } from './anthropic-wire.js';

export type { MockFailure } from './server-kit.js';
import type { MockFailure } from './server-kit.js';
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}
export interface AnthropicUpstreamOptions {
  /** If set, require `x-api-key: <apiKey>`; otherwise 401 like Anthropic. */
  apiKey?: string;
  port?: number;
  /** Assistant text; split into word pieces for streaming. */
  reply?: string;
  /** Thinking text when the request enables thinking. */
  thinking?: string;
  /** Delay between stream frames. */
  chunkDelayMs?: number;
  /** Delay before the first stream frame (headers go out first), and before non-stream bodies. */
  firstChunkDelayMs?: number;
  record?: boolean;
}
export interface AnthropicUpstream {
  /** Base URL including `/v1`, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  requests: RecordedRequest[];
  /** The next `times` (default 1) requests answer with this status/body/headers. */
  failNext(failure: MockFailure, times?: number): void;
  close(): Promise<void>;
}

export const DEFAULT_REPLY = 'Hello from the Anthropic mock.';
export const DEFAULT_THINKING = 'The user wants a short answer. I will give one.';
const DROP_PAUSE_MS = 25;

interface Exchange { req: IncomingMessage; res: ServerResponse; body: Record<string, unknown>; requestId: string; signal: AbortSignal }

export async function startAnthropicUpstream(options: AnthropicUpstreamOptions = {}): Promise<AnthropicUpstream> {
  const reply = options.reply ?? DEFAULT_REPLY;
  const thinkingText = options.thinking ?? DEFAULT_THINKING;
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  const firstChunkDelayMs = options.firstChunkDelayMs ?? 0;
  const requests: RecordedRequest[] = [];
  const failures = new FailureQueue();
  const promptCache = new Set<string>();

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
    if (options.record ?? true) requests.push({ method, path, headers: { ...req.headers }, body: parsed });
    const aborter = new AbortController();
    res.once('close', () => aborter.abort());
    const ex: Exchange = { req, res, body: wire.isRecord(parsed) ? parsed : {}, requestId: wire.newRequestId(), signal: aborter.signal };

    const failure = takeFailure();
    if (failure) return sendFailure(ex, failure);
    if (options.apiKey !== undefined && req.headers['x-api-key'] !== options.apiKey) return sendError(ex, 401, wire.anthropicErrors.invalidApiKey());
    if (!req.headers['anthropic-version']) return sendError(ex, 400, wire.anthropicErrors.missingVersion());
    if (!jsonOk) return sendError(ex, 400, wire.anthropicErrors.invalidJson());
    if (method === 'POST' && path === '/v1/messages') return messages(ex);
    if (method === 'POST' && path === '/v1/messages/count_tokens') return countTokens(ex);
    return sendError(ex, 404, wire.anthropicErrors.notFound());
  }

  const takeFailure = (): MockFailure | undefined => failures.take();

  function sendFailure(ex: Exchange, f: MockFailure): void {
    const body = f.body ?? { ...wire.anthropicErrors.forStatus(f.status), request_id: ex.requestId };
    // Anthropic says when to come back on every 429.
    const headers = f.status === 429 ? { 'retry-after': '7', ...f.headers } : { ...f.headers };
    const text = typeof body === 'string' ? body : wire.json(body);
    send(ex, f.status, text, { 'content-type': 'application/json', 'x-should-retry': String(f.status >= 429), ...headers });
  }

  /** Validation in the API's order, then the scenario or the planned answer. */
  async function messages(ex: Exchange): Promise<void> {
    const b = ex.body;
    for (const field of ['model', 'messages', 'max_tokens']) {
      if (b[field] === undefined) return sendError(ex, 400, wire.anthropicErrors.fieldRequired(field));
    }
    const model = String(b['model']);
    if (!(wire.KNOWN_MODELS as readonly string[]).includes(model) && !(wire.SCENARIO_MODELS as readonly string[]).includes(model)) {
      return sendError(ex, 404, wire.anthropicErrors.notFoundModel(model));
    }
    if (!Array.isArray(b['messages'])) return sendError(ex, 400, wire.anthropicErrors.fieldRequired('messages'));
    const rejected = checkThinking(b);
    if (rejected) return sendError(ex, rejected.status, rejected.body);
    const answer = plan(b, reply, thinkingText, promptCache);
    answer.model = model;

    if (b['stream'] !== true) {
      if (model === 'claude-drop') return void ex.req.socket.destroy();
      if (model === 'claude-malformed') return send(ex, 200, '{not json', { 'content-type': 'application/json' });
      if (!(await sleep(firstChunkDelayMs, ex.signal))) return;
      return send(ex, 200, wire.json(wire.message(answer)), { 'content-type': 'application/json' });
    }
    const frames = wire.streamFrames(answer);
    // message_start, content_block_start, ping and two text deltas: enough for a client to have seen data.
    const head = frames.slice(0, 5);
    switch (model) {
      case 'claude-drop':
        if ((await streamFrames(ex, head)) && (await sleep(Math.max(chunkDelayMs, DROP_PAUSE_MS), ex.signal))) ex.req.socket.destroy();
        return;
      case 'claude-malformed':
        if (await streamFrames(ex, [...head, 'event: content_block_delta\ndata: {not json\n\n'])) ex.res.end();
        return;
      case 'claude-stream-error':
        if (await streamFrames(ex, [...head, wire.sse('error', wire.anthropicErrors.overloaded())])) ex.res.end();
        return;
      case 'claude-truncated':
        if (await streamFrames(ex, head)) ex.res.end();
        return;
    }
    if (await streamFrames(ex, frames)) ex.res.end();
  }

  function countTokens(ex: Exchange): void {
    const b = ex.body;
    for (const field of ['model', 'messages']) if (b[field] === undefined) return sendError(ex, 400, wire.anthropicErrors.fieldRequired(field));
    if (!Array.isArray(b['messages'])) return sendError(ex, 400, wire.anthropicErrors.fieldRequired('messages'));
    const counts = promptCounts(b, new Set());
    send(ex, 200, wire.json({ input_tokens: counts.input + counts.cacheCreation + counts.cacheRead }), { 'content-type': 'application/json' });
  }

  // ------------------------------------------------------------ plumbing

  /** Writes each SSE frame with its own res.write; false if the connection went away. */
  async function streamFrames(ex: Exchange, frames: string[]): Promise<boolean> {
    ex.res.writeHead(200, { ...baseHeaders(ex), 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    ex.res.flushHeaders();
    for (const [i, frame] of frames.entries()) {
      if (!(await sleep(i === 0 ? firstChunkDelayMs : chunkDelayMs, ex.signal))) return false;
      ex.res.write(frame);
    }
    return !ex.signal.aborted;
  }

  function baseHeaders(ex: Exchange): Record<string, string> {
    return { 'request-id': ex.requestId, 'anthropic-organization-id': wire.ORGANIZATION_ID };
  }

  function send(ex: Exchange, status: number, text: string, headers: Record<string, string>): void {
    if (ex.signal.aborted) return;
    ex.res.writeHead(status, { ...baseHeaders(ex), 'content-length': String(Buffer.byteLength(text)), ...headers });
    ex.res.end(text);
  }
  const sendError = (ex: Exchange, status: number, body: wire.AnthropicErrorBody): void =>
    send(ex, status, wire.json({ ...body, request_id: ex.requestId }), { 'content-type': 'application/json', 'x-should-retry': 'false' });

  const port = await listenLoopback(server, options.port);
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    failNext: (failure, times) => failures.push(failure, times),
    close: closer(server, sockets),
  };
}


