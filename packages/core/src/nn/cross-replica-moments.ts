// Batch statistics over the rows of every data-parallel replica (synchronised batch norm): each
// replica holds some rows of the batch, and the mean and variance — and their gradients — must
// be those of the whole batch, or a batch-norm model trains differently on n threads than on one.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';

/**
 * The replicas of one step, as cross-replica batch statistics need them: every replica's values,
 * in replica order, each replica calling in the same order (e.g. @gen/core/node's
 * `ReplicaExchange`, a phase's `context.exchange`).
 */
export interface ReplicaGather {
  allGather(values: Float64Array): Float64Array[];
}

export interface CrossReplicaMoments {
  /** Per-channel mean `[C]` over every replica's rows. */
  mean: tf.Tensor1D;
  /** Per-channel biased variance `[C]` over every replica's rows. */
  variance: tf.Tensor1D;
  /** Values per channel over every replica (for the unbiased running variance). */
  count: number;
}

/**
 * Mean and variance over all axes but the last of `x` (this replica's rows) together with the
 * other replicas' rows. Forward: each replica shares (count, mean, M2) per channel, combined in
 * float64 in replica order (Chan et al.'s pairwise update: no Σx² cancellation), so every replica
 * gets the same statistics. Backward: each replica shares the gradients reaching the mean and
 * variance, so ∂/∂x includes the other replicas' rows' dependence on this one's.
 *
 * Gradient scale: each replica's loss is a mean over its own rows and the replicas' gradients
 * are averaged weighted by their row counts (DataParallelTrainer's rule), so the shared
 * gradients are weighted by row share and this replica's ∂/∂x is divided by its own: the
 * weighted average of the replicas' parameter gradients is the gradient of whole-batch BN.
 */
export function crossReplicaMoments(x: tf.Tensor, replicas: ReplicaGather): CrossReplicaMoments {
  const channels = x.shape[x.rank - 1];
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const localCount = x.size / channels;
  let mean = new Float32Array(channels);
  let count = 0;
  const moments = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    const local = tf.moments(input, axes);
    const localMean = local.mean.dataSync();
    const localVariance = local.variance.dataSync();
    const mine = new Float64Array(1 + 2 * channels);
    mine[0] = localCount;
    for (let c = 0; c < channels; c++) {
      mine[1 + c] = localMean[c];
      mine[1 + channels + c] = localVariance[c] * localCount;
    }
    const combined = combineMoments(replicas.allGather(mine), channels);
    count = combined.count;
    if (count < 2) throw new InvalidArgumentError('BatchNorm input', x, 'needs more than one value per channel over all replicas in training mode');
    mean = Float32Array.from(combined.mean);
    save([input]);
    const variance = Float32Array.from(combined.m2, (m2) => m2 / count);
    return {
      value: tf.stack([tf.tensor1d(mean), tf.tensor1d(variance)]),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
        // dy: ∂(this replica's loss)/∂[mean; variance]. Share it weighted by row share.
        const upstream = dy.dataSync();
        const shared = new Float64Array(1 + 2 * channels);
        shared[0] = localCount;
        shared.set(upstream, 1);
        const total = new Float64Array(2 * channels);
        for (const part of replicas.allGather(shared)) {
          const weight = part[0] / count;
          for (let k = 0; k < 2 * channels; k++) total[k] += weight * part[1 + k];
        }
        // ∂mean/∂x = 1/N, ∂var/∂x = 2(x − mean)/N; divided by this replica's share n/N.
        const offset = Float32Array.from(total.subarray(0, channels), (g) => g / localCount);
        const slope = Float32Array.from(total.subarray(channels), (g) => (2 * g) / localCount);
        return tf.add(tf.tensor1d(offset), tf.mul(tf.tensor1d(slope), tf.sub(saved, tf.tensor1d(mean))));
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
  return tf.tidy(() => {
    const [m, v] = tf.unstack(moments(x));
    return { mean: m as tf.Tensor1D, variance: v as tf.Tensor1D, count };
  });
}

/** Count, mean and M2 (sum of squared deviations) per channel from every replica's (count, mean, M2), in replica order. */
function combineMoments(parts: Float64Array[], channels: number): { count: number; mean: Float64Array; m2: Float64Array } {
  let count = 0;
  const mean = new Float64Array(channels);
  const m2 = new Float64Array(channels);
  for (const part of parts) {
    const n = part[0];
    if (n === 0) continue;
    const total = count + n;
    for (let c = 0; c < channels; c++) {
      const delta = part[1 + c] - mean[c];
      mean[c] += (delta * n) / total;
      m2[c] += part[1 + channels + c] + (delta * delta * count * n) / total;
    }
    count = total;
  }
  return { count, mean, m2 };
}
