import type { Channel } from '@sluice/core';

/** Highest priority tier, then a weighted random pick inside it. */
export function pickChannel(candidates: readonly Channel[], random: () => number = Math.random): Channel | undefined {
  if (candidates.length === 0) return undefined;
  let top = -Infinity;
  for (const c of candidates) if (c.priority > top) top = c.priority;
  const tier = candidates.filter((c) => c.priority === top);
  if (tier.length === 1) return tier[0];
  const total = tier.reduce((sum, c) => sum + c.weight, 0);
  let ticket = random() * total;
  for (const channel of tier) {
    ticket -= channel.weight;
    if (ticket < 0) return channel;
  }
  return tier[tier.length - 1];
}

/** Round-robin over a channel's keys, per channel. */
export class KeyRotation {
  readonly #next = new Map<string, number>();
  take(channel: Channel): number {
    const i = this.#next.get(channel.name) ?? 0;
    this.#next.set(channel.name, (i + 1) % channel.keys.length);
    return i;
  }
}
