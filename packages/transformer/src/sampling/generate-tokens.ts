// Autoregressive sampling of image tokens given text rows: the text row fills the key/value
// cache in one pass, then each image token is drawn from the (temperature, top-k, top-p)
// distribution and fed back as one cached step.
import * as tf from '@tensorflow/tfjs-core';
import { checkBoolean, checkNonNegativeNumber, checkPositiveInteger, Generator, InvalidArgumentError } from '@gen/core';
import { DalleTransformer } from '../model/dalle-transformer';
import { nullTextRows } from '../text/text-rows';
import { checkSamplingOptions, sampleFromDistribution, samplingDistribution, type SamplingOptions } from './sampling-distribution';

export interface GenerateTokensOptions extends SamplingOptions {
  model: DalleTransformer;
  /** int32 `[prompts, textLength]` text rows (see `encodePrompts`). */
  textTokens: tf.Tensor;
  /** Image tokens to draw per row, 1…imageLength (default imageLength, a whole image). */
  numImageTokens?: number;
  /**
   * Randomness. One Generator: output row r draws from `generator.fork('row/' + r)`; an
   * array: row r draws from `generator[r]` (one uniform per token). So a row's tokens do
   * not depend on the batch it was generated in.
   */
  generator: Generator | Generator[];
  /** Samples per text row (default 1). Output rows are prompt-major: row r belongs to prompt ⌊r / batch⌋. */
  batch?: number;
  /** Use the key/value cache (default true); false recomputes the whole prefix for every token (for checks). */
  useCache?: boolean;
  /**
   * Classifier-free guidance (default 1: off): each token is drawn from the logits
   * u + s·(c − u), c given the text and u given the empty caption (`[bos, eos, pad…]`, what
   * `trainDalle({ textDropProb })` trains on). Costs a second row per row; 0 samples unconditionally.
   */
  guidanceScale?: number;
}

/** The generator of each output row. */
function rowGenerators(generator: Generator | Generator[], rows: number): Generator[] {
  if (Array.isArray(generator)) {
    if (generator.length !== rows || !generator.every((g) => g instanceof Generator)) {
      throw new InvalidArgumentError('generator', `${generator.length} entries`, `must be one Generator or an array of ${rows} Generators (one per output row)`);
    }
    return generator;
  }
  if (!(generator instanceof Generator)) throw new InvalidArgumentError('generator', generator, 'must be a Generator from @gen/core (or one per output row)');
  return Array.from({ length: rows }, (_, r) => generator.fork(`row/${r}`));
}

/**
 * Draws image tokens for each text row: int32 `[prompts · batch, numImageTokens]`. With the
 * cache each new token costs one step of the stack; tokens are identical with `useCache:
 * false`. Nothing is read back from the device inside the loop.
 *
 * ```ts
 * const text = encodePrompts(tokenizer, ['a thin seven'], model.config.textLength);
 * const tokens = generateTokens({ model, textTokens: text, batch: 8, topK: 32, generator: new Generator(1) });
 * const images = vq.decodeTokens(tf.reshape(tokens, [8, ...vq.tokenShape]));
 * ```
 */
export function generateTokens(options: GenerateTokensOptions): tf.Tensor2D {
  const { model, textTokens, generator, batch = 1, useCache = true, guidanceScale = 1 } = options ?? ({} as GenerateTokensOptions);
  if (!(model instanceof DalleTransformer)) throw new InvalidArgumentError('model', model, 'must be a DalleTransformer');
  const { textLength } = model.config;
  if (!(textTokens instanceof tf.Tensor) || textTokens.dtype !== 'int32' || textTokens.rank !== 2 || textTokens.shape[1] !== textLength || textTokens.shape[0] === 0) {
    throw new InvalidArgumentError('textTokens', textTokens, `must be an int32 tensor [prompts ≥ 1, ${textLength}] (encodePrompts)`);
  }
  const numImageTokens = options.numImageTokens ?? model.imageLength;
  checkPositiveInteger('numImageTokens', numImageTokens);
  if (numImageTokens > model.imageLength) throw new InvalidArgumentError('numImageTokens', numImageTokens, `must be at most the model's image length (${model.imageLength})`);
  checkPositiveInteger('batch', batch);
  checkBoolean('useCache', useCache);
  checkNonNegativeNumber('guidanceScale', guidanceScale);
  if (!Number.isFinite(guidanceScale)) throw new InvalidArgumentError('guidanceScale', guidanceScale, 'must be finite');
  const sampling = checkSamplingOptions(options, model.config.imageVocabSize);
  const prompts = textTokens.shape[0] as number;
  const rows = prompts * batch;
  const generators = rowGenerators(generator, rows);

  const draw = (logits: tf.Tensor): tf.Tensor1D =>
    tf.tidy(() => {
      const uniforms = tf.tensor1d(Float32Array.from(generators, (g) => g.uniformArray(1)[0]));
      return sampleFromDistribution(samplingDistribution(logits, sampling), uniforms);
    });

  const guided = guidanceScale !== 1;
  // With guidance the stack runs on [rows given the text ; rows given the empty caption].
  const text = tf.tidy(() => {
    const conditional = tf.gather(textTokens, tf.tensor1d(Int32Array.from({ length: rows }, (_, r) => Math.floor(r / batch)), 'int32'));
    return guided ? tf.concat([conditional, nullTextRows(rows, textLength)]) : conditional;
  });
  const combine = (logits: tf.Tensor): tf.Tensor => {
    if (!guided) return logits;
    return tf.tidy(() => {
      const [c, u] = tf.split(logits, 2);
      return tf.add(u, tf.mul(tf.sub(c, u), guidanceScale));
    });
  };
  const tokens: tf.Tensor1D[] = [];
  const cache = useCache ? model.createCache() : null;
  try {
    let logits = cache ? model.step(text, 'text', cache) : model.nextLogits(text, null);
    for (let i = 0; i < numImageTokens; i++) {
      const mixed = combine(logits);
      const token = draw(mixed);
      if (mixed !== logits) mixed.dispose();
      logits.dispose();
      tokens.push(token);
      if (i === numImageTokens - 1) break;
      logits = tf.tidy(() => {
        const fed = guided ? tf.concat([token, token]) : token;
        if (cache) return model.step(tf.reshape(fed, [fed.shape[0], 1]), 'image', cache);
        const drawn = tf.stack(tokens, 1);
        return model.nextLogits(text, guided ? tf.concat([drawn, drawn]) : drawn);
      });
    }
    return tf.stack(tokens, 1) as tf.Tensor2D;
  } finally {
    tf.dispose([text, ...tokens]);
    cache?.dispose();
  }
}
