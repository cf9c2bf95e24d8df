// BigGAN's orthogonal regularization (Brock et al. 2019, eq. 3).
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, nn } from '@gen/core';

/**
 * The weights orthogonal regularization applies to: every Linear, Conv2d and
 * ConvTranspose2d weight of `module`, each as a matrix W `[outputs, inputs]` whose rows are
 * the filters (the output axis is the last one, axis 2 for ConvTranspose2d, as in
 * nn.SpectralNorm). Embeddings, norms and biases are left out, as in BigGAN.
 */
export function orthogonalWeights(module: nn.Module): Array<[string, tf.Variable, number]> {
  const out: Array<[string, tf.Variable, number]> = [];
  for (const [name, child] of [['', module] as [string, nn.Module], ...module.namedModules()]) {
    const isLayer = child instanceof nn.Linear || child instanceof nn.Conv2d || child instanceof nn.ConvTranspose2d;
    const weight = isLayer ? child.getParameter('weight') : undefined;
    if (weight) out.push([name ? `${name}.weight` : 'weight', weight, child instanceof nn.ConvTranspose2d ? 2 : weight.rank - 1]);
  }
  return out;
}

/** W viewed as `[outputs, inputs]` with the output axis `axis` first. */
function filterMatrix(weight: tf.Tensor, axis: number): tf.Tensor2D {
  const order = [axis, ...weight.shape.map((_, i) => i).filter((i) => i !== axis)];
  return tf.reshape(tf.transpose(weight, order), [weight.shape[axis], -1]) as tf.Tensor2D;
}

/**
 * R_β(W) = β Σ_W ‖W Wᵀ ⊙ (1 − I)‖²_F summed over {@link orthogonalWeights}: it pushes the
 * filters of each layer towards mutual orthogonality without constraining their norms,
 * which makes the generator amenable to the truncation trick. Its gradient is
 * 4β (W Wᵀ ⊙ (1 − I)) W per matrix. BigGAN uses β = 1e-4.
 */
export function orthogonalRegularization(module: nn.Module, beta = 1e-4): tf.Scalar {
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta < 0) {
    throw new InvalidArgumentError('beta', beta, 'must be a finite number >= 0');
  }
  return tf.tidy(() => {
    let total: tf.Tensor = tf.scalar(0);
    for (const [, weight, axis] of orthogonalWeights(module)) {
      const w = filterMatrix(weight, axis);
      const gram = tf.matMul(w, w, false, true);
      const offDiagonal = tf.mul(gram, tf.sub(1, tf.eye(w.shape[0])));
      total = tf.add(total, tf.sum(tf.square(offDiagonal)));
    }
    return tf.mul(beta, total) as tf.Scalar;
  });
}
