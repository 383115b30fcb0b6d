import { GatewayError } from '@sluice/core';

/** What a caller asked of the cache for one request. */
export interface Directives {
  /** May answer from the cache. */
  lookup: boolean;
  /** May store the answer. */
  store: boolean;
  /** Answer only from the cache: a miss is an error, the upstream is never called. */
  onlyIfCached: boolean;
  /** The headers that decided, for the trace. */
  because: string[];
}

const VALUES = ['skip', 'refresh', 'only-if-cached'] as const;

/**
 * `x-sluice-cache: skip | refresh | only-if-cached`, and the request directives of HTTP caching
 * (RFC 9111 §5.2.1): `no-cache` = do not answer from the cache (the fresh answer is stored), `no-store` = do not
 * store this call's answer, `only-if-cached` = like ours. Unknown Cache-Control directives are ignored, as HTTP
 * caches do; an unknown x-sluice-cache value is refused, since a typo there would silently change billing.
 */
export function directivesOf(headers: Readonly<Record<string, string | undefined>>): Directives {
  const d: Directives = { lookup: true, store: true, onlyIfCached: false, because: [] };
  const own = headers['x-sluice-cache']?.trim().toLowerCase();
  if (own !== undefined && own !== '') {
    switch (own) {
      case 'skip':
        d.lookup = false;
        d.store = false;
        break;
      case 'refresh':
        d.lookup = false;
        break;
      case 'only-if-cached':
        d.onlyIfCached = true;
        d.store = false;
        break;
      default:
        throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', `x-sluice-cache must be one of ${VALUES.join(', ')} (got '${own.slice(0, 40)}')`, {
          param: 'x-sluice-cache',
        });
    }
    d.because.push(`x-sluice-cache: ${own}`);
  }
  const control = headers['cache-control'];
  if (control) {
    for (const token of control.toLowerCase().split(',')) {
      const name = token.split('=')[0]?.trim();
      if (name === 'no-cache') d.lookup = false;
      else if (name === 'no-store') d.store = false;
      else if (name === 'only-if-cached') {
        d.onlyIfCached = true;
        d.store = false;
      } else continue;
      d.because.push(`cache-control: ${name}`);
    }
  }
  return d;
}
