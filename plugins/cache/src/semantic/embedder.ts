import {
  scrubSecrets,
  UpstreamPools,
  type AdapterContext,
  type Channel,
  type ChannelRegistry,
  type EmbeddingRequest,
} from '@sluice/core';

/**
 * Computes one embedding through a channel of this gateway, with that channel's adapter, key and base URL.
 *
 * Core has no public "run one dispatch for a plugin" yet (see the README's note for core), so this is a small
 * side path built from core's exported pieces: adapter.toUpstream → the adapter's in-process transport or an
 * undici pool (core's UpstreamPools) → adapter.fromUpstream. It has no retries or circuit state: a failed
 * embedding only turns a possible semantic hit into a miss.
 */
export class Embedder {
  readonly #pools = new UpstreamPools();
  #nextKey = 0;

  private constructor(
    private readonly channel: Channel,
    private readonly model: string,
    private readonly timeoutMs: number,
  ) {}

  /** Checks at startup that the channel exists and serves the model for embeddings. */
  static create(channels: ChannelRegistry, channelName: string, model: string, timeoutMs: number): Embedder {
    const channel = channels.get(channelName);
    if (!channel) throw new Error(`semantic.channel '${channelName}' is not a channel in service`);
    if (!channel.adapter.operations.includes('embeddings')) throw new Error(`semantic.channel '${channelName}' (adapter ${channel.adapter.id}) does not do embeddings`);
    if (!channel.models.has(model)) throw new Error(`semantic.channel '${channelName}' does not serve the model '${model}'`);
    return new Embedder(channel, model, timeoutMs);
  }

  async embed(text: string, signal: AbortSignal): Promise<number[]> {
    const { channel } = this;
    const keys = channel.keys;
    const key = keys.length > 0 ? keys[this.#nextKey++ % keys.length] : undefined;
    const request: EmbeddingRequest = { operation: 'embeddings', model: this.model, input: text, stream: false, includeUsage: false };
    const actx: AdapterContext<unknown> = {
      options: channel.options as Readonly<unknown>,
      channel: channel.name,
      upstreamModel: channel.models.get(this.model) ?? this.model,
      apiKey: key?.reveal() ?? '',
      surface: 'sluice-cache',
      drop: () => undefined,
    };
    const upstream = channel.adapter.toUpstream(request, actx);
    const attempt = AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]);
    let status: number;
    let headers: Record<string, string>;
    let body: string;
    if (channel.adapter.transport) {
      const response = await channel.adapter.transport(upstream, attempt);
      status = response.status;
      headers = response.headers;
      body = await readAll(response.body);
    } else {
      const url = joinUnder(channel.baseUrl, upstream.path, upstream.query);
      const payload = upstream.body === undefined ? null : JSON.stringify(upstream.body);
      const response = await this.#pools.get(channel).request({
        path: url.pathname + url.search,
        method: upstream.method,
        headers: { ...(payload === null ? {} : { 'content-type': 'application/json' }), ...channel.headers, ...upstream.headers },
        body: payload,
        signal: attempt,
      });
      status = response.statusCode;
      headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]));
      body = await response.body.text();
    }
    const parsed = parse(body);
    if (status >= 400) {
      const failure = channel.adapter.mapError(status, parsed ?? body, headers);
      throw new Error(`embedding failed (${failure.kind}, ${status}): ${scrubSecrets(failure.message, keys.map((k) => k.reveal()))}`);
    }
    if (parsed === undefined) throw new Error('embedding answer is not JSON');
    const { response } = channel.adapter.fromUpstream(parsed, request, actx);
    const vector = response.operation === 'embeddings' ? response.vectors[0] : undefined;
    if (!vector || vector.length === 0) throw new Error('embedding answer holds no vector');
    return vector;
  }

  close(): Promise<void> {
    return this.#pools.close();
  }
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  return Buffer.concat(parts).toString('utf8');
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Same rule as core's dispatch: the adapter's path stays on the base URL's origin and under its path. */
function joinUnder(base: URL, path: string, query: Readonly<Record<string, string>> | undefined): URL {
  const basePath = base.pathname.replace(/\/+$/, '');
  const url = new URL(base.href.replace(/\/+$/, '') + path);
  const bad = !path.startsWith('/') || path.startsWith('//') || path.includes('\\') || /(^|\/)\.\.?(\/|$)/.test(path);
  if (bad || url.origin !== base.origin || (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`))) {
    throw new Error('embedding request maps to an invalid upstream path');
  }
  for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
  return url;
}
