/** Machine-wide CPU accounting from /proc/stat (Linux), to tell a slow target from a noisy machine. */
import { readFile } from 'node:fs/promises';

export interface MachineSample {
  busy: number;
  steal: number;
  total: number;
}

/** Aggregate jiffies of all cores; undefined where /proc/stat does not exist. */
export async function machineSample(): Promise<MachineSample | undefined> {
  const text = await readFile('/proc/stat', 'utf8').catch(() => undefined);
  const fields = text?.split('\n', 1)[0]?.trim().split(/\s+/).slice(1, 9).map(Number);
  if (!fields || fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return undefined;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  return { busy: user + nice + system + irq + softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

/** Shares of all cores' time between two samples: busy (any process, incl. ours) and stolen by the hypervisor. */
export function machineDelta(before: MachineSample | undefined, after: MachineSample | undefined): { busy: number; steal: number } | undefined {
  if (!before || !after || after.total <= before.total) return undefined;
  const total = after.total - before.total;
  return { busy: (after.busy - before.busy) / total, steal: (after.steal - before.steal) / total };
}
