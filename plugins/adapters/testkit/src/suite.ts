import { randomBytes } from 'node:crypto';
import type { Adapter, SseEvent, UpstreamErrorKind } from '@sluice/core';
import { errorCase, requestCase, responseCase, streamCase, type SuiteContext } from './cases.js';
import { checkCoverage, checkMapErrorTotal, checkShape } from './contract.js';
import { loadFixtures, type FixtureCase } from './fixtures.js';
import type { ConformanceTest } from './test-api.js';

export interface ConformanceOptions<C> {
  adapter: Adapter<C>;
  /** A channel's `options:` as the gateway passes them (schema defaults applied). Cases may override fields. */
  options: C;
  /** Inline cases, or folders of `<case>.json` files (path or file: URL), or a mix. */
  cases: string | URL | ReadonlyArray<FixtureCase | string | URL>;
  /** The upstream model name the cases run with (default `conformance-model`). */
  upstreamModel?: string;
  /** The client surface the cases run with (default `openai`). */
  surface?: string;
  /** Error kinds this adapter's mapError can never produce, each with the reason (exempt from coverage). */
  unmappedKinds?: Partial<Record<UpstreamErrorKind, string>>;
  /** Events each translator must ignore; injected between the real events of every stream fixture. */
  unknownEvents?: SseEvent[];
}

/** The default unknown event: a name no provider uses, with JSON data (so "parse, then ignore" is exercised). */
export const UNKNOWN_EVENT: SseEvent = { event: 'sluice.conformance.unknown', data: '{"type":"sluice.conformance.unknown"}' };

async function resolveCases(input: ConformanceOptions<unknown>['cases']): Promise<FixtureCase[]> {
  const list = typeof input === 'string' || input instanceof URL ? [input] : input;
  const cases: FixtureCase[] = [];
  for (const entry of list) {
    if (typeof entry === 'string' || entry instanceof URL) cases.push(...(await loadFixtures(entry)));
    else cases.push(entry);
  }
  return cases;
}

/**
 * Runs the adapter conformance suite as subtests of `t`: the adapter's shape, mapError on odd input, fixture
 * coverage, then one subtest per fixture case. Resolves when every subtest has run.
 */
export async function runAdapterConformance<C>(t: ConformanceTest, options: ConformanceOptions<C>): Promise<void> {
  const adapter = options.adapter as Adapter<unknown>;
  const cases = await resolveCases(options.cases);
  const suite: SuiteContext = {
    adapter,
    options: options.options as Record<string, unknown>,
    // Distinctive and random, so a leak cannot pass by coincidence.
    apiKey: `sk-conformance-${randomBytes(12).toString('hex')}`,
    upstreamModel: options.upstreamModel ?? 'conformance-model',
    surface: options.surface ?? 'openai',
    unknownEvents: options.unknownEvents ?? [UNKNOWN_EVENT],
  };
  await t.test(`${adapter.id}: contract`, async (t) => {
    checkShape(t, adapter);
    checkMapErrorTotal(t, adapter);
    checkCoverage(t, cases, { operations: adapter.operations, unmappedKinds: options.unmappedKinds ?? {} });
  });
  for (const c of cases) {
    await t.test(`${adapter.id}: ${c.kind} ${c.name}`, async (t) => {
      switch (c.kind) {
        case 'request':
          return requestCase(t, suite, c);
        case 'response':
          return responseCase(t, suite, c);
        case 'stream':
          return streamCase(t, suite, c);
        case 'error':
          return errorCase(t, suite, c);
      }
    });
  }
}
