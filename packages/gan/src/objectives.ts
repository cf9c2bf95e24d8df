// The GAN objectives, selected by name (the "wgan.ts" of the package): each pairs a
// discriminator loss with a generator loss from @gen/core's losses, plus what the objective
// needs around it (WGAN's weight clipping, WGAN-GP's gradient penalty).
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, losses, nn } from '@gen/core';

/**
 * - `'non-saturating'`: the standard GAN, −log σ(D(x)) − log(1 − σ(D(G(z)))) for D and
 *   −log σ(D(G(z))) for G (Goodfellow et al. 2014);
 * - `'hinge'`: max(0, 1 − D(x)) + max(0, 1 + D(G(z))) for D, −D(G(z)) for G (SNGAN, BigGAN);
 * - `'wasserstein'`: D(G(z)) − D(x) for the critic, −D(G(z)) for G, the critic's weights
 *   clipped to [−c, c] after each update (WGAN, Arjovsky et al. 2017);
 * - `'wgan-gp'`: the Wasserstein losses with the gradient penalty λ·E(‖∇D(x̂)‖ − 1)² at random
 *   interpolates instead of clipping (Gulrajani et al. 2017);
 * - `'least-squares'`: ½(D(x) − 1)² + ½D(G(z))² for D, ½(D(G(z)) − 1)² for G (LSGAN, Mao et al. 2017).
 */
export type GanLoss = 'non-saturating' | 'hinge' | 'wasserstein' | 'wgan-gp' | 'least-squares';
export const GAN_LOSSES: readonly GanLoss[] = ['non-saturating', 'hinge', 'wasserstein', 'wgan-gp', 'least-squares'];

export function checkGanLoss(loss: unknown): GanLoss {
  if (typeof loss !== 'string' || !GAN_LOSSES.includes(loss as GanLoss)) {
    throw new InvalidArgumentError('loss', loss, `must be one of ${GAN_LOSSES.map((l) => `'${l}'`).join(', ')}`);
  }
  return loss as GanLoss;
}

/** The discriminator (critic) loss of `loss` from the raw scores of real and fake images. */
export function discriminatorLoss(loss: GanLoss, realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  switch (checkGanLoss(loss)) {
    case 'non-saturating':
      return losses.nonSaturatingDiscriminatorLoss(realLogits, fakeLogits) as tf.Scalar;
    case 'hinge':
      return losses.hingeDiscriminatorLoss(realLogits, fakeLogits) as tf.Scalar;
    case 'wasserstein':
    case 'wgan-gp':
      return losses.wassersteinCriticLoss(realLogits, fakeLogits) as tf.Scalar;
    case 'least-squares':
      return losses.leastSquaresDiscriminatorLoss(realLogits, fakeLogits) as tf.Scalar;
  }
}

/** The generator loss of `loss` from the discriminator's scores of fake images. */
export function generatorLoss(loss: GanLoss, fakeLogits: tf.Tensor): tf.Scalar {
  switch (checkGanLoss(loss)) {
    case 'non-saturating':
      return losses.nonSaturatingGeneratorLoss(fakeLogits) as tf.Scalar;
    case 'hinge':
      return losses.hingeGeneratorLoss(fakeLogits) as tf.Scalar;
    case 'wasserstein':
    case 'wgan-gp':
      return losses.wassersteinGeneratorLoss(fakeLogits) as tf.Scalar;
    case 'least-squares':
      return losses.leastSquaresGeneratorLoss(fakeLogits) as tf.Scalar;
  }
}

/** Training defaults that suit each objective (from the papers that introduced them). */
export interface ObjectiveDefaults {
  criticSteps: number;
  lrG: number;
  lrD: number;
  beta1: number;
  beta2: number;
}

/**
 * DCGAN / LSGAN: Adam(2e-4, β = (0.5, 0.999)), one D step. Hinge (SNGAN / SAGAN): two
 * time-scale Adam, lrD = 4e-4, lrG = 1e-4, β = (0, 0.9) (Heusel et al. 2017; Zhang et al. 2019).
 * WGAN-GP: Adam(1e-4, β = (0.5, 0.9)), 5 critic steps (Gulrajani et al. 2017, Algorithm 1 uses
 * β₁ = 0; 0.5 is steadier on small batches). WGAN: 5 critic steps, Adam(5e-5, β = (0.5, 0.9)).
 */
export function objectiveDefaults(loss: GanLoss): ObjectiveDefaults {
  switch (checkGanLoss(loss)) {
    case 'non-saturating':
    case 'least-squares':
      return { criticSteps: 1, lrG: 2e-4, lrD: 2e-4, beta1: 0.5, beta2: 0.999 };
    case 'hinge':
      return { criticSteps: 1, lrG: 1e-4, lrD: 4e-4, beta1: 0, beta2: 0.9 };
    case 'wgan-gp':
      return { criticSteps: 5, lrG: 1e-4, lrD: 1e-4, beta1: 0.5, beta2: 0.9 };
    case 'wasserstein':
      return { criticSteps: 5, lrG: 5e-5, lrD: 5e-5, beta1: 0.5, beta2: 0.9 };
  }
}

/** WGAN's Lipschitz constraint: clips every parameter of `critic` to [−clipValue, clipValue] in place. */
export function clipWeights(critic: nn.Module, clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue > 0) || !Number.isFinite(clipValue)) {
    throw new InvalidArgumentError('clipValue', clipValue, 'must be a positive finite number');
  }
  tf.tidy(() => {
    for (const variable of critic.trainableVariables()) variable.assign(tf.clipByValue(variable, -clipValue, clipValue));
  });
}
