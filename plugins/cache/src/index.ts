import {
  definePlugin,
  GatewayError,
  tapStream,
  type Principal,
  type RelayContext,
  type RelayRequest,
  type RelayResult,
  type Usage,
} from '@sluice/core';
import { purgeRoute } from './admin.js';
import { directivesOf } from './directives.js';
import { decodeEntry, encodeResponseEntry, entryOperation, isCompleteResponse, replay, StreamRecorder, type CacheEntry } from './entry.js';
import { normalizeRequest, requestKey, resolvedModel, scopeOf } from './key.js';
import { compileOptions, schema, type CacheOptions, type Compiled } from './options.js';
import { Embedder } from './semantic/embedder.js';
import { SemanticCache, semanticQuery, type SemanticQuery } from './semantic/semantic.js';
import { MemoryVectorStore, MongoVectorStore } from './semantic/vectors.js';
import { MemoryExactStore, RedisExactStore, type ExactStore } from './store.js';

export type CacheStatus = 'hit' | 'semantic-hit' | 'miss' | 'bypass';

/** What the cache decided for this call, for the plugins around it (quota prices hits by it). */
export interface CacheState {
  status: CacheStatus;
  /** Cosine similarity of a semantic hit. */
  score?: number;
}

declare module '@sluice/core' {
  interface PluginState {
    '@sluice/cache': CacheState;
  }
}

const NAME = '@sluice/cache';

function mark(ctx: RelayContext, state: CacheState, message: string, data?: Record<string, unknown>): void {
  ctx.plugins[NAME] = state;
  ctx.responseHeaders['x-sluice-cache'] = state.status;
  // The core-level signal other plugins (quota's billing) read, without depending on this package.
  if (state.status === 'hit') ctx.cached = { kind: 'exact' };
  else if (state.status === 'semantic-hit') ctx.cached = state.score === undefined ? { kind: 'semantic' } : { kind: 'semantic', score: state.score };
  ctx.note('cache', message, data);
}

function notCacheable(o: Compiled, request: RelayRequest, scope: string | undefined): string | undefined {
  if (!o.operations.has(request.operation)) return `${request.operation} is not a cached operation`;
  if (!o.modelMatches(request.model)) return `model '${request.model}' is not in cache.models`;
  if (scope === undefined) return 'no principal: an auth plugin must come before the cache';
  if (o.onlyDeterministic && request.operation !== 'embeddings' && request.temperature !== 0) return 'temperature is not 0 (onlyDeterministic)';
  return undefined;
}

const notCached = (): GatewayError =>
  new GatewayError('SLUICE_ERR_CACHE_MISS', 'The answer is not in the cache, and x-sluice-cache: only-if-cached forbids asking the model.');

