import type { SchemaObject } from '@sluice/core';

/**
 * Shape checks for /v1/messages bodies: enough for a 400 naming the field at fault, as Anthropic answers. Unknown
 * fields are allowed (they travel as Anthropic extras to Anthropic upstreams).
 */
const block: SchemaObject = { type: 'object', required: ['type'], properties: { type: { type: 'string' } } };
const content: SchemaObject = { type: ['string', 'array'], items: block };

const message: SchemaObject = {
  type: 'object',
  required: ['role', 'content'],
  properties: { role: { type: 'string', enum: ['user', 'assistant'] }, content },
};

const tool: SchemaObject = { type: 'object', required: ['name'], properties: { name: { type: 'string' }, input_schema: { type: 'object' } } };

const common: Record<string, SchemaObject> = {
  model: { type: 'string', minLength: 1 },
  messages: { type: 'array', items: message },
  system: { type: ['string', 'array'], items: block },
  tools: { type: 'array', items: tool },
  tool_choice: { type: 'object', required: ['type'], properties: { type: { type: 'string', enum: ['auto', 'any', 'tool', 'none'] }, name: { type: 'string' } } },
  thinking: { type: 'object', required: ['type'], properties: { type: { type: 'string' }, budget_tokens: { type: 'integer' } } },
};

export const messagesRequestSchema: SchemaObject = {
  type: 'object',
  required: ['model', 'messages', 'max_tokens'],
  properties: {
    ...common,
    max_tokens: { type: 'integer', minimum: 1 },
    stream: { type: 'boolean' },
    temperature: { type: 'number', minimum: 0, maximum: 1 },
    top_p: { type: 'number', minimum: 0, maximum: 1 },
    top_k: { type: 'integer', minimum: 0 },
    stop_sequences: { type: 'array', items: { type: 'string' } },
    metadata: { type: 'object', properties: { user_id: { type: ['string', 'null'] } } },
  },
};

export const countTokensRequestSchema: SchemaObject = {
  type: 'object',
  required: ['model', 'messages'],
  properties: common,
};
