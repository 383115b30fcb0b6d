import type { Adapter, AdapterContext, SseEvent, StreamTranslator, UpstreamError } from '../contracts/adapter.js';
import type { RelayRequest } from '../contracts/canonical.js';
import type { CanonicalChunk } from '../contracts/canonical.js';
import type { Attempt, RelayContext } from '../contracts/context.js';
import type { RelayResult } from '../contracts/result.js';
import { GatewayError, UpstreamFailure } from '../errors.js';
import { scrubSecrets } from '../secret.js';
import type { UpstreamPools } from './pools.js';
import { SseParser } from './sse.js';
import { parseJson, readBody, sendHttp, sendLocal, type UpstreamResponse } from './transport.js';
import { upstreamUrl } from './url.js';
import { AttemptTimers, UpstreamTimeout } from './timers.js';


/** The innermost step of every pipeline: translate, send, translate back. One attempt, on ctx.route. */
export function createDispatch(pools: UpstreamPools): (ctx: RelayContext) => Promise<RelayResult> {
  return async function dispatch(ctx) {
    const route = ctx.route;
    if (!route) throw new GatewayError('SLUICE_ERR_INTERNAL', 'no route was chosen: the pipeline needs a router plugin');
    const { channel } = route;
    const adapter = channel.adapter;
    const canonical = ctx.request;
    if (canonical.operation === 'models' || canonical.operation === 'count_tokens' || !adapter.operations.includes(canonical.operation)) {
      throw new GatewayError('SLUICE_ERR_UNSUPPORTED_OPERATION', `model '${ctx.request.model}' does not support ${ctx.operation}`);
    }
    const apiKey = channel.keys[route.keyIndex]?.reveal() ?? '';
    const actx: AdapterContext<unknown> = {
      options: channel.options as Readonly<unknown>,
      channel: channel.name,
      upstreamModel: route.upstreamModel,
      apiKey,
      surface: ctx.surface,
      drop: (field, reason) => {
        if (channel.strict) {
          throw new GatewayError('SLUICE_ERR_TRANSLATION_LOSS', `'${field}' cannot be sent to this model's provider (${reason}); the channel is strict.`, { param: field });
        }
        ctx.dropped.push(field);
        ctx.note(adapter.id, `dropped ${field}: ${reason}`);
      },
    };
    reportForeignExtra(canonical, adapter, actx);
    const request = adapter.toUpstream(canonical, actx);
    const url = upstreamUrl(channel.baseUrl, request.path, request.query);
    const attempt: Attempt = { channel: channel.name, keyIndex: route.keyIndex, upstreamModel: route.upstreamModel, startedAt: Date.now() };
    ctx.attempts.push(attempt);

    const controller = new AbortController();
    const onClientAbort = (): void => controller.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onClientAbort, { once: true });
    const timers = new AttemptTimers(controller, channel.timeouts);
    const cleanup = (): void => {
      timers.clear();
      ctx.signal.removeEventListener('abort', onClientAbort);
    };
    const fail = (upstream: UpstreamError, cause?: unknown): UpstreamFailure => {
      attempt.durationMs = Date.now() - attempt.startedAt;
      attempt.error = upstream.kind;
      attempt.status = upstream.status;
      const message = scrubSecrets(upstream.message, channel.keys.map((k) => k.reveal()));
      return new UpstreamFailure({ ...upstream, message }, channel.name, message, cause);
    };

    let response: UpstreamResponse;
    try {
      response = adapter.transport
        ? await sendLocal(adapter.transport, request, controller.signal)
        : await sendHttp(pools.get(channel), url, request, { ...channel.headers, ...request.headers }, channel.timeouts, controller.signal);
    } catch (error) {
      cleanup();
      throw rethrow(error, ctx, fail, controller.signal);
    }
    timers.headers();
    attempt.status = response.status;

    if (response.status >= 400) {
      try {
        const text = await readBody(response.body, 1024 * 1024).catch(() => '');
        const mapped = adapter.mapError(response.status, parseJson(text) ?? text, response.headers);
        if (mapped.kind === 'auth') mapped.message = 'the upstream rejected the channel credentials';
        throw fail(mapped);
      } finally {
        cleanup();
      }
    }

    if (!request.stream) {
      try {
        const text = await readBody(response.body);
        const body = parseJson(text);
        if (body === undefined) throw fail({ kind: 'protocol', status: 502, retryable: true, message: 'upstream sent a body that is not JSON' });
        let decoded: ReturnType<typeof adapter.fromUpstream>;
        try {
          decoded = adapter.fromUpstream(body, canonical, actx);
        } catch (error) {
          if (error instanceof GatewayError) throw error;
          throw fail({ kind: 'protocol', status: 502, retryable: false, message: `upstream sent a response that cannot be read: ${(error as Error).message}` }, error);
        }
        attempt.durationMs = Date.now() - attempt.startedAt;
        return { kind: 'response', response: decoded.response, usage: decoded.usage };
      } catch (error) {
        throw rethrow(error, ctx, fail, controller.signal);
      } finally {
        cleanup();
      }
    }

    const translator = adapter.createStream(canonical, actx);
    return {
      kind: 'stream',
      chunks: relayStream(response.body, translator, ctx, attempt, {
        cleanup,
        fail,
        abort: () => controller.abort(),
        activity: () => timers.activity(),
        signal: controller.signal,
      }),
      usage: () => translator.usage(),
    };
  };
}

