import { definePlugin, type SchemaObject } from '@sluice/core';

const schema: SchemaObject = { type: 'object' };

/**
 * Not implemented yet (issue #7). Listing it in a pipeline fails startup with a clear message instead of
 * silently doing nothing: a gateway that looks metered but is not would be worse than one that refuses to start.
 */
export default definePlugin<Record<string, unknown>>({
  name: '@sluice/cache',
  version: '0.0.0',
  schema,
  async setup() {
    throw new Error('@sluice/cache is not implemented yet (issue #7): remove it from the pipeline');
  },
});
