import type { ChannelTimeouts } from '../contracts/channel.js';

export type TimeoutPhase = 'firstByte' | 'idle' | 'total';

const MESSAGES: Record<TimeoutPhase, string> = {
  firstByte: 'upstream sent no response headers in time',
  idle: 'upstream went silent mid-response',
  total: 'upstream did not finish within the total timeout',
};

/** The abort reason when one of a channel's timeouts fires. */
export class UpstreamTimeout extends Error {
  constructor(readonly phase: TimeoutPhase) {
    super(MESSAGES[phase]);
    this.name = 'UpstreamTimeout';
  }
}

/**
 * One attempt's clocks, precise to the millisecond (undici's own timers tick at ~1 s): first byte, idle gap between
 * body reads, and total. Each aborts the attempt's controller with an UpstreamTimeout naming the phase.
 */
export class AttemptTimers {
  readonly #controller: AbortController;
  readonly #timeouts: ChannelTimeouts;
  readonly #total: NodeJS.Timeout;
  #firstByte: NodeJS.Timeout | undefined;
  #idle: NodeJS.Timeout | undefined;

  constructor(controller: AbortController, timeouts: ChannelTimeouts) {
    this.#controller = controller;
    this.#timeouts = timeouts;
    this.#total = setTimeout(() => this.#fire('total'), timeouts.totalMs);
    this.#firstByte = setTimeout(() => this.#fire('firstByte'), timeouts.firstByteMs);
  }

  /** Response headers arrived: the idle clock starts. */
  headers(): void {
    clearTimeout(this.#firstByte);
    this.#firstByte = undefined;
    this.#idle = setTimeout(() => this.#fire('idle'), this.#timeouts.idleMs);
  }

  /** A body read arrived: restart the idle clock (refresh() re-arms without allocating). */
  activity(): void {
    this.#idle?.refresh();
  }

  clear(): void {
    clearTimeout(this.#total);
    clearTimeout(this.#firstByte);
    clearTimeout(this.#idle);
  }

  #fire(phase: TimeoutPhase): void {
    this.#controller.abort(new UpstreamTimeout(phase));
  }
}
