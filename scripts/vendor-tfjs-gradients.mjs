// Generates packages/core/src/backend/tfjs-gradients.generated.ts: the gradient
// configs of @tensorflow/tfjs-core, rewired to import only tfjs-core's *public* API.
//
// Why: tfjs-core registers no gradients on its own, and its
// `dist/register_all_gradients.js` uses extensionless ESM imports that Node cannot load.
// Bundling those files with every internal import redirected to the public entry keeps
// one engine, one registry and one Tensor class (the user's tfjs-core), and works in
// Node (ESM and CJS) and in browsers alike. Rerun after a tfjs-core upgrade:
//   node scripts/vendor-tfjs-gradients.mjs
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(path.join(root, 'packages/core/package.json'));
const tf = require('@tensorflow/tfjs-core');
const version = require('@tensorflow/tfjs-core/package.json').version;
const dist = path.dirname(require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js'));

// Internal (non-exported) ops the gradients call: bundled from tfjs-core's own source.
const internalOps = new Set([
  'conv2d_backprop_filter', 'conv2d_backprop_input', 'conv3d_backprop_filter', 'conv3d_backprop_input',
  'depthwise_conv2d_native_backprop_filter', 'depthwise_conv2d_native_backprop_input',
  'avg_pool_grad', 'avg_pool_3d_grad', 'max_pool_grad', 'max_pool_3d_grad',
  'local_response_normalization_backprop',
]);

const registerSource = readFileSync(path.join(dist, 'register_all_gradients.js'), 'utf8');
const configs = [...registerSource.matchAll(/import \{ (\w+) \} from '\.\/gradients\/(\w+)'/g)];
const entry = configs.map(([, name, file]) => `export { ${name} } from './gradients/${file}.js';`).join('\n');

const pick = (object, keys) => keys.filter((k) => k in object);
const helperNames = {
  backend_util: pick(tf.backend_util, ['getReductionAxes', 'assertAndGetBroadcastShape', 'tupleValuesAreOne',
    'eitherStridesOrDilationsAreOne', 'checkPadOnDimRoundingMode', 'getAxesPermutation', 'getUndoAxesPermutation',
    'computeOutAndReduceShapes', 'expandShapeToKeepDim', 'getInnerMostAxes', 'SELU_SCALE', 'SELU_SCALEALPHA',
    'computeConv2DInfo', 'computeConv3DInfo', 'convertConv2DDataFormat']),
  util: pick(tf.util, ['assert', 'isInt', 'parseAxisParam', 'sizeFromShape', 'arraysEqual', 'assertShapesMatch']),
  slice_util: pick(tf.slice_util, ['parseSliceParams']),
};
const publicNames = Object.keys(tf).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default');
const shim = [
  `import * as tf from '@tensorflow/tfjs-core';`,
  ...publicNames.map((name) => `export const ${name} = tf.${name};`),
  ...Object.entries(helperNames).flatMap(([ns, names]) => names.map((name) => `export const ${name} = tf.${ns}.${name};`)),
  `export const ENGINE = { runKernel: (name, inputs, attrs) => tf.engine().runKernel(name, inputs, attrs) };`,
  `export function convertToTensor(x, argName, functionName, dtype) {`,
  `  return x instanceof tf.Tensor ? x : tf.tensor(x, undefined, dtype);`,
  `}`,
].join('\n');

// A few gradients call chained tensor methods (`x.reshape(…)`), which exist only after
// tfjs's chained-op side effects run. Rewrite them as plain op calls.
// `slice` is also an Array method, so it is rewritten only on receivers known to be tensors
// (GatherV2's batched gradient); the test suite differentiates that path.
const CHAINED_REWRITES = ['reshape', 'split', 'slice'];
const TENSOR_RECEIVERS = { slice: ['indices', 'dy'] };
const chainedOpNames = readdirSync(path.join(dist, 'public/chained_ops'))
  .filter((f) => f.endsWith('.js') && !f.startsWith('register'))
  .map((f) => f.replace(/\.js$/, ''))
  // Array and String share these names; they are never tensor methods in gradient code.
  .filter((name) => !['slice', 'concat', 'toString', 'reverse', 'fill'].includes(name));
const rewriteChained = {
  name: 'rewrite-chained-ops',
  setup(b) {
    b.onLoad({ filter: /tfjs-core[\\/]dist[\\/](gradients|ops)[\\/].*\.js$/ }, (args) => {
      let contents = readFileSync(args.path, 'utf8').replace(/\/\/# sourceMappingURL=.*$/gm, '');
      const used = CHAINED_REWRITES.filter((op) =>
        new RegExp(`\\b${TENSOR_RECEIVERS[op] ? `(${TENSOR_RECEIVERS[op].join('|')})` : '[\\w$]+'}\\.${op}\\(`).test(contents),
      );
      for (const op of used) {
        const receiver = TENSOR_RECEIVERS[op] ? `(${TENSOR_RECEIVERS[op].join('|')})` : '([\\w$]+)';
        contents = contents.replace(new RegExp(`\\b${receiver}\\.${op}\\(`, 'g'), `__gen_${op}($1, `);
      }
      if (used.length > 0) {
        contents = `import { ${used.map((op) => `${op} as __gen_${op}`).join(', ')} } from '../ops/${used[0]}';\n${contents}`;
      }
      return { contents, loader: 'js' };
    });
  },
};

const redirect = {
  name: 'tfjs-core-public-api',
  setup(b) {
    b.onResolve({ filter: /^shim:tfjs$/ }, () => ({ path: 'shim', namespace: 'shim' }));
    b.onLoad({ filter: /.*/, namespace: 'shim' }, () => ({ contents: shim, loader: 'js', resolveDir: root }));
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const target = path.resolve(args.resolveDir, args.path).replace(/\.js$/, '');
      const rel = path.relative(dist, target);
      if (rel.startsWith('gradients/') || (rel.startsWith('ops/') && internalOps.has(rel.slice(4)))) {
        return { path: `${target}.js` };
      }
      return { path: 'shim', namespace: 'shim' };
    });
  },
};

