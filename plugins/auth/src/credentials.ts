import type { RelayContext } from '@sluice/core';

/**
 * The gateway key as each official SDK sends it: OpenAI `Authorization: Bearer`, Anthropic `x-api-key`, Gemini
 * `x-goog-api-key` or `?key=`.
 */
export function credentialOf(ctx: Pick<RelayContext, 'headers' | 'query'>): string | undefined {
  const authorization = ctx.headers['authorization'];
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization);
    // An Authorization header of another scheme is not ours: the SDK-specific headers may still carry the key.
    if (match) return match[1]?.trim();
  }
  return ctx.headers['x-api-key'] ?? ctx.headers['x-goog-api-key'] ?? ctx.query['key'];
}
