// Interleaved A/B of the fused kernels on wasm, in one process: a training step (MSE on ε,
// Adam) of the shipped 28×28 UNet (@gen/diffusion DEFAULT_UNET_CONFIG), alternating rounds
// with the fused kernels unregistered (A: composed ops) and registered (B).
//
//   nice -n 15 node scripts/run-ts.mjs scripts/bench/ab-fused.ts [--batch 64] [--rounds 5]
//       [--kernels GenGroupNorm,GenSilu] [--profile]
//
// Prints each round's step times, the medians and the median of the per-round ratios B/A
// (the machine is shared, so the per-round ratio is the robust number).
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { Generator, initBackend, nn } from '@gen/core';
import { DEFAULT_UNET_CONFIG, UNet2DModel } from '@gen/diffusion';
import { KernelTimer, kernelTable } from './kernel-timer';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const batch = Number(option('batch', '64'));
const rounds = Number(option('rounds', '5'));
const kernelNames = option('kernels', 'GenGroupNorm,GenSilu').split(',');
const profile = process.argv.includes('--profile');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

await initBackend({ prefer: 'wasm' });
// Register the fused kernels (lazily registered on first use), then keep their configs.
const warm = new nn.GroupNorm({ numGroups: 1, numChannels: 2 });
tf.dispose([warm.forward(tf.ones([1, 2])), nn.silu(tf.ones([1, 2]))]);
warm.dispose();
const fused: KernelConfig[] = kernelNames.map((name) => tf.getKernel(name, 'wasm')).filter((k): k is KernelConfig => k != null);
console.log(`fused kernels toggled: ${fused.map((k) => k.kernelName).join(', ') || 'none found'}`);
const setFused = (on: boolean) => {
  for (const k of fused) {
    const present = tf.getKernel(k.kernelName, 'wasm') != null;
    if (on && !present) tf.registerKernel(k);
    if (!on && present) tf.unregisterKernel(k.kernelName, 'wasm');
  }
};

const model = new UNet2DModel({ ...DEFAULT_UNET_CONFIG, generator: new Generator(0) });
const optimizer = tf.train.adam(1e-4);
const g = new Generator(1);
const x = g.normal([batch, 28, 28, 1]);
const noise = g.normal([batch, 28, 28, 1]);
const t = tf.tensor1d(Array.from({ length: batch }, (_, i) => (i * 37) % 1000), 'int32');
const step = async () => {
  const t0 = performance.now();
  const loss = optimizer.minimize(() => tf.mean(tf.squaredDifference(model.forward(x, t).sample, noise)) as tf.Scalar, true, model.trainableVariables());
  await loss!.data();
  loss!.dispose();
  return performance.now() - t0;
};

for (const on of [false, true]) {
  setFused(on);
  await step();
}
const a: number[] = [];
const b: number[] = [];
for (let r = 0; r < rounds; r++) {
  setFused(false);
  a.push(await step());
  setFused(true);
  b.push(await step());
  console.log(`round ${r + 1}: composed ${a[r].toFixed(0)} ms, fused ${b[r].toFixed(0)} ms`);
}
const ratios = a.map((ai, i) => b[i] / ai);
console.log(`UNet (DEFAULT_UNET_CONFIG) train step, batch ${batch}, wasm: composed median ${median(a).toFixed(0)} ms, fused median ${median(b).toFixed(0)} ms, fused/composed per-round median ${median(ratios).toFixed(3)}`);

if (profile) {
  const timer = new KernelTimer();
  timer.install('wasm');
  for (const on of [false, true]) {
    setFused(on);
    timer.start();
    const ms = await step();
    console.log(`\n#### ${on ? 'fused' : 'composed'} (${ms.toFixed(0)} ms)\n`);
    console.log(kernelTable(timer.stop(), 1, ms, 14));
  }
  timer.uninstall();
}
