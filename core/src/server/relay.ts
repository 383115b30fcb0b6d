import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { Request, ResponseToolkit, ResponseObject } from '@hapi/hapi';
import type { Logger } from 'pino';
import type { CanonicalRequest, Usage } from '../contracts/canonical.js';
import type { RelayContext } from '../contracts/context.js';
import type { StreamResult } from '../contracts/result.js';
import { GatewayError, isGatewayError } from '../errors.js';
import type { Handler } from '../pipeline/compose.js';
import { createContext } from '../pipeline/context.js';
import type { Surface } from '../contracts/surface.js';
import { requestIdOf, clientIpOf } from './request-meta.js';

export interface RelayDeps {
  pipeline: Handler;
  log: Logger;
  keepAliveMs: number;
  trustProxy: boolean;
}

/** Everything after decoding, shared by every surface: run the pipeline, answer as JSON or SSE, log one line. */
export async function relay(
  request: Request,
  h: ResponseToolkit,
  surface: Surface,
  canonical: CanonicalRequest,
  deps: RelayDeps,
): Promise<ResponseObject> {
  const id = requestIdOf(request);
  const controller = new AbortController();
  const res = request.raw.res;
  // The client hung up before we finished: abort the upstream call (the stream pump sees it too).
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new GatewayError('SLUICE_ERR_INVALID_REQUEST', 'client disconnected'));
  });
  const ctx = createContext({
    id,
    surface: surface.id,
    request: canonical,
    headers: request.headers as Record<string, string | undefined>,
    query: request.query as Record<string, string | undefined>,
    clientIp: clientIpOf(request, deps.trustProxy),
    signal: controller.signal,
    log: deps.log,
  });

  let result;
  try {
    result = await deps.pipeline(ctx);
  } catch (error) {
    const gatewayError = toGatewayError(error, ctx);
    logLine(ctx, controller.signal.aborted ? 499 : gatewayError.status, {}, gatewayError);
    return errorResponse(h, surface, gatewayError, ctx);
  }

  if (result.kind === 'response') {
    let body: string;
    try {
      body = JSON.stringify(surface.encodeResponse(result.response, result.usage, ctx));
    } catch (error) {
      const gatewayError = toGatewayError(error, ctx);
      logLine(ctx, gatewayError.status, result.usage, gatewayError);
      return errorResponse(h, surface, gatewayError, ctx);
    }
    logLine(ctx, 200, result.usage);
    return withHeaders(h.response(body).type('application/json'), ctx);
  }

  const out = new PassThrough();
  void pump(out, result, surface, ctx, deps.keepAliveMs);
  return withHeaders(
    h
      .response(out)
      .type('text/event-stream; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('x-accel-buffering', 'no'),
    ctx,
  );
}

/** Writes each chunk the moment it arrives; keep-alive comments while the upstream is silent. */
async function pump(out: PassThrough, result: StreamResult, surface: Surface, ctx: RelayContext, keepAliveMs: number): Promise<void> {
  const encoder = surface.createStreamEncoder(ctx);
  let wrote = true;
  const write = async (text: string): Promise<void> => {
    wrote = true;
    if (!out.write(text) && !ctx.signal.aborted) await once(out, 'drain', { signal: ctx.signal });
  };
  const heartbeat = setInterval(() => {
    if (!wrote) out.write(surface.keepAlive);
    wrote = false;
  }, keepAliveMs);
  try {
    for await (const chunk of result.chunks) await write(encoder.chunk(chunk));
    out.end(encoder.end(result.usage()));
    logLine(ctx, 200, result.usage());
  } catch (error) {
    if (ctx.signal.aborted) {
      logLine(ctx, 499, result.usage());
      out.destroy();
    } else {
      const gatewayError = toGatewayError(error, ctx);
      logLine(ctx, gatewayError.status, result.usage(), gatewayError);
      out.end(encoder.error(gatewayError));
    }
  } finally {
    clearInterval(heartbeat);
  }
}

function withHeaders(response: ResponseObject, ctx: RelayContext): ResponseObject {
  response.header('x-request-id', ctx.id);
  for (const [name, value] of Object.entries(ctx.responseHeaders)) response.header(name, value);
  if (ctx.dropped.length > 0) response.header('x-sluice-dropped', ctx.dropped.join(', '));
  return response;
}

function errorResponse(h: ResponseToolkit, surface: Surface, error: GatewayError, ctx: RelayContext): ResponseObject {
  const rendered = surface.renderError(error);
  const response = h.response(JSON.stringify(rendered.body)).type('application/json').code(rendered.status);
  for (const [name, value] of Object.entries(rendered.headers)) response.header(name, value);
  return withHeaders(response, ctx);
}

/** Anything that is not a GatewayError is a bug: log it in full, show the client only a generic 500. */
export function toGatewayError(error: unknown, ctx: RelayContext): GatewayError {
  if (isGatewayError(error)) return error;
  ctx.log.error({ reqId: ctx.id, err: error }, 'unexpected error in pipeline');
  return new GatewayError('SLUICE_ERR_INTERNAL', `internal error (request id ${ctx.id})`);
}

function logLine(ctx: RelayContext, status: number, usage: Usage, error?: GatewayError): void {
  if (!ctx.log.isLevelEnabled('info')) return; // do not even build the object when nobody reads it
  const last = ctx.attempts.at(-1);
  ctx.log.info(
    {
      reqId: ctx.id,
      surface: ctx.surface,
      op: ctx.operation,
      tenant: ctx.principal?.tenant,
      keyId: ctx.principal?.keyId,
      model: ctx.request.model,
      channel: last?.channel,
      attempts: ctx.attempts.length,
      stream: ctx.request.stream,
      status,
      ms: Date.now() - ctx.startedAt,
      tokens: { in: usage.input, out: usage.output },
      ...(error ? { code: error.code, error: error.message } : {}),
    },
    'request',
  );
}
