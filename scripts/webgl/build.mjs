// Finds the numeric test files and bundles them, with the in-page jest harness, for Chromium.
import { createRequire, builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync, realpathSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
const shim = (name) => path.join(here, 'shims', name);

const CALLS_DESCRIBE_WITH_BACKENDS = /\bdescribeWithBackends\s*(<[^>]*>)?\s*\(/;

/** The harness's own fixtures (`--selftest`), repo-relative. */
export function selftestFiles() {
  const dir = path.join(here, 'selftest');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.selftest.ts'))
    .map((f) => path.relative(repoRoot, path.join(dir, f)).split(path.sep).join('/'))
    .sort();
}

/** Every `*.test.ts` under packages/<pkg>/src that calls describeWithBackends, repo-relative, sorted. */
export function discoverTestFiles() {
  const out = [];
  const packagesDir = path.join(repoRoot, 'packages');
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.test\.tsx?$/.test(entry.name)) {
        const text = readFileSync(full, 'utf8');
        if (CALLS_DESCRIBE_WITH_BACKENDS.test(text)) out.push(path.relative(repoRoot, full).split(path.sep).join('/'));
      }
    }
  };
  for (const pkg of readdirSync(packagesDir, { withFileTypes: true })) {
    const src = path.join(packagesDir, pkg.name, 'src');
    if (pkg.isDirectory() && existsSync(src)) walk(src);
  }
  return out.sort();
}

/**
 * Finds a package jest depends on (e.g. `expect`) without it being a root dependency:
 * walks jest's dependency graph breadth-first, resolving from each package's own folder
 * (works with pnpm's isolated layout and with a hoisted one).
 */
function resolveFromJest(target) {
  const rootRequire = createRequire(path.join(repoRoot, 'package.json'));
  try {
    return path.dirname(rootRequire.resolve(`${target}/package.json`));
  } catch {
    // not hoisted: search jest's dependency graph
  }
  const seen = new Set();
  let frontier = [path.dirname(realpathSync(rootRequire.resolve('jest/package.json')))];
  for (let depth = 0; depth < 6 && frontier.length; depth++) {
    const next = [];
    for (const dir of frontier) {
      if (seen.has(dir)) continue;
      seen.add(dir);
      const req = createRequire(path.join(dir, 'package.json'));
      try {
        return path.dirname(realpathSync(req.resolve(`${target}/package.json`)));
      } catch {
        // not a direct dependency of this one
      }
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      for (const dep of Object.keys(pkg.dependencies || {})) {
        if (!/jest|expect/.test(dep)) continue;
        try {
          next.push(path.dirname(realpathSync(req.resolve(`${dep}/package.json`))));
        } catch {
          // optional or exports-restricted
        }
      }
    }
    frontier = next;
  }
  throw new Error(`cannot find the '${target}' package in jest's dependencies (is jest installed? run pnpm install)`);
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const BUILTIN_SHIMS = {
  path: 'path.cjs',
  'path/posix': 'path.cjs',
  url: 'url.cjs',
  util: 'util.cjs',
  'util/types': 'util-types.cjs',
  process: 'process.cjs',
};

function isInNodeModules(file) {
  return file.split(path.sep).includes('node_modules');
}

/** esbuild plugin: `@gen/*` → sources (mirrors jest.preset.cjs), Node built-ins → shims or errors. */
function genPlugin() {
  return {
    name: 'gen-webgl',
    setup(build) {
      build.onResolve({ filter: /^@gen\/[a-z-]+(\/[a-z-]+)?$/ }, (args) => {
        const [, pkg, sub] = args.path.match(/^@gen\/([a-z-]+)(?:\/([a-z-]+))?$/);
        if (sub === 'node') {
          return {
            errors: [
              {
                text: `${args.path} is Node-only: a file that calls describeWithBackends is bundled for the browser and must not import it (imported by ${path.relative(repoRoot, args.importer)})`,
              },
            ],
          };
        }
        const file = path.join(repoRoot, 'packages', pkg, 'src', `${sub ?? 'index'}.ts`);
        if (!existsSync(file)) return { errors: [{ text: `${args.path} does not resolve: ${path.relative(repoRoot, file)} does not exist` }] };
        return { path: file };
      });
      build.onResolve({ filter: /^@jest\/globals$/ }, () => ({ path: path.join(here, 'browser', 'jest-globals.mjs') }));
      build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
        if (!BUILTINS.has(args.path)) return undefined;
        const name = args.path.replace(/^node:/, '');
        // tfjs maps its Node-only files away through package.json "browser": let esbuild apply it.
        if (args.importer.includes(`${path.sep}@tensorflow${path.sep}`)) return undefined;
        if (!args.importer || !isInNodeModules(args.importer)) {
          return {
            errors: [
              {
                text: `Node built-in '${args.path}' imported by ${path.relative(repoRoot, args.importer)}: files reachable from a describeWithBackends test are bundled for the browser and must not import Node modules (move Node-only code behind src/<module>/node.ts)`,
              },
            ],
          };
        }
        return { path: shim(BUILTIN_SHIMS[name] ?? 'empty.cjs') };
      });
      // The jest libraries read Node's free variables (`process`, `global`, `__dirname`).
      // Give those files — and only those — stand-ins, so tfjs and the code under test still
      // see a plain browser (no global `process`).
      build.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, (args) => {
        if (args.path.includes(`${path.sep}@tensorflow${path.sep}`)) return undefined;
        const text = readFileSync(args.path, 'utf8');
        if (/^\s*(import|export)\s/m.test(text)) return undefined;
        let inject = '';
        if (/\bprocess\b/.test(text) && !/^(const|let|var|function)\s+process\b/m.test(text)) {
          inject += `;var process = require(${JSON.stringify(shim('process.cjs'))});`;
        }
        if (/\bglobal\b/.test(text) && !/^(const|let|var|function)\s+global\b/m.test(text)) inject += ';var global = globalThis;';
        if (/\b__dirname\b/.test(text)) inject += `;var __dirname = ${JSON.stringify('/' + path.relative(repoRoot, path.dirname(args.path)).split(path.sep).join('/'))};`;
        if (/\b__filename\b/.test(text)) inject += `;var __filename = ${JSON.stringify('/' + path.relative(repoRoot, args.path).split(path.sep).join('/'))};`;
        if (!inject) return undefined;
        const m = text.match(/^(#![^\n]*\n)?(\s*(['"])use strict\3;?)?/);
        const head = m[0];
        return { contents: head + inject + text.slice(head.length), loader: 'js', resolveDir: path.dirname(args.path) };
      });
    },
  };
}

