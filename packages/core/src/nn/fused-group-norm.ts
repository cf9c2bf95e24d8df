import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { checkInput, checkPositiveInteger, checkPositiveNumber } from './validate';

/**
 * GroupNorm as one kernel (`GenGroupNorm`) with a one-kernel gradient (`GenGroupNormGrad`)
 * for the wasm and cpu backends. Composed from tf ops, a GroupNorm and its gradient are
 * ~30 kernels, most of them broadcasting reductions that wasm runs through a transpose;
 * here the forward is two passes over x and the gradient two passes over (x, dy), with the
 * statistics in float64 (shifted sums, so a large mean does not cancel the variance). Other backends (webgl, tensorflow) use the composed ops.
 *
 * Forward, x viewed as [B, S, G, C/G] (S = the middle dimensions):
 *   μ, σ² = mean and biased variance of x over (S, C/G) per (b, g); r = 1/√(σ² + ε);
 *   x̂ = (x − μ)·r; y = γ[c]·x̂ + β[c].
 * Gradient, with g = γ[c]·dy and means over (S, C/G) per (b, g):
 *   dx = r·(g − mean(g) − x̂·mean(g·x̂)); dγ[c] = Σ_{b,s} dy·x̂; dβ[c] = Σ_{b,s} dy.
 * The gradient kernel has no gradient itself: differentiating twice through it throws
 * (tfjs: "gradient function not found"); use `fused: false` for second-order terms.
 */
export const GROUP_NORM_KERNEL = 'GenGroupNorm';
export const GROUP_NORM_GRAD_KERNEL = 'GenGroupNormGrad';

interface GroupNormAttrs {
  numGroups: number;
  eps: number;
}

type Values = Float32Array;

/** The parts of the wasm / cpu backends the kernels use to read inputs and make outputs (also used by optim/fused-adam.ts). */
export interface HostBackend {
  readonly kind: 'wasm' | 'cpu';
  /** Allocates every output first (wasm's heap may move), then returns views of inputs and outputs. */
  run(inputs: TensorInfo[], outputShapes: number[][], body: (inputs: Values[], outputs: Values[]) => void): TensorInfo[];
}

export function host(backend: object, kind: 'wasm' | 'cpu'): HostBackend {
  if (kind === 'wasm') {
    const wasm = backend as {
      makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
      typedArrayFromHeap(t: TensorInfo): Float32Array;
    };
    return {
      kind,
      run(inputs, shapes, body) {
        const outs = shapes.map((s) => wasm.makeOutput(s, 'float32'));
        body(inputs.map((t) => wasm.typedArrayFromHeap(t)), outs.map((t) => wasm.typedArrayFromHeap(t)));
        return outs;
      },
    };
  }
  const cpu = backend as {
    readSync(dataId: object): tf.BackendValues;
    makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  };
  return {
    kind,
    run(inputs, shapes, body) {
      const outs = shapes.map((s) => new Float32Array(tf.util.sizeFromShape(s)));
      body(inputs.map((t) => cpu.readSync(t.dataId) as Float32Array), outs);
      return outs.map((v, i) => cpu.makeTensorInfo(shapes[i], 'float32', v));
    },
  };
}

/**
 * Per-channel sums of one sample in one pass over x [S, C] (and dy, when given): Σ(x − K),
 * Σ(x − K)² with the shift K[c] = x[0, c] (float64, so no cancellation when |mean| ≫ std),
 * and Σdy, Σdy·(x − K).
 */
function channelSums(x: Values, dy: Values | null, start: number, end: number, channels: number, s: ChannelSums): void {
  // Channel-outer: the accumulators stay in registers (a per-sample block is L2-sized).
  for (let c = 0; c < channels; c++) {
    const k = x[start + c];
    let sx = 0;
    let sxx = 0;
    let sdy = 0;
    let sdyx = 0;
    if (dy == null) {
      for (let i = start + c; i < end; i += channels) {
        const d = x[i] - k;
        sx += d;
        sxx += d * d;
      }
    } else {
      for (let i = start + c; i < end; i += channels) {
        const d = x[i] - k;
        const g = dy[i];
        sx += d;
        sxx += d * d;
        sdy += g;
        sdyx += g * d;
      }
    }
    s.shift[c] = k;
    s.sx[c] = sx;
    s.sxx[c] = sxx;
    s.sdy[c] = sdy;
    s.sdyx[c] = sdyx;
  }
}

interface ChannelSums {
  shift: Float64Array;
  sx: Float64Array;
  sxx: Float64Array;
  sdy: Float64Array;
  sdyx: Float64Array;
}

