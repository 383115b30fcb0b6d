// The adapter conformance suite (@sluice/adapter-testkit) over hand-written Messages API fixtures.
import t from 'tap';
import { runAdapterConformance } from '@sluice/adapter-testkit';
import { anthropicAdapter, type AnthropicOptions } from '@sluice/adapter-anthropic';

await runAdapterConformance<AnthropicOptions>(t, {
  adapter: anthropicAdapter,
  // The schema defaults, as core passes them.
  options: { anthropicVersion: '2023-06-01', anthropicBeta: [], defaultMaxTokens: 4096, thinking: 'budget' },
  cases: new URL('./fixtures/anthropic/', import.meta.url),
  unmappedKinds: { content_filter: 'Anthropic has no content-filter error: a refusal is a successful answer with stop_reason "refusal"' },
});
