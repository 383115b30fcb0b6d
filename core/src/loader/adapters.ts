import type { Adapter } from '../contracts/adapter.js';
import type { ConfigIssue } from '../config/validate.js';
import { describeImportError, importEntry } from './resolve.js';

function isAdapter(value: unknown): value is Adapter<unknown> {
  const a = value as Partial<Adapter<unknown>> | null;
  return (
    !!a &&
    typeof a.id === 'string' &&
    typeof a.schema === 'object' &&
    Array.isArray(a.operations) &&
    typeof a.toUpstream === 'function' &&
    typeof a.fromUpstream === 'function' &&
    typeof a.createStream === 'function' &&
    typeof a.mapError === 'function'
  );
}

/** Imports every adapter package; a package's default export is one adapter or an array of them. */
export async function loadAdapters(
  specifiers: readonly string[],
  configPath: string,
  issues: ConfigIssue[],
): Promise<Map<string, Adapter<unknown>>> {
  const adapters = new Map<string, Adapter<unknown>>();
  for (const [i, specifier] of specifiers.entries()) {
    const segments = ['adapters', i];
    let module: Record<string, unknown>;
    try {
      module = await importEntry(specifier, configPath);
    } catch (error) {
      issues.push({ path: `adapters[${i}]`, segments, message: `adapter "${specifier}" failed to load: ${describeImportError(error)}` });
      continue;
    }
    const exported = module['default'];
    const list = Array.isArray(exported) ? exported : [exported];
    if (list.length === 0 || !list.every(isAdapter)) {
      issues.push({ path: `adapters[${i}]`, segments, message: `"${specifier}" does not default-export an adapter (see defineAdapter)` });
      continue;
    }
    for (const adapter of list) {
      if (adapters.has(adapter.id))
        issues.push({ path: `adapters[${i}]`, segments, message: `adapter id "${adapter.id}" is declared twice` });
      adapters.set(adapter.id, adapter);
    }
  }
  return adapters;
}
