import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { loadVqVae, saveVaeModel, VQVAE } from '@gen/vae';
import { memoryIOHandler } from '@gen/core/testing';

const TINY = { height: 8, width: 8, channels: 1, blockChannels: [4, 8], normGroups: 4, codebookSize: 16, codeDim: 4 };

describeWithBackends('VQVAE', () => {
  const images = () => new Generator(2).uniform([3, 8, 8, 1]);

  it('encodeToTokens → decodeTokens equals the reconstruction; tokens index the nearest codes', async () => {
    const model = new VQVAE({ ...TINY, generator: new Generator(1) });
    expect(model.tokenShape).toEqual([4, 4]);
    expect(model.latentShape).toEqual([4, 4, 4]);
    const x = images();
    const tokens = model.encodeToTokens(x);
    expect(tokens.dtype).toBe('int32');
    expect(tokens.shape).toEqual([3, 4, 4]);
    const values = Array.from(await tokens.data());
    values.forEach((t) => expect(t >= 0 && t < 16).toBe(true));
    const decoded = model.decodeTokens(tokens);
    const reconstruction = model.reconstruct(x);
    expect(decoded.shape).toEqual([3, 8, 8, 1]);
    await expectTensorsClose(decoded, reconstruction, { atol: 1e-5 });
    const out = model.forward(x);
    expect(Array.from(await out.indices.data())).toEqual(values);
    const z = model.encode(x);
    expect(Array.from(await model.quantizer.nearest(z).data())).toEqual(values);
    tf.dispose([x, tokens, decoded, reconstruction, z, ...Object.values(out)]);
    model.dispose();
  }, 180_000); // the first conv passes compile the shaders on the browser's software GPU (~60 s under load)

  it('fromConfig(getConfig()) with the state dict rebuilds the same model', async () => {
    const model = new VQVAE({ ...TINY, codebookUpdate: 'gradient', deadCodeSteps: 7, generator: new Generator(1) });
    const config = model.getConfig();
    expect(config).toMatchObject({ kind: 'vq-vae', codebookSize: 16, codeDim: 4, beta: 0.25, codebookUpdate: 'gradient', decay: 0.99, deadCodeSteps: 7, blockChannels: [4, 8] });
    const copy = VQVAE.fromConfig(JSON.parse(JSON.stringify(config)), new Generator(99));
    copy.loadStateDict(model.stateDict());
    const x = images();
    const [a, b] = [model.encodeToTokens(x), copy.encodeToTokens(x)];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([x, a, b]);
    model.dispose();
    copy.dispose();
  });

  it('saveVaeModel → loadVqVae: the same config and tokens (codebook and EMA buffers included), float32 and float16', async () => {
    const model = new VQVAE({ ...TINY, generator: new Generator(1) });
    const x = images();
    const tokens = model.encodeToTokens(x);
    const expected = Array.from(await tokens.data());
    for (const storage of ['float32', 'float16'] as const) {
      const handler = memoryIOHandler();
      await saveVaeModel(handler, { model, metadata: { step: 3 }, storage });
      const { model: copy, metadata } = await loadVqVae({ source: handler });
      expect(metadata).toEqual({ step: 3 });
      expect(copy.getConfig()).toEqual(model.getConfig());
      expect(Object.keys(copy.stateDict()).sort()).toEqual(Object.keys(model.stateDict()).sort());
      const again = copy.encodeToTokens(x);
      // float32: the same tokens; float16: the same nearest codes for all but a handful of near ties.
      const same = Array.from(await again.data()).filter((t, i) => t === expected[i]).length;
      expect(same).toBeGreaterThanOrEqual(storage === 'float32' ? tokens.size : tokens.size - 3);
      tf.dispose(again);
      copy.dispose();
    }
    tf.dispose([x, tokens]);
    model.dispose();
  });

  it('leaks no tensors in encodeToTokens / decodeTokens / forward', async () => {
    const model = new VQVAE({ ...TINY, generator: new Generator(1) });
    const x = images();
    const once = () => {
      const tokens = model.encodeToTokens(x);
      const out = model.forward(x);
      tf.dispose([tokens, model.decodeTokens(tokens), ...Object.values(out)]);
    };
    once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) once();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('rejects bad input with one line', () => {
    const g = new Generator(0);
    expect(() => new VQVAE({ ...TINY, codebookSize: 0, generator: g })).toThrow('VQVAE codebookSize (0) must be a positive integer');
    expect(() => new VQVAE({ ...TINY, decay: 1.5, generator: g })).toThrow('VQVAE decay (1.5) must lie in (0, 1)');
    expect(() => new VQVAE({ ...TINY, normGroups: 3, generator: g })).toThrow('VQVAE normGroups (3) must divide every blockChannels entry (4 is not divisible)');
    expect(() => VQVAE.fromConfig({ kind: 'vae' } as never)).toThrow('config.kind ("vae") must be \'vq-vae\'');
    const model = new VQVAE({ ...TINY, generator: g });
    const outside = tf.tensor3d([[[0, 1, 2, 16], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]], undefined, 'int32');
    expect(() => model.decodeTokens(outside)).toThrow('tokens ("values in [0, 16]") must lie in [0, 15] (the codebook has 16 codes)');
    const negative = tf.fill([1, 4, 4], -1, 'int32');
    expect(() => model.decodeTokens(negative)).toThrow('tokens ("values in [-1, -1]") must lie in [0, 15] (the codebook has 16 codes)');
    const shape = tf.zeros([1, 7, 7], 'int32');
    expect(() => model.decodeTokens(shape)).toThrow('tokens (Tensor<int32>[1, 7, 7]) must be an int32 tensor [batch, 4, 4] of codes in [0, 16)');
    const floats = tf.zeros([1, 4, 4]);
    expect(() => model.decodeTokens(floats)).toThrow('tokens (Tensor<float32>[1, 4, 4]) must be an int32 tensor [batch, 4, 4] of codes in [0, 16)');
    const wrongImages = tf.zeros([2, 28, 28, 1]);
    expect(() => model.encodeToTokens(wrongImages)).toThrow('VQVAE images (Tensor<float32>[2, 28, 28, 1]) must have shape [batch, 8, 8, 1]');
    tf.dispose([outside, negative, shape, floats, wrongImages]);
    model.dispose();
  });
});
