import { parseDuration } from '@sluice/core';

const RELATIVE = /^\d+(?:\.\d+)?(?:ms|s|m|h|d)$/;
const ABSOLUTE = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An expiry as the admin API and CLI accept it: an ISO 8601 date(-time) ("2027-01-01", "2027-01-01T00:00:00Z"), or
 * a duration from `now` ("30d", "12h", "90m"). Epoch ms, or undefined when the text is neither.
 */
export function parseExpiry(text: string, now: number): number | undefined {
  const value = text.trim();
  if (RELATIVE.test(value)) return now + parseDuration(value);
  if (!ABSOLUTE.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}
