/** Compiles model globs ("gpt-4o*", "claude-*-sonnet") into one matcher. */
export function globMatcher(globs: readonly string[]): (name: string) => boolean {
  const patterns = globs.map((g) => new RegExp(`^${g.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`));
  return (name) => patterns.some((p) => p.test(name));
}
