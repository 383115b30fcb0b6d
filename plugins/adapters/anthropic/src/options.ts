import type { SchemaObject } from '@sluice/core';

export interface AnthropicOptions {
  /** Sent as `anthropic-version`. */
  anthropicVersion?: string;
  /** Sent as `anthropic-beta` (comma-joined) when not empty. */
  anthropicBeta?: string[];
  /** `max_tokens` when the client did not set one (Anthropic requires it; OpenAI clients usually omit it). */
  defaultMaxTokens?: number;
  /**
   * How an OpenAI client's reasoning_effort turns thinking on: 'budget' sends thinking {type:'enabled',
   * budget_tokens} (every thinking model); 'adaptive' sends thinking {type:'adaptive'} + output_config.effort
   * (the newest models, where budgets are deprecated).
   */
  thinking?: 'budget' | 'adaptive';
}

export const DEFAULT_VERSION = '2023-06-01';
export const DEFAULT_MAX_TOKENS = 4096;

/** Channel `options:` for adapter: anthropic. */
export const anthropicOptionsSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    anthropicVersion: { type: 'string', minLength: 1, default: DEFAULT_VERSION, description: 'Sent as the anthropic-version header.' },
    anthropicBeta: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: [],
      description: 'Beta features, sent comma-joined as the anthropic-beta header.',
    },
    defaultMaxTokens: {
      type: 'integer',
      minimum: 1,
      default: DEFAULT_MAX_TOKENS,
      description: 'max_tokens sent when the client did not set one (the Messages API requires it).',
    },
    thinking: {
      type: 'string',
      enum: ['budget', 'adaptive'],
      default: 'budget',
      description: "How reasoning_effort maps: 'budget' (thinking.budget_tokens) or 'adaptive' (thinking adaptive + output_config.effort).",
    },
  },
};
