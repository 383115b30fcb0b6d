import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Imports a plugin or adapter named in gateway.yaml: "./relative/path" (against the config file's folder), an
 * absolute path, or an npm package name resolved from the config file's folder (so a package installed next to
 * the config works) and then from core's own location.
 */
export async function importEntry(specifier: string, configPath: string): Promise<Record<string, unknown>> {
  const url = locate(specifier, configPath);
  return (await import(url)) as Record<string, unknown>;
}

function locate(specifier: string, configPath: string): string {
  const base = dirname(configPath);
  if (specifier.startsWith('./') || specifier.startsWith('../')) return pathToFileURL(resolve(base, specifier)).href;
  if (isAbsolute(specifier)) return pathToFileURL(specifier).href;
  try {
    return pathToFileURL(createRequire(resolve(base, 'gateway.yaml')).resolve(specifier)).href;
  } catch {
    return specifier; // let Node's own resolution (from core) try, and report its error
  }
}

export function describeImportError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') return 'not found (is it installed?)';
  return e.message ?? String(error);
}
