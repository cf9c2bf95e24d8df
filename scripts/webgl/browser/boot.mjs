// Entry of the webgl page. The generated bundle entry calls boot() with the test files;
// the harness globals are installed before any test file is evaluated (files are loaded
// with dynamic import, one at a time, after this module ran).
import { installGlobals, collectFile, runAll } from './harness.mjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';

installGlobals();

const BACKEND = 'webgl';

async function report(event) {
  const send = globalThis.__genReport;
  if (typeof send === 'function') await send(event);
  else console.log('[webgl-suite]', JSON.stringify(event));
  render(event);
}

// A live list in the page, so the screenshot artifact shows what ran.
function render(event) {
  if (typeof document === 'undefined') return;
  let list = document.getElementById('results');
  if (!list) {
    list = document.createElement('pre');
    list.id = 'results';
    document.body.appendChild(list);
  }
  let line = null;
  if (event.type === 'env') line = `webgl: WebGL${event.webglVersion}, float32 render targets, ${event.renderer}`;
  if (event.type === 'file-start') line = `\n${event.file}`;
  if (event.type === 'test-end') line = `  ${event.status === 'passed' ? '✓' : '✗'} ${event.name} (${Math.round(event.ms)} ms)`;
  if (event.type === 'file-error') line = `✗ ${event.file}: ${event.error.message}`;
  if (event.type === 'hook-failure') line = `  ✗ ${event.name}: ${event.error.message}`;
  if (event.type === 'fatal') line = `FATAL: ${event.error.message}`;
  if (event.type === 'done') line = `\n${event.passed} passed, ${event.failed} failed`;
  if (line !== null) list.textContent += line + '\n';
}

/**
 * Activates webgl and proves it is the real thing: WebGL2 with float32 render targets
 * (not WebGL1, not half floats, not a cpu fallback). Throws otherwise.
 */
async function verifyWebgl() {
  const registered = Object.keys(tf.engine().registryFactory);
  if (!registered.includes(BACKEND)) {
    throw new Error(`the webgl backend is not registered (registered: ${registered.join(', ') || 'none'})`);
  }
  let ok = false;
  try {
    ok = await tf.setBackend(BACKEND);
    await tf.ready();
  } catch (error) {
    throw new Error(`the webgl backend failed to initialise: ${error && error.message}`);
  }
  if (!ok || tf.getBackend() !== BACKEND) {
    throw new Error(
      `the webgl backend failed to initialise (active backend: ${tf.getBackend()}); ` +
        'is WebGL2 available in this Chromium? (do not pass --use-gl=swiftshader / --disable-gpu)',
    );
  }
  const env = tf.env();
  const webglVersion = env.getNumber('WEBGL_VERSION');
  const float32 = env.getBool('WEBGL_RENDER_FLOAT32_ENABLED') && env.getBool('WEBGL_RENDER_FLOAT32_CAPABLE');
  const forceF16 = env.getBool('WEBGL_FORCE_F16_TEXTURES');
  if (webglVersion !== 2) throw new Error(`webgl backend runs on WebGL${webglVersion}, expected WebGL2`);
  if (!float32 || forceF16) throw new Error('webgl backend cannot render to float32 textures (half-float only); results would not be float32');
  // Half floats would round 1 + 2⁻¹⁴ to 1; float32 keeps it. (1024 elements: webgl hands
  // tiny element-wise ops to the cpu kernels, which would prove nothing.)
  const eps = 2 ** -14;
  const sumT = tf.tidy(() => tf.add(tf.ones([1024]), tf.fill([1024], eps)));
  const sums = await sumT.data();
  sumT.dispose();
  if (sums.some((v) => v !== 1 + eps)) throw new Error(`webgl does not compute in float32: 1 + 2^-14 gave ${sums[0]}`);
  const prodT = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]])));
  const product = Array.from(await prodT.data());
  prodT.dispose();
  if (String(product) !== '19,22,43,50') throw new Error(`webgl matMul sanity check gave ${product}`);
  let renderer = 'unknown renderer';
  try {
    const gl = tf.backend().gpgpu.gl;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } catch {
    // renderer name is informational
  }
  tf.disposeVariables();
  return { webglVersion, renderer, registered, tfjsVersion: tf.version_core };
}

export async function boot(testFiles, options = {}) {
  let passed = 0;
  let failed = 0;
  try {
    globalThis.__GEN_TEST_BACKENDS__ = [BACKEND];
    await report({ type: 'env', ...(await verifyWebgl()) });
    for (const { file, load } of testFiles) {
      await report({ type: 'file-loading', file });
      await collectFile(file, load);
    }
    const grep = options.grep ? new RegExp(options.grep) : null;
    const results = await runAll({
      suffixes: [` [${BACKEND}]`],
      grep,
      report,
      beforeTest: () => {
        // describeWithBackends' beforeAll activated webgl; a test that starts elsewhere
        // would silently test another backend.
        if (tf.getBackend() !== BACKEND) throw new Error(`test started on backend '${tf.getBackend()}', not '${BACKEND}'`);
      },
    });
    for (const r of results) {
      if (r.type === 'test-end' && r.status === 'passed') passed++;
      else failed++;
    }
    await report({ type: 'done', passed, failed });
  } catch (error) {
    await report({ type: 'fatal', error: { message: String(error && error.message), stack: String(error && error.stack) } });
  }
}
