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
    maxBackoff: { type: ['integer', 'string'], format: 'duration', default: '5s', description: 'Longest single wait (also caps retry-after).' },
    deadline: { type: ['integer', 'string'], format: 'duration', default: '60s', description: 'No new attempt after this much time.' },
  },
};

/**
 * Calls next() again when an attempt fails with a retryable upstream error (429, overloaded, 5xx, network,
 * timeout) and nothing has reached the client yet. The router excludes channels that already failed.
 */
export default definePlugin<RetryOptions>({
  name: '@sluice/retry',
  version: '0.1.0',
  schema,
  async setup(api, options) {
    const base = parseDuration(options.backoff);
    const cap = parseDuration(options.maxBackoff);
    const deadline = parseDuration(options.deadline);
    api.log.debug({ maxAttempts: options.maxAttempts }, 'retry ready');

    return async (ctx, next): Promise<RelayResult> => {
      if (ctx.operation === 'models' || ctx.operation === 'count_tokens') return next();
      let lastFailure: UpstreamFailure | undefined;
      for (let attempt = 1; ; attempt++) {
        try {
          return await next();
        } catch (error) {
          // The router found nothing left to try: the previous upstream failure is the real answer.
          if (lastFailure && error instanceof GatewayError && error.code === 'SLUICE_ERR_NO_CHANNEL') throw lastFailure;
          if (!(error instanceof UpstreamFailure) || !error.upstream.retryable || ctx.signal.aborted) throw error;
          lastFailure = error;
          const wait = Math.min(cap, error.upstream.retryAfterMs ?? jitter(base * 2 ** (attempt - 1)));
          if (attempt >= options.maxAttempts || Date.now() + wait - ctx.startedAt > deadline) throw error;
          ctx.note('retry', `attempt ${attempt} failed (${error.upstream.kind} on ${error.channel}); retrying in ${wait} ms`);
          await sleep(wait, undefined, { signal: ctx.signal }).catch(() => {
            throw error;
          });
        }
      }
    };
  },
});

/** Full jitter: a random wait in [delay/2, delay], so retries from many clients do not synchronise. */
function jitter(delay: number): number {
  return Math.round(delay / 2 + Math.random() * (delay / 2));
}