const result = await build({
  stdin: { contents: entry, resolveDir: dist, loader: 'js' },
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  external: ['@tensorflow/tfjs-core'],
  plugins: [redirect, rewriteChained],
  write: false,
  legalComments: 'none',
  // Source-path comments in the output are relative to this: keep them independent of cwd.
  absWorkingDir: root,
  logLevel: 'silent',
  target: 'es2020',
});
if (result.warnings.length) {
  for (const w of result.warnings) console.error(w.text, w.location?.file ?? '');
  throw new Error(`vendor-tfjs-gradients: ${result.warnings.length} warning(s); refusing to write a partial bundle`);
}
let code = result.outputFiles[0].text.replace(/\/\/# sourceMappingURL=.*$/gm, '');
const leftover = chainedOpNames.filter((name) => new RegExp(`\\b(?!tf\\b|util\\b|Math\\b)[a-z][\\w$]*\\.${name}\\(`).test(code));
if (leftover.length > 0) {
  throw new Error(`vendor-tfjs-gradients: chained tensor methods remain (${leftover.join(', ')}); add them to CHAINED_REWRITES`);
}
const header = `// @ts-nocheck
// GENERATED by scripts/vendor-tfjs-gradients.mjs from @tensorflow/tfjs-core@${version}
// (Apache-2.0, Copyright Google LLC). Do not edit: rerun the script.
// The gradient configs of tfjs-core, importing only its public API.
`;
const out = path.join(root, 'packages/core/src/backend/tfjs-gradients.generated.ts');
if (process.argv.includes('--check')) {
  if (readFileSync(out, 'utf8') !== header + code) {
    console.error(`${path.relative(root, out)} is stale: run node scripts/vendor-tfjs-gradients.mjs`);
    process.exit(1);
  }
  console.log(`${path.relative(root, out)} is up to date (tfjs-core ${version})`);
  process.exit(0);
}
writeFileSync(out, header + code);
console.log(`wrote ${path.relative(root, out)}: ${configs.length} gradient configs from tfjs-core ${version}`);
