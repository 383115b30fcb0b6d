import { GatewayError, type CanonicalResponse, type RelayContext, type Surface, type Usage } from '@sluice/core';
import { createStreamEncoder } from '../stream/encoder.js';
import { renderError } from '../wire/errors.js';
import { encodeResponse as encodeMessage } from '../wire/response.js';

export const ANTHROPIC_SURFACE = 'anthropic';

/** What the surface could not write in Anthropic's shape: reported like any translation loss. */
export const reporter =
  (ctx: RelayContext) =>
  (field: string, reason: string): void => {
    ctx.dropped.push(field);
    ctx.note(ANTHROPIC_SURFACE, `dropped ${field}: ${reason}`);
  };

function encodeResponse(response: CanonicalResponse, usage: Usage, ctx: RelayContext): unknown {
  switch (response.operation) {
    case 'chat':
      return encodeMessage(response, usage, { id: ctx.id, model: ctx.request.model }, reporter(ctx));
    case 'count_tokens':
      return { input_tokens: response.inputTokens };
    default:
      throw new GatewayError('SLUICE_ERR_INTERNAL', `internal error (request id ${ctx.id})`);
  }
}

/** The Anthropic Messages API as a client-facing surface: errors, responses and streams in Anthropic's shapes. */
export const anthropicSurface: Surface = {
  id: ANTHROPIC_SURFACE,
  // Anthropic's own keep-alive is a ping event, which its SDKs skip.
  keepAlive: 'event: ping\ndata: {"type": "ping"}\n\n',
  renderError,
  encodeResponse,
  createStreamEncoder,
};
