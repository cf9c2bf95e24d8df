// "Standing statistics" (Brock et al. 2019) / "precise BatchNorm" (Wu & Johnson 2021): the
// running statistics a BatchNorm uses in eval mode belong to the weights they were collected
// with. After weights change outside training (an EMA of the weights swapped in, weights
// averaged or loaded from elsewhere) they must be measured again, or eval-mode outputs are
// garbage.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { BatchNorm } from './batch-norm';
import type { Module } from './module';

export interface RecomputeBatchNormStatisticsOptions {
  /** Forward passes averaged (≥ 1). */
  batches: number;
}

/**
 * Resets the running mean and variance of every `BatchNorm` in `model` and runs
 * `forward(batch)` for batch = 0 … batches − 1 in training mode with momentum 1/(batch + 1),
 * so the buffers end as the average of the batches' statistics. Parameters are untouched;
 * each BatchNorm's momentum and the model's training mode are restored. `forward` builds its own
 * inputs (drawing them from a seeded Generator keeps the result reproducible); its outputs are
 * freed. Returns the number of BatchNorm layers updated (0: nothing to do, `forward` not called).
 */
export function recomputeBatchNormStatistics(model: Module, forward: (batch: number) => unknown, options: RecomputeBatchNormStatisticsOptions): number {
  const { batches } = options ?? ({} as RecomputeBatchNormStatisticsOptions);
  if (!Number.isInteger(batches) || batches < 1) {
    throw new InvalidArgumentError('batches', batches, 'must be an integer ≥ 1');
  }
  const norms = [model, ...model.namedModules().map(([, module]) => module)].filter((module): module is BatchNorm => module instanceof BatchNorm);
  if (norms.length === 0) return 0;
  const wasTraining = model.training;
  const momenta = norms.map((norm) => norm.momentum);
  model.train(true);
  try {
    tf.tidy(() => {
      for (const norm of norms) {
        norm.runningMean.assign(tf.zerosLike(norm.runningMean));
        norm.runningVar.assign(tf.zerosLike(norm.runningVar));
      }
    });
    for (let batch = 0; batch < batches; batch++) {
      for (const norm of norms) norm.momentum = 1 / (batch + 1);
      tf.tidy(() => {
        forward(batch);
      });
    }
  } finally {
    norms.forEach((norm, i) => (norm.momentum = momenta[i]));
    model.train(wasTraining);
  }
  return norms.length;
}
