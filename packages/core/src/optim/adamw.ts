import { Adam, checkNonNegative, type AdamOptions } from './adam';

/** Options of {@link AdamW}. */
export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay λ; each step multiplies θ by (1 − lr·λ) as torch.optim.AdamW does. Default 0.01. */
  weightDecay?: number;
}

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019, Algorithm 2). The decay
 * shrinks the weights directly, θ ← θ(1 − α λ), instead of adding λθ to the gradient, so it is
 * not rescaled by the adaptive denominator. With `weightDecay: 0` it is exactly {@link Adam}.
 */
export class AdamW extends Adam {
  readonly weightDecay: number;
  protected override readonly decoupledWeightDecay: number;

  constructor({ weightDecay = 0.01, ...options }: AdamWOptions = {}) {
    super(options);
    checkNonNegative('weightDecay', weightDecay);
    this.weightDecay = weightDecay;
    this.decoupledWeightDecay = weightDecay;
  }
}
