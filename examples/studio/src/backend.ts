// Picks the tfjs backend: WebGL when this browser can run it, else wasm (said on screen), or
// the one named by `?backend=` (webgl, wasm, cpu). Uses @gen/core's initBackend, which also
// registers the gradients and wasm training kernels that training here needs.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { initBackend, type BackendReport } from '@gen/core';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

export interface StudioBackend {
  name: string;
  /** One line for the header, e.g. "WebGL (GPU)" or "wasm — WebGL is not available here". */
  summary: string;
  /** True when the preferred backend (webgl) could not be used. */
  fallback: boolean;
  report: BackendReport;
}

export async function startBackend(requested: string | null): Promise<StudioBackend> {
  if (requested !== null) {
    const report = await initBackend({ prefer: requested });
    return { name: report.name, summary: `${report.name} (requested with ?backend=${requested})`, fallback: false, report };
  }
  // Automatic: webgl, else wasm, else cpu (initBackend's preference order; webgpu is not loaded).
  const report = await initBackend();
  const fallback = report.name !== 'webgl';
  const summary = fallback ? `${report.name} — WebGL is not available in this browser, so the studio runs on ${report.name} (slower)` : 'WebGL (GPU)';
  return { name: report.name, summary, fallback, report };
}

/** Hands the page back to the browser for a frame (keeps the tab responsive between steps). */
export function nextFrame(): Promise<void> {
  return tf.nextFrame();
}
