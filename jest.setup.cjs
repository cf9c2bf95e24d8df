// Registers the Node backends the numeric suites run on: cpu, wasm, and tfjs-node when
// it is installed. GEN_TEST_BACKENDS=cpu,wasm narrows the list.
require('@tensorflow/tfjs-backend-cpu');
require('@tensorflow/tfjs-backend-wasm');
const backends = ['cpu', 'wasm'];
try {
  require('@tensorflow/tfjs-node');
  backends.push('tensorflow');
} catch {
  // The tfjs-node leg is reported as skipped by jest.global-setup.cjs.
}
const only = process.env.GEN_TEST_BACKENDS?.split(',').filter(Boolean);
globalThis.__GEN_TEST_BACKENDS__ = only ? backends.filter((b) => only.includes(b)) : backends;

// tfjs-backend-cpu prints a "use tfjs-node" banner on first use in Node; our reports say
// which backend runs and why, so the banner is noise in test output.
const cpu = require('@tensorflow/tfjs-core').findBackend?.('cpu');
if (cpu) cpu.firstUse = false;
