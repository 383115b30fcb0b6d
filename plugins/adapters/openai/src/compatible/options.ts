import type { SchemaObject } from '@sluice/core';

/** How one OpenAI-compatible vendor differs from api.openai.com. A preset sets these; channel options override any. */
export interface VendorSettings {
  /** Header carrying the key (lower-case): `authorization`, Azure's `api-key`, ... */
  authHeader: string;
  /** Prefix before the key in that header (`Bearer`); empty for the bare key. */
  authScheme: string;
  /** Upstream path under the channel's baseUrl: `{path}` is the operation path, `{model}` the upstream model. */
  pathTemplate: string;
  /** Sent as the `api-version` query parameter when non-empty (Azure). */
  apiVersion: string;
  /** More query parameters on every call. */
  query: Record<string, string>;
  /** More headers on every call (e.g. OpenRouter's HTTP-Referer and X-Title). */
  headers: Record<string, string>;
  /** Top-level request fields sent under another name: `{ max_completion_tokens: max_tokens }`. */
  rename: Record<string, string>;
  /** Request fields the vendor refuses, removed and reported (`x-sluice-dropped`, or 400 on strict channels). */
  drop: string[];
  /** Fields of response messages and stream deltas read under the OpenAI name: `{ reasoning: reasoning_content }`. */
  responseRename: Record<string, string>;
  /** A usage field carrying cached prompt tokens when `prompt_tokens_details.cached_tokens` is absent. */
  cachedTokensField: string;
}

/** A channel's `options:` for any adapter of the family: every vendor setting, plus OpenAI's org/project headers. */
export type CompatibleOptions = Partial<VendorSettings> & { organization?: string; project?: string };

const stringMap = (description: string): SchemaObject => ({
  type: 'object',
  description,
  propertyNames: { pattern: '^[A-Za-z0-9_.-]+$' },
  additionalProperties: { type: 'string' },
});

/** The JSON Schema of `channels[].options` for every adapter of the family (validated by core at startup). */
export const compatibleOptionsSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    organization: { type: 'string', description: 'Sent as OpenAI-Organization.' },
    project: { type: 'string', description: 'Sent as OpenAI-Project.' },
    authHeader: { type: 'string', pattern: '^[A-Za-z0-9-]+$', description: "Header carrying the key (preset: authorization; Azure: api-key)." },
    authScheme: { type: 'string', pattern: '^[A-Za-z0-9-]*$', description: "Word before the key in that header ('Bearer'; '' for the bare key)." },
    pathTemplate: {
      type: 'string',
      pattern: '^(/|\\{path\\})',
      description: 'Upstream path: {path} = /chat/completions | /completions | /embeddings, {model} = the upstream model (URL-encoded).',
    },
    apiVersion: { type: 'string', description: "Sent as ?api-version= when non-empty (Azure); '' turns it off." },
    query: stringMap('Extra query parameters on every call.'),
    headers: stringMap('Extra headers on every call.'),
    rename: stringMap('Top-level request fields sent under another name, e.g. { max_completion_tokens: max_tokens }.'),
    drop: {
      type: 'array',
      description: "Request fields the vendor refuses ('logprobs', 'messages[].name'); removed and reported. Replaces the preset's list.",
      items: { type: 'string', pattern: '^[A-Za-z0-9_]+(\\[\\])?(\\.[A-Za-z0-9_]+(\\[\\])?)*$' },
    },
    responseRename: stringMap('Response message/delta fields read under the OpenAI name, e.g. { reasoning: reasoning_content }.'),
    cachedTokensField: { type: 'string', description: 'Usage field with cached prompt tokens when prompt_tokens_details is absent.' },
  },
};

/** Preset values, then each option the channel sets (an option replaces the preset's value, lists included). */
export function resolveSettings(defaults: Readonly<VendorSettings>, options: Readonly<CompatibleOptions>): VendorSettings {
  const settings: VendorSettings = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof VendorSettings)[]) {
    const value = options[key];
    if (value !== undefined) (settings as unknown as Record<string, unknown>)[key] = value;
  }
  settings.authHeader = settings.authHeader.toLowerCase();
  return settings;
}
