import * as tf from '@tensorflow/tfjs-core';
import { registerSecondOrderGradients, tanhGradient } from '../losses/second-order-gradients';
import { registerGradientFixes, squaredDifferenceGradConfig } from './gradient-fixes';
import { registerTfjsGradients } from './register-gradients';
import { leakyReluGradConfig, registerLeakyReluGradient } from './wasm/leaky-relu-gradient';

// @tensorflow/tfjs-layers (so also the @tensorflow/tfjs umbrella) imports tfjs-core's
// register_all_gradients, which overwrites every registered gradient with tfjs's stock one:
// our fixes (SquaredDifference over broadcast axes, second-order GP / R1 gradients, the fast
// LeakyRelu backward) are lost, and some stock gradients call chained tensor methods
// (`x.reshape`) that are not installed, so training fails or is silently wrong. Importing
// tfjs-layers after @gen/core is common (external CLIP towers, apps that use tfjs-layers), so
// the places that start work check and restore.

/** One gradient of each group we register: if all are still ours, nothing overwrote them. */
const SENTINELS: tf.GradConfig[] = [squaredDifferenceGradConfig, tanhGradient, leakyReluGradConfig];

/** Whether @gen/core's gradients are the registered ones (false after tfjs-layers was imported). */
export function genGradientsIntact(): boolean {
  return SENTINELS.every((config) => tf.getGradient(config.kernelName)?.gradFunc === config.gradFunc);
}

/**
 * Registers @gen/core's gradients again when something overwrote them (see above); cheap when
 * nothing did. Called by initBackend, trainLoop and the loaders that import tfjs-layers or
 * tfjs-converter; call it yourself after importing @tensorflow/tfjs or tfjs-layers directly.
 * Returns true when it had to restore.
 */
export function restoreGenGradients(): boolean {
  if (genGradientsIntact()) return false;
  registerTfjsGradients({ force: true });
  registerGradientFixes({ force: true });
  registerSecondOrderGradients({ force: true });
  registerLeakyReluGradient();
  return true;
}
