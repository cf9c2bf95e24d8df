// Times one training step of the feature classifier per kernel (wasm): where does the time go?
//   node scripts/run-ts.mjs packages/core/scripts/bench-feature-classifier.ts [--batch 64] [--groups 8] [--channels 32,64,128]
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { Generator, initBackend, metrics } from '@gen/core';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

async function main(): Promise<void> {
  await initBackend({ prefer: arg('backend', 'wasm') });
  const batch = Number(arg('batch', '64'));
  const channels = arg('channels', '32,64,128').split(',').map(Number) as [number, number, number];
  const model = new metrics.FeatureClassifier({ channels, groups: Number(arg('groups', '8')), norm: arg('norm', 'group') as 'group' | 'none' });
  const x = new Generator(1).uniform([batch, 28, 28, 1]);
  const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32');
  const vars = model.trainableVariables();
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const { logits } = model.forward(x);
        return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, 10), tf.logSoftmax(logits)), 1))) as tf.Scalar;
      }, vars);
      return [value, ...Object.values(grads)];
    });
  tf.dispose(step());
  let t = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < 5; i++) {
    const out = step();
    await out[0].data();
    tf.dispose(out);
  }
  const cpu = process.cpuUsage(cpu0);
  console.log(`train step: ${((performance.now() - t) / 5).toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 5000).toFixed(0)} ms cpu`);
  t = performance.now();
  for (let i = 0; i < 5; i++) tf.dispose(model.forward(x));
  console.log(`forward: ${((performance.now() - t) / 5).toFixed(0)} ms wall`);
  const profile = await tf.profile(() => {
    tf.dispose(step());
  });
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  console.log([...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([n, ms]) => `${n} ${ms.toFixed(1)}`).join('\n'));
}
main();
