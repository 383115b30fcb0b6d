// A test plugin: GET /probe/embed calls api.invoke on the `embedder` channel and answers with the vector length.
import { definePlugin } from '@sluice/core';

export default definePlugin<Record<string, never>>({
  name: 'invoke-probe',
  version: '0.0.0',
  schema: { type: 'object' },
  async setup(api) {
    api.route({
      method: 'GET',
      path: '/probe/embed',
      handler: async () => {
        const result = await api.invoke(
          { operation: 'embeddings', model: 'text-embedding-3-small', input: 'hello world', stream: false, includeUsage: false },
          { channel: 'embedder', signal: AbortSignal.timeout(5000) },
        );
        return { length: result.kind === 'response' && result.response.operation === 'embeddings' ? result.response.vectors[0]?.length : null };
      },
    });
  },
});
