import type { ChannelRegistry, EmbeddingRequest, PluginApi } from '@sluice/core';

/**
 * Computes one embedding through a channel of this gateway, with core's dispatch (api.invoke): the channel's
 * adapter, keys, timeouts and base-URL check. No retries or circuit state: a failed embedding only turns a possible
 * semantic hit into a miss.
 */
export class Embedder {
  private constructor(
    private readonly invoke: PluginApi['invoke'],
    private readonly channel: string,
    private readonly model: string,
    private readonly timeoutMs: number,
  ) {}

  /** Checks at startup that the channel exists and serves the model for embeddings. */
  static create(invoke: PluginApi['invoke'], channels: ChannelRegistry, channelName: string, model: string, timeoutMs: number): Embedder {
    const channel = channels.get(channelName);
    if (!channel) throw new Error(`semantic.channel '${channelName}' is not a channel in service`);
    if (!channel.adapter.operations.includes('embeddings')) throw new Error(`semantic.channel '${channelName}' (adapter ${channel.adapter.id}) does not do embeddings`);
    if (!channel.models.has(model)) throw new Error(`semantic.channel '${channelName}' does not serve the model '${model}'`);
    return new Embedder(invoke, channelName, model, timeoutMs);
  }

  async embed(text: string, signal: AbortSignal): Promise<number[]> {
    const request: EmbeddingRequest = { operation: 'embeddings', model: this.model, input: text, stream: false, includeUsage: false };
    const result = await this.invoke(request, { channel: this.channel, signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]) });
    const vector = result.kind === 'response' && result.response.operation === 'embeddings' ? result.response.vectors[0] : undefined;
    if (!vector || vector.length === 0) throw new Error('embedding answer holds no vector');
    return vector;
  }
}
