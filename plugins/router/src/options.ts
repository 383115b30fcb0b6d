import type { SchemaObject } from '@sluice/core';

export interface RuleAction {
  /** Rewrite the requested model (public name). */
  model?: string;
  /** Only these channels are eligible, tried in this order of preference (before priority/weight). */
  channels?: string[];
  /** Answer 403 with this message. */
  reject?: string;
}

export interface RuleOptions {
  name?: string;
  when: string;
  then: RuleAction;
}

export interface RouterOptions {
  aliases: Record<string, string>;
  rules: RuleOptions[];
  sticky?: { header?: string; prefixMessages?: number; ttl: string | number };
  health: {
    failureThreshold: number;
    cooldown: string | number;
    authCooldown: string | number;
    syncInterval: string | number;
  };
  routeHeader: boolean;
  keyPrefix: string;
}

const duration = { type: ['integer', 'string'], format: 'duration' };

export const routerSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    aliases: {
      type: 'object',
      additionalProperties: { type: 'string' },
      default: {},
      description: 'Public alias → model name, resolved before rules (e.g. fast: gpt-4o-mini).',
    },
    rules: {
      type: 'array',
      default: [],
      description: 'jexl rules, evaluated in order; the first whose `when` is true applies its `then`.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['when', 'then'],
        properties: {
          name: { type: 'string', description: 'Shown in traces.' },
          when: { type: 'string', minLength: 1, description: 'A jexl expression over the rule context (see README).' },
          then: {
            type: 'object',
            additionalProperties: false,
            minProperties: 1,
            properties: {
              model: { type: 'string', description: 'Rewrite the model.' },
              channels: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Restrict and order channels.' },
              reject: { type: 'string', description: 'Reject with 403 and this message.' },
            },
          },
        },
      },
    },
    sticky: {
      type: 'object',
      additionalProperties: false,
      description: 'Pin a session to one channel+key while it stays healthy.',
      properties: {
        header: { type: 'string', description: 'Session id header (e.g. x-session-id).' },
        prefixMessages: { type: 'integer', minimum: 1, description: 'Else: hash of the first N messages.' },
        ttl: { ...duration, default: '30m' },
      },
    },
    health: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        failureThreshold: { type: 'integer', minimum: 1, default: 3, description: 'Consecutive failures that open the circuit.' },
        cooldown: { ...duration, default: '30s', description: 'How long an open circuit skips the channel before a trial.' },
        authCooldown: { ...duration, default: '5m', description: 'How long a key refused by the upstream (401/403) rests.' },
        syncInterval: { ...duration, default: '1s', description: 'How often shared health is read from Redis.' },
      },
    },
    routeHeader: { type: 'boolean', default: true, description: 'Send x-sluice-route (channel, model, attempt) to clients.' },
    keyPrefix: { type: 'string', default: 'sluice:router:', description: 'Prefix of the Redis keys (health, stickiness).' },
  },
};
