// Interleaved A/B of a gradient override on the bench's DCGAN training step (batch 64, wasm):
// A = tfjs-core's LeakyRelu gradient (where(greater(x, 0), dy, α·dy)), B = @gen/core's
// dy·step(x, α) (packages/core/src/backend/wasm/leaky-relu-gradient.ts).
//   nice -n 15 node scripts/run-ts.mjs scripts/bench/ab-dcgan.ts [--batch 64] [--rounds 5]
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@gen/core';
import { BenchDcgan } from '../../packages/cli/src/bench/dcgan';
import { leakyReluGradConfig as tfjsGradient } from '../../packages/core/src/backend/tfjs-gradients.generated';
import { leakyReluGradConfig as ours } from '../../packages/core/src/backend/wasm/leaky-relu-gradient';

const option = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const batch = Number(option('batch', '64'));
const rounds = Number(option('rounds', '5'));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

await initBackend({ prefer: 'wasm' });
const model = new BenchDcgan({ batch, seed: 0 });
const real = tf.randomUniform([batch, 28, 28, 1], -1, 1, 'float32', 2) as tf.Tensor4D;
const z = tf.randomNormal([batch, model.latent], 0, 1, 'float32', 3) as tf.Tensor2D;
const step = async () => {
  const t0 = performance.now();
  const { criticLoss, generatorLoss } = model.trainStep(real, z);
  await Promise.all([criticLoss.data(), generatorLoss.data()]);
  tf.dispose([criticLoss, generatorLoss]);
  return performance.now() - t0;
};
const a: number[] = [];
const b: number[] = [];
for (let r = 0; r <= rounds; r++) {
  tf.registerGradient(tfjsGradient as tf.GradConfig);
  const ta = await step();
  tf.registerGradient(ours);
  const tb = await step();
  if (r === 0) continue; // warm-up
  a.push(ta);
  b.push(tb);
  console.log(`round ${r}: tfjs gradient ${ta.toFixed(0)} ms, dy·step ${tb.toFixed(0)} ms`);
}
console.log(`DCGAN train step, batch ${batch}, wasm: tfjs LeakyRelu gradient median ${median(a).toFixed(0)} ms, dy·step median ${median(b).toFixed(0)} ms, per-round ratio median ${median(b.map((x, i) => x / a[i])).toFixed(3)}`);
