// Detects a collapsing discriminator from the losses trainLoop reads every `logEvery` steps.
import { InvalidArgumentError } from '@gen/core';
import type { GanLoss } from './objectives';
import { checkPositiveInteger } from './validate';

export interface DivergenceOptions {
  /** Consecutive loss reads (one every `logEvery` steps) that must all look collapsed. Default 5. */
  patience?: number;
  /** A read counts when the (window-mean) discriminator loss is at or below this ... */
  discriminatorLossBelow?: number;
  /** ... and the generator loss at or above this. */
  generatorLossAbove?: number;
}

/**
 * Thresholds per objective: the discriminator separates real from fake with a wide margin
 * (its loss near 0) while the generator's loss keeps growing. Non-saturating: D ≤ 0.01
 * (both logits ≳ 5 the right way) and G ≥ 5 (D(G(z)) ≲ −5); least squares: D ≤ 0.005,
 * G ≥ 0.45 (D(G(z)) ≲ 0.05); hinge: D ≤ 0.01, G ≥ 2. The Wasserstein losses have no
 * fixed scale, so only the NaN guard watches them (null).
 */
export function defaultDivergence(loss: GanLoss): Required<DivergenceOptions> | null {
  switch (loss) {
    case 'non-saturating':
      return { patience: 5, discriminatorLossBelow: 0.01, generatorLossAbove: 5 };
    case 'least-squares':
      return { patience: 5, discriminatorLossBelow: 0.005, generatorLossAbove: 0.45 };
    case 'hinge':
      return { patience: 5, discriminatorLossBelow: 0.01, generatorLossAbove: 2 };
    default:
      return null;
  }
}

/** Counts consecutive collapsed reads; `observe` returns a description once `patience` is reached. */
export class DivergenceDetector {
  readonly patience: number;
  readonly discriminatorLossBelow: number;
  readonly generatorLossAbove: number;
  private streak: Array<{ step: number; discriminator: number; generator: number }> = [];

  constructor(options: Required<DivergenceOptions>) {
    const { patience, discriminatorLossBelow, generatorLossAbove } = options;
    this.patience = checkPositiveInteger('divergence.patience', patience);
    for (const [name, value] of [['discriminatorLossBelow', discriminatorLossBelow], ['generatorLossAbove', generatorLossAbove]] as const) {
      if (typeof value !== 'number' || Number.isNaN(value)) throw new InvalidArgumentError(`divergence.${name}`, value, 'must be a number');
    }
    this.discriminatorLossBelow = discriminatorLossBelow;
    this.generatorLossAbove = generatorLossAbove;
  }

  /** Step of the first read of the current streak (null when there is none). */
  get streakStart(): number | null {
    return this.streak.length > 0 ? this.streak[0].step : null;
  }

  /** Feeds one read (steps completed, window-mean losses); returns a one-line description when collapsed. */
  observe(step: number, losses: { discriminator?: number; generator?: number }): string | null {
    const { discriminator, generator } = losses;
    if (typeof discriminator !== 'number' || typeof generator !== 'number') return null;
    if (discriminator <= this.discriminatorLossBelow && generator >= this.generatorLossAbove) {
      this.streak.push({ step, discriminator, generator });
    } else {
      this.streak = [];
    }
    if (this.streak.length < this.patience) return null;
    const first = this.streak[0];
    const last = this.streak[this.streak.length - 1];
    return (
      `the discriminator collapsed: discriminator loss ≤ ${this.discriminatorLossBelow} and generator loss ≥ ${this.generatorLossAbove} ` +
      `for ${this.streak.length} consecutive reads (steps ${first.step}–${last.step}; last read D ${last.discriminator.toPrecision(3)}, G ${last.generator.toPrecision(3)})`
    );
  }
}
