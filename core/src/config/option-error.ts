/**
 * Thrown by a plugin's `check` for an option that passes its JSON Schema but is still wrong (a jexl rule that does
 * not compile, say). `path` is relative to the plugin's `with:`, e.g. "rules[0].when"; core reports it with the
 * full YAML path and line, at startup and in `sluice validate`.
 */
export class OptionError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'OptionError';
  }
}

/** "rules[0].when" → ["rules", 0, "when"] */
export function parsePath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
  }
  return segments;
}
