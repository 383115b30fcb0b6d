/**
 * The little the suite needs from a test framework. tap's `Test` (the `t` in `t.test(...)`) satisfies it as is;
 * for another runner, wrap its assertions in an object of this shape. Keeping it structural means a published
 * adapter never depends on tap at run time: only its own tests do.
 */
export interface ConformanceTest {
  /** A named subtest; the suite awaits the returned value when it is a promise. */
  test(name: string, fn: (t: ConformanceTest) => Promise<void>): unknown;
  /** The message is required: it names the check in the report (and keeps tap's signature assignable). */
  ok(value: unknown, message: string): unknown;
  /** Deep equality, strict types (tap's strictSame). */
  strictSame(found: unknown, wanted: unknown, message: string): unknown;
}
