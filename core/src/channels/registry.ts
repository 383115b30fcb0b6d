import type { Adapter } from '../contracts/adapter.js';
import type { Channel, ChannelRegistry } from '../contracts/channel.js';
import type { ChannelConfig } from '../config/types.js';
import type { ConfigIssue } from '../config/validate.js';
import { compileSchema, validateAt } from '../config/validate.js';
import type { Ajv } from 'ajv';
import { Secret } from '../secret.js';

export interface ChannelBuild {
  registry: ChannelRegistry;
  /** Channels configured but not in service, with why (logged at startup). */
  inactive: { name: string; reason: string }[];
}

/** Validates each channel against its adapter and compiles the lookup tables used on the hot path. */
export function buildChannels(
  configs: readonly ChannelConfig[],
  adapters: ReadonlyMap<string, Adapter<unknown>>,
  ajv: Ajv,
  issues: ConfigIssue[],
): ChannelBuild {
  const channels: Channel[] = [];
  const inactive: ChannelBuild['inactive'] = [];
  const validators = new Map<string, ReturnType<typeof compileSchema>>();
  configs.forEach((config, i) => {
    const adapter = adapters.get(config.adapter);
    if (!adapter) {
      const known = [...adapters.keys()].join(', ') || 'none loaded';
      issues.push({ path: `${config.path}.adapter`, segments: ['channels', i, 'adapter'], message: `unknown adapter "${config.adapter}" (loaded: ${known})` });
      return;
    }
    let validate = validators.get(adapter.id);
    if (!validate) {
      validate = compileSchema(ajv, adapter.schema, `adapter "${adapter.id}"`);
      validators.set(adapter.id, validate);
    }
    issues.push(...validateAt(validate, config.options, ['channels', i, 'options']));
    if (!adapter.transport && !config.baseUrl) {
      issues.push({ path: `${config.path}.baseUrl`, segments: ['channels', i], message: 'is required for this adapter' });
      return;
    }
    if (!config.enabled) return void inactive.push({ name: config.name, reason: 'enabled: false' });
    if (adapter.requiresKey !== false && config.keys.length === 0)
      return void inactive.push({ name: config.name, reason: 'no upstream keys configured' });
    channels.push({
      name: config.name,
      adapter,
      options: config.options,
      baseUrl: new URL(config.baseUrl ?? 'http://in-process.invalid'),
      keys: adapter.requiresKey === false && config.keys.length === 0 ? [new Secret('')] : config.keys.map((k) => new Secret(k)),
      models: new Map(config.models.map((m) => [m.name, m.upstream])),
      groups: config.groups,
      priority: config.priority,
      weight: config.weight,
      strict: config.strict,
      timeouts: config.timeouts,
      headers: config.headers,
    });
  });
  return { registry: createRegistry(channels), inactive };
}

export function createRegistry(channels: readonly Channel[]): ChannelRegistry {
  const byName = new Map(channels.map((c) => [c.name, c]));
  const byModel = new Map<string, Channel[]>();
  for (const channel of channels) {
    for (const model of channel.models.keys()) {
      const list = byModel.get(model) ?? [];
      list.push(channel);
      byModel.set(model, list);
    }
  }
  return {
    all: () => channels,
    get: (name) => byName.get(name),
    serving: (model) => byModel.get(model) ?? [],
    models: () => byModel,
  };
}