/** Exact response cache (Redis or embedded) with stream replay, and an opt-in semantic cache. */
export default definePlugin<CacheOptions>({
  name: NAME,
  version: '0.1.0',
  schema,
  async setup(api, options) {
    const o = compileOptions(options);
    const exact: ExactStore = api.state.redis ? new RedisExactStore(api.state.redis, o.keyPrefix) : new MemoryExactStore(o.embeddedMaxBytes);
    let semantic: SemanticCache | undefined;
    if (o.semantic) {
      const s = o.semantic;
      const vectors = api.state.mongo ? new MongoVectorStore(api.state.mongo, s.collection) : new MemoryVectorStore(s.maxEntriesPerScope);
      semantic = new SemanticCache(s, Embedder.create(api.invoke, api.channels, s.channel, s.model, s.timeoutMs), vectors);
      // Index creation must not hold up startup (or fail it) while MongoDB is slow: lookups work without it.
      vectors.init().catch((error: Error) => api.log.error({ err: error.message }, 'cache: vector indexes not created'));
    }
    if (o.scope !== 'global' && api.before.length === 0) api.log.warn('no plugin before @sluice/cache sets a principal: every call will bypass the cache');
    api.route(purgeRoute(exact, semantic?.store), { admin: true });
    api.log.info({ store: exact.kind, semantic: semantic ? semantic.store.kind : 'off', scope: o.scope }, 'cache ready');

    let lastWarning = 0;
    const storeTrouble = (error: unknown, what: string): void => {
      // One line a minute at most: a Redis outage must not flood the log at request rate.
      if (Date.now() - lastWarning < 60_000) return;
      lastWarning = Date.now();
      api.log.warn({ err: (error as Error).message }, `cache: ${what} failed; calls go on uncached`);
    };

    const read = async (key: string, operation: string, ctx: RelayContext): Promise<CacheEntry | undefined> => {
      try {
        const json = await exact.get(key);
        const entry = json === null ? undefined : decodeEntry(json);
        return entry && entryOperation(entry) === operation ? entry : undefined;
      } catch (error) {
        storeTrouble(error, 'read');
        ctx.note('cache', 'store unreachable: treated as a miss');
        return undefined;
      }
    };

    const answer = (ctx: RelayContext, entry: CacheEntry, key: string, score?: number): RelayResult | undefined => {
      const result = replay(entry, { stream: ctx.request.stream, chunkDelayMs: o.replayChunkDelayMs, signal: ctx.signal });
      if (!result) return undefined;
      const ageSeconds = Math.max(0, Math.floor((Date.now() - entry.storedAt) / 1000));
      ctx.responseHeaders['age'] = String(ageSeconds);
      ctx.responseHeaders['x-sluice-cache-key'] = key;
      if (score === undefined) mark(ctx, { status: 'hit' }, 'hit', { key, age: ageSeconds, stored: entry.kind });
      else {
        ctx.responseHeaders['x-sluice-cache-score'] = score.toFixed(4);
        mark(ctx, { status: 'semantic-hit', score }, `semantic hit (similarity ${score.toFixed(4)})`, { key, age: ageSeconds, stored: entry.kind });
      }
      return result;
    };

    /** Stores a complete answer; the writes are issued before this returns (see ExactStore.set). */
    const save = (ctx: RelayContext, key: string, scope: string, json: string, semanticHint: SemanticHint | undefined): void => {
      if (json.length > o.maxEntryBytes) {
        ctx.note('cache', `not stored: larger than maxEntrySize (${o.maxEntryBytes} bytes)`);
        return;
      }
      exact.set(key, json, o.ttlMs).catch((error: unknown) => storeTrouble(error, 'write'));
      if (!semantic || !semanticHint) return;
      const { query, vector } = semanticHint;
      const expiresAt = Date.now() + o.ttlMs;
      const cache = semantic;
      const add = (v: Float32Array): Promise<void> => cache.add(scope, query, v, key, expiresAt);
      // Without a vector from the lookup (refresh, no-cache), embed now, off the client's path.
      const pending = vector ? add(vector) : cache.embed(query.text, AbortSignal.timeout(cache.options.timeoutMs)).then(add);
      pending.catch((error: unknown) => storeTrouble(error, 'semantic write'));
    };

    return async (ctx, next): Promise<RelayResult> => {
      const request = ctx.request;
      if (request.operation === 'models' || request.operation === 'count_tokens') return next();
      const directives = directivesOf(ctx.headers);
      const principal: Principal | undefined = ctx.principal;
      const scope = scopeOf(o.scope, principal);
      const refusal = notCacheable(o, request, scope);
      if (refusal !== undefined || scope === undefined) {
        mark(ctx, { status: 'bypass' }, `bypass: ${refusal ?? 'no scope'}`);
        if (directives.onlyIfCached) throw notCached();
        return next();
      }

      const resolved = resolvedModel(api.channels, request.model, principal);
      const normalized = normalizeRequest(request);
      const key = requestKey(scope, resolved, normalized);
      const query: SemanticQuery | undefined =
        semantic && request.operation === 'chat' ? semanticQuery(request, normalized, resolved, semantic.options.contextTurns) : undefined;
      let vector: Float32Array | undefined;
      let embeddingFailed = false;

      if (directives.lookup) {
        const entry = await read(key, request.operation, ctx);
        const hit = entry && answer(ctx, entry, key);
        if (hit) return hit;
        // An explain run calls no upstream, and a semantic lookup needs an embedding call: say so instead.
        if (semantic && query && ctx.dryRun) ctx.note('cache', 'semantic lookup not run (explain calls no upstream)');
        else if (semantic && query) {
          try {
            vector = await semantic.embed(query.text, ctx.signal);
            const near = await semantic.lookup(scope, query, vector);
            const nearEntry = near && (await read(near.key, request.operation, ctx));
            const semanticHit = near && nearEntry && answer(ctx, nearEntry, near.key, near.score);
            if (semanticHit) return semanticHit;
          } catch (error) {
            if (ctx.signal.aborted) throw error;
            embeddingFailed = vector === undefined;
            storeTrouble(error, 'semantic lookup');
            ctx.note('cache', `semantic lookup failed: ${(error as Error).message}`);
          }
        }
      }
      if (directives.onlyIfCached) {
        mark(ctx, { status: 'miss' }, 'miss (only-if-cached)', { key });
        throw notCached();
      }
      const why = directives.because.length > 0 ? ` (${directives.because.join(', ')})` : '';
      mark(ctx, { status: directives.lookup || directives.store ? 'miss' : 'bypass' }, `${directives.lookup ? 'miss' : 'lookup skipped'}${why}`, { key });
      ctx.responseHeaders['x-sluice-cache-key'] = key;

      const result = await next(); // a thrown error is never stored
      if (!directives.store || ctx.dryRun) return result;
      // An embedding that just failed is not tried again for the write: one failing call per miss is enough.
      const hint = query && !embeddingFailed ? { query, vector } : undefined;
      if (result.kind === 'response') {
        if (isCompleteResponse(result.response)) save(ctx, key, scope, encodeResponseEntry(result.response, result.usage, Date.now()), hint);
        else ctx.note('cache', 'not stored: incomplete answer');
        return result;
      }
      const recorder = new StreamRecorder(o.maxEntryBytes);
      return tapStream(result, {
        onChunk: (chunk) => recorder.push(chunk),
        onEnd: (usage: Usage) => {
          const refused = recorder.refusal();
          if (refused) ctx.note('cache', `not stored: ${refused}`);
          else save(ctx, key, scope, recorder.encode(usage, Date.now()), hint);
        },
      });
    };
  },
});

interface SemanticHint {
  query: SemanticQuery;
  vector: Float32Array | undefined;
}

export { assemble, assembleChat, assembleCompletion, chatToChunks, completionToChunks } from './assemble.js';
export { canonicalJson, normalizeRequest, requestKey, resolvedModel, scopeOf, segment, tenantPrefixes } from './key.js';
export { directivesOf, type Directives } from './directives.js';
export { decodeEntry, encodeResponseEntry, isCompleteResponse, replay, StreamRecorder, type CacheEntry } from './entry.js';
export { MemoryExactStore, RedisExactStore, type ExactStore } from './store.js';
export { MemoryVectorStore, MongoVectorStore, dot, unit, type VectorStore, type VectorHit } from './semantic/vectors.js';
export { semanticQuery } from './semantic/semantic.js';
export { compileOptions, type CacheOptions } from './options.js';