function baseOptions(extra) {
  const expectDir = resolveFromJest('expect');
  const jestMockDir = (() => {
    const req = createRequire(path.join(expectDir, 'package.json'));
    return path.dirname(realpathSync(req.resolve('jest-mock/package.json')));
  })();
  return {
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'chrome110',
    absWorkingDir: repoRoot,
    alias: { expect: expectDir, 'jest-mock': jestMockDir, 'graceful-fs': shim('empty.cjs') },
    plugins: [genPlugin()],
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"test"' },
    ...extra,
  };
}

function entrySource(files, options) {
  const boot = JSON.stringify(path.join(here, 'browser', 'boot.mjs'));
  const list = files
    .map((f) => `  { file: ${JSON.stringify(f)}, load: () => import(${JSON.stringify(path.join(repoRoot, f))}) },`)
    .join('\n');
  return `import { boot } from ${boot};\nboot([\n${list}\n], ${JSON.stringify(options)});\n`;
}

function formatErrors(errors) {
  return errors
    .map((e) => {
      const loc = e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : '';
      return `${loc}${e.text}`;
    })
    .join('\n');
}

async function tryBuild(options) {
  try {
    const result = await esbuild.build(options);
    return { ok: true, result };
  } catch (error) {
    return { ok: false, message: error.errors ? formatErrors(error.errors) : String(error && error.stack) };
  }
}

/**
 * Bundles the harness and `files` into `outDir` (entry.js + chunks + source maps + index.html).
 * A test file that cannot be bundled (e.g. it reaches a Node module) is left out and
 * returned in `bundleErrors`, so the other files still run and the leg still fails.
 */
export async function buildBundle(files, outDir, pageOptions) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const entryFile = path.join(path.dirname(outDir), 'entry.generated.mjs');
  const build = (list) => {
    writeFileSync(entryFile, entrySource(list, pageOptions));
    return tryBuild(
      baseOptions({
        entryPoints: { entry: entryFile },
        outdir: outDir,
        splitting: true,
        sourcemap: 'linked',
        sourcesContent: false,
        chunkNames: 'chunks/[name]-[hash]',
        metafile: true,
      }),
    );
  };
  let attempt = await build(files);
  const bundleErrors = [];
  let included = files;
  if (!attempt.ok) {
    // Find the culprits one file at a time (in memory), then bundle the rest.
    for (const f of files) {
      const alone = await tryBuild(
        baseOptions({ entryPoints: [path.join(repoRoot, f)], write: false, outdir: outDir, splitting: false }),
      );
      if (!alone.ok) bundleErrors.push({ file: f, message: alone.message });
    }
    included = files.filter((f) => !bundleErrors.some((e) => e.file === f));
    if (bundleErrors.length === 0) {
      throw new Error(`bundling the webgl page failed (harness or shared code):\n${attempt.message}`);
    }
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    attempt = await build(included);
    if (!attempt.ok) throw new Error(`bundling the webgl page failed:\n${attempt.message}`);
  }
  writeFileSync(
    path.join(outDir, 'index.html'),
    '<!doctype html>\n<meta charset="utf-8">\n<title>@gen webgl suite</title>\n<link rel="icon" href="data:,">\n' +
      '<style>body{font:12px monospace;margin:8px}</style>\n<body>\n<script type="module" src="/entry.js"></script>\n',
  );
  const bytes = Object.values(attempt.result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  return { included, bundleErrors, bytes };
}
