import { globMatcher, parseDuration, parseSize, type SchemaObject } from '@sluice/core';

export type CacheScope = 'tenant' | 'key' | 'group' | 'global';
export type CachedOperation = 'chat' | 'completions' | 'embeddings';

/** The semantic cache's options (present = opted in). */
export interface SemanticOptions {
  enabled: boolean;
  channel: string;
  model: string;
  threshold: number;
  contextTurns: number;
  maxEntriesPerScope: number;
  timeout: string | number;
  collection: string;
}

/** `with:` of @sluice/cache, as validated (defaults applied). */
export interface CacheOptions {
  ttl: string | number;
  models: string[];
  operations: CachedOperation[];
  maxEntrySize: string | number;
  onlyDeterministic: boolean;
  scope: CacheScope;
  embeddedMaxSize: string | number;
  replayChunkDelay: string | number;
  keyPrefix: string;
  semantic?: SemanticOptions;
}

const duration = (def: string, description: string): SchemaObject => ({ type: ['integer', 'string'], format: 'duration', default: def, description });
const size = (def: string, description: string): SchemaObject => ({ type: ['integer', 'string'], format: 'size', default: def, description });

export const schema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ttl: duration('10m', 'How long an entry lives.'),
    models: { type: 'array', items: { type: 'string', minLength: 1 }, default: ['*'], description: 'Model globs whose calls are cached.' },
    operations: {
      type: 'array',
      items: { type: 'string', enum: ['chat', 'completions', 'embeddings'] },
      default: ['chat', 'completions', 'embeddings'],
      description: 'Operations whose calls are cached.',
    },
    maxEntrySize: size('1mb', 'Larger answers are not stored.'),
    onlyDeterministic: { type: 'boolean', default: false, description: 'Cache only temperature-0 chat/completion calls (embeddings always).' },
    scope: {
      type: 'string',
      enum: ['tenant', 'key', 'group', 'global'],
      default: 'tenant',
      description: 'Who shares entries: one tenant (default), one key, a caller group, or everyone.',
    },
    embeddedMaxSize: size('64mb', 'Total size of the in-process store (used when state.redis is empty); LRU beyond it.'),
    replayChunkDelay: duration('0ms', 'Pause between chunks when a cached stream is replayed (0 = as fast as the client reads).'),
    keyPrefix: { type: 'string', default: 'sluice:cache:', description: 'Prefix of every Redis key this plugin writes.' },
    semantic: {
      type: 'object',
      additionalProperties: false,
      required: ['channel', 'model'],
      description: 'Opt-in semantic cache: answers paraphrases of earlier questions.',
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Turn off without deleting the block.' },
        channel: { type: 'string', minLength: 1, description: 'Channel (of this gateway) that computes embeddings.' },
        model: { type: 'string', minLength: 1, description: 'Embedding model served by that channel.' },
        threshold: { type: 'number', minimum: 0, maximum: 1, default: 0.9, description: 'Least cosine similarity that counts as the same question.' },
        contextTurns: { type: 'integer', minimum: 0, maximum: 20, default: 0, description: 'Earlier non-system messages embedded with the last user turn.' },
        maxEntriesPerScope: { type: 'integer', minimum: 1, default: 10000, description: 'Vectors kept per scope in the embedded store (oldest dropped).' },
        timeout: duration('2s', 'Longest wait for an embedding; on timeout the call goes on as a miss.'),
        collection: { type: 'string', minLength: 1, default: 'cache_vectors', description: 'MongoDB collection of the vectors (when state.mongodb is set).' },
      },
    },
  },
};

export interface CompiledSemantic {
  channel: string;
  model: string;
  threshold: number;
  contextTurns: number;
  maxEntriesPerScope: number;
  timeoutMs: number;
  collection: string;
}

/** Options compiled once at setup: durations in ms, sizes in bytes, globs as one matcher. */
export interface Compiled {
  ttlMs: number;
  modelMatches: (model: string) => boolean;
  operations: ReadonlySet<string>;
  maxEntryBytes: number;
  onlyDeterministic: boolean;
  scope: CacheScope;
  embeddedMaxBytes: number;
  replayChunkDelayMs: number;
  keyPrefix: string;
  semantic: CompiledSemantic | undefined;
}

export function compileOptions(o: Readonly<CacheOptions>): Compiled {
  const s = o.semantic;
  return {
    ttlMs: parseDuration(o.ttl),
    modelMatches: globMatcher(o.models),
    operations: new Set(o.operations),
    maxEntryBytes: parseSize(o.maxEntrySize),
    onlyDeterministic: o.onlyDeterministic,
    scope: o.scope,
    embeddedMaxBytes: parseSize(o.embeddedMaxSize),
    replayChunkDelayMs: parseDuration(o.replayChunkDelay),
    keyPrefix: o.keyPrefix,
    semantic:
      s && s.enabled
        ? {
            channel: s.channel,
            model: s.model,
            threshold: s.threshold,
            contextTurns: s.contextTurns,
            maxEntriesPerScope: s.maxEntriesPerScope,
            timeoutMs: parseDuration(s.timeout),
            collection: s.collection,
          }
        : undefined,
  };
}

