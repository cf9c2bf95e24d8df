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
  /**
   * Batch of the training step of the shipped UNet architecture (`unet2d-train`): @gen/diffusion's
   * UNet2DModel with the blocks of pretrained:mnist (`SHIPPED_UNET_BLOCKS` in bench/config.ts).
   */
  unet2dBatch: number;
  /**
   * Sample shape [height, width, channels] that UNet is built for: [7, 7, 4] (default: the latents
   * pretrained:mnist runs on; sampling then times the UNet loop, not the autoencoder's decode) or
   * [28, 28, 1] (the same blocks in pixel space, about 16× the arithmetic).
   */
  unet2dShape: [number, number, number];
  /** Images per sampling run (`sample-unet`, `sample-gan`). */
  samplingBatch: number;
  /** DPM-Solver++ 2M steps per diffusion sample (20). */
  samplingSteps: number;
  /** Classifier-free guidance weight of the diffusion samples (1.5 as pretrained:mnist; ≠ 1 doubles the UNet batch). */
  guidanceScale: number;
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
  unet2dBatch: 64,
  unet2dShape: [7, 7, 4],
  samplingBatch: 16,
  samplingSteps: 20,
  guidanceScale: 1.5,
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
  unet2dBatch: 8,
  unet2dShape: [7, 7, 4],
  samplingBatch: 8,
  samplingSteps: 20,
  guidanceScale: 1.5,
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

/**
 * The blocks of the shipped diffusion model pretrained:mnist (packages/diffusion/pretrained/mnist/
 * config.json): two levels of widths 48 and 96, one residual block per level on the way down,
 * self-attention at the coarse level and in the middle, class-conditional (10 classes + null).
 * `unet2dShape` gives the sample shape it is built for.
 */
export const SHIPPED_UNET_BLOCKS = Object.freeze({
  blockOutChannels: [48, 96],
  layersPerBlock: [1, 1],
  attentionLevels: [false, true],
  midBlockAttention: true,
  attentionHeadDim: 32,
  normNumGroups: 8,
  timeEmbeddingDim: 128,
  numClasses: 10,
});

/** The scheduler pretrained:mnist was trained with (v-prediction, linear β, 'leading' spacing). */
export const SHIPPED_SCHEDULER_CONFIG = Object.freeze({
  numTrainTimesteps: 1000,
  betaSchedule: 'linear' as const,
  betaStart: 0.0001,
  betaEnd: 0.02,
  predictionType: 'v_prediction' as const,
  timestepSpacing: 'leading' as const,
});

/** Stable ids of the measurements, in report order. */
export function measurementIds(config: BenchConfig): string[] {
  return [...config.matmulSizes.map((n) => `matmul-${n}`), 'dcgan-train', 'unet-forward', 'unet-train', 'unet2d-train', 'sample-unet', 'sample-gan'];
}

/** Measurements reported as images per second (higher is better) rather than ms per call. */
export function isThroughput(id: string): boolean {
  return id === 'sample-unet' || id === 'sample-gan';
}

/** Images one run of a throughput measurement produces. */
export function imagesPerRun(id: string, config: BenchConfig): number {
  return isThroughput(id) ? config.samplingBatch : 0;
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
  const [h, w, c] = config.unet2dShape;
  if (id === 'unet2d-train') return `shipped UNet (${h}×${w}×${c}) train step, batch ${config.unet2dBatch} (ms)`;
  if (id === 'sample-unet') {
    const guidance = config.guidanceScale === 1 ? '' : `, guidance ${config.guidanceScale}`;
    return `sampling, ${config.samplingSteps} steps${guidance}, batch ${config.samplingBatch} (images/s)`;
  }
  if (id === 'sample-gan') return `DCGAN sampling, batch ${config.samplingBatch} (images/s)`;
  return id;
}
