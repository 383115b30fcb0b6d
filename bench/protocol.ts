/** IPC between run.ts (parent) and child.ts (one per upstream / proxy / gateway process). */

export type Role = 'upstream' | 'proxy' | 'gateway';

/** Cumulative counters of the child process (microseconds), as process.cpuUsage() and eventLoopUtilization(). */
export interface CpuSample {
  userUs: number;
  systemUs: number;
  /** Event-loop active / idle time in ms (perf_hooks.performance.eventLoopUtilization()). */
  loopActiveMs: number;
  loopIdleMs: number;
}

export type ParentMessage = { type: 'cpu'; id: number } | { type: 'stop' };

export type ChildMessage =
  | { type: 'ready'; url: string; info: string }
  | { type: 'failed'; message: string }
  | { type: 'cpu'; id: number; sample: CpuSample };

/** What the parent passes to a child (as JSON in argv[3]). */
export interface ChildOptions {
  /** upstream: assistant reply text; proxy/gateway: the upstream's base URL (ending in /v1). */
  reply?: string;
  upstreamKey?: string;
  upstreamUrl?: string;
  tenantKey?: string;
  logLevel?: string;
  model?: string;
}

export function isChildMessage(value: unknown): value is ChildMessage {
  return typeof value === 'object' && value !== null && 'type' in value && typeof value.type === 'string';
}

export function isParentMessage(value: unknown): value is ParentMessage {
  return typeof value === 'object' && value !== null && 'type' in value && (value.type === 'cpu' || value.type === 'stop');
}
