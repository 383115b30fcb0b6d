import { compatibleOptionsSchema, type CompatibleOptions } from './compatible/options.js';

/** Channel `options:` for adapter: openai (the family's schema: organization, project and every vendor setting). */
export type OpenAIOptions = CompatibleOptions;
export const openaiOptionsSchema = compatibleOptionsSchema;