function channelSumsBuffers(channels: number): ChannelSums {
  return {
    shift: new Float64Array(channels),
    sx: new Float64Array(channels),
    sxx: new Float64Array(channels),
    sdy: new Float64Array(channels),
    sdyx: new Float64Array(channels),
  };
}

/** Mean μ and 1/√(σ² + ε) of group g from the per-channel sums (n values per channel). */
function groupStatistics(s: ChannelSums, g: number, groupSize: number, n: number, eps: number): { mean: number; rstd: number } {
  let sum = 0;
  for (let c = g * groupSize; c < (g + 1) * groupSize; c++) sum += s.sx[c] + n * s.shift[c];
  const mean = sum / (n * groupSize);
  // Σ(x − μ)² = Σ_c [Σ(x − K)² + 2(K − μ)·Σ(x − K) + n·(K − μ)²]
  let ss = 0;
  for (let c = g * groupSize; c < (g + 1) * groupSize; c++) {
    const k = s.shift[c] - mean;
    ss += s.sxx[c] + 2 * k * s.sx[c] + n * k * k;
  }
  return { mean, rstd: 1 / Math.sqrt(Math.max(ss, 0) / (n * groupSize) + eps) };
}

function forward(x: Values, gamma: Values, beta: Values, y: Values, batch: number, numGroups: number, eps: number): void {
  const channels = gamma.length;
  const perSample = x.length / batch;
  const n = perSample / channels;
  const groupSize = channels / numGroups;
  const sums = channelSumsBuffers(channels);
  // Per (b, c): y = x·a[c] + o[c] with a = γ·r, o = β − μ·γ·r.
  const a = new Float32Array(channels);
  const o = new Float32Array(channels);
  for (let b = 0; b < batch; b++) {
    const start = b * perSample;
    const end = start + perSample;
    channelSums(x, null, start, end, channels, sums);
    for (let g = 0; g < numGroups; g++) {
      const { mean, rstd } = groupStatistics(sums, g, groupSize, n, eps);
      for (let c = g * groupSize; c < (g + 1) * groupSize; c++) {
        a[c] = gamma[c] * rstd;
        o[c] = beta[c] - mean * gamma[c] * rstd;
      }
    }
    for (let i = start; i < end; i += channels) {
      for (let c = 0; c < channels; c++) y[i + c] = x[i + c] * a[c] + o[c];
    }
  }
}

function backward(
  dy: Values, x: Values, gamma: Values,
  dx: Values, dgamma: Values, dbeta: Values,
  batch: number, numGroups: number, eps: number,
): void {
  const channels = gamma.length;
  const perSample = x.length / batch;
  const n = perSample / channels;
  const groupSize = channels / numGroups;
  const count = n * groupSize;
  const sums = channelSumsBuffers(channels);
  const dg = new Float64Array(channels);
  const db = new Float64Array(channels);
  const k1 = new Float32Array(channels);
  const k2 = new Float32Array(channels);
  const k3 = new Float32Array(channels);
  for (let b = 0; b < batch; b++) {
    const start = b * perSample;
    const end = start + perSample;
    channelSums(x, dy, start, end, channels, sums);
    for (let g = 0; g < numGroups; g++) {
      const { mean: m, rstd: r } = groupStatistics(sums, g, groupSize, n, eps);
      // Σ over the group of γ·dy and γ·dy·x̂ (x̂ = (x − μ)·r; Σdy·(x − μ) = Σdy·(x − K) + (K − μ)·Σdy).
      let sg = 0;
      let sgx = 0;
      for (let c = g * groupSize; c < (g + 1) * groupSize; c++) {
        const sumDy = sums.sdy[c];
        const dyXhat = (sums.sdyx[c] + (sums.shift[c] - m) * sumDy) * r;
        db[c] += sumDy;
        dg[c] += dyXhat;
        sg += gamma[c] * sumDy;
        sgx += gamma[c] * dyXhat;
      }
      const m1 = sg / count;
      const m2 = sgx / count;
      // dx = r·(γ·dy − m1 − (x − μ)·r·m2) = (γ·r)·dy − r²·m2·x + r·(μ·r·m2 − m1)
      for (let c = g * groupSize; c < (g + 1) * groupSize; c++) {
        k1[c] = gamma[c] * r;
        k2[c] = -r * r * m2;
        k3[c] = r * (m * r * m2 - m1);
      }
    }
    for (let i = start; i < end; i += channels) {
      for (let c = 0; c < channels; c++) dx[i + c] = k1[c] * dy[i + c] + k2[c] * x[i + c] + k3[c];
    }
  }
  for (let c = 0; c < channels; c++) {
    dgamma[c] = dg[c];
    dbeta[c] = db[c];
  }
}

