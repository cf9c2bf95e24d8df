import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from '../backend/wasm-training-kernels';

/**
 * The backends the numeric suites run on in this process. Set by the test harness:
 * jest's setup file in Node (cpu, wasm, and tensorflow when tfjs-node is installed),
 * the Chromium page for the webgl leg. `GEN_TEST_BACKENDS=cpu` narrows it in Node.
 */
export function testBackends(): string[] {
  const fromHarness = (globalThis as { __GEN_TEST_BACKENDS__?: string[] }).__GEN_TEST_BACKENDS__;
  return fromHarness && fromHarness.length > 0 ? fromHarness : ['cpu'];
}

export interface BackendSuiteOptions {
  /** Run only on these backends (e.g. a cpu-vs-wasm comparison). */
  only?: string[];
  /** Skip these backends, e.g. a training run too slow for Chromium's software GPU. */
  skip?: string[];
}

export interface BackendSuiteContext {
  /** The backend this copy of the suite runs on. */
  backend: string;
}

declare const describe: (name: string, fn: () => void) => void;
declare const beforeAll: (fn: () => unknown) => void;
declare const beforeEach: (fn: () => unknown) => void;
declare const afterEach: (fn: () => unknown) => void;

/**
 * Runs a numeric suite once per available backend (the tfjs `describeWithFlags` idea).
 * Each copy activates its backend in `beforeAll` and wraps each test in an engine scope,
 * so tensors a test forgets are freed rather than piling up across tests. The same test
 * file runs under jest in Node and inside headless Chromium for the webgl leg.
 */
export function describeWithBackends(
  name: string,
  body: (context: BackendSuiteContext) => void,
  options: BackendSuiteOptions = {},
): void {
  const { only, skip = [] } = options;
  for (const backend of testBackends()) {
    if (only && !only.includes(backend)) continue;
    if (skip.includes(backend)) continue;
    describe(`${name} [${backend}]`, () => {
      beforeAll(async () => {
        if (backend === 'wasm') registerWasmTrainingKernels();
        const ok = await tf.setBackend(backend);
        if (!ok) throw new Error(`backend '${backend}' failed to initialise`);
        await tf.ready();
      });
      beforeEach(() => tf.engine().startScope());
      afterEach(() => tf.engine().endScope());
      body({ backend });
    });
  }
}

/** Default absolute tolerance for comparisons on a backend: webgl computes in float32 on a GPU (or a software one). */
export function backendTolerance(backend = tf.getBackend()): number {
  return backend === 'webgl' || backend === 'webgpu' ? 1e-3 : 1e-5;
}

/**
 * Asserts that `actual` and `expected` agree elementwise within `atol + rtol·|expected|`,
 * with a message naming the worst index. Shapes must match exactly.
 */
export async function expectTensorsClose(
  actual: tf.Tensor | ArrayLike<number>,
  expected: tf.Tensor | ArrayLike<number>,
  { atol = backendTolerance(), rtol = 0 }: { atol?: number; rtol?: number } = {},
): Promise<void> {
  if (actual instanceof tf.Tensor && expected instanceof tf.Tensor) {
    if (!tf.util.arraysEqual(actual.shape, expected.shape)) {
      throw new Error(`shape mismatch: actual [${actual.shape}] vs expected [${expected.shape}]`);
    }
  }
  const a = actual instanceof tf.Tensor ? await actual.data() : actual;
  const e = expected instanceof tf.Tensor ? await expected.data() : expected;
  if (a.length !== e.length) throw new Error(`size mismatch: actual ${a.length} vs expected ${e.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    // Identical values (including ±Infinity, and NaN where NaN is expected) always match.
    if (a[i] === e[i] || (Number.isNaN(a[i]) && Number.isNaN(e[i]))) continue;
    const allowed = atol + rtol * Math.abs(e[i]);
    const diff = Math.abs(a[i] - e[i]);
    const excess = Number.isNaN(diff) ? Infinity : diff - allowed;
    if (excess > worstExcess || (Number.isNaN(diff) && worst < 0)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `tensors differ at index ${worst}: actual ${a[worst]} vs expected ${e[worst]} ` +
        `(|diff| ${Math.abs(a[worst] - e[worst])} > atol ${atol} + rtol ${rtol}·|expected|)`,
    );
  }
}

/** Runs `fn` and returns how many tensors it left behind (0 means no leak). */
export async function countLeakedTensors(fn: () => unknown | Promise<unknown>): Promise<number> {
  const before = tf.memory().numTensors;
  await fn();
  return tf.memory().numTensors - before;
}
