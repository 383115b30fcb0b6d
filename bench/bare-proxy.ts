/**
 * The bare pass-through proxy: node:http in, an undici Pool out, the body streamed both ways without being parsed.
 * It is the physical limit for a Node gateway on this machine, so the gateway is judged against it.
 *
 * It uses the same undici as @sluice/core (resolved from core/, not the older copy hoisted at the repo root) with the
 * same pool settings as core/src/dispatch/pools.ts, so the comparison isolates what the gateway adds.
 */
import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Dispatcher } from 'undici';

type Undici = typeof import('undici');

// Hop-by-hop headers (RFC 9110 §7.6.1) plus host, which undici sets from the pool origin.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);
const METHODS = new Set<string>(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);

export interface BareProxy {
  url: string;
  undiciVersion: string;
  close(): Promise<void>;
}

/** undici exactly as @sluice/core loads it. */
export async function loadCoreUndici(): Promise<{ undici: Undici; version: string }> {
  const requireFromCore = createRequire(new URL('../core/package.json', import.meta.url));
  const entry = requireFromCore.resolve('undici');
  const { version } = requireFromCore('undici/package.json') as { version: string };
  return { undici: (await import(pathToFileURL(entry).href)) as Undici, version };
}

export async function startBareProxy(upstreamUrl: string, port = 0): Promise<BareProxy> {
  const { undici, version } = await loadCoreUndici();
  const pool = new undici.Pool(new URL(upstreamUrl).origin, {
    connections: 256,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
  });

  const server = createServer({ noDelay: true, keepAliveTimeout: 30_000 }, (req, res) => {
    const method = req.method ?? 'GET';
    if (!METHODS.has(method)) {
      res.writeHead(405).end();
      return;
    }
    const options: Dispatcher.RequestOptions = {
      method: method as Dispatcher.HttpMethod,
      path: req.url ?? '/',
      headers: strip(req.headers),
      body: method === 'GET' || method === 'HEAD' ? null : req,
    };
    pool
      .stream(options, ({ statusCode, headers }) => {
        res.writeHead(statusCode, strip(headers) as OutgoingHttpHeaders);
        return res;
      })
      .catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy(error instanceof Error ? error : undefined);
          return;
        }
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `bare proxy: ${String(error)}`, type: 'proxy_error' } }));
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    undiciVersion: version,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.close();
    },
  };
}

function strip(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}
