import type { Redis } from 'ioredis';
import type { AdmitResult, AdmitSpec, Balance, HotStore, Recovered, SettleSpec, WindowState } from './types.js';

/*
 * Keys (prefix P, default "sluice:quota:"):
 *   P b:<scope>:<period>   hash {spent, reserved}          budget counters (integers, micro-units)
 *   P w:<scope>:<unit>:<n> string                          sliding-window bucket n
 *   P c:<scope>            zset id → lease expiry (ms)     concurrency
 *   P resv:<owner>         hash id → JSON entry            reservations and not-yet-durable records
 *   P owners               set of owners with entries
 *   P alive:<owner>        heartbeat, PX 3 beats
 * Integers cross into Lua as strings: Lua 5.1 numbers are doubles and print large ones in exponent form,
 * which HINCRBY refuses.
 */

// Time comes from Redis (TIME), so instances with skewed clocks share one window.
const ADMIT = `
local spec = cjson.decode(ARGV[1])
local missing = {}
for _, b in ipairs(spec.budgets) do
  if redis.call('EXISTS', b.key) == 0 then missing[#missing + 1] = b.key end
end
if #missing > 0 then return cjson.encode({ ok = false, reason = 'uninitialized', keys = missing }) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local states, curs = {}, {}
for i, w in ipairs(spec.windows) do
  local W, cost, limit = tonumber(w.windowMs), tonumber(w.cost), tonumber(w.limit)
  local bucket = math.floor(now / W)
  local elapsed = now - bucket * W
  local cur = tonumber(redis.call('GET', w.key .. ':' .. bucket) or '0')
  local prev = tonumber(redis.call('GET', w.key .. ':' .. (bucket - 1)) or '0')
  local used = math.floor(prev * (W - elapsed) / W) + cur
  if used < 0 then used = 0 end
  if used + cost > limit then
    local need = used + cost - limit
    local decaying = math.floor(prev * (W - elapsed) / W)
    local retry = W - elapsed
    if prev > 0 and decaying >= need then retry = math.ceil(need * W / prev) end
    if retry < 1 then retry = 1 end
    local left = math.max(0, limit - used)
    states[#states + 1] = { unit = w.unit, limit = limit, remaining = left, resetMs = W - elapsed }
    return cjson.encode({ ok = false, reason = w.unit, index = i - 1, retryAfterMs = retry, remaining = left, windows = states })
  end
  states[#states + 1] = { unit = w.unit, limit = limit, remaining = limit - used - cost, resetMs = W - elapsed }
  curs[i] = w.key .. ':' .. bucket
end
for i, c in ipairs(spec.concurrency) do
  redis.call('ZREMRANGEBYSCORE', c.key, '-inf', now)
  if redis.call('ZCARD', c.key) >= tonumber(c.limit) then
    return cjson.encode({ ok = false, reason = 'concurrent', index = i - 1, retryAfterMs = 1000, remaining = 0, windows = states })
  end
end
local amount = tonumber(spec.amount)
for i, b in ipairs(spec.budgets) do
  local v = redis.call('HMGET', b.key, 'spent', 'reserved')
  local left = tonumber(b.limit) - tonumber(v[1] or '0') - tonumber(v[2] or '0')
  if amount > left then
    return cjson.encode({ ok = false, reason = 'budget', index = i - 1, retryAfterMs = 0, remaining = math.max(0, left), windows = states })
  end
end
local budgets, conc, tw = {}, {}, {}
for _, b in ipairs(spec.budgets) do
  redis.call('HINCRBY', b.key, 'reserved', spec.amount)
  budgets[#budgets + 1] = b.key
end
for i, w in ipairs(spec.windows) do
  redis.call('INCRBY', curs[i], w.cost)
  redis.call('PEXPIRE', curs[i], 2 * tonumber(w.windowMs))
  if w.unit == 'tokens' then tw[#tw + 1] = curs[i] end
end
for _, c in ipairs(spec.concurrency) do
  conc[#conc + 1] = c.key
  redis.call('ZADD', c.key, now + tonumber(spec.leaseMs), spec.id)
  redis.call('PEXPIRE', c.key, spec.leaseMs)
end
redis.call('HSET', KEYS[2], spec.id, cjson.encode({ state = 'reserved', amount = spec.amount, budgets = budgets, conc = conc, tw = tw, rec = spec.record }))
redis.call('SADD', KEYS[1], spec.owner)
return cjson.encode({ ok = true, windows = states })
`;

