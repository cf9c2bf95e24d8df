import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { host } from '../nn/fused-group-norm';

/**
 * One Adam / AdamW update of one parameter as one kernel (`GenAdamUpdate`) on the wasm and cpu
 * backends: the composed update is 11 kernels a parameter (1,600 launches a step for the 145
 * parameters of the shipped diffusion UNet, each a pass over the parameter); here it is one
 * pass over (θ, g, m, v) that writes (θ', m', v'):
 *
 *   m' = β₁·m + (1 − β₁)·g;  v' = β₂·v + (1 − β₂)·g²;
 *   θ' = θ·decay − stepSize · m' / (√v' / √(1 − β₂ᵗ) + ε)
 *
 * (the equations and rounding of `Adam.step`'s composed ops: bit-identical results). Other
 * backends keep the composed ops. No gradient: it is an update, not part of a loss.
 */
export const ADAM_UPDATE_KERNEL = 'GenAdamUpdate';

export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** α / (1 − β₁ᵗ). */
  stepSize: number;
  /** √(1 − β₂ᵗ). */
  sqrtBiasCorrection2: number;
  /** 1 − α·λ (1 for Adam). */
  decay: number;
}

type Values = Float32Array;

function update(p: Values, g: Values, m: Values, v: Values, p2: Values, m2: Values, v2: Values, a: AdamUpdateAttrs): void {
  // Every operation of the composed update, in its order, on float32 values with the scalars
  // rounded to float32 as tf.scalar does: each double operation on two float32 values rounded
  // once to float32 is the float32 operation (double has more than 2·24 + 2 bits), so the
  // result is bit for bit the composed one on cpu and wasm.
  const fr = Math.fround;
  const b1 = fr(a.beta1);
  const c1 = fr(1 - a.beta1);
  const b2 = fr(a.beta2);
  const c2 = fr(1 - a.beta2);
  const s2 = fr(a.sqrtBiasCorrection2);
  const eps = fr(a.epsilon);
  const step = fr(a.stepSize);
  const decay = fr(a.decay);
  const decayed = a.decay !== 1;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = fr(fr(m[i] * b1) + fr(gi * c1));
    const vi = fr(fr(v[i] * b2) + fr(fr(gi * gi) * c2));
    const denominator = fr(fr(fr(Math.sqrt(vi)) / s2) + eps);
    const pi = decayed ? fr(p[i] * decay) : p[i];
    m2[i] = mi;
    v2[i] = vi;
    p2[i] = pi - fr(fr(mi / denominator) * step);
  }
}

function kernel(kind: 'wasm' | 'cpu'): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { param, grad, m, v } = inputs as { param: TensorInfo; grad: TensorInfo; m: TensorInfo; v: TensorInfo };
    const shape = param.shape;
    return host(backend, kind).run([param, grad, m, v], [shape, shape, shape], ([pv, gv, mv, vv], [p2, m2, v2]) =>
      update(pv, gv, mv, vv, p2, m2, v2, attrs as unknown as AdamUpdateAttrs),
    );
  };
}

const KERNELS: KernelConfig[] = (['wasm', 'cpu'] as const).map((kind) => ({ kernelName: ADAM_UPDATE_KERNEL, backendName: kind, kernelFunc: kernel(kind) }));

let registered = false;

/** Registers the kernel for wasm and cpu, once. */
export function registerFusedAdam(): void {
  if (registered) return;
  registered = true;
  for (const config of KERNELS) {
    if (tf.getKernel(config.kernelName, config.backendName) == null) tf.registerKernel(config);
  }
}

/** Whether the active backend runs the Adam update as the fused kernel. */
export function hasFusedAdam(): boolean {
  registerFusedAdam();
  return tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend()) != null;
}

/** (θ', m', v') of one update; all four inputs float32 of one shape. */
export function fusedAdamUpdate(param: tf.Tensor, grad: tf.Tensor, m: tf.Tensor, v: tf.Tensor, attrs: AdamUpdateAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(
    ADAM_UPDATE_KERNEL,
    { param, grad, m, v } as unknown as tf.NamedTensorMap,
    attrs as unknown as tf.NamedAttrMap,
  ) as [tf.Tensor, tf.Tensor, tf.Tensor];
}
