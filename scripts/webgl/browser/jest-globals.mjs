// `@jest/globals` for tests bundled into the webgl page: the harness's implementations.
import { jestGlobals } from './harness.mjs';

export const {
  describe,
  it,
  test,
  xit,
  xtest,
  fit,
  xdescribe,
  fdescribe,
  beforeAll,
  afterAll,
  beforeEach,
  afterEach,
  expect,
  jest,
} = jestGlobals;
