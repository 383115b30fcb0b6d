import { applyExtra as coreApplyExtra, collectExtra as coreCollectExtra, type VendorExtra } from '@sluice/core';
import { GEMINI_FORMAT, isRecord, type Wire } from './types.js';

/** The fields of `source` not in `known`, tagged as Gemini's (undefined when there are none). */
export function collectExtra(source: Readonly<Wire>, known: ReadonlySet<string>): VendorExtra | undefined {
  return coreCollectExtra(source, known, GEMINI_FORMAT);
}

/** The relayed fields of a Gemini-format extra (empty for any other format). */
export const geminiFields = (extra: VendorExtra | undefined): Readonly<Wire> =>
  extra?.format === GEMINI_FORMAT ? extra.fields : {};

/**
 * Copies relayed fields onto a wire object; fields the gateway set itself win. Unlike core's applyExtra, nested
 * objects (generationConfig, ...) merge one level, because Gemini nests its knobs.
 */
export function applyExtra(target: Wire, fields: Readonly<Wire>, skip: ReadonlySet<string> = new Set()): void {
  const flat: Wire = {};
  for (const key in fields) {
    if (skip.has(key) || !Object.hasOwn(fields, key)) continue;
    const relayed = fields[key];
    const own = target[key];
    if (own !== undefined && isRecord(own) && isRecord(relayed)) target[key] = { ...relayed, ...own };
    else flat[key] = relayed;
  }
  coreApplyExtra(target, { format: GEMINI_FORMAT, fields: flat }, GEMINI_FORMAT);
}
