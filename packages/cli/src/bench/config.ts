/** What `gen bench` measures and how often. Shared by the tfjs suite, the webgl page and torch_bench.py. */
export interface BenchConfig {
  /** Square matmul sizes n (n×n · n×n). */
  matmulSizes: number[];
  /** Batch of the DCGAN training step. */
  dcganBatch: number;
  /** DCGAN widths [c0, c1]: generator dense → 7·7·c0, c0 → c0/2 → 1; critic 1 → c0 → c1 (default [64, 128]). */
  dcganChannels: [number, number];
  /** Batch of the UNet forward pass and training step. */
  unetBatch: number;
  /** UNet channels at 28×28 and 14×14. */
  unetChannels: [number, number];
  /** Untimed runs before timing each measurement. */
  warmup: number;
  /** Timed runs per measurement (the median is reported)... */
  repeats: number;
  /** ...but stop adding runs after this many seconds once `minRepeats` are done. */
  maxSeconds: number;
  minRepeats: number;
  /** Seed of the weights and inputs. */
  seed: number;
}

/** The default (full) bench: the sizes the architecture docs quote. */
export const FULL_CONFIG: BenchConfig = {
  matmulSizes: [512, 1024],
  dcganBatch: 64,
  dcganChannels: [64, 128],
  unetBatch: 64,
  unetChannels: [32, 64],
  warmup: 2,
  repeats: 10,
  maxSeconds: 60,
  minRepeats: 3,
  seed: 0,
};

/** `--quick`: same networks, smaller batches and fewer runs (a few minutes on 2 cores). */
export const QUICK_CONFIG: BenchConfig = {
  matmulSizes: [256, 512],
  dcganBatch: 16,
  dcganChannels: [64, 128],
  unetBatch: 8,
  unetChannels: [32, 64],
  warmup: 1,
  repeats: 3,
  maxSeconds: 10,
  minRepeats: 2,
  seed: 0,
};

/**
 * The webgl leg runs in Chromium's software GPU (SwiftShader), roughly 100× slower than
 * wasm here, so it gets one warm-up and few timed runs; the report says so.
 */
export function webglConfig(config: BenchConfig): BenchConfig {
  return { ...config, warmup: 1, repeats: Math.min(config.repeats, 3), minRepeats: 1, maxSeconds: Math.min(config.maxSeconds, 30) };
}

/** Stable ids of the measurements, in report order. */
export function measurementIds(config: BenchConfig): string[] {
  return [...config.matmulSizes.map((n) => `matmul-${n}`), 'dcgan-train', 'unet-forward', 'unet-train'];
}

/** Row labels of the report. */
export function measurementLabel(id: string, config: BenchConfig): string {
  if (id.startsWith('matmul-')) {
    const n = id.slice('matmul-'.length);
    return `matmul ${n}×${n} (GFLOP/s)`;
  }
  if (id === 'dcgan-train') return `DCGAN train step, batch ${config.dcganBatch} (ms)`;
  if (id === 'unet-forward') return `UNet forward, batch ${config.unetBatch} (ms)`;
  if (id === 'unet-train') return `UNet train step, batch ${config.unetBatch} (ms)`;
  return id;
}
