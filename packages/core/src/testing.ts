// @gen/core/testing: helpers for numeric tests of @gen/* code on every backend.
export {
  describeWithBackends,
  testBackends,
  backendTolerance,
  expectTensorsClose,
  countLeakedTensors,
} from './testing/describe-with-backends';
export type { BackendSuiteContext, BackendSuiteOptions } from './testing/describe-with-backends';
export { memoryIOHandler } from './testing/memory-io-handler';
