import { GatewayError } from '../errors.js';

/**
 * Joins a channel's base URL and an adapter's relative path. The result must stay on the base URL's origin and
 * under its path: a model name or any other client-controlled text can never choose the upstream host.
 */
export function upstreamUrl(base: URL, path: string, query?: Readonly<Record<string, string>>): URL {
  if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\') || /(^|\/)\.\.?(\/|$)/.test(path)) {
    throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', 'the request maps to an invalid upstream path');
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  const url = new URL(base.href.replace(/\/+$/, '') + path);
  // Under the base path as a whole segment: "/v1-admin" is not under "/v1".
  if (url.origin !== base.origin || (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`))) {
    throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', 'the request maps to an invalid upstream path');
  }
  if (query) for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url;
}
