import { formatPath, type ConfigIssue } from './validate.js';

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces ${VAR} and ${VAR:-default} in every string of a parsed YAML tree ($${ escapes a literal "${").
 * Works on values, not raw text, so an env value can never inject YAML structure.
 */
export function interpolateEnv(
  node: unknown,
  env: Readonly<Record<string, string | undefined>>,
  issues: ConfigIssue[],
  path: (string | number)[] = [],
): unknown {
  if (typeof node === 'string') {
    return node.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$${') return '${';
      const value = env[name ?? ''];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      if (value === '') return '';
      issues.push({ path: formatPath(path), segments: path, message: `environment variable ${name} is not set` });
      return '';
    });
  }
  if (Array.isArray(node)) return node.map((item, i) => interpolateEnv(item, env, issues, [...path, i]));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) out[key] = interpolateEnv(value, env, issues, [...path, key]);
    return out;
  }
  return node;
}
