import type { PluginApi, UpstreamErrorKind } from '@sluice/core';
import type { Circuit, HealthStore, Override } from './health-store.js';

type Logger = PluginApi['log'];

export interface HealthPolicy {
  failureThreshold: number;
  cooldownMs: number;
  authCooldownMs: number;
  syncIntervalMs: number;
}

export const channelTarget = (channel: string): string => channel;
export const keyTarget = (channel: string, keyIndex: number): string => `${channel}#${keyIndex}`;

/**
 * Circuit breakers per channel and per key. Reads come from a local snapshot refreshed every syncInterval (no store
 * round trip on the hot path); writes go to the store at once, so every instance sees an opened circuit within one
 * sync. After the cooldown a circuit is half-open: one trial call per cooldown per instance; success closes it.
 */
export class Health {
  #snapshot = new Map<string, Circuit>();
  readonly #trials = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly store: HealthStore,
    private readonly policy: HealthPolicy,
    private readonly log: Logger,
  ) {
    this.#timer = setInterval(() => void this.sync(), policy.syncIntervalMs);
    this.#timer.unref();
  }

  async sync(): Promise<void> {
    try {
      this.#snapshot = await this.store.all();
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'health sync failed; keeping the last snapshot');
    }
  }

  /** Whether a call may go to this target now (claims the half-open trial slot when it is the trial). */
  available(target: string, now = Date.now(), claimTrial = true): boolean {
    const circuit = this.#snapshot.get(target);
    if (!circuit) return true;
    if (circuit.forced) return circuit.forced === 'enabled';
    if (circuit.openUntil > now) return false;
    if (circuit.failures < this.policy.failureThreshold) return true;
    // Half-open: one trial per cooldown window on this instance.
    const trialUntil = this.#trials.get(target) ?? 0;
    if (trialUntil > now) return false;
    if (claimTrial) this.#trials.set(target, now + this.policy.cooldownMs);
    return true;
  }

  state(target: string, now = Date.now()): 'healthy' | 'degraded' | 'open' | 'half-open' | 'disabled' | 'enabled' {
    const circuit = this.#snapshot.get(target);
    if (!circuit) return 'healthy';
    if (circuit.forced) return circuit.forced;
    if (circuit.openUntil > now) return 'open';
    if (circuit.failures >= this.policy.failureThreshold) return 'half-open';
    return circuit.failures > 0 ? 'degraded' : 'healthy';
  }

  circuit(target: string): Circuit | undefined {
    return this.#snapshot.get(target);
  }

  /** Records a failed attempt; auth and rate-limit failures rest the key, the others count against the channel. */
  failed(channel: string, keyIndex: number, kind: UpstreamErrorKind, retryAfterMs: number | undefined): void {
    const now = Date.now();
    const byKey = kind === 'auth' || kind === 'rate_limited';
    const target = byKey ? keyTarget(channel, keyIndex) : channelTarget(channel);
    const openMs = kind === 'auth' ? this.policy.authCooldownMs : (retryAfterMs ?? 0);
    this.#apply(target, (c) => {
      c.failures += 1;
      const open = c.failures >= this.policy.failureThreshold ? Math.max(openMs, this.policy.cooldownMs) : openMs;
      if (open > 0) c.openUntil = now + open;
    });
    this.store.fail(target, this.policy.failureThreshold, openMs, this.policy.cooldownMs, now).catch((error: Error) => {
      this.log.warn({ err: error.message, target }, 'could not record a failure in shared health');
    });
  }

  /** Records a success; only writes when the circuits were not already clean (no store write per healthy call). */
  succeeded(channel: string, keyIndex: number): void {
    for (const target of [channelTarget(channel), keyTarget(channel, keyIndex)]) {
      const circuit = this.#snapshot.get(target);
      if (!circuit || (circuit.failures === 0 && circuit.openUntil === 0)) continue;
      this.#apply(target, (c) => {
        c.failures = 0;
        c.openUntil = 0;
      });
      this.#trials.delete(target);
      this.store.succeed(target).catch((error: Error) => this.log.warn({ err: error.message, target }, 'could not clear shared health'));
    }
  }

  async force(target: string, state: Override): Promise<void> {
    await this.store.force(target, state);
    await this.sync();
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #apply(target: string, change: (circuit: Circuit) => void): void {
    const circuit = { ...(this.#snapshot.get(target) ?? { failures: 0, openUntil: 0 }) };
    change(circuit);
    const next = new Map(this.#snapshot);
    next.set(target, circuit);
    this.#snapshot = next;
  }
}
