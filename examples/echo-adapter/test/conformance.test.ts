// The Sluice adapter conformance suite, run on this adapter with its golden fixtures (test/fixtures/echo/*.json).
import t from 'tap';
import { runAdapterConformance } from '@sluice/adapter-testkit';
import echo from '../src/index.js';

await runAdapterConformance(t, {
  adapter: echo,
  options: { shout: false }, // the schema's defaults, as the gateway passes them to a channel without options
  cases: new URL('./fixtures/echo/', import.meta.url),
  unmappedKinds: { content_filter: 'Echo repeats what it hears; it has no content filter' },
});
