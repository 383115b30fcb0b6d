import { channelUsableBy, type Channel, type Principal } from '@sluice/core';
import { channelTarget, keyTarget, type Health } from './health.js';
import { KeyRotation, pickChannel } from './pick.js';
import type { StickyPin } from './sticky.js';

export interface SelectInput {
  model: string;
  serving: readonly Channel[];
  principal: Principal | undefined;
  /** Channels a rule restricted the call to, in order of preference. */
  ruleChannels: readonly string[] | undefined;
  /** Channels and keys (channel#i) that already failed in this request. */
  failedChannels: ReadonlySet<string>;
  failedKeys: ReadonlySet<string>;
  health: Health;
  keys: KeyRotation;
  sticky: StickyPin | undefined;
  dryRun: boolean;
}

export interface Selection {
  channel: Channel;
  keyIndex: number;
  how: 'sticky' | 'rule order' | 'priority + weight';
  /** Where the next attempt would go, in order. */
  fallback: string[];
}

export interface SelectOutcome {
  selection?: Selection;
  /** The candidates left after each stage, for the trace and explain. */
  stages: Record<string, string[]>;
  /** Why nothing was picked: nothing serves the model for this caller, or everything eligible is down. */
  empty?: 'no-access' | 'unavailable';
}

const names = (channels: readonly Channel[]): string[] => channels.map((c) => c.name);

/** Round-robin over the channel's keys that are neither failed in this request nor resting. */
function pickKey(channel: Channel, input: SelectInput): number | undefined {
  for (let tries = 0; tries < channel.keys.length; tries++) {
    const index = input.keys.take(channel);
    const target = keyTarget(channel.name, index);
    if (!input.failedKeys.has(target) && input.health.available(target, Date.now(), !input.dryRun)) return index;
  }
  return undefined;
}

const byPreference = (a: Channel, b: Channel): number => b.priority - a.priority || b.weight - a.weight;

/**
 * The routing stages, in order: serves the model → caller's group and key binding → rule restriction → healthy →
 * not failed in this request; then sticky pin, rule order, or highest priority tier with a weighted random pick.
 */
export function select(input: SelectInput): SelectOutcome {
  const stages: Record<string, string[]> = {};
  stages['serves model'] = names(input.serving);
  const usable = input.serving.filter((c) => channelUsableBy(c, input.principal));
  stages['group and key binding'] = names(usable);
  let candidates = usable;
  if (input.ruleChannels) {
    const order = input.ruleChannels;
    candidates = usable.filter((c) => order.includes(c.name)).sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    stages['rule'] = names(candidates);
  }
  if (candidates.length === 0) return { stages, empty: 'no-access' };
  const healthy = candidates.filter((c) => input.health.available(channelTarget(c.name), Date.now(), false));
  stages['healthy'] = names(healthy);
  const open = healthy.filter((c) => !input.failedChannels.has(c.name));
  stages['not failed in this request'] = names(open);

  const remaining = [...open];
  const take = (channel: Channel, how: Selection['how']): Selection | undefined => {
    const keyIndex = pickKey(channel, input);
    if (keyIndex === undefined) {
      remaining.splice(remaining.indexOf(channel), 1);
      return undefined;
    }
    const rest = remaining.filter((c) => c !== channel);
    const fallback = names(input.ruleChannels ? rest : rest.sort(byPreference));
    return { channel, keyIndex, how, fallback };
  };

  const pinned = input.sticky && remaining.find((c) => c.name === input.sticky?.channel);
  if (pinned && input.sticky && !input.failedKeys.has(keyTarget(pinned.name, input.sticky.keyIndex)) && input.health.available(keyTarget(pinned.name, input.sticky.keyIndex), Date.now(), false)) {
    return { stages, selection: { channel: pinned, keyIndex: input.sticky.keyIndex, how: 'sticky', fallback: names(remaining.filter((c) => c !== pinned).sort(byPreference)) } };
  }
  while (remaining.length > 0) {
    const channel = input.ruleChannels ? remaining[0] : pickChannel(remaining);
    if (!channel) break;
    const selection = take(channel, input.ruleChannels ? 'rule order' : 'priority + weight');
    if (selection) return { stages, selection };
  }
  return { stages, empty: 'unavailable' };
}
