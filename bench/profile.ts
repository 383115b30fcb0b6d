/** Summarises a V8 .cpuprofile (node --cpu-prof): functions and code areas with the most self time (idle excluded). */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Hot {
  name: string;
  location: string;
  selfMs: number;
  percent: number;
}

/** Main-thread profiles only: tsx runs its module hooks in a worker thread, which writes its own file. */
export const isMainThreadProfile = (file: string): boolean => /\.\d+\.0\.\d+\.cpuprofile$/.test(file);

export async function summariseProfile(file: string, root: string, limit = 25): Promise<{ functions: Hot[]; areas: Hot[] }> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const functions = new Map<string, Hot>();
  const areas = new Map<string, Hot>();
  let totalUs = 0;
  const add = (map: Map<string, Hot>, key: string, name: string, location: string, us: number): void => {
    const entry = map.get(key) ?? { name, location, selfMs: 0, percent: 0 };
    entry.selfMs += us / 1000;
    map.set(key, entry);
  };
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    // Idle time is the process waiting for work (between runs, or for the network): not a cost.
    if (!node || node.callFrame.functionName === '(idle)') return;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const path = url.startsWith('file://') ? relative(root, new URL(url).pathname) : url;
    const location = path === '' ? '' : `${path}:${lineNumber + 1}`;
    const name = functionName || '(anonymous)';
    add(functions, `${name}@${location}`, name, location, us);
    const area = areaOf(path, name);
    add(areas, area, area, '', us);
  });
  const top = (map: Map<string, Hot>, n: number): Hot[] =>
    [...map.values()]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, n)
      .map((e) => ({ ...e, percent: totalUs > 0 ? (100 * e.selfMs * 1000) / totalUs : 0 }));
  return { functions: top(functions, limit), areas: top(areas, 12) };
}

/** Which code a sample belongs to: a package, the gateway's own code, Node internals, or native / GC. */
function areaOf(path: string, name: string): string {
  if (path === '') return name.startsWith('(') ? name : 'native (syscalls, C++ builtins)';
  if (path.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg?.[1]) return pkg[1];
  if (path.startsWith('core/')) return '@sluice/core';
  const plugin = /^plugins\/(?:adapters\/)?([^/]+)/.exec(path);
  return plugin?.[1] ? `plugin ${plugin[1]}` : path;
}
