// Test support for the wasm kernels: run the same computation on cpu and wasm and compare.
// Node-only (the suites compare two backends in one process); not exported from @gen/core.
import * as tf from '@tensorflow/tfjs-core';
import { registerTfjsGradients } from '../register-gradients';
import { registerWasmTrainingKernels } from '../wasm-training-kernels';

/** Deterministic values in [-1, 1) (a small LCG), so both backends see the same inputs. */
export function seededValues(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

export interface TensorSpec {
  shape: number[];
  dtype?: 'float32' | 'int32';
  values?: ArrayLike<number>;
}

export interface BackendResult {
  shape: number[];
  values: Float32Array;
}

/** Registers gradients and the wasm training kernels, once per test file. */
export async function prepareBackends(): Promise<void> {
  registerTfjsGradients();
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.ready();
}

/** Runs `fn` on `backend` with tensors made from `specs`; returns every output's shape and values. */
export async function runOn(
  backend: string,
  specs: TensorSpec[],
  fn: (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<BackendResult[]> {
  await tf.setBackend(backend);
  const inputs = specs.map((s, i) =>
    tf.tensor(s.values ?? seededValues(tf.util.sizeFromShape(s.shape), i + 1), s.shape, s.dtype ?? 'float32'),
  );
  const outs = tf.tidy(() => {
    const r = fn(...inputs);
    return Array.isArray(r) ? r : [r];
  });
  const results = await Promise.all(outs.map(async (t) => ({ shape: t.shape.slice(), values: Float32Array.from(await t.data()) })));
  tf.dispose([...inputs, ...outs]);
  return results;
}

/**
 * Largest error of `actual` against `expected`, relative to the expected tensor's scale:
 * max |a − e| / (1e-4·|e| + 1e-4·max|e|) ≤ 1 means "within 1e-4 relative".
 */
export function relativeExcess(actual: BackendResult, expected: BackendResult): number {
  if (!tf.util.arraysEqual(actual.shape, expected.shape)) throw new Error(`shape [${actual.shape}] vs [${expected.shape}]`);
  let scale = 0;
  for (const v of expected.values) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < actual.values.length; i++) {
    const diff = Math.abs(actual.values[i] - expected.values[i]);
    const allowed = 1e-4 * Math.abs(expected.values[i]) + 1e-4 * scale + 1e-30;
    worst = Math.max(worst, Number.isNaN(diff) ? Infinity : diff / allowed);
  }
  return worst;
}

/** Asserts that wasm and cpu agree within 1e-4 relative on `fn`, and returns the wasm result. */
export async function expectWasmMatchesCpu(
  specs: TensorSpec[],
  fn: (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  label = '',
): Promise<BackendResult[]> {
  const expected = await runOn('cpu', specs, fn);
  const actual = await runOn('wasm', specs, fn);
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    expect(`${label}#${i} [${a.shape}]`).toBe(`${label}#${i} [${expected[i].shape}]`);
    const excess = relativeExcess(a, expected[i]);
    if (!(excess <= 1)) throw new Error(`${label} output ${i}: wasm differs from cpu by ${excess.toFixed(2)}× the 1e-4 tolerance`);
  });
  return actual;
}

/** Runs a kernel directly (attrs exactly as given) through the engine. */
export function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
}

/** wasm's live buffer count (catches intermediates a composed kernel forgot to free). */
export function wasmDataIds(): number {
  return (tf.findBackend('wasm') as unknown as { numDataIds(): number }).numDataIds();
}

declare const expect: (value: unknown) => { toBe(expected: unknown): void };
