import type { Adapter } from '@sluice/core';
import { createOpenAICompatibleAdapter } from './compatible/factory.js';
import { PRESETS } from './compatible/presets.js';
import type { CompatibleOptions } from './compatible/options.js';

/** OpenAI and any server speaking its wire format (chat, completions, embeddings, streaming, usage, errors). */
export const openaiAdapter = createOpenAICompatibleAdapter(PRESETS.openai);

/** The rest of the family: one factory, one preset each (see README "OpenAI-compatible vendors"). */
export const azureOpenAIAdapter = createOpenAICompatibleAdapter(PRESETS.azure);
export const deepseekAdapter = createOpenAICompatibleAdapter(PRESETS.deepseek);
export const openrouterAdapter = createOpenAICompatibleAdapter(PRESETS.openrouter);
export const groqAdapter = createOpenAICompatibleAdapter(PRESETS.groq);
export const mistralAdapter = createOpenAICompatibleAdapter(PRESETS.mistral);
export const openaiCompatibleAdapter = createOpenAICompatibleAdapter(PRESETS.compatible);

/** Every vendor adapter except `openai` itself: the default export of `@sluice/adapter-openai/compatible`. */
export const compatibleAdapters: readonly Adapter<CompatibleOptions>[] = [
  azureOpenAIAdapter,
  deepseekAdapter,
  openrouterAdapter,
  groqAdapter,
  mistralAdapter,
  openaiCompatibleAdapter,
];

/** The whole family, `openai` first. */
export const openaiAdapters: readonly Adapter<CompatibleOptions>[] = [openaiAdapter, ...compatibleAdapters];

export default openaiAdapter;
export { createOpenAICompatibleAdapter } from './compatible/factory.js';
export { PRESETS, OPENAI_DEFAULTS, type VendorPreset } from './compatible/presets.js';
export { compatibleOptionsSchema, type CompatibleOptions, type VendorSettings } from './compatible/options.js';
export { openaiOptionsSchema, type OpenAIOptions } from './schema.js';
