import { globPattern } from '@sluice/core';

/**
 * Model-name globs ("gpt-4o*"): an exact key wins, then the first matching glob in YAML order, then "*".
 * Compiled once; the lookup result is memoised per model name (the set of names is small).
 */
export function firstMatch<T>(table: Readonly<Record<string, T>>): (name: string) => T | undefined {
  const globs = Object.entries(table)
    .filter(([pattern]) => pattern.includes('*') && pattern !== '*')
    .map(([pattern, value]) => ({ re: globPattern(pattern), value }));
  const fallback = table['*'];
  const memo = new Map<string, T | undefined>();
  return (name) => {
    if (memo.has(name)) return memo.get(name);
    const found = Object.hasOwn(table, name) ? table[name] : (globs.find((g) => g.re.test(name))?.value ?? fallback);
    if (memo.size < 10_000) memo.set(name, found);
    return found;
  };
}
