/** Durations ("500ms", "30s", "10m", "1h", "7d" or a number of ms) and sizes ("512kb", "20mb" or bytes). */
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const SIZE = /^(\d+(?:\.\d+)?)(b|kb|mb|gb)$/i;

const MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

export function isDuration(value: string): boolean {
  return DURATION.test(value) || /^\d+$/.test(value);
}

export function isSize(value: string): boolean {
  return SIZE.test(value) || /^\d+$/.test(value);
}

export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = DURATION.exec(value);
  if (!match) return Number(value);
  return Math.round(Number(match[1]) * (MS[match[2] ?? 'ms'] ?? 1));
}

export function parseSize(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = SIZE.exec(value);
  if (!match) return Number(value);
  return Math.round(Number(match[1]) * (BYTES[(match[2] ?? 'b').toLowerCase()] ?? 1));
}