const INIT = `
for i, key in ipairs(KEYS) do
  if redis.call('HSETNX', key, 'spent', ARGV[2 * i - 1]) == 1 then
    redis.call('HSETNX', key, 'reserved', '0')
    if ARGV[2 * i] ~= '0' then redis.call('PEXPIRE', key, ARGV[2 * i]) end
  end
end
return 1
`;

// A budget counter that no longer exists is left alone: it will be rebuilt from the ledger, which is the truth.
const SETTLE = `
local spec = cjson.decode(ARGV[1])
local raw = redis.call('HGET', KEYS[1], spec.id)
if not raw then
  for _, key in ipairs(spec.budgets) do
    if redis.call('EXISTS', key) == 1 then redis.call('HINCRBY', key, 'spent', spec.cost) end
  end
  return 'gone'
end
local entry = cjson.decode(raw)
if entry.state ~= 'reserved' then return 'gone' end
for _, key in ipairs(entry.budgets) do
  if redis.call('EXISTS', key) == 1 then
    if entry.amount ~= '0' then redis.call('HINCRBY', key, 'reserved', '-' .. entry.amount) end
    redis.call('HINCRBY', key, 'spent', spec.cost)
  end
end
if spec.tokenDelta ~= '0' then
  for _, key in ipairs(entry.tw) do
    if redis.call('EXISTS', key) == 1 then redis.call('INCRBY', key, spec.tokenDelta) end
  end
end
for _, key in ipairs(entry.conc) do redis.call('ZREM', key, spec.id) end
redis.call('HSET', KEYS[1], spec.id, cjson.encode({ state = 'settled', rec = spec.record }))
return 'settled'
`;

// KEYS[1] owners set; ARGV: prefix, my owner id, policy. Moves a dead owner's entries under mine, releasing
// reservations (charged or refunded), and returns them so the caller writes their ledger records.
const RECLAIM = `
local prefix, me, policy = ARGV[1], ARGV[2], ARGV[3]
local out = {}
for _, owner in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if owner ~= me and redis.call('EXISTS', prefix .. 'alive:' .. owner) == 0 then
    local h = prefix .. 'resv:' .. owner
    local all = redis.call('HGETALL', h)
    for i = 1, #all, 2 do
      local id, entry = all[i], cjson.decode(all[i + 1])
      if entry.state == 'reserved' then
        local charge = '0'
        if policy == 'charge' then charge = entry.amount end
        for _, key in ipairs(entry.budgets) do
          if redis.call('EXISTS', key) == 1 then
            if entry.amount ~= '0' then redis.call('HINCRBY', key, 'reserved', '-' .. entry.amount) end
            redis.call('HINCRBY', key, 'spent', charge)
          end
        end
        for _, key in ipairs(entry.conc) do redis.call('ZREM', key, id) end
        entry = { state = 'reclaimed', charge = charge, rec = entry.rec }
      end
      local raw = cjson.encode(entry)
      redis.call('HSET', prefix .. 'resv:' .. me, id, raw)
      out[#out + 1] = id
      out[#out + 1] = raw
    end
    redis.call('DEL', h)
    redis.call('SREM', KEYS[1], owner)
  end
end
if #out > 0 then redis.call('SADD', KEYS[1], me) end
return out
`;

type Commands = Redis & {
  quotaAdmit(owners: string, resv: string, spec: string): Promise<string>;
  quotaInit(...args: string[]): Promise<number>;
  quotaSettle(resv: string, spec: string): Promise<'settled' | 'gone'>;
  quotaReclaim(owners: string, prefix: string, me: string, policy: string): Promise<string[]>;
};

