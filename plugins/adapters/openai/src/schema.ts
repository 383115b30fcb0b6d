import type { SchemaObject } from '@sluice/core';

export interface OpenAIOptions {
  organization?: string;
  project?: string;
}

/** Channel `options:` for adapter: openai. */
export const openaiOptionsSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    organization: { type: 'string', description: 'Sent as OpenAI-Organization.' },
    project: { type: 'string', description: 'Sent as OpenAI-Project.' },
  },
};
