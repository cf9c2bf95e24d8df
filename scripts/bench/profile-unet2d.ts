// Profile of one training step of the shipped diffusion UNet on wasm: `gen bench`'s
// `unet2d-train` cell (packages/cli/src/bench/unet2d.ts: @gen/diffusion's UNet2DModel with the
// blocks of pretrained:mnist at 7×7×4, one Adam update on the v-prediction MSE).
//
//   nice -n 10 node scripts/run-ts.mjs scripts/bench/profile-unet2d.ts [--batch 64] [--steps 3]
//       [--top 24] [--by-shape] [--ab Kernel1,Kernel2] [--ab-tfjs-adam] [--rounds 5]
//
// Prints the median wall ms per step (kernel timer off), kernel launches per step (tf.profile)
// and a table of kernel self times (every wasm kernel wrapped with a timer: exact, as wasm
// kernels are synchronous). `--ab` interleaves steps with the named kernels unregistered (A:
// the composed ops they replace) and registered (B), in one process under the same load, and
// prints both medians and the median per-round ratio B/A. `--ab-tfjs-adam` also makes A update
// with tf.train.adam's `minimize` (what the bench cell used before it took @gen/core's Adam).
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { initBackend } from '@gen/core';
import { BenchShippedUnet } from '../../packages/cli/src/bench/unet2d';
import { QUICK_CONFIG } from '../../packages/cli/src/bench/config';
import { KernelTimer, cpuClock, kernelTable } from './kernel-timer';
import { loadavg } from 'node:os';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const batch = Number(option('batch', '64'));
const steps = Number(option('steps', '3'));
const top = Number(option('top', '24'));
const rounds = Number(option('rounds', '5'));
const abKernels = option('ab', '').split(',').filter(Boolean);
const byShape = process.argv.includes('--by-shape');
const abTfjsAdam = process.argv.includes('--ab-tfjs-adam');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

await initBackend({ prefer: 'wasm' });
const config = { ...QUICK_CONFIG, unet2dBatch: batch, unet2dShape: [7, 7, 4] as [number, number, number] };
const model = new BenchShippedUnet(config);
const inputs = model.trainingInputs(batch);
// Wall ms of one step, and this process's CPU ms (user + system) over it: wasm runs on one
// thread, so CPU time is the step's cost without the time spent waiting for a core on a
// loaded machine (the robust number there; wall time is what `gen bench` reports).
let lastCpuMs = 0;
const tfjsAdam = tf.train.adam(1e-4, 0.9, 0.999, 1e-8);
let useTfjsAdam = false;
const tfjsAdamStep = () =>
  tfjsAdam.minimize(
    () => tf.mean(tf.squaredDifference(model.model.forward(inputs.noisy, inputs.timesteps, { classLabels: inputs.labels }).sample, inputs.target)) as tf.Scalar,
    true,
    model.model.trainableVariables(),
  ) as tf.Scalar;
const step = async () => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const loss = useTfjsAdam ? tfjsAdamStep() : model.trainStep(inputs);
  await loss.data();
  loss.dispose();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  lastCpuMs = (c.user + c.system) / 1000;
  return wall;
};
console.log(`shipped UNet (7×7×4) train step, batch ${batch}, wasm; parameters ${model.model.trainableVariables().reduce((n, v) => n + v.size, 0)}; load at start ${load()}`);

// Kernels toggled by --ab (registered lazily on first use: run one step first). A kernel of
// ours that wraps one of wasm's keeps it under Symbol.for('@gen/core:wrappedKernel'): A runs
// that one; a kernel of ours that wraps nothing is unregistered for A (the composed ops run).
await step();
const ORIGINAL = Symbol.for('@gen/core:wrappedKernel');
const toggled = abKernels
  .map((name) => tf.getKernel(name, 'wasm'))
  .filter((k): k is KernelConfig => k != null)
  .map((k) => ({ on: k, off: ((k as unknown as Record<symbol, KernelConfig | undefined>)[ORIGINAL] ?? null) as KernelConfig | null }));
if (abKernels.length > 0) console.log(`A/B kernels: ${toggled.map((k) => `${k.on.kernelName}${k.off ? ' (wraps wasm\'s)' : ''}`).join(', ') || 'none registered'}`);
const setFused = (on: boolean) => {
  useTfjsAdam = abTfjsAdam && !on;
  for (const k of toggled) {
    const want = on ? k.on : k.off;
    const current = tf.getKernel(k.on.kernelName, 'wasm');
    if (current?.kernelFunc === want?.kernelFunc) continue;
    if (current != null) tf.unregisterKernel(k.on.kernelName, 'wasm');
    if (want != null) tf.registerKernel(want);
  }
};

async function report(label: string): Promise<void> {
  await step();
  const plain: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < steps; i++) {
    plain.push(await step());
    cpu.push(lastCpuMs);
  }
  const before = tf.memory().numTensors;
  const info = await tf.profile(async () => {
    const loss = useTfjsAdam ? tfjsAdamStep() : model.trainStep(inputs);
    await loss.data();
    loss.dispose();
  });
  const leaked = tf.memory().numTensors - before;
  const timer = new KernelTimer(byShape, cpuClock);
  timer.install('wasm');
  timer.start();
  await step();
  const timedMs = lastCpuMs;
  const stats = timer.stop();
  timer.uninstall();
  console.log(`\n### ${label}\n`);
  console.log(`step median ${median(plain).toFixed(1)} ms wall over ${steps} (min ${Math.min(...plain).toFixed(1)}), ${median(cpu).toFixed(1)} ms CPU (min ${Math.min(...cpu).toFixed(1)}); kernel launches per step ${info.kernels.length} (tf.profile); tensors leaked per step ${leaked}; load ${load()}\n`);
  console.log('Kernel times below are CPU ms of this process (one step, timer on).\n');
  console.log(kernelTable(stats, 1, timedMs, top));
}

if (toggled.length === 0 && !abTfjsAdam) {
  await report('current kernels');
} else {
  for (const on of [false, true]) {
    setFused(on);
    await step();
  }
  const a: number[] = [];
  const b: number[] = [];
  const ac: number[] = [];
  const bc: number[] = [];
  for (let r = 0; r < rounds; r++) {
    setFused(false);
    a.push(await step());
    ac.push(lastCpuMs);
    setFused(true);
    b.push(await step());
    bc.push(lastCpuMs);
    console.log(`round ${r + 1}: A (without) ${a[r].toFixed(1)} ms wall / ${ac[r].toFixed(1)} ms CPU, B (with) ${b[r].toFixed(1)} ms wall / ${bc[r].toFixed(1)} ms CPU`);
  }
  const ratio = (x: number[], y: number[]) => median(x.map((xi, i) => y[i] / xi)).toFixed(3);
  console.log(`wall: A median ${median(a).toFixed(1)} ms, B median ${median(b).toFixed(1)} ms, B/A per-round median ${ratio(a, b)}`);
  console.log(`CPU:  A median ${median(ac).toFixed(1)} ms, B median ${median(bc).toFixed(1)} ms, B/A per-round median ${ratio(ac, bc)}; load ${load()}`);
  setFused(false);
  await report('A: without the toggled kernels');
  setFused(true);
  await report('B: with them');
}
model.dispose();
tfjsAdam.dispose();
tf.dispose(Object.values(inputs));
