// @sluice/adapter-testkit: the conformance suite every Sluice adapter runs in its own tests.
export { runAdapterConformance, UNKNOWN_EVENT, type ConformanceOptions } from './suite.js';
export type { ConformanceTest } from './test-api.js';
export {
  loadFixtures,
  checkFixture,
  type FixtureCase,
  type FixtureBase,
  type RequestFixture,
  type ResponseFixture,
  type StreamFixture,
  type ErrorFixture,
} from './fixtures.js';
export { conformanceContext, replaySse, translateEvents, framedEvents, splitAt, byteByByte, StrictDropError, type RecordingContext, type Replay } from './replay.js';
export { deepFreeze, normalise } from './values.js';
export { MAPPABLE_KINDS } from './contract.js';
