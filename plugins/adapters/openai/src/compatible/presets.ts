import type { RelayOperation } from '@sluice/core';
import type { VendorSettings } from './options.js';

/** One vendor of the OpenAI-compatible family: an adapter id, what it serves, and how it differs. */
export interface VendorPreset {
  id: string;
  /** Name used in drop reasons ("Mistral does not accept it"). */
  vendor: string;
  operations: readonly RelayOperation[];
  /** False for servers that may run without a key (a channel with no keys then sends no auth header). */
  requiresKey: boolean;
  settings: Partial<VendorSettings>;
}

/** api.openai.com: the reference every other preset differs from. */
export const OPENAI_DEFAULTS: VendorSettings = {
  authHeader: 'authorization',
  authScheme: 'Bearer',
  pathTemplate: '{path}',
  apiVersion: '',
  query: {},
  headers: {},
  rename: {},
  drop: [],
  responseRename: {},
  cachedTokensField: '',
};

const ALL: readonly RelayOperation[] = ['chat', 'completions', 'embeddings'];

// Reasoning blocks (from Anthropic/Gemini turns) are relayed on the OpenAI wire as reasoning_content/_details;
// OpenAI's own models cannot use another vendor's reasoning, and Groq/Mistral reject the fields, so they are
// dropped — and reported. (DeepSeek keeps them: its thinking mode wants reasoning_content back within tool loops.)
const NO_REASONING_INPUT = ['messages[].reasoning_content', 'messages[].reasoning_details'];

/**
 * The preset table (README "OpenAI-compatible vendors" explains each line). Only documented differences are
 * here; anything else the vendor refuses comes back as its 400, and a channel's options can add to or undo a preset.
 */
export const PRESETS = {
  openai: { id: 'openai', vendor: 'OpenAI', operations: ALL, requiresKey: true, settings: { drop: NO_REASONING_INPUT } },
  // Deployment in the path, api-version query, `api-key` header. The body's model field is ignored by Azure.
  azure: {
    id: 'azure-openai',
    vendor: 'Azure OpenAI',
    operations: ALL,
    requiresKey: true,
    settings: { authHeader: 'api-key', authScheme: '', pathTemplate: '/openai/deployments/{model}{path}', apiVersion: '2024-10-21', drop: NO_REASONING_INPUT },
  },
  // reasoning_content is OpenAI-codec native; cache hits come in prompt_cache_hit_tokens; only max_tokens exists.
  deepseek: {
    id: 'deepseek',
    vendor: 'DeepSeek',
    operations: ['chat'],
    requiresKey: true,
    settings: { rename: { max_completion_tokens: 'max_tokens' }, cachedTokensField: 'prompt_cache_hit_tokens' },
  },
  // Reasoning arrives as `reasoning` on messages and deltas.
  openrouter: {
    id: 'openrouter',
    vendor: 'OpenRouter',
    operations: ['chat', 'completions'],
    requiresKey: true,
    settings: { responseRename: { reasoning: 'reasoning_content' } },
  },
  // 400 on logprobs, logit_bias, top_logprobs, messages[].name; reasoning (reasoning_format: parsed) as `reasoning`.
  groq: {
    id: 'groq',
    vendor: 'Groq',
    operations: ['chat'],
    requiresKey: true,
    settings: { drop: ['logprobs', 'logit_bias', 'top_logprobs', 'messages[].name', ...NO_REASONING_INPUT], responseRename: { reasoning: 'reasoning_content' } },
  },
  // Rejects unknown fields (422 extra_forbidden); seed is random_seed; usage is in every stream without asking.
  mistral: {
    id: 'mistral',
    vendor: 'Mistral',
    operations: ['chat', 'embeddings'],
    requiresKey: true,
    settings: {
      rename: { max_completion_tokens: 'max_tokens', seed: 'random_seed' },
      drop: ['stream_options', 'user', 'logprobs', 'top_logprobs', 'logit_bias', 'store', 'service_tier', ...NO_REASONING_INPUT],
    },
  },
  // vLLM, Ollama, llama.cpp, LM Studio, ...: OpenAI's wire format on your own baseUrl, key optional.
  compatible: { id: 'openai-compatible', vendor: 'the upstream', operations: ALL, requiresKey: false, settings: {} },
} as const satisfies Record<string, VendorPreset>;
