// Per-kernel profile of one training step of the bench's DCGAN and UNet on wasm.
//
//   nice -n 15 node scripts/run-ts.mjs scripts/bench/profile-step.ts [--model dcgan,unet]
//       [--batch 64] [--steps 3] [--warmup 1] [--top 16] [--by-shape]
//
// Prints, per model, the median step time (timer off), then a markdown table of kernel
// self times averaged over `--steps` timed steps (timer on; its overhead is ~1 µs a call).
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@gen/core';
import { BenchDcgan } from '../../packages/cli/src/bench/dcgan';
import { BenchUnet } from '../../packages/cli/src/bench/unet';
import { KernelTimer, kernelTable } from './kernel-timer';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const models = option('model', 'dcgan,unet').split(',');
const batch = Number(option('batch', '64'));
const steps = Number(option('steps', '3'));
const warmup = Number(option('warmup', '1'));
const top = Number(option('top', '16'));
const byShape = process.argv.includes('--by-shape');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function profile(label: string, step: () => Promise<void>, timer: KernelTimer): Promise<void> {
  for (let i = 0; i < warmup; i++) await step();
  const plain: number[] = [];
  const timed: number[] = [];
  timer.start();
  timer.stop();
  // Alternate timer-off and timer-on steps so both see the same machine load.
  let stats = timer.stop();
  const acc = new Map<string, { name: string; calls: number; selfMs: number; topMs: number }>();
  for (let i = 0; i < steps; i++) {
    let t0 = performance.now();
    await step();
    plain.push(performance.now() - t0);
    timer.start();
    t0 = performance.now();
    await step();
    timed.push(performance.now() - t0);
    stats = timer.stop();
    for (const s of stats) {
      const a = acc.get(s.name) ?? { name: s.name, calls: 0, selfMs: 0, topMs: 0 };
      a.calls += s.calls;
      a.selfMs += s.selfMs;
      a.topMs += s.topMs;
      acc.set(s.name, a);
    }
  }
  const all = [...acc.values()].sort((a, b) => b.selfMs - a.selfMs);
  const timedMean = timed.reduce((s, x) => s + x, 0) / steps;
  console.log(`\n### ${label}\n`);
  console.log(`step median ${median(plain).toFixed(0)} ms (timer off), ${median(timed).toFixed(0)} ms (timer on); steps ${steps}, load ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
  console.log(kernelTable(all, steps, timedMean, top));
}

async function main(): Promise<void> {
  await initBackend({ prefer: 'wasm' });
  const timer = new KernelTimer(byShape);
  timer.install('wasm');
  if (models.includes('dcgan')) {
    const model = new BenchDcgan({ batch, seed: 0 });
    const real = tf.randomUniform([batch, 28, 28, 1], -1, 1, 'float32', 2) as tf.Tensor4D;
    const z = tf.randomNormal([batch, model.latent], 0, 1, 'float32', 3) as tf.Tensor2D;
    await profile(`DCGAN train step, batch ${batch}`, async () => {
      const { criticLoss, generatorLoss } = model.trainStep(real, z);
      await Promise.all([criticLoss.data(), generatorLoss.data()]);
      tf.dispose([criticLoss, generatorLoss]);
    }, timer);
    model.dispose();
    tf.dispose([real, z]);
  }
  if (models.includes('unet')) {
    const model = new BenchUnet({ seed: 0 });
    const noisy = tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const noise = tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const t = tf.floor(tf.randomUniform([batch], 0, 1000, 'float32', 6)) as tf.Tensor1D;
    await profile(`UNet train step, batch ${batch}`, async () => {
      const loss = model.trainStep(noisy, t, noise);
      await loss.data();
      loss.dispose();
    }, timer);
    model.dispose();
    tf.dispose([noisy, noise, t]);
  }
  timer.uninstall();
}

await main();
