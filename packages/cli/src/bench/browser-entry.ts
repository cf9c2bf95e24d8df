// Browser bundle of the bench (dist/bench-browser.js, an IIFE built by tsup): the webgl
// column of `gen bench` loads it into headless Chromium and calls `genBench.run`.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import { registerTfjsGradients } from '@gen/core';
import type { BenchConfig } from './config';
import type { BenchEvent } from './events';
import { runTfjsSuite } from './suite';

declare global {
  // Exposed by the parent with page.exposeFunction.
  // eslint-disable-next-line no-var
  var __genBenchEvent: ((event: BenchEvent) => Promise<void>) | undefined;
}

async function run(config: BenchConfig, ids: string[]): Promise<void> {
  const emit = (event: BenchEvent): void => {
    void globalThis.__genBenchEvent?.(event);
  };
  registerTfjsGradients();
  try {
    if (!(await tf.setBackend('webgl'))) throw new Error('tf.setBackend("webgl") returned false (no WebGL in this browser)');
    await tf.ready();
  } catch (error) {
    emit({ type: 'fatal', message: String((error as Error)?.message ?? error) });
    return;
  }
  emit({ type: 'ready', info: { backend: 'webgl', tfjs: tf.version_core, webglVersion: tf.env().getNumber('WEBGL_VERSION'), renderer: renderer(), userAgent: navigator.userAgent } });
  await runTfjsSuite(
    config,
    {
      onStart: (id) => emit({ type: 'start', id }),
      onSample: (id, ms, warmup) => emit({ type: 'sample', id, ms, warmup }),
      onResult: (measurement) => emit({ type: 'result', measurement }),
    },
    ids,
  );
}

/** The GPU as the browser names it (SwiftShader = software rendering). */
function renderer(): string {
  try {
    const gl = document.createElement('canvas').getContext('webgl2') as WebGL2RenderingContext | null;
    if (!gl) return 'unknown';
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } catch {
    return 'unknown';
  }
}

(globalThis as unknown as { genBench: unknown }).genBench = { run };
