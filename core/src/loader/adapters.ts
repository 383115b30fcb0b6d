import type { Adapter } from '../contracts/adapter.js';
import type { SurfaceDefinition } from '../contracts/surface.js';
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

function isSurfaceDefinition(value: unknown): value is SurfaceDefinition {
  const d = value as Partial<SurfaceDefinition> | null;
  return !!d && typeof d.surface?.id === 'string' && Array.isArray(d.routes);
}

export interface LoadedAdapters {
  adapters: Map<string, Adapter<unknown>>;
  /** Client-facing surfaces the packages also provide (named export `surfaces`). */
  surfaces: SurfaceDefinition[];
}

/**
 * Imports every adapter package; a package's default export is one adapter or an array of them, and it may also
 * export `surfaces` (e.g. the Anthropic package serves /v1/messages).
 */
export async function loadAdapters(specifiers: readonly string[], configPath: string, issues: ConfigIssue[]): Promise<LoadedAdapters> {
  const adapters = new Map<string, Adapter<unknown>>();
  const surfaces: SurfaceDefinition[] = [];
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
    const exportedSurfaces = module['surfaces'] ?? [];
    if (!Array.isArray(exportedSurfaces) || !exportedSurfaces.every(isSurfaceDefinition)) {
      issues.push({ path: `adapters[${i}]`, segments, message: `"${specifier}" exports \`surfaces\` that are not surface definitions (see defineSurface)` });
    } else {
      surfaces.push(...exportedSurfaces);
    }
    for (const adapter of list) {
      if (adapters.has(adapter.id))
        issues.push({ path: `adapters[${i}]`, segments, message: `adapter id "${adapter.id}" is declared twice` });
      adapters.set(adapter.id, adapter);
    }
  }
  return { adapters, surfaces };
}
