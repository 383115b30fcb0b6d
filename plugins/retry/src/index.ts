import { setTimeout as sleep } from 'node:timers/promises';
import {
  definePlugin,
  GatewayError,
  parseDuration,
  UpstreamFailure,
  type RelayResult,
  type SchemaObject,
} from '@sluice/core';

export interface RetryOptions {
  maxAttempts: number;
  backoff: string | number;
  maxBackoff: string | number;
  deadline: string | number;
}

const schema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxAttempts: { type: 'integer', minimum: 1, maximum: 10, default: 3, description: 'Attempts in all, the first included.' },
    backoff: { type: ['integer', 'string'], format: 'duration', default: '100ms', description: 'Base of the exponential backoff.' },
    maxBackoff: { type: ['integer', 'string'], format: 'duration', default: '5s', description: 'Longest single wait.' },
    deadline: { type: ['integer', 'string'], format: 'duration', default: '60s', description: 'No new attempt after this much time.' },
  },
};

/** Whether another attempt (on another channel or key) may help. */
function shouldRetry(error: UpstreamFailure, timeoutsSoFar: number): boolean {
  const kind = error.upstream.kind;
  // The upstream refused the channel's key: the client did nothing wrong, another key or channel may work.
  if (kind === 'auth') return true;
  // A timeout may mean a slow request rather than a sick upstream: one more try, not several.
  if (kind === 'timeout') return timeoutsSoFar <= 1;
  return error.upstream.retryable;
}

/**
 * Calls next() again when an attempt failed with a retryable upstream error and nothing reached the client yet.
 * The router excludes what failed (the channel, or only the key for auth and rate-limit errors) and rests it for
 * the upstream's retry-after, so the next attempt goes elsewhere at once; further attempts back off exponentially
 * with jitter, within the deadline.
 */
export default definePlugin<RetryOptions>({
  name: '@sluice/retry',
  version: '0.2.0',
  schema,
  async setup(api, options) {
    const base = parseDuration(options.backoff);
    const cap = parseDuration(options.maxBackoff);
    const deadline = parseDuration(options.deadline);
    api.log.debug({ maxAttempts: options.maxAttempts }, 'retry ready');

    return async (ctx, next): Promise<RelayResult> => {
      if (ctx.operation === 'models' || ctx.operation === 'count_tokens' || ctx.dryRun) return next();
      let lastFailure: UpstreamFailure | undefined;
      let timeouts = 0;
      for (let attempt = 1; ; attempt++) {
        try {
          return await next();
        } catch (error) {
          // The router found nothing left to try: the previous upstream failure is the real answer.
          if (lastFailure && error instanceof GatewayError && error.code === 'SLUICE_ERR_NO_CHANNEL') throw lastFailure;
          if (!(error instanceof UpstreamFailure) || ctx.signal.aborted) throw error;
          if (error.upstream.kind === 'timeout') timeouts++;
          if (!shouldRetry(error, timeouts)) throw error;
          lastFailure = error;
          const wait = attempt === 1 ? 0 : Math.min(cap, jitter(base * 2 ** (attempt - 2)));
          if (attempt >= options.maxAttempts || Date.now() + wait - ctx.startedAt > deadline) throw error;
          ctx.note('retry', `attempt ${attempt} failed (${error.upstream.kind} on ${error.channel}); retrying${wait ? ` in ${wait} ms` : ' now'}`);
          if (wait > 0) {
            await sleep(wait, undefined, { signal: ctx.signal }).catch(() => {
              throw error;
            });
          }
        }
      }
    };
  },
});

/** Full jitter: a random wait in [delay/2, delay], so retries from many clients do not synchronise. */
function jitter(delay: number): number {
  return Math.round(delay / 2 + Math.random() * (delay / 2));
}
