import type { VendorExtra } from '../contracts/canonical.js';

// Keys that would change an object's prototype if copied by assignment.
const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

/** Collects the fields of `source` not in `known`, tagged with their wire format (undefined when there are none). */
export function collectExtra(
  source: Readonly<Record<string, unknown>>,
  known: ReadonlySet<string>,
  format: string,
): VendorExtra | undefined {
  let fields: Record<string, unknown> | undefined;
  for (const key in source) {
    if (known.has(key) || UNSAFE.has(key) || !Object.hasOwn(source, key)) continue;
    fields ??= {};
    fields[key] = source[key];
  }
  return fields ? { format, fields } : undefined;
}

/** Copies same-format extras onto a wire object; fields the gateway set itself win over relayed ones. */
export function applyExtra(target: Record<string, unknown>, extra: VendorExtra | undefined, format: string): void {
  if (!extra || extra.format !== format) return;
  for (const key in extra.fields) {
    if (!(key in target) && !UNSAFE.has(key)) target[key] = extra.fields[key];
  }
}
