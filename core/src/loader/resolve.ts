import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Imports a plugin or adapter named in gateway.yaml: "./relative/path" (against the config file's folder; a folder
 * is read like a package: exports → main → index.js), an absolute path, or an npm package name resolved from the
 * config file's folder (so a package installed next to the config works) and then from core's own location.
 */
export async function importEntry(specifier: string, configPath: string): Promise<Record<string, unknown>> {
  const url = await locate(specifier, configPath);
  return (await import(url)) as Record<string, unknown>;
}

async function locate(specifier: string, configPath: string): Promise<string> {
  const base = dirname(configPath);
  if (specifier.startsWith('./') || specifier.startsWith('../') || isAbsolute(specifier)) {
    return pathToFileURL(await fileOrPackageEntry(resolve(base, specifier))).href;
  }
  try {
    return pathToFileURL(createRequire(resolve(base, 'gateway.yaml')).resolve(specifier)).href;
  } catch {
    return specifier; // let Node's own resolution (from core) try, and report its error
  }
}

/** Node's ESM loader will not import a folder: find the entry file the folder's package.json names. */
async function fileOrPackageEntry(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) return path;
  const manifest = JSON.parse(await readFile(join(path, 'package.json'), 'utf8').catch(() => '{}')) as {
    exports?: unknown;
    main?: string;
  };
  const root = typeof manifest.exports === 'object' && manifest.exports !== null && '.' in manifest.exports
    ? (manifest.exports as Record<string, unknown>)['.']
    : manifest.exports;
  const entry =
    typeof root === 'string'
      ? root
      : typeof root === 'object' && root !== null
        ? ((root as Record<string, unknown>)['import'] ?? (root as Record<string, unknown>)['default'])
        : undefined;
  return join(path, typeof entry === 'string' ? entry : (manifest.main ?? 'index.js'));
}

export function describeImportError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') return 'not found (is it installed?)';
  return e.message ?? String(error);
}
