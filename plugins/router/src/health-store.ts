import type { StateConnectors } from '@sluice/core';

type Redis = NonNullable<StateConnectors['redis']>;

/** One circuit: consecutive failures, open until (epoch ms), and an operator override. */
export interface Circuit {
  failures: number;
  openUntil: number;
  forced?: 'enabled' | 'disabled';
}

export type Override = 'enabled' | 'disabled' | 'auto';

/** Where circuits live: Redis (shared by every instance) or in-process (one instance). */
export interface HealthStore {
  /** Counts a failure; opens the circuit for `openMs` (if > 0) or `cooldownMs` once failures reach `threshold`. */
  fail(target: string, threshold: number, openMs: number, cooldownMs: number, now: number): Promise<void>;
  succeed(target: string): Promise<void>;
  force(target: string, state: Override): Promise<void>;
  all(): Promise<Map<string, Circuit>>;
}

// f:<target> failures, o:<target> open-until, x:<target> override — one hash, so all() is a single HGETALL.
const FAIL_SCRIPT = `
local failures = redis.call('HINCRBY', KEYS[1], 'f:' .. ARGV[1], 1)
local openMs = tonumber(ARGV[3])
if failures >= tonumber(ARGV[2]) and openMs < tonumber(ARGV[4]) then openMs = tonumber(ARGV[4]) end
if openMs > 0 then redis.call('HSET', KEYS[1], 'o:' .. ARGV[1], tonumber(ARGV[5]) + openMs) end
return failures`;

export function redisHealthStore(redis: Redis, key: string): HealthStore {
  return {
    async fail(target, threshold, openMs, cooldownMs, now) {
      await redis.eval(FAIL_SCRIPT, 1, key, target, threshold, openMs, cooldownMs, now);
    },
    async succeed(target) {
      await redis.hdel(key, `f:${target}`, `o:${target}`);
    },
    async force(target, state) {
      if (state === 'auto') await redis.hdel(key, `x:${target}`, `f:${target}`, `o:${target}`);
      else await redis.hset(key, `x:${target}`, state);
    },
    async all() {
      return parse(await redis.hgetall(key));
    },
  };
}

function parse(fields: Record<string, string>): Map<string, Circuit> {
  const circuits = new Map<string, Circuit>();
  const get = (target: string): Circuit => {
    let circuit = circuits.get(target);
    if (!circuit) circuits.set(target, (circuit = { failures: 0, openUntil: 0 }));
    return circuit;
  };
  for (const [field, value] of Object.entries(fields)) {
    const target = field.slice(2);
    if (field.startsWith('f:')) get(target).failures = Number(value);
    else if (field.startsWith('o:')) get(target).openUntil = Number(value);
    else if (field.startsWith('x:') && (value === 'enabled' || value === 'disabled')) get(target).forced = value;
  }
  return circuits;
}

export function embeddedHealthStore(): HealthStore {
  const circuits = new Map<string, Circuit>();
  const get = (target: string): Circuit => {
    let circuit = circuits.get(target);
    if (!circuit) circuits.set(target, (circuit = { failures: 0, openUntil: 0 }));
    return circuit;
  };
  return {
    async fail(target, threshold, openMs, cooldownMs, now) {
      const circuit = get(target);
      circuit.failures += 1;
      const open = circuit.failures >= threshold ? Math.max(openMs, cooldownMs) : openMs;
      if (open > 0) circuit.openUntil = now + open;
    },
    async succeed(target) {
      const circuit = get(target);
      circuit.failures = 0;
      circuit.openUntil = 0;
    },
    async force(target, state) {
      const circuit = get(target);
      if (state === 'auto') {
        delete circuit.forced;
        circuit.failures = 0;
        circuit.openUntil = 0;
      } else circuit.forced = state;
    },
    async all() {
      return new Map([...circuits].map(([target, circuit]) => [target, { ...circuit }]));
    },
  };
}
