// A pre-LN transformer block (GPT-2 / CLIP): x + attn(LN(x)), then x + MLP(LN(x)).
import * as tf from '@tensorflow/tfjs-core';
import { nn, type Generator } from '@gen/core';

export interface TransformerBlockOptions {
  width: number;
  heads: number;
  /** Hidden width of the MLP as a multiple of `width` (default 4). */
  mlpRatio?: number;
  generator: Generator;
}

/** Children: `norm1`, `attention` (nn.MultiHeadAttention), `norm2`, `fc1`, `fc2` (GELU between). */
export class TransformerBlock extends nn.Module {
  readonly norm1: nn.LayerNorm;
  readonly attention: nn.MultiHeadAttention;
  readonly norm2: nn.LayerNorm;
  readonly fc1: nn.Linear;
  readonly fc2: nn.Linear;

  constructor({ width, heads, mlpRatio = 4, generator }: TransformerBlockOptions) {
    super();
    const hidden = Math.round(width * mlpRatio);
    this.norm1 = this.registerModule('norm1', new nn.LayerNorm({ normalizedShape: width }));
    this.attention = this.registerModule('attention', new nn.MultiHeadAttention({ embedDim: width, numHeads: heads, generator: generator.fork('attention') }));
    this.norm2 = this.registerModule('norm2', new nn.LayerNorm({ normalizedShape: width }));
    this.fc1 = this.registerModule('fc1', new nn.Linear({ inFeatures: width, outFeatures: hidden, generator: generator.fork('fc1') }));
    this.fc2 = this.registerModule('fc2', new nn.Linear({ inFeatures: hidden, outFeatures: width, generator: generator.fork('fc2') }));
  }

  /** `x: [batch, length, width]`; `keyMask: [batch, length]` (1 = token); `causal`: attend to earlier positions only. */
  forward(x: tf.Tensor, mask: nn.AttentionMaskOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      const attended = tf.add(x, this.attention.forward(this.norm1.forward(x), mask));
      return tf.add(attended, this.fc2.forward(nn.gelu(this.fc1.forward(this.norm2.forward(attended)))));
    });
  }
}
