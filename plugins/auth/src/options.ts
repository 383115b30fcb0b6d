import type { SchemaObject } from '@sluice/core';

export interface AuthOptions {
  cacheTtl: string | number;
  cacheSize: number;
  failedAuth: { limit: number; window: string | number };
  redisPrefix: string;
  collectionPrefix: string;
  sharedStore?: string;
  adminChannels: boolean;
}

const duration = (description: string, fallback: string): SchemaObject => ({ type: ['integer', 'string'], format: 'duration', default: fallback, description });

export const optionsSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cacheTtl: duration(
      'How long a looked-up key is trusted without reading the store again. Changes made through the admin API reach every instance at once (Redis pub/sub); this bounds staleness only if that message is lost.',
      '30s',
    ),
    cacheSize: { type: 'integer', minimum: 1, default: 100000, description: 'Most keys cached per instance (and, separately, most unknown keys remembered).' },
    failedAuth: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Throttling of addresses that keep failing authentication (429 with retry-after).',
      properties: {
        limit: { type: 'integer', minimum: 0, default: 20, description: 'Failures allowed per window and address (IPv6: per /64); 0 = off.' },
        window: duration('The counting window.', '1m'),
      },
    },
    redisPrefix: {
      type: 'string',
      pattern: '^sluice:auth:',
      default: 'sluice:auth:',
      description: 'Prefix of the Redis keys and of the invalidation channel (<prefix>invalidate).',
    },
    collectionPrefix: {
      type: 'string',
      pattern: '^sluice_auth_[A-Za-z0-9_]*$',
      default: 'sluice_auth_',
      description: 'Prefix of the MongoDB collections (<prefix>tenants, <prefix>keys).',
    },
    sharedStore: {
      type: 'string',
      minLength: 1,
      description: 'Without MongoDB: gateways in the same process with the same name share one embedded store. Default: a private one.',
    },
    adminChannels: { type: 'boolean', default: true, description: 'Serve GET /admin/channels (turn off if another plugin owns that route).' },
  },
};
