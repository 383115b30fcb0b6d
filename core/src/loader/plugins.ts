import type { Plugin } from '../contracts/plugin.js';
import type { ConfigIssue } from '../config/validate.js';
import type { PipelineEntry } from '../config/types.js';
import { describeImportError, importEntry } from './resolve.js';

export interface LoadedPlugin {
  entry: PipelineEntry;
  index: number;
  plugin: Plugin<Record<string, unknown>>;
}

function isPlugin(value: unknown): value is Plugin<Record<string, unknown>> {
  const p = value as Partial<Plugin> | null;
  return !!p && typeof p.name === 'string' && typeof p.setup === 'function' && typeof p.schema === 'object';
}

/** Imports the pipeline's plugins in declared order and checks each one's `requires` against those before it. */
export async function loadPlugins(
  entries: readonly PipelineEntry[],
  configPath: string,
  issues: ConfigIssue[],
): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  for (const [index, entry] of entries.entries()) {
    const segments = ['pipeline', index, 'use'];
    let module: Record<string, unknown>;
    try {
      module = await importEntry(entry.use, configPath);
    } catch (error) {
      issues.push({ path: `${entry.path}.use`, segments, message: `plugin "${entry.use}" failed to load: ${describeImportError(error)}` });
      continue;
    }
    const plugin = module['default'];
    if (!isPlugin(plugin)) {
      issues.push({ path: `${entry.path}.use`, segments, message: `"${entry.use}" does not default-export a plugin (see definePlugin)` });
      continue;
    }
    const earlier = new Set(loaded.map((l) => l.plugin.name));
    if (earlier.has(plugin.name))
      issues.push({ path: `${entry.path}.use`, segments, message: `plugin "${plugin.name}" appears twice in the pipeline` });
    for (const required of plugin.requires ?? []) {
      if (!earlier.has(required))
        issues.push({ path: `${entry.path}.use`, segments, message: `plugin "${plugin.name}" requires "${required}" earlier in the pipeline` });
    }
    loaded.push({ entry, index, plugin });
  }
  return loaded;
}
