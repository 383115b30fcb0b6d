import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { definePlugin, parseDuration } from '@sluice/core';
import { MemoryHotStore } from './hot/memory.js';
import { RedisHotStore } from './hot/redis.js';
import type { HotStore } from './hot/types.js';
import { EmbeddedLedger } from './ledger/memory.js';
import { MongoLedger } from './ledger/mongo.js';
import type { Ledger, LedgerRecord } from './ledger/types.js';
import { LedgerWriter } from './ledger/writer.js';
import { createMeter } from './meter.js';
import { PriceTable } from './pricing.js';
import { Principals, registerRoutes } from './routes.js';
import { schema, type QuotaOptions } from './schema.js';
import { Settings } from './settings.js';
import { TokenCounter } from './tokens.js';

export type { QuotaOptions, PriceEntry, BudgetSetting, LimitSetting } from './schema.js';
export type { LedgerRecord } from './ledger/types.js';
export { PriceTable } from './pricing.js';
export { TokenCounter } from './tokens.js';
export { MemoryHotStore } from './hot/memory.js';
export { RedisHotStore } from './hot/redis.js';
export type { HotStore, AdmitSpec, AdmitResult } from './hot/types.js';
export { EmbeddedLedger } from './ledger/memory.js';
export { MongoLedger } from './ledger/mongo.js';

const ms = (value: string | number): number => (typeof value === 'number' ? value : parseDuration(value));

/**
 * Prices every call, reserves its estimated cost against key and tenant budgets and checks rate limits before
 * it runs, settles to the real usage after, and books one ledger record per request.
 */
export default definePlugin<QuotaOptions>({
  name: '@sluice/quota',
  version: '0.1.0',
  schema,
  requires: ['@sluice/auth'],
  async setup(api, options) {
    const owner = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    const heartbeatMs = ms(options.heartbeat);
    const local = new MemoryHotStore();
    const shared: HotStore = api.state.redis ? new RedisHotStore(api.state.redis, options.redisPrefix) : local;
    const ledger: Ledger = api.state.mongo
      ? await MongoLedger.open(api.state.mongo, options.ledger.collection)
      : await EmbeddedLedger.open(options.ledger.file);
    if (ledger.kind === 'memory') api.log.warn('quota ledger is in memory: usage records are lost at exit (set ledger.file or state.mongodb)');
    const writer = new LedgerWriter(
      ledger,
      async (ids) => {
        await local.commit(owner, ids);
        if (shared !== local) await shared.commit(owner, ids);
      },
      options.ledger.batchSize,
      ms(options.ledger.flushInterval),
      api.log,
    );

    // Liveness, and recovery of what dead instances left: their reservations and their not-yet-durable records.
    const beat = async (): Promise<void> => {
      await shared.heartbeat(owner, 3 * heartbeatMs);
      const recovered = await shared.reclaim(owner, options.reclaim);
      for (const { record } of recovered) writer.push(JSON.parse(record) as LedgerRecord);
      if (recovered.length > 0) api.log.warn({ records: recovered.length }, 'quota recovered records of a stopped instance');
    };
    if (shared !== local) {
      await beat().catch((error: Error) => api.log.error({ err: error.message }, 'quota recovery failed at startup'));
    }
    const timer = shared === local ? undefined : setInterval(() => void beat().catch((error: Error) => api.log.warn({ err: error.message }, 'quota heartbeat failed')), heartbeatMs);
    timer?.unref();

    const prices = new PriceTable(options.prices, options.groupMultipliers);
    const counter = new TokenCounter(options.tokenizers);
    const settings = new Settings(options);
    const principals = new Principals(api);
    registerRoutes({ api, ledger, writer, store: shared, settings, principals, prefix: options.redisPrefix });

    api.onClose(async () => {
      clearInterval(timer);
      await writer.close();
      await ledger.close();
    });

    return createMeter({
      options,
      prices,
      counter,
      settings,
      shared,
      local,
      ledger,
      writer,
      owner,
      prefix: options.redisPrefix,
      // A lease outlives any single call (core's total timeout defaults to 10 minutes).
      leaseMs: 15 * 60_000,
      log: api.log,
      onPrincipal: (ctx) => principals.remember(ctx),
    });
  },
});
