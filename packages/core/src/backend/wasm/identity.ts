import type { CastAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * `Identity` and same-dtype `Cast` for wasm without a copy. wasm's own kernels allocate a new
 * buffer and copy the input; the engine calls `Identity` for every tensor it saves for the
 * backward pass (`tf.clone` in `saveTensorsForBackwardMode`) and tfjs's gradients cast float32
 * to float32 (`Multiply`'s gradient casts both inputs), so a training step copied every saved
 * activation once more (536 copies in one step of the shipped diffusion UNet). These wrappers
 * share the input's buffer with a reference count instead — what wasm's own `Reshape` and the
 * cpu / webgl `Identity` do (no wasm kernel writes into its inputs, so sharing is safe).
 * Strings, and casts to another dtype, go to wasm's kernel.
 */
export function aliasingIdentityConfig(original: KernelConfig): KernelConfig {
  const inner = original.kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string') return inner(args);
    return alias(args.backend, x);
  };
  return { ...original, kernelFunc, [WRAPPED]: true, [ORIGINAL]: original } as KernelConfig;
}

/** See {@link aliasingIdentityConfig}: a cast to the input's own dtype shares its buffer. */
export function aliasingCastConfig(original: KernelConfig): KernelConfig {
  const inner = original.kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { dtype } = args.attrs as unknown as CastAttrs;
    if (x.dtype !== dtype || x.dtype === 'string') return inner(args);
    return alias(args.backend, x);
  };
  return { ...original, kernelFunc, [WRAPPED]: true, [ORIGINAL]: original } as KernelConfig;
}

function alias(backend: unknown, x: TensorInfo): TensorInfo {
  (backend as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

const WRAPPED = Symbol.for('@gen/core:aliasingIdentity');
/** The kernel a wrapper replaced (for A/B measurements: scripts/bench/profile-unet2d.ts). */
const ORIGINAL = Symbol.for('@gen/core:wrappedKernel');

/** Whether `config` is already one of these wrappers. */
export function isAliasing(config: KernelConfig | undefined): boolean {
  return config != null && (config as unknown as Record<symbol, unknown>)[WRAPPED] === true;
}
