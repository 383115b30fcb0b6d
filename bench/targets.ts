/** Parent side of the benchmark's server processes: fork, wait for ready, sample CPU, stop. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isChildMessage, type ChildOptions, type CpuSample, type Role } from './protocol.js';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

export interface ServerProcess {
  role: Role;
  pid: number;
  url: string;
  info: string;
  /** The child's cumulative CPU counters right now. */
  cpu(): Promise<CpuSample>;
  /** Asks the child to close its server and exit; kills it if it has not gone within 5 s. */
  stop(): Promise<void>;
  /** Immediate SIGKILL (signal handlers, exit paths). */
  kill(): void;
}

export interface SpawnOptions {
  /** Extra node flags for the child, e.g. ['--cpu-prof', '--cpu-prof-dir', dir]. */
  nodeFlags?: string[];
  /** File descriptor for the child's stdout (default: this process's stdout). */
  stdout?: number;
}

const live = new Set<ChildProcess>();

/** Kills every child still running; safe to call from 'exit' handlers (synchronous). */
export function killAll(): void {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  live.clear();
}

export function spawnServer(role: Role, options: ChildOptions, spawn: SpawnOptions = {}): Promise<ServerProcess> {
  const child = fork(CHILD, [role, JSON.stringify(options)], {
    execArgv: ['--import', 'tsx', ...(spawn.nodeFlags ?? [])],
    stdio: ['ignore', spawn.stdout ?? 'inherit', 'inherit', 'ipc'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));

  let nextId = 0;
  const pending = new Map<number, (sample: CpuSample) => void>();
  child.on('message', (message: unknown) => {
    if (isChildMessage(message) && message.type === 'cpu') {
      pending.get(message.id)?.(message.sample);
      pending.delete(message.id);
    }
  });

  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${role} did not start within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    function fail(error: Error): void {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    }
    child.once('exit', (code, signal) => fail(new Error(`${role} exited before ready (code ${code}, signal ${signal})`)));
    child.on('message', (message: unknown) => {
      if (!isChildMessage(message)) return;
      if (message.type === 'failed') fail(new Error(`${role} failed to start: ${message.message}`));
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      resolve({
        role,
        pid: child.pid ?? -1,
        url: message.url,
        info: message.info,
        cpu: () =>
          new Promise<CpuSample>((resolveCpu, rejectCpu) => {
            const id = nextId++;
            pending.set(id, resolveCpu);
            if (!child.connected) rejectCpu(new Error(`${role} is gone`));
            else child.send({ type: 'cpu', id });
          }),
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          if (child.connected) child.send({ type: 'stop' });
          const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(killer);
        },
        kill: () => void child.kill('SIGKILL'),
      });
    });
  });
}

/** CPU time and event-loop utilisation between two samples. */
export function cpuDelta(before: CpuSample, after: CpuSample): { cpuMs: number; loopUtilization: number } {
  const cpuMs = (after.userUs - before.userUs + (after.systemUs - before.systemUs)) / 1000;
  const active = after.loopActiveMs - before.loopActiveMs;
  const idle = after.loopIdleMs - before.loopIdleMs;
  return { cpuMs, loopUtilization: active + idle > 0 ? active / (active + idle) : 0 };
}