async function* relayStream(
  body: AsyncIterable<Uint8Array>,
  translator: StreamTranslator,
  ctx: RelayContext,
  attempt: Attempt,
  hooks: {
    cleanup(): void;
    fail(upstream: UpstreamError, cause?: unknown): UpstreamFailure;
    abort(): void;
    activity(): void;
    signal: AbortSignal;
  },
): AsyncGenerator<CanonicalChunk> {
  const parser = new SseParser();
  let done = false;
  // One event at a time, so chunks before a malformed event in the same read still reach the client.
  const translate = (event: SseEvent): CanonicalChunk[] => {
    try {
      return translator.push(event);
    } catch (error) {
      // A translator may classify what it saw (an in-stream rate limit, a blocked prompt): keep its verdict.
      if (error instanceof GatewayError) throw error;
      throw hooks.fail({ kind: 'protocol', status: 502, retryable: false, message: `upstream sent a malformed stream event: ${(error as Error).message}` }, error);
    }
  };
  try {
    for await (const bytes of body) {
      hooks.activity();
      for (const event of parser.push(bytes)) for (const chunk of translate(event)) yield chunk;
    }
    for (const event of parser.end()) for (const chunk of translate(event)) yield chunk;
    yield* translator.end();
    done = true;
    attempt.durationMs = Date.now() - attempt.startedAt;
  } catch (error) {
    throw rethrow(error, ctx, hooks.fail, hooks.signal);
  } finally {
    hooks.cleanup();
    // Consumer left early (client disconnect): stop the upstream so it stops producing (and billing) tokens.
    if (!done) hooks.abort();
  }
}

/** Classifies a thrown transport error; a client disconnect passes through unchanged. */
function rethrow(
  error: unknown,
  ctx: RelayContext,
  fail: (upstream: UpstreamError, cause?: unknown) => UpstreamFailure,
  attemptSignal: AbortSignal,
): unknown {
  if (error instanceof GatewayError) return error;
  if (ctx.signal.aborted) return ctx.signal.reason ?? error;
  const reason: unknown = attemptSignal.aborted ? attemptSignal.reason : undefined;
  if (reason instanceof UpstreamTimeout) return fail({ kind: 'timeout', status: 504, retryable: true, message: reason.message }, error);
  const code = (error as { code?: string }).code ?? '';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return fail({ kind: 'timeout', status: 504, retryable: true, message: 'upstream connect timed out' }, error);
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return fail({ kind: 'timeout', status: 504, retryable: true, message: 'upstream sent no response headers in time' }, error);
  if (code === 'UND_ERR_BODY_TIMEOUT') return fail({ kind: 'timeout', status: 504, retryable: true, message: 'upstream went silent mid-response' }, error);
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') return fail({ kind: 'network', status: 502, retryable: true, message: 'upstream closed the connection unexpectedly' }, error);
  return fail({ kind: 'network', status: 502, retryable: true, message: `upstream connection failed (${code || 'network error'})` }, error);
}

/** Fields another wire format carried that this adapter's format has no place for: reported, never silently lost. */
function reportForeignExtra(request: RelayRequest, adapter: Adapter<unknown>, actx: AdapterContext<unknown>): void {
  const extra = request.extra;
  if (!extra || !adapter.format || extra.format === adapter.format) return;
  const handled = adapter.handlesForeignExtra;
  if (handled === true || (Array.isArray(handled) && handled.includes(extra.format))) return;
  for (const [field, value] of Object.entries(extra.fields)) {
    if (value === undefined || value === null || FOREIGN_REPRESENTED.has(field)) continue;
    actx.drop(field, `a ${extra.format} field the ${adapter.format} format has no place for`);
  }
}

// Carried by canonical fields already (maxTokens, includeUsage), so nothing is lost when they do not travel.
const FOREIGN_REPRESENTED = new Set(['max_completion_tokens', 'stream_options', 'max_tokens', 'stream']);
