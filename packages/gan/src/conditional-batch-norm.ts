import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, nn, type Generator } from '@gen/core';
import { ClassTable, isClassWeights, scaleInPlace, spectral, type UnaryForward } from './blocks';

export interface ConditionalBatchNormOptions {
  /** Channels (last input dimension). */
  numFeatures: number;
  /**
   * `{ numClasses }`: one learned gain and bias per class (de Vries et al. 2017; Miyato &
   * Koyama 2018). `{ conditionDim }`: gain and bias are linear maps of a condition vector
   * (BigGAN: the shared class embedding, concatenated with a chunk of z).
   */
  condition: { numClasses: number } | { conditionDim: number };
  /** Spectrally normalise the condition projections (BigGAN). Default false. */
  spectralNorm?: boolean;
  generator: Generator;
}

/**
 * Class-conditional batch normalisation: BN without its own affine parameters, then
 * `y = x̂·(1 + Δγ(c)) + β(c)` with Δγ, β looked up per class or projected from a condition
 * vector. Gains start near 1 and biases near 0 (small random offsets, so the label changes
 * the output from the first step).
 */
export class ConditionalBatchNorm extends nn.Module {
  readonly numFeatures: number;
  readonly norm: nn.BatchNorm;
  readonly mode: 'class' | 'vector';
  /** Classes of the per-class tables (null for projections of a condition vector). */
  readonly numClasses: number | null;
  private readonly gain: UnaryForward;
  private readonly bias: UnaryForward;

  constructor(options: ConditionalBatchNormOptions) {
    super();
    const { numFeatures, condition, spectralNorm = false, generator } = options;
    this.numFeatures = numFeatures;
    this.norm = this.registerModule('norm', new nn.BatchNorm({ numFeatures, affine: false }));
    if ('numClasses' in condition) {
      this.mode = 'class';
      this.numClasses = condition.numClasses;
      const table = (init: { constant: number; noise: number }) =>
        new ClassTable({ numClasses: condition.numClasses, dim: numFeatures, init, generator });
      this.gain = this.registerModule('gain', table({ constant: 0, noise: 0.02 }));
      this.bias = this.registerModule('bias', table({ constant: 0, noise: 0.02 }));
    } else {
      this.mode = 'vector';
      this.numClasses = null;
      const projection = () => {
        const linear = new nn.Linear({ inFeatures: condition.conditionDim, outFeatures: numFeatures, bias: false, generator });
        // Start close to the unconditional BN: gains 1 ± a few percent.
        scaleInPlace(linear.weight, 0.1);
        return spectral(linear, spectralNorm, generator);
      };
      this.gain = this.registerModule('gain', projection());
      this.bias = this.registerModule('bias', projection());
    }
  }

  /**
   * `x`: `[batch, ..., numFeatures]`; `condition`: per-class tables: int32 labels `[batch]` or
   * float32 class weights `[batch, numClasses]` (the weighted gains and biases); projections: a
   * float vector `[batch, conditionDim]`.
   */
  forward(x: tf.Tensor, condition: tf.Tensor): tf.Tensor {
    const expectLabels = this.mode === 'class';
    const classes = this.numClasses ?? 0;
    const labelsOk = (c: tf.Tensor) => (c.dtype === 'int32' && c.rank === 1) || isClassWeights(c, classes);
    if (!(condition instanceof tf.Tensor) || (expectLabels ? !labelsOk(condition) : condition.rank !== 2)) {
      throw new InvalidArgumentError(
        'ConditionalBatchNorm condition',
        condition,
        expectLabels ? `must be int32 labels [batch] or float32 class weights [batch, ${classes}]` : 'must be a float condition vector [batch, conditionDim]',
      );
    }
    return tf.tidy(() => {
      const normalized = this.norm.forward(x);
      const batch = x.shape[0];
      const broadcast = [batch, ...x.shape.slice(1, -1).map(() => 1), this.numFeatures];
      const gain = tf.reshape(tf.add(1, this.gain.forward(condition)), broadcast);
      const bias = tf.reshape(this.bias.forward(condition), broadcast);
      return tf.add(tf.mul(normalized, gain), bias);
    });
  }
}
