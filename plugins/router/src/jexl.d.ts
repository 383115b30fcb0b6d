// Minimal types for jexl 2.x (the package ships none): only what the router uses.
declare module 'jexl' {
  interface Expression {
    evalSync(context?: Record<string, unknown>): unknown;
  }
  class Jexl {
    compile(expression: string): Expression;
    addTransform(name: string, fn: (value: unknown, ...args: unknown[]) => unknown): void;
  }
  const instance: Jexl & { Jexl: typeof Jexl };
  export default instance;
}
