import * as tf from '@tensorflow/tfjs-core';
import * as vendored from './tfjs-gradients.generated';

let registered = false;

/**
 * Registers tfjs-core's gradient functions, once. tfjs-core alone registers none
 * (`gradient function not found for Sum`), and its own `register_all_gradients`
 * cannot be imported from Node ESM; we ship the same configs rebuilt against the
 * public API (scripts/vendor-tfjs-gradients.mjs). A gradient someone else already
 * registered (the @tensorflow/tfjs umbrella, or our own second-order overrides) is kept.
 * Returns how many gradients this call added. `force` (restoreGenGradients) registers every
 * vendored gradient again, over whatever is registered.
 */
export function registerTfjsGradients(options: { force?: boolean } = {}): number {
  if (registered && !options.force) return 0;
  registered = true;
  let added = 0;
  for (const config of Object.values(vendored) as tf.GradConfig[]) {
    if (options.force || tf.getGradient(config.kernelName) == null) {
      tf.registerGradient(config);
      added += 1;
    }
  }
  return added;
}

/** Kernel names whose gradients the vendored set provides. */
export function vendoredGradientKernels(): string[] {
  return (Object.values(vendored) as tf.GradConfig[]).map((c) => c.kernelName);
}