function forwardKernel(kind: 'wasm' | 'cpu'): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, gamma, beta } = inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
    const { numGroups, eps } = attrs as unknown as GroupNormAttrs;
    const [y] = host(backend, kind).run([x, gamma, beta], [x.shape], ([xv, gv, bv], [yv]) =>
      forward(xv, gv, bv, yv, x.shape[0], numGroups, eps),
    );
    return y;
  };
}

function gradKernel(kind: 'wasm' | 'cpu'): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, x, gamma } = inputs as { dy: TensorInfo; x: TensorInfo; gamma: TensorInfo };
    const { numGroups, eps } = attrs as unknown as GroupNormAttrs;
    return host(backend, kind).run([dy, x, gamma], [x.shape, gamma.shape, gamma.shape], ([dyv, xv, gv], [dxv, dgv, dbv]) =>
      backward(dyv, xv, gv, dxv, dgv, dbv, x.shape[0], numGroups, eps),
    );
  };
}

const KERNELS: KernelConfig[] = (['wasm', 'cpu'] as const).flatMap((kind) => [
  { kernelName: GROUP_NORM_KERNEL, backendName: kind, kernelFunc: forwardKernel(kind) },
  { kernelName: GROUP_NORM_GRAD_KERNEL, backendName: kind, kernelFunc: gradKernel(kind) },
]);

let registered = false;

/** Registers the kernels (wasm, cpu) and the gradient, once. Called by `groupNorm`. */
export function registerFusedGroupNorm(): void {
  if (registered) return;
  registered = true;
  for (const config of KERNELS) {
    if (tf.getKernel(config.kernelName, config.backendName) == null) tf.registerKernel(config);
  }
  tf.registerGradient({
    kernelName: GROUP_NORM_KERNEL,
    inputsToSave: ['x', 'gamma'],
    gradFunc: (dy, saved, attrs) => {
      const [x, gamma] = saved;
      const [dx, dgamma, dbeta] = tf.engine().runKernel(
        GROUP_NORM_GRAD_KERNEL,
        { dy: dy as tf.Tensor, x, gamma } as unknown as tf.NamedTensorMap,
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  });
}

/** Whether the active backend runs `groupNorm` as the fused kernel. */
export function hasFusedGroupNorm(): boolean {
  registerFusedGroupNorm();
  return tf.getKernel(GROUP_NORM_KERNEL, tf.getBackend()) != null;
}

/**
 * Group normalisation of channels-last `x` [batch, ..., C] with per-channel scale `gamma`
 * and shift `beta` ([C], float32): one fused kernel on wasm and cpu (`fused`, default
 * true), the composed ops elsewhere or with `fused: false` (which is differentiable
 * twice). `numGroups` must divide C.
 */
export function groupNorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  numGroups: number,
  eps = 1e-5,
  fused = true,
): tf.Tensor {
  checkInput('groupNorm', x, { minRank: 2, expected: '[batch, ..., channels]' });
  const channels = x.shape[x.shape.length - 1];
  checkPositiveInteger('groupNorm', 'numGroups', numGroups);
  if (channels % numGroups !== 0) throw new InvalidArgumentError('groupNorm numGroups', numGroups, `must divide the channels (${channels})`);
  checkPositiveNumber('groupNorm', 'eps', eps);
  for (const [name, t] of [['gamma', gamma], ['beta', beta]] as const) {
    if (!(t instanceof tf.Tensor) || t.rank !== 1 || t.shape[0] !== channels) {
      throw new InvalidArgumentError(`groupNorm ${name}`, t, `must have shape [${channels}]`);
    }
  }
  if (fused && x.dtype === 'float32' && x.size > 0 && hasFusedGroupNorm()) {
    return tf.engine().runKernel(
      GROUP_NORM_KERNEL,
      { x, gamma, beta } as unknown as tf.NamedTensorMap,
      { numGroups, eps } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor;
  }
  return tf.tidy(() => {
    const grouped = tf.reshape(x, [x.shape[0], -1, numGroups, channels / numGroups]);
    const mean = tf.mean(grouped, [1, 3], true);
    const centered = tf.sub(grouped, mean);
    const variance = tf.mean(tf.square(centered), [1, 3], true);
    const y = tf.reshape(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), x.shape);
    return tf.add(tf.mul(y, gamma), beta);
  });
}
