import * as tf from '@tensorflow/tfjs-core';
import { GenError, Generator, InvalidArgumentError, nn } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
};

/** A tiny UNet-ish block: named children inside a Sequential, a buffer-carrying BatchNorm. */
class Block extends nn.Module {
  readonly down: nn.Sequential;
  readonly head: nn.Linear;
  constructor(channels: number, generator: Generator) {
    super();
    this.down = this.registerModule(
      'down',
      new nn.Sequential([
        new nn.Conv2d({ inChannels: 1, outChannels: channels, kernelSize: 3, padding: 1, generator }),
        nn.silu,
        new nn.BatchNorm({ numFeatures: channels }),
      ]),
    );
    this.head = this.registerModule('head', new nn.Linear({ inFeatures: channels, outFeatures: 2, generator }));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.head.forward(tf.mean(this.down.forward(x), [1, 2])));
  }
}

describeWithBackends('nn.Module', () => {
  it('names parameters, buffers and children with stable dotted paths', () => {
    const block = new Block(4, new Generator(1));
    expect(block.namedParameters().map(([name]) => name)).toEqual([
      'down.0.weight', 'down.0.bias', 'down.2.weight', 'down.2.bias', 'head.weight', 'head.bias',
    ]);
    expect(block.namedBuffers().map(([name]) => name)).toEqual(['down.2.runningMean', 'down.2.runningVar']);
    expect(Object.keys(block.stateDict())).toEqual([
      'down.0.weight', 'down.0.bias', 'down.2.weight', 'down.2.bias', 'down.2.runningMean', 'down.2.runningVar',
      'head.weight', 'head.bias',
    ]);
    expect(block.namedModules().map(([name]) => name)).toEqual(['down', 'down.0', 'down.2', 'head']);
    expect(block.numParameters()).toBe(3 * 3 * 4 + 4 + 4 + 4 + 4 * 2 + 2);
    expect(block.trainableVariables()).toHaveLength(6);
    // Two identical models coexist: tfjs variable names are unique behind the stable names.
    const twin = new Block(4, new Generator(1));
    expect(twin.parameters()[0].name).not.toBe(block.parameters()[0].name);
  });

  it('train() / eval() reach every descendant', () => {
    const block = new Block(2, new Generator(2));
    expect(block.eval()).toBe(block);
    expect(block.namedModules().every(([, m]) => !m.training)).toBe(true);
    block.train();
    expect(block.namedModules().every(([, m]) => m.training)).toBe(true);
  });

  it('stateDict → loadStateDict round trip reproduces outputs and buffers', async () => {
    const source = new Block(3, new Generator(3));
    const x = new Generator(4).normal([2, 5, 5, 1]);
    source.forward(x).dispose(); // moves the BatchNorm running stats
    source.eval();
    const target = new Block(3, new Generator(5)).eval();
    const copies: Record<string, tf.Tensor> = {};
    for (const [name, tensor] of Object.entries(source.stateDict())) copies[name] = tf.clone(tensor);
    target.loadStateDict(copies);
    for (const tensor of Object.values(copies)) tensor.dispose(); // the target keeps its own reference
    await expectTensorsClose(target.forward(x), source.forward(x), { atol: 0 });
    await expectTensorsClose(target.stateDict()['down.2.runningMean'], source.stateDict()['down.2.runningMean'], { atol: 0 });
  });

  it('loadStateDict errors name the tensor; strict: false skips missing and unexpected names', async () => {
    const model = new Block(4, new Generator(6));
    const state = { ...model.stateDict() };
    const wrong = tf.zeros([3, 3, 1, 32]);
    expect(messageOf(() => model.loadStateDict({ ...state, 'down.0.weight': wrong }))).toBe(
      "loadStateDict: 'down.0.weight' has shape [3,3,1,32] in the checkpoint but [3,3,1,4] in the model",
    );
    const { 'head.bias': _dropped, ...missing } = state;
    expect(messageOf(() => model.loadStateDict(missing))).toBe(
      "loadStateDict: 'head.bias' is missing from the checkpoint (pass { strict: false } to keep the model's value)",
    );
    expect(messageOf(() => model.loadStateDict({ ...state, 'up.0.weight': wrong }))).toBe(
      "loadStateDict: 'up.0.weight' is in the checkpoint but not in the model (pass { strict: false } to ignore it)",
    );
    expect(messageOf(() => model.loadStateDict({ ...state, 'head.bias': tf.zeros([2], 'int32') }))).toBe(
      "loadStateDict: 'head.bias' has dtype int32 in the checkpoint but float32 in the model",
    );
    const error = (() => {
      try {
        model.loadStateDict(missing);
      } catch (e) {
        return e;
      }
    })();
    expect(GenError.isInstance(error)).toBe(true);
    const newBias = tf.tensor1d([5, 6]);
    model.loadStateDict({ 'head.bias': newBias, extra: wrong }, { strict: false });
    await expectTensorsClose(model.head.bias!, [5, 6], { atol: 0 });
    // a failed load writes nothing
    const before = await model.head.weight.data();
    expect(() => model.loadStateDict({ 'head.weight': tf.ones([4, 2]), 'down.0.weight': wrong }, { strict: false })).toThrow(GenError);
    expect(await model.head.weight.data()).toEqual(before);
  });

  it('dispose() frees every parameter and buffer', () => {
    const before = tf.memory().numTensors;
    const block = new Block(3, new Generator(7));
    expect(tf.memory().numTensors).toBe(before + 8);
    block.dispose();
    block.dispose();
    expect(block.disposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('Linear equals x·W + b, for any number of leading dimensions', async () => {
    const generator = new Generator(8);
    const linear = new nn.Linear({ inFeatures: 3, outFeatures: 4, generator });
    const x = generator.normal([2, 5, 3]);
    const y = linear.forward(x);
    expect(y.shape).toEqual([2, 5, 4]);
    const expected = tf.add(tf.matMul(tf.reshape(x, [10, 3]), linear.weight), linear.bias!);
    await expectTensorsClose(y, tf.reshape(expected, [2, 5, 4]));
    const noBias = new nn.Linear({ inFeatures: 3, outFeatures: 4, bias: false, generator });
    expect(noBias.bias).toBeNull();
    await expectTensorsClose(noBias.forward(tf.reshape(x, [10, 3])), tf.matMul(tf.reshape(x, [10, 3]), noBias.weight));
    expect(messageOf(() => linear.forward(tf.zeros([2, 4])))).toBe('Linear input (Tensor<float32>[2, 4]) must have shape [..., 3]');
    expect(messageOf(() => new nn.Linear({ inFeatures: 3, outFeatures: 2.5, generator }))).toBe(
      'Linear outFeatures (2.5) must be a positive integer',
    );
  });

  it('draws bit-identical weights from the same seed on every backend (kaiming-uniform, PyTorch bounds)', async () => {
    const linear = new nn.Linear({ inFeatures: 5, outFeatures: 3, generator: new Generator(9) });
    const reference = new Generator(9);
    const bound = 1 / Math.sqrt(5);
    expect(await linear.weight.data()).toEqual(Float32Array.from(reference.uniformArray(15), (u) => -bound + 2 * bound * u));
    expect(await linear.bias!.data()).toEqual(Float32Array.from(reference.uniformArray(3), (u) => -bound + 2 * bound * u));
  });

  it('Embedding looks rows up for int32 indices of any shape', async () => {
    const embedding = new nn.Embedding({ numEmbeddings: 5, embeddingDim: 3, generator: new Generator(10) });
    const rows = (await embedding.weight.array()) as number[][];
    const y = embedding.forward(tf.tensor2d([[4, 0], [2, 2]], [2, 2], 'int32'));
    expect(y.shape).toEqual([2, 2, 3]);
    await expectTensorsClose(y, [rows[4], rows[0], rows[2], rows[2]].flat(), { atol: 0 });
    expect(messageOf(() => embedding.forward(tf.tensor1d([1, 2])))).toBe(
      'Embedding input (Tensor<float32>[2]) must be an int32 tensor of indices',
    );
  });

  it('Dropout zeroes with probability p and rescales in training; identity in eval', async () => {
    const dropout = new nn.Dropout({ p: 0.25, generator: new Generator(11) });
    const values = await dropout.forward(tf.ones([4000])).data();
    const kept = values.filter((v) => v !== 0);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / 0.75)]));
    expect(Math.abs(kept.length / 4000 - 0.75)).toBeLessThan(5 * Math.sqrt(0.1875 / 4000));
    // the same seed drops the same elements
    const again = await new nn.Dropout({ p: 0.25, generator: new Generator(11) }).forward(tf.ones([4000])).data();
    expect(again).toEqual(values);
    dropout.eval();
    await expectTensorsClose(dropout.forward(tf.ones([3])), [1, 1, 1], { atol: 0 });
    expect(messageOf(() => new nn.Dropout({ p: 1.5, generator: new Generator(0) }))).toBe('Dropout p (1.5) must be in [0, 1]');
  });

  it('activations match their closed forms; unknown names are rejected', async () => {
    const x = tf.tensor1d([-2, -0.5, 0, 0.5, 2]);
    const xs = [-2, -0.5, 0, 0.5, 2];
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    // erf(x/√2) values for ±0.5, ±2 (Φ(x) = ½(1 + erf(x/√2)))
    const phi: Record<number, number> = { [-2]: 0.0227501319, [-0.5]: 0.3085375387, 0: 0.5, 0.5: 0.6914624613, 2: 0.9772498681 };
    const tol = { atol: 1e-4 };
    await expectTensorsClose(nn.relu(x), xs.map((v) => Math.max(v, 0)), tol);
    await expectTensorsClose(nn.leakyRelu(x, 0.2), xs.map((v) => (v > 0 ? v : 0.2 * v)), tol);
    await expectTensorsClose(nn.activation('leakyRelu')(x), xs.map((v) => (v > 0 ? v : 0.01 * v)), tol);
    await expectTensorsClose(nn.silu(x), xs.map((v) => v * sig(v)), tol);
    await expectTensorsClose(nn.gelu(x), xs.map((v) => v * phi[v]), tol);
    await expectTensorsClose(nn.mish(x), xs.map((v) => v * Math.tanh(Math.log1p(Math.exp(v)))), tol);
    await expectTensorsClose(nn.activation('tanh')(x), xs.map(Math.tanh), tol);
    await expectTensorsClose(nn.activation('sigmoid')(x), xs.map(sig), tol);
    await expectTensorsClose(nn.activation('linear')(x), xs, tol);
    const error = (() => {
      try {
        nn.activation('swish' as never);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(error!.message).toBe(
      'activation ("swish") is not a known activation; use one of linear, relu, leakyRelu, silu, gelu, mish, tanh, sigmoid',
    );
  });
});

// A full training step on every layer kind; the conv layers need Conv2DBackpropFilter, which
// tfjs-backend-wasm 4.22 lacks until registerWasmTrainingKernels() provides it.
describeWithBackends('nn training steps leak no tensors', () => {
  it('numTensors stays flat across forward + backward + update', () => {
    const generator = new Generator(12);
    const conv = new nn.Conv2d({ inChannels: 2, outChannels: 4, kernelSize: 3, padding: 1, generator });
    const model = new nn.Sequential([
      new nn.SpectralNorm(conv, { generator }),
      new nn.GroupNorm({ numGroups: 2, numChannels: 4 }),
      nn.mish,
      new nn.BatchNorm({ numFeatures: 4 }),
      new nn.ConvTranspose2d({ inChannels: 4, outChannels: 4, kernelSize: 4, stride: 2, padding: 1, generator }),
      new nn.Dropout({ p: 0.1, generator: generator.fork('dropout') }),
    ]);
    const attention = new nn.MultiHeadAttention({ embedDim: 4, numHeads: 2, generator });
    const norm = new nn.LayerNorm({ normalizedShape: 4 });
    const x = generator.normal([2, 3, 3, 2]);
    const variables = [...model.trainableVariables(), ...attention.trainableVariables(), ...norm.trainableVariables()];
    const step = () => {
      const { value, grads } = tf.variableGrads(() => {
        const features = tf.reshape(model.forward(x), [2, 36, 4]);
        return tf.mean(tf.square(norm.forward(attention.forward(features)))) as tf.Scalar;
      }, variables);
      tf.tidy(() => {
        for (const variable of variables) variable.assign(tf.sub(variable, tf.mul(grads[variable.name], 0.01)));
      });
      value.dispose();
      tf.dispose(grads);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    model.eval();
    const evalBefore = tf.memory().numTensors;
    model.forward(x).dispose();
    expect(tf.memory().numTensors).toBe(evalBefore);
  });
});

describeWithBackends('nn forward + backward without convolutions leaks no tensors', () => {
  it('numTensors stays flat (attention, norms, embedding, linear)', () => {
    const generator = new Generator(13);
    const embedding = new nn.Embedding({ numEmbeddings: 6, embeddingDim: 4, generator });
    const attention = new nn.MultiHeadAttention({ embedDim: 4, numHeads: 2, generator });
    const head = new nn.Sequential([new nn.LayerNorm({ normalizedShape: 4 }), new nn.Linear({ inFeatures: 4, outFeatures: 3, generator }), nn.gelu]);
    const tokens = tf.tensor2d([[1, 2, 3], [5, 0, 0]], [2, 3], 'int32');
    const keyMask = tf.tensor2d([[1, 1, 1], [1, 0, 0]]);
    const variables = [...attention.trainableVariables(), ...head.trainableVariables()];
    const step = () => {
      const { value, grads } = tf.variableGrads(
        () => tf.mean(head.forward(attention.forward(embedding.forward(tokens), { keyMask }))) as tf.Scalar,
        variables,
      );
      value.dispose();
      tf.dispose(grads);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
  });
});

// Gather's gradient needs UnsortedSegmentSum, which tfjs-backend-wasm 4.22 lacks.
describeWithBackends('nn.Embedding gradient', () => {
  it('scatter-adds the upstream rows into the looked-up rows (repeated indices accumulate)', async () => {
    const embedding = new nn.Embedding({ numEmbeddings: 4, embeddingDim: 2, generator: new Generator(14) });
    const upstream = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(embedding.forward(tf.tensor1d([2, 0, 2], 'int32')), upstream)) as tf.Scalar,
      [embedding.weight],
    );
    await expectTensorsClose(grads[embedding.weight.name], [3, 4, 0, 0, 6, 8, 0, 0], { atol: 0 });
  });
});
