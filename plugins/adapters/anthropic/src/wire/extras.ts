import type { VendorExtra } from '@sluice/core';

/** The wire format id of this codec: extras tagged with it are re-emitted only towards Anthropic. */
export const ANTHROPIC_FORMAT = 'anthropic';

export type Wire = Record<string, unknown>;

// Keys that would change an object's prototype if copied by assignment.
const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

export const isRecord = (value: unknown): value is Wire => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Fields of `source` not in `known`, tagged as Anthropic's (undefined when there are none). */
export function collectExtra(source: Readonly<Wire>, known: ReadonlySet<string>): VendorExtra | undefined {
  let fields: Wire | undefined;
  for (const key in source) {
    if (known.has(key) || UNSAFE.has(key) || !Object.hasOwn(source, key)) continue;
    fields ??= {};
    fields[key] = source[key];
  }
  return fields ? { format: ANTHROPIC_FORMAT, fields } : undefined;
}

/** Anthropic extras as a plain object (empty for other formats). */
export const anthropicFields = (extra: VendorExtra | undefined): Readonly<Wire> =>
  extra?.format === ANTHROPIC_FORMAT ? extra.fields : {};

/** Copies Anthropic extras onto a wire object, except `skip`; fields the gateway set itself win. */
export function applyExtra(target: Wire, extra: VendorExtra | undefined, skip: ReadonlySet<string> = new Set()): void {
  const fields = anthropicFields(extra);
  for (const key in fields) {
    if (!(key in target) && !skip.has(key) && !UNSAFE.has(key)) target[key] = fields[key];
  }
}

/** Adds fields to an object's Anthropic extra (creating it), without touching the input. */
export function withAnthropicFields<T extends { extra?: VendorExtra }>(target: T, fields: Wire): T {
  if (Object.keys(fields).length === 0) return target;
  target.extra = { format: ANTHROPIC_FORMAT, fields: { ...anthropicFields(target.extra), ...fields } };
  return target;
}
