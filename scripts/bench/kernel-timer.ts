// Per-kernel wall-clock profile of the wasm backend. wasm kernels run synchronously, so
// wrapping each registered kernelFunc with performance.now() measures it exactly. Composed
// kernels (ours, in @gen/core's backend/wasm) call other wasm kernels through the registry,
// so the timer keeps a stack and reports both self time (excluding nested kernels) and
// inclusive time (top-level calls only, so nothing is counted twice).
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';

export interface KernelStat {
  name: string;
  calls: number;
  selfMs: number;
  /** Time of the calls made outside any other kernel (the kernel and everything it ran). */
  topMs: number;
}

export class KernelTimer {
  private readonly originals: KernelConfig[] = [];
  private readonly stats = new Map<string, KernelStat>();
  private readonly stack: number[] = []; // child time accumulated per open frame
  private enabled = false;

  /**
   * With `byShape`, convolution-like kernels are keyed by their input shapes and attrs too.
   * `clock` reads milliseconds (default wall time; `cpuClock` reads this process's CPU time,
   * which a loaded machine inflates far less).
   */
  constructor(
    private readonly byShape = false,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Wraps every kernel registered for `backend` (call after every kernel is registered). */
  install(backend = 'wasm'): void {
    for (const config of tf.getKernelsForBackend(backend)) {
      this.originals.push(config);
      const inner = config.kernelFunc;
      const kernelName = config.kernelName;
      const kernelFunc: KernelFunc = (args) => {
        if (!this.enabled) return inner(args);
        const name = this.byShape ? describeCall(kernelName, args) : kernelName;
        this.stack.push(0);
        const start = this.clock();
        try {
          return inner(args);
        } finally {
          const elapsed = this.clock() - start;
          const children = this.stack.pop() as number;
          const stat = this.stats.get(name) ?? { name, calls: 0, selfMs: 0, topMs: 0 };
          stat.calls++;
          stat.selfMs += elapsed - children;
          if (this.stack.length === 0) stat.topMs += elapsed;
          else this.stack[this.stack.length - 1] += elapsed;
          this.stats.set(name, stat);
        }
      };
      tf.unregisterKernel(kernelName, backend);
      tf.registerKernel({ ...config, kernelFunc });
    }
  }

  /** Puts the original kernels back. */
  uninstall(): void {
    for (const config of this.originals) {
      tf.unregisterKernel(config.kernelName, config.backendName);
      tf.registerKernel(config);
    }
    this.originals.length = 0;
  }

  start(): void {
    this.stats.clear();
    this.enabled = true;
  }

  stop(): KernelStat[] {
    this.enabled = false;
    return [...this.stats.values()].sort((a, b) => b.selfMs - a.selfMs);
  }
}

/** This process's CPU time (user + system) in milliseconds (Node). */
export function cpuClock(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const DETAILED = /Conv|MatMul/;

function describeCall(name: string, { inputs, attrs }: Parameters<KernelFunc>[0]): string {
  if (!DETAILED.test(name)) return name;
  const shapes = Object.values(inputs).filter((t) => t != null).map((t) => `[${(t as tf.TensorInfo).shape}]`).join('·');
  const a = attrs as Record<string, unknown>;
  const extra = [a.strides != null ? `s${a.strides}` : '', a.dilations != null && String(a.dilations) !== '1,1' && a.dilations !== 1 ? `d${a.dilations}` : '', a.transposeA ? 'tA' : '', a.transposeB ? 'tB' : '']
    .filter(Boolean)
    .join(' ');
  return `${name} ${shapes} ${extra}`.trim();
}

/** A markdown table of `stats` divided by `steps`, with each kernel's share of `stepMs`. */
export function kernelTable(stats: KernelStat[], steps: number, stepMs: number, top = 16): string {
  const totalSelf = stats.reduce((s, k) => s + k.selfMs, 0) / steps;
  const rows = stats.slice(0, top).map((k) => {
    const self = k.selfMs / steps;
    const inc = k.topMs / steps;
    return `| ${k.name} | ${(k.calls / steps).toFixed(0)} | ${self.toFixed(1)} | ${((100 * self) / stepMs).toFixed(1)}% | ${inc > 0 ? inc.toFixed(1) : '—'} |`;
  });
  const rest = stats.slice(top);
  if (rest.length > 0) {
    const self = rest.reduce((s, k) => s + k.selfMs, 0) / steps;
    const calls = rest.reduce((s, k) => s + k.calls, 0) / steps;
    rows.push(`| ${rest.length} other kernels | ${calls.toFixed(0)} | ${self.toFixed(1)} | ${((100 * self) / stepMs).toFixed(1)}% | |`);
  }
  rows.push(`| **all kernels** | ${(stats.reduce((s, k) => s + k.calls, 0) / steps).toFixed(0)} | ${totalSelf.toFixed(1)} | ${((100 * totalSelf) / stepMs).toFixed(1)}% | |`);
  rows.push(`| outside kernels (JS, engine, tape) | | ${(stepMs - totalSelf).toFixed(1)} | ${((100 * (stepMs - totalSelf)) / stepMs).toFixed(1)}% | |`);
  return [
    '| kernel | calls/step | self ms/step | share of step | incl. ms/step (top-level) |',
    '|---|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}