const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []); // cjson writes [] as {}

export class RedisHotStore implements HotStore {
  readonly kind = 'redis' as const;
  readonly #redis: Commands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    // defineCommand sends EVALSHA and falls back to EVAL once, so scripts survive a Redis restart (SCRIPT FLUSH).
    if (!('quotaAdmit' in redis)) {
      redis.defineCommand('quotaAdmit', { numberOfKeys: 2, lua: ADMIT });
      redis.defineCommand('quotaInit', { lua: INIT });
      redis.defineCommand('quotaSettle', { numberOfKeys: 1, lua: SETTLE });
      redis.defineCommand('quotaReclaim', { numberOfKeys: 1, lua: RECLAIM });
    }
    this.#redis = redis as Commands;
  }

  #resv(owner: string): string {
    return `${this.prefix}resv:${owner}`;
  }

  async admit(spec: AdmitSpec): Promise<AdmitResult> {
    const wire = {
      ...spec,
      amount: String(spec.amount),
      leaseMs: String(spec.leaseMs),
      budgets: spec.budgets.map((b) => ({ key: b.key, limit: String(b.limit) })),
      windows: spec.windows.map((w) => ({ ...w, limit: String(w.limit), windowMs: String(w.windowMs), cost: String(w.cost) })),
      concurrency: spec.concurrency.map((c) => ({ key: c.key, limit: String(c.limit) })),
    };
    const raw = await this.#redis.quotaAdmit(`${this.prefix}owners`, this.#resv(spec.owner), JSON.stringify(wire));
    const result = JSON.parse(raw) as AdmitResult & { windows?: unknown; keys?: unknown };
    if (!result.ok && result.reason === 'uninitialized') return { ok: false, reason: 'uninitialized', keys: list<string>(result.keys) };
    return { ...result, windows: list<WindowState>(result.windows) } as AdmitResult;
  }

  async initBudgets(entries: { key: string; spent: number; ttlMs: number }[]): Promise<void> {
    if (entries.length === 0) return;
    const args = entries.flatMap((e) => [String(e.spent), String(e.ttlMs)]);
    await this.#redis.quotaInit(String(entries.length), ...entries.map((e) => e.key), ...args);
  }

  async settle(spec: SettleSpec): Promise<'settled' | 'gone'> {
    const wire = { ...spec, cost: String(spec.cost), tokenDelta: String(spec.tokenDelta) };
    return this.#redis.quotaSettle(this.#resv(spec.owner), JSON.stringify(wire));
  }

  async commit(owner: string, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.#redis.hdel(this.#resv(owner), ...ids);
  }

  async reclaim(owner: string, policy: 'charge' | 'refund'): Promise<Recovered[]> {
    const flat = await this.#redis.quotaReclaim(`${this.prefix}owners`, this.prefix, owner, policy);
    const out: Recovered[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const entry = JSON.parse(flat[i + 1] as string) as { state: string; rec: string; charge?: string };
      const record = entry.state === 'reclaimed' ? JSON.stringify({ ...JSON.parse(entry.rec), status: 'reclaimed', cost: Number(entry.charge ?? 0) }) : entry.rec;
      out.push({ id: flat[i] as string, record });
    }
    return out;
  }

  async heartbeat(owner: string, ttlMs: number): Promise<void> {
    await this.#redis.set(`${this.prefix}alive:${owner}`, '1', 'PX', ttlMs);
  }

  async balances(keys: string[]): Promise<(Balance | null)[]> {
    if (keys.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const key of keys) pipeline.hmget(key, 'spent', 'reserved');
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, value]) => {
      if (error) throw error;
      const [spent, reserved] = value as (string | null)[];
      return spent === null || spent === undefined ? null : { spent: Number(spent), reserved: Number(reserved ?? 0) };
    });
  }

  async pending(): Promise<number> {
    const owners = await this.#redis.smembers(`${this.prefix}owners`);
    let n = 0;
    for (const owner of owners) n += await this.#redis.hlen(this.#resv(owner));
    return n;
  }
}
