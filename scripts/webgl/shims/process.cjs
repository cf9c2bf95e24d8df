// A `process` for the jest libraries bundled into the webgl page (expect, jest-util,
// jest-message-util, chalk). It is injected only into those files (see ../build.mjs),
// never made global: tfjs and the code under test must see a real browser.
const env = Object.create(null);
env.NODE_ENV = 'test';
module.exports = {
  env,
  platform: 'browser',
  version: '',
  versions: {},
  argv: [],
  pid: 0,
  browser: true,
  features: {},
  stdout: { isTTY: false, columns: 120, write() {} },
  stderr: { isTTY: false, columns: 120, write() {} },
  cwd: () => '/',
  nextTick: (fn, ...args) => queueMicrotask(() => fn(...args)),
  emitWarning: (warning) => console.warn(String(warning)),
  hrtime: Object.assign(
    (prev) => {
      const t = performance.now();
      const s = Math.floor(t / 1e3);
      const ns = Math.floor((t - s * 1e3) * 1e6);
      return prev ? [s - prev[0], ns - prev[1]] : [s, ns];
    },
    { bigint: () => BigInt(Math.floor(performance.now() * 1e6)) },
  ),
  memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
  on() {},
  once() {},
  off() {},
  removeListener() {},
  listeners: () => [],
  exit(code) {
    throw new Error(`process.exit(${code}) called in the browser`);
  },
};
