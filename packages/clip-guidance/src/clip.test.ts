import * as tf from '@tensorflow/tfjs-core';
import { Generator, type JsonValue } from '@gen/core';
import { describeWithBackends, expectTensorsClose, memoryIOHandler } from '@gen/core/testing';
import { shapesDataset, SIZE, tinyClip } from './__fixtures__/tiny-clip';
import { loadClip, saveClip } from './clip-checkpoint';
import { tokenTensors } from './clip';

describeWithBackends('Clip', () => {
  const images = () => tf.tensor4d(shapesDataset(4).images, [4, SIZE, SIZE, 1]);

  it('clipScore is the cosine of the image and text embeddings, per pair or against one text', async () => {
    const clip = tinyClip();
    const x = images();
    const texts = ['a horizontal bar', 'a vertical bar', 'a square', 'a cross'];
    const expected = tf.sum(tf.mul(clip.encodeImage(x), clip.encodeText(texts)), -1);
    await expectTensorsClose(clip.clipScore(x, texts), expected);
    const one = clip.clipScore(x, ['a square']);
    await expectTensorsClose(one, tf.squeeze(tf.matMul(clip.encodeImage(x), clip.encodeText(['a square']), false, true)));
    clip.dispose();
  });

  it('classify is softmax(s · cos) against template-averaged, renormalised label embeddings', async () => {
    const clip = tinyClip();
    const x = images();
    const labels = ['a square', 'a cross'];
    const templates = ['{}', 'a photo of {}'];
    const probs = clip.classify(x, labels, { templates });
    const perTemplate = templates.map((t) => clip.encodeText(labels.map((l) => t.replace('{}', l))));
    const mean = tf.div(tf.add(perTemplate[0], perTemplate[1]), 2);
    const classes = tf.div(mean, tf.norm(mean, 'euclidean', -1, true));
    const expected = tf.softmax(tf.mul(clip.model.logitScale(), tf.matMul(clip.encodeImage(x), classes, false, true)));
    await expectTensorsClose(probs, expected, { atol: 1e-4 });
    await expectTensorsClose(tf.sum(probs, -1), [1, 1, 1, 1], { atol: 1e-5 });
    clip.dispose();
  });

  it('clipScore has the finite-difference gradient in the images (what guidance uses)', async () => {
    const clip = tinyClip(4);
    const x = tf.add(tf.mul(images(), 0.8), 0.1);
    const direction = new Generator(7).uniform(x.shape, { low: -1, high: 1 });
    const score = (input: tf.Tensor) => tf.sum(clip.clipScore(input, ['a square']));
    const analytic = tf.sum(tf.mul(tf.grad(score)(x), direction));
    const h = 1e-2;
    const numeric = tf.div(tf.sub(score(tf.add(x, tf.mul(direction, h))), score(tf.sub(x, tf.mul(direction, h)))), 2 * h);
    const [a, n] = [(await analytic.data())[0], (await numeric.data())[0]];
    expect(Math.abs(a - n)).toBeLessThan(2e-2 * Math.max(1, Math.abs(n)));
    clip.dispose();
  });

  it('saves and loads weights, config and tokenizer in one checkpoint', async () => {
    const clip = tinyClip(5);
    const handler = memoryIOHandler();
    await saveClip(handler, clip, { extra: { dataset: 'shapes' } });
    const loaded = await loadClip(handler);
    expect(loaded.tokenizer.toJSON()).toEqual(clip.tokenizer.toJSON());
    expect(loaded.model.config).toEqual(clip.model.config);
    expect((loaded.checkpointConfig as Record<string, JsonValue>).dataset).toBe('shapes');
    await expectTensorsClose(loaded.encodeText(['a cross']), clip.encodeText(['a cross']));
    await expectTensorsClose(loaded.encodeImage(images()), clip.encodeImage(images()));
    loaded.dispose();
    clip.dispose();
  });

  it('leaks no tensors across encodeText, encodeImage, clipScore and classify', () => {
    const clip = tinyClip();
    const x = images();
    const run = () => tf.dispose([clip.encodeText(['a cross']), clip.encodeImage(x), clip.clipScore(x, ['a cross']), clip.classify(x, ['a cross', 'a square'], { templates: ['{}', 'i see {}'] })]);
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    clip.dispose();
  });

  it('rejects empty prompts, bad templates and mismatched batches with one-line errors; truncates over-long prompts', () => {
    const clip = tinyClip();
    expect(() => clip.encodeText([])).toThrow('texts ([]) must be a non-empty array of strings');
    expect(() => clip.encodeText(['a cross', '  '])).toThrow('texts[1] ("  ") must be a non-empty string (an empty prompt has no meaning to match)');
    expect(() => clip.classify(images(), ['a cross'], { templates: ['no slot'] })).toThrow('templates (["no slot"]) must be a non-empty array of strings with exactly one {}');
    expect(() => clip.clipScore(images(), ['a', 'b'])).toThrow('texts (2) must hold 1 text or one per image (4)');
    const long = 'a cross '.repeat(20);
    expect(clip.encodeText([long]).shape).toEqual([1, 16]);
    expect(() => clip.encodeText([long], { truncate: false })).toThrow(/^texts\[0\] \(".*"\) has \d+ tokens; at most 10 fit \(or pass truncate: true\)$/);
    clip.dispose();
  });

  it('encodeTextTokens: the final token states [B, L, width] and the padding mask; the eos row is the pooled text feature; no gradient', async () => {
    const clip = tinyClip(2);
    const texts = ['a cross', 'a photo of the square', ''];
    const { hiddenStates, mask } = clip.encodeTextTokens(texts);
    const encoded = clip.tokenizer.encodeBatch(texts);
    expect(hiddenStates.shape).toEqual([3, 12, 16]);
    expect(mask.shape).toEqual([3, 12]);
    expect(Array.from(await mask.data())).toEqual(Array.from(encoded.mask));
    // "" is [bos, eos]: two tokens.
    expect(Array.from(await tf.sum(mask, 1).data())[2]).toBe(2);
    // Eos pooling of the same states is the text encoder's output (before the projection).
    const tokens = tokenTensors(encoded);
    const pooled = tf.squeeze(tf.matMul(tf.expandDims(tf.cast(tf.oneHot(tokens.eosIndex as tf.Tensor1D, 12), 'float32'), 1), hiddenStates), [1]);
    await expectTensorsClose(pooled, clip.model.text.forward(tokens));
    // After the final LayerNorm (unit gain, zero bias at init): each token state has mean 0 and variance ≈ 1.
    const { mean, variance } = tf.moments(hiddenStates, -1);
    expect(Math.max(...Array.from(await tf.abs(mean).data()))).toBeLessThan(1e-4);
    expect(Math.min(...Array.from(await variance.data()))).toBeGreaterThan(0.99);
    // Frozen: nothing flows back to the CLIP's weights.
    const variables = clip.model.text.parameters();
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(clip.encodeTextTokens(['a cross']).hiddenStates)) as tf.Scalar, variables);
    for (const grad of Object.values(grads)) expect(Math.max(...Array.from(await tf.abs(grad).data()))).toBe(0);
    expect(() => clip.encodeTextTokens([])).toThrow('texts ([]) must be a non-empty array of strings');
    const long = 'a cross '.repeat(20);
    expect(Array.from(await tf.sum(clip.encodeTextTokens([long]).mask).data())).toEqual([12]);
    expect(() => clip.encodeTextTokens([long], { truncate: false })).toThrow(/^texts\[0\] \(".*"\) has \d+ tokens; at most 10 fit \(or pass truncate: true\)$/);
    clip.dispose();
  });
});
