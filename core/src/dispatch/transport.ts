import type { Pool } from 'undici';
import type { LocalTransport, UpstreamRequest } from '../contracts/adapter.js';
import type { ChannelTimeouts } from '../contracts/channel.js';

/** What dispatch needs from an upstream answer, whether it came over HTTP or from an in-process transport. */
export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: AsyncIterable<Uint8Array>;
}

export async function sendHttp(
  pool: Pool,
  url: URL,
  request: UpstreamRequest,
  headers: Record<string, string>,
  timeouts: ChannelTimeouts,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  const body = request.body === undefined ? null : JSON.stringify(request.body);
  const response = await pool.request({
    path: url.pathname + url.search,
    method: request.method,
    headers: body === null ? headers : { 'content-type': 'application/json', ...headers },
    body,
    signal,
    // Our AttemptTimers enforce these precisely; undici's (about 1 s resolution) remain as a backstop.
    headersTimeout: timeouts.firstByteMs + 1000,
    bodyTimeout: timeouts.idleMs + 1000,
  });
  return { status: response.statusCode, headers: flattenHeaders(response.headers), body: response.body };
}

export async function sendLocal(
  transport: LocalTransport,
  request: UpstreamRequest,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  const response = await transport(request, signal);
  return { status: response.status, headers: response.headers, body: response.body };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Reads a whole (non-stream) body; bounded, since a misbehaving upstream must not exhaust memory. */
export async function readBody(body: AsyncIterable<Uint8Array>, limit = 64 * 1024 * 1024): Promise<string> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of body) {
    size += part.byteLength;
    if (size > limit) throw new Error(`upstream body larger than ${limit} bytes`);
    parts.push(part);
  }
  return Buffer.concat(parts).toString('utf8');
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
