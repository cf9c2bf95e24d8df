// One AutoencoderKL training step (batch 64, 28×28×1) on wasm: wall time and the slowest kernels.
//   node scripts/run-ts.mjs packages/vae/scripts/profile-autoencoder-kl.ts
//   CFG='{"blockChannels":[16,32,64]}' node scripts/run-ts.mjs packages/vae/scripts/profile-autoencoder-kl.ts
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { Generator, initBackend } from '@gen/core';
import { AutoencoderKL } from '../src/autoencoder-kl';

await initBackend({ prefer: 'wasm' });
const ae = new AutoencoderKL({ generator: new Generator(0), ...JSON.parse(process.env.CFG ?? '{}') });
const x = tf.sub(tf.mul(tf.randomUniform([64, 28, 28, 1], 0, 1, 'float32', 1), 2), 1);
const variables = ae.trainableVariables();
const step = () =>
  tf.tidy(() => tf.variableGrads(() => tf.mean(tf.square(tf.sub(ae.decode(ae.encode(x).latentDist.mean).sample, x))) as tf.Scalar, variables).value);
await step().data(); // warm-up
const start = performance.now();
for (let i = 0; i < 2; i++) await step().data();
console.log(`parameters ${variables.reduce((n, v) => n + v.size, 0)}, step ${((performance.now() - start) / 2).toFixed(0)} ms`);
const profile = await tf.profile(() => step());
const byKernel: Record<string, number> = {};
for (const k of profile.kernels) byKernel[k.name] = (byKernel[k.name] ?? 0) + (k.kernelTimeMs as number);
for (const [name, ms] of Object.entries(byKernel).sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`${name} ${ms.toFixed(0)} ms`);
