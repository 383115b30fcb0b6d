import type { SchemaObject } from '@sluice/core';

/** Prices in integer micro-units (1 USD = 1 000 000) per 1M tokens; `request` is a flat amount per call. */
export interface PriceEntry {
  input: number;
  output: number;
  cachedInput?: number;
  cacheWrite?: number;
  reasoning?: number;
  request?: number;
  /** Output tokens assumed when the request sets no max_tokens. */
  maxOutput?: number;
}

export type Period = 'total' | 'daily' | 'monthly';
export interface BudgetSetting { amount: number; period?: Period }
export interface LimitSetting { rpm?: number; tpm?: number; concurrent?: number }
export interface ScopeSetting { budget?: BudgetSetting; limits?: LimitSetting }

export interface QuotaOptions {
  prices: Record<string, PriceEntry>;
  groupMultipliers: Record<string, number>;
  defaultMaxOutput: number;
  /** Model glob → tokenizer; OpenAI-family names are detected without this. */
  tokenizers: Record<string, 'o200k_base' | 'cl100k_base' | 'approx'>;
  tenants: Record<string, ScopeSetting>;
  keys: Record<string, ScopeSetting>;
  models: Record<string, { limits: LimitSetting }>;
  defaults: { tenant?: ScopeSetting; key?: ScopeSetting };
  /** 429 (OpenAI's insufficient_quota) or 402 when a budget does not fit. */
  budgetStatus: 429 | 402;
  chargeCacheHits: boolean;
  /** What a crashed instance's unfinished reservation costs: its estimate ("charge") or nothing ("refund"). */
  reclaim: 'charge' | 'refund';
  onRedisDown: { budgets: 'closed' | 'open'; limits: 'open' | 'local' | 'closed' };
  redisPrefix: string;
  heartbeat: string | number;
  ledger: { file?: string; collection: string; batchSize: number; flushInterval: string | number };
}

const money = { type: 'integer', minimum: 0 };
const limits = {
  type: 'object',
  additionalProperties: false,
  description: 'Rate limits; absent = unlimited.',
  properties: {
    rpm: { type: 'integer', minimum: 0, description: 'Requests per minute (sliding window).' },
    tpm: { type: 'integer', minimum: 0, description: 'Tokens per minute: prompt + max output at admission, corrected at settlement.' },
    concurrent: { type: 'integer', minimum: 0, description: 'Requests in flight at once.' },
  },
};
const budget = {
  type: 'object',
  additionalProperties: false,
  required: ['amount'],
  properties: {
    amount: { ...money, description: 'Spend allowed per period, micro-units.' },
    period: { enum: ['total', 'daily', 'monthly'], default: 'total', description: 'Calendar periods are UTC.' },
  },
};
const scope = { type: 'object', additionalProperties: false, properties: { budget, limits } };

export const schema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    prices: {
      type: 'object',
      default: {},
      description: 'Model name or glob → price per 1M tokens in micro-units; "*" is the fallback. Unpriced models cost 0.',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['input', 'output'],
        properties: {
          input: money,
          output: money,
          cachedInput: { ...money, description: 'Default: input price.' },
          cacheWrite: { ...money, description: 'Default: input price.' },
          reasoning: { ...money, description: 'Default: output price.' },
          request: { ...money, description: 'Flat amount per call.' },
          maxOutput: { type: 'integer', minimum: 1, description: 'Output tokens assumed when the request sets no max.' },
        },
      },
    },
    groupMultipliers: {
      type: 'object',
      default: {},
      additionalProperties: { type: 'number', minimum: 0 },
      description: 'Caller group → price multiplier (applied once per request, rounded up to a whole micro-unit).',
    },
    defaultMaxOutput: { type: 'integer', minimum: 1, default: 1024, description: 'Output tokens reserved when neither request nor price sets one.' },
    tokenizers: {
      type: 'object',
      default: {},
      additionalProperties: { enum: ['o200k_base', 'cl100k_base', 'approx'] },
      description: 'Model glob → tokenizer override.',
    },
    tenants: { type: 'object', default: {}, additionalProperties: scope, description: 'Tenant id → budget and limits.' },
    keys: { type: 'object', default: {}, additionalProperties: scope, description: 'Key id → budget and limits (principal.metadata wins).' },
    models: {
      type: 'object',
      default: {},
      additionalProperties: { type: 'object', additionalProperties: false, required: ['limits'], properties: { limits } },
      description: 'Model glob → limits shared by every caller.',
    },
    defaults: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: { tenant: scope, key: scope },
      description: 'Applied to tenants / keys that have no setting of their own.',
    },
    budgetStatus: { enum: [429, 402], default: 429 },
    chargeCacheHits: { type: 'boolean', default: false, description: 'Bill answers that made no upstream call.' },
    reclaim: { enum: ['charge', 'refund'], default: 'charge' },
    onRedisDown: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        budgets: { enum: ['closed', 'open'], default: 'closed' },
        limits: { enum: ['open', 'local', 'closed'], default: 'local' },
      },
    },
    redisPrefix: { type: 'string', default: 'sluice:quota:', description: 'Prefix of every Redis key this plugin owns.' },
    heartbeat: { type: ['integer', 'string'], format: 'duration', default: '5s', description: 'Instance liveness beat; 3 missed = its reservations are reclaimed.' },
    ledger: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        file: { type: 'string', description: 'Embedded durable ledger: append-only JSONL, fsync per batch (used when no MongoDB).' },
        collection: { type: 'string', default: 'quota_ledger' },
        batchSize: { type: 'integer', minimum: 1, default: 200 },
        flushInterval: { type: ['integer', 'string'], format: 'duration', default: '250ms' },
      },
    },
  },
};
