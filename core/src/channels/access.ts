import type { Channel } from '../contracts/channel.js';
import type { Principal } from '../contracts/context.js';

/** The caller group of a call without a principal (no auth plugin). */
export const DEFAULT_GROUP = 'default';

/**
 * Whether a caller may be routed to a channel: its group is among the channel's groups and, when its key is bound
 * to channels, this is one of them. The one rule behind routing and the model list.
 */
export function channelUsableBy(channel: Channel, principal: Principal | undefined): boolean {
  if (!channel.groups.includes(principal?.group ?? DEFAULT_GROUP)) return false;
  return !principal?.allowedChannels || principal.allowedChannels.includes(channel.name);
}
