// Batch-norm statistics for the weights a generator samples with. The running statistics
// collected during training belong to the raw weights; with the EMA weights swapped in (the
// weights GANs are evaluated with) eval-mode outputs are wrong until they are measured again —
// BigGAN's "standing statistics". Training checkpoints keep the raw statistics, so loadGan and
// GanTrainer.withEmaWeights recompute them.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, nn } from '@gen/core';
import { sampleLatents } from './truncation';
import type { GanGenerator } from './types';
import { checkPositiveInteger } from './validate';

export interface StandingStatisticsOptions {
  generator: GanGenerator;
  /** Batches of fresh latents averaged. Default 16. */
  batches?: number;
  /** Latents per batch. Default 64. */
  batchSize?: number;
  /** Draws latents and labels. Default: a fixed stream (`new Generator(0).fork('standing-statistics')`), so the same weights always get the same statistics. */
  rng?: Generator;
}

/**
 * Recomputes the generator's batch-norm running statistics for its current weights from
 * `batches` × `batchSize` latents N(0, I) (and uniformly drawn labels). Parameters are not
 * changed. Returns the number of batch-norm layers updated (0 for a generator without any).
 */
export function standingStatistics(options: StandingStatisticsOptions): number {
  const { generator, batches = 16, batchSize = 64, rng = new Generator(0).fork('standing-statistics') } = options ?? ({} as StandingStatisticsOptions);
  checkPositiveInteger('batches', batches);
  checkPositiveInteger('batchSize', batchSize);
  return nn.recomputeBatchNormStatistics(
    generator,
    () => {
      const latents = sampleLatents({ n: batchSize, latentDim: generator.latentDim, rng });
      const labels = generator.numClasses > 0 ? tf.tensor1d(Int32Array.from(rng.uniformArray(batchSize), (u) => Math.min(generator.numClasses - 1, Math.floor(u * generator.numClasses))), 'int32') : undefined;
      return generator.forward(latents, labels);
    },
    { batches },
  );
}

/**
 * Runs `fn` with standing statistics in the generator, then puts back every buffer it had
 * (running statistics, spectral-norm vectors): the model is as before afterwards.
 */
export function withStandingStatistics<T>(generator: GanGenerator, fn: () => T, options: Omit<StandingStatisticsOptions, 'generator'> = {}): T {
  const saved = snapshotBuffers(generator);
  let restoreNow = true;
  try {
    standingStatistics({ ...options, generator });
    const result = fn();
    if (result instanceof Promise) {
      restoreNow = false;
      return result.finally(() => restoreBuffers(generator, saved)) as T;
    }
    return result;
  } finally {
    if (restoreNow) restoreBuffers(generator, saved);
  }
}

function snapshotBuffers(generator: GanGenerator): Array<[tf.Variable, tf.Tensor]> {
  return generator.namedBuffers().map(([, variable]) => [variable, tf.clone(variable)]);
}

function restoreBuffers(generator: GanGenerator, saved: Array<[tf.Variable, tf.Tensor]>): void {
  for (const [variable, value] of saved) {
    variable.assign(value);
    value.dispose();
  }
}
