import { InvalidArgumentError } from '../errors';

/**
 * How inference timesteps are picked from the training ones (Lin et al. 2023, Table 2):
 * `'linspace'` evenly including 0 and T−1, `'leading'` multiples of ⌊T/n⌋ from 0 (plus stepsOffset),
 * `'trailing'` counted down from T−1 so the first inference step is the last training step.
 */
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';

/** Options of {@link spacedTimesteps}. */
export interface SpacedTimestepsOptions {
  /** Number of denoising steps n (1 ≤ n ≤ numTrainTimesteps). */
  numInferenceSteps: number;
  /** Number of training steps T. */
  numTrainTimesteps: number;
  /** Default `'leading'`, as diffusers. */
  timestepSpacing?: TimestepSpacing;
  /** Added to every `'leading'` timestep (Stable Diffusion uses 1). Default 0. */
  stepsOffset?: number;
}

/**
 * The descending inference timesteps of diffusers' schedulers (`set_timesteps`), with numpy's
 * round-half-to-even so results match them exactly:
 * - linspace: round(linspace(0, T−1, n)), reversed;
 * - leading:  i·⌊T/n⌋ + stepsOffset for i = n−1 … 0;
 * - trailing: round(T − i·T/n) − 1 for i = 0 … n−1.
 */
export function spacedTimesteps({
  numInferenceSteps,
  numTrainTimesteps,
  timestepSpacing = 'leading',
  stepsOffset = 0,
}: SpacedTimestepsOptions): Int32Array {
  if (!Number.isInteger(numTrainTimesteps) || numTrainTimesteps < 1) {
    throw new InvalidArgumentError('numTrainTimesteps', numTrainTimesteps, 'must be an integer >= 1');
  }
  if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1) {
    throw new InvalidArgumentError('numInferenceSteps', numInferenceSteps, 'must be an integer >= 1');
  }
  if (numInferenceSteps > numTrainTimesteps) {
    throw new InvalidArgumentError(
      'numInferenceSteps',
      numInferenceSteps,
      `cannot exceed config.numTrainTimesteps (${numTrainTimesteps})`,
    );
  }
  if (!Number.isInteger(stepsOffset) || stepsOffset < 0) {
    throw new InvalidArgumentError('stepsOffset', stepsOffset, 'must be an integer >= 0');
  }
  const n = numInferenceSteps;
  const out = new Int32Array(n);
  switch (timestepSpacing) {
    case 'linspace': {
      // numpy.linspace computes i·step with step = (T − 1)/(n − 1), and pins the last value.
      const step = n === 1 ? 0 : (numTrainTimesteps - 1) / (n - 1);
      for (let i = 0; i < n; i++) {
        out[n - 1 - i] = roundHalfToEven(i === n - 1 && n > 1 ? numTrainTimesteps - 1 : i * step);
      }
      break;
    }
    case 'leading': {
      const stepRatio = Math.floor(numTrainTimesteps / n);
      for (let i = 0; i < n; i++) out[n - 1 - i] = i * stepRatio + stepsOffset;
      if (out[0] >= numTrainTimesteps) {
        throw new InvalidArgumentError('stepsOffset', stepsOffset, `puts the first timestep (${out[0]}) past numTrainTimesteps − 1 (${numTrainTimesteps - 1})`);
      }
      break;
    }
    case 'trailing': {
      const stepRatio = numTrainTimesteps / n;
      for (let i = 0; i < n; i++) out[i] = roundHalfToEven(numTrainTimesteps - i * stepRatio) - 1;
      break;
    }
    default:
      throw new InvalidArgumentError('timestepSpacing', timestepSpacing, "must be 'leading', 'trailing' or 'linspace'");
  }
  return out;
}

/** numpy.round: halves go to the even neighbour. */
export function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
