import type { SchemaObject } from '@sluice/core';

export interface GeminiOptions {
  imageUrls?: 'fileData' | 'drop';
}

/** Channel `options:` for adapter: gemini. */
export const geminiOptionsSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    imageUrls: {
      type: 'string',
      enum: ['fileData', 'drop'],
      default: 'fileData',
      description: 'http(s) image URLs in prompts: sent as fileData parts (Gemini fetches them) or dropped (reported in x-sluice-dropped).',
    },
  },
};
