// The adapter conformance suite (@sluice/adapter-testkit) for `openai` and every vendor preset of the family.
// OpenAI-wire responses, streams and errors are shared (fixtures/openai); each vendor adds its own request
// goldens and quirks (fixtures/<adapter id>).
import t from 'tap';
import { loadFixtures, runAdapterConformance, type FixtureCase } from '@sluice/adapter-testkit';
import type { Adapter } from '@sluice/core';
import { openaiAdapter, compatibleAdapters, type CompatibleOptions } from '@sluice/adapter-openai';
import compatibleDefault from '@sluice/adapter-openai/compatible';

const fixtures = (id: string): URL => new URL(`./fixtures/${id}/`, import.meta.url);

const shared = (await loadFixtures(fixtures('openai'))).filter((c) => c.kind !== 'request');
const servesOperationOf = (adapter: Adapter<CompatibleOptions>) => (c: FixtureCase): boolean =>
  c.kind === 'error' || adapter.operations.includes(c.request.operation);

t.test('the compatible entry default-exports the vendor adapters as one array', async (t) => {
  t.equal(compatibleDefault, compatibleAdapters);
  t.strictSame(compatibleDefault.map((a) => a.id), ['azure-openai', 'deepseek', 'openrouter', 'groq', 'mistral', 'openai-compatible']);
});

await t.test('openai', (t) => runAdapterConformance(t, { adapter: openaiAdapter, options: {}, cases: fixtures('openai') }));

for (const adapter of compatibleAdapters) {
  await t.test(adapter.id, async (t) => {
    const own = await loadFixtures(fixtures(adapter.id));
    await runAdapterConformance(t, { adapter, options: {}, cases: [...shared.filter(servesOperationOf(adapter)), ...own] });
  });
}
