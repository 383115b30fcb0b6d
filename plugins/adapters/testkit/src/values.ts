// Value helpers shared by the checks: JSON normalisation with ignored paths, deep freezing.

/**
 * The value as JSON would carry it (undefined fields gone, as in a fixture file), minus the ignored paths.
 * Comparing normalised values makes `{ input: undefined }` equal `{}` but keeps `0` distinct from "not reported".
 */
export function normalise(value: unknown, ignore: readonly string[] = []): unknown {
  if (value === undefined) return undefined;
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  for (const path of ignore) remove(copy, path.split('.'));
  return copy;
}

function remove(target: unknown, segments: readonly string[]): void {
  if (target === null || typeof target !== 'object') return;
  const [head, ...rest] = segments;
  if (head === undefined) return;
  const record = target as Record<string, unknown>;
  const keys = head === '*' ? Object.keys(record) : [head];
  for (const key of keys) {
    if (!(key in record)) continue;
    if (rest.length === 0) delete record[key];
    else remove(record[key], rest);
  }
}

/** Freezes a value and everything inside it, so any write by an adapter throws (ESM code is strict mode). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Header names lower-cased, as HTTP treats them. */
export function lowerKeys(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Replaces `{{apiKey}}` in expected header values with the suite's key. */
export function withKey(headers: Readonly<Record<string, string>>, apiKey: string): Record<string, string> {
  return Object.fromEntries(Object.entries(lowerKeys(headers)).map(([k, v]) => [k, v.split('{{apiKey}}').join(apiKey)]));
}
