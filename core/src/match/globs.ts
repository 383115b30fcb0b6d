/** One model-name glob ("gpt-4o*", "claude-*-sonnet"): `*` matches any run of characters, the rest is literal. */
export function globPattern(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

/** Compiles model globs into one matcher. */
export function globMatcher(globs: readonly string[]): (name: string) => boolean {
  if (globs.includes('*')) return () => true;
  const patterns = globs.map(globPattern);
  return (name) => patterns.some((p) => p.test(name));
}
