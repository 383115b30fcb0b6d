import type { Middleware } from '../contracts/plugin.js';
import type { RelayContext } from '../contracts/context.js';
import type { RelayResult } from '../contracts/result.js';

export type Handler = (ctx: RelayContext) => Promise<RelayResult>;

/**
 * The onion: the YAML list is the nesting order. Built once at startup; `next` may be called more than once
 * (retry), and each call runs the inner plugins again.
 */
export function compose(middlewares: readonly Middleware[], innermost: Handler): Handler {
  return middlewares.reduceRight<Handler>((next, middleware) => (ctx) => middleware(ctx, () => next(ctx)), innermost);
}
