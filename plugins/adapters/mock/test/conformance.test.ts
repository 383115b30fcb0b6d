// The adapter conformance suite (@sluice/adapter-testkit) for the mock: its own wire format, same contract.
import t from 'tap';
import { runAdapterConformance } from '@sluice/adapter-testkit';
import mock from '@sluice/adapter-mock';

await runAdapterConformance(t, {
  adapter: mock,
  // The mock's schema defaults, as core applies them to a channel with no options.
  options: { firstTokenDelayMs: 0, tokenDelayMs: 0, dimensions: 64 },
  cases: new URL('./fixtures/mock/', import.meta.url),
  unmappedKinds: { content_filter: 'the mock has no content filter: failStatus picks a status, and no status means content_filter' },
});
