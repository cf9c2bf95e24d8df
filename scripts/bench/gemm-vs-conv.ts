// Interleaved A/B: XNNPACK conv vs XNNPACK matmul at equal FLOPs (the GEMM a conv lowers to).
//   nice -n 15 node scripts/run-ts.mjs scripts/bench/gemm-vs-conv.ts [--rounds 5]
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@gen/core';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function time(fn: () => tf.Tensor): Promise<number> {
  const t0 = performance.now();
  const y = fn();
  await y.data();
  const ms = performance.now() - t0;
  y.dispose();
  return ms;
}

await initBackend({ prefer: 'wasm' });
const cases: Array<{ x: number[]; f: number[]; s: number }> = [
  { x: [64, 14, 14, 64], f: [5, 5, 64, 128], s: 2 },
  { x: [64, 7, 7, 128], f: [3, 3, 128, 64], s: 1 },
  { x: [64, 28, 28, 32], f: [3, 3, 32, 32], s: 1 },
  { x: [64, 14, 14, 64], f: [3, 3, 64, 64], s: 1 },
];
for (const c of cases) {
  const x = tf.randomNormal(c.x) as tf.Tensor4D;
  const f = tf.randomNormal(c.f) as tf.Tensor4D;
  const oh = Math.ceil(c.x[1] / c.s);
  const M = c.x[0] * oh * oh, K = c.f[0] * c.f[1] * c.f[2], N = c.f[3];
  const a = tf.randomNormal([M, K]) as tf.Tensor2D;
  const b = tf.randomNormal([K, N]) as tf.Tensor2D;
  const at = tf.randomNormal([N, M]) as tf.Tensor2D; // dWᵀ-style: [N, M]·[M, K]
  const conv: number[] = [], mm: number[] = [], mmT: number[] = [];
  await time(() => tf.conv2d(x, f, c.s, 'same'));
  await time(() => tf.matMul(a, b));
  await time(() => tf.matMul(at, a));
  for (let r = 0; r < rounds; r++) {
    conv.push(await time(() => tf.conv2d(x, f, c.s, 'same')));
    mm.push(await time(() => tf.matMul(a, b)));
    mmT.push(await time(() => tf.matMul(at, a)));
  }
  const gf = (ms: number) => ((2 * M * K * N) / ms / 1e6).toFixed(1);
  console.log(`${c.x}⊛${c.f} s${c.s}: GEMM ${M}×${K}×${N}; conv ${median(conv).toFixed(1)} ms (${gf(median(conv))} GF/s), matmul [M,K]·[K,N] ${median(mm).toFixed(1)} ms (${gf(median(mm))}), matmul [N,M]·[M,K] ${median(mmT).toFixed(1)} ms (${gf(median(mmT))})`);
  tf.dispose([x, f, a, b, at]);
}
