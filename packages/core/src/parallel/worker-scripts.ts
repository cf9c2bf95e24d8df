// Node-only: finds (or builds) the files a worker thread loads. A worker thread runs plain
// JavaScript, so:
//  - from the built package, the worker entry is dist/parallel-worker.js next to this code;
//  - from sources (jest, ts tooling), this file is src/parallel/worker-scripts.ts and the
//    worker entry src/parallel/worker.ts is bundled with esbuild (a dev dependency), together
//    with a TypeScript replica module, into one ES module graph with shared chunks, so the
//    worker and the replica share one copy of @gen/core;
//  - a TypeScript replica module used with the built package is bundled alone.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GenError } from '../errors';

export interface WorkerScripts {
  /** File a `new Worker()` runs. */
  workerEntry: string;
  /** The replica module as the worker imports it (a `file:` URL). */
  replicaModule: string;
  /** `ReplicaSpec.modules` as the worker imports them (`file:` URLs). */
  modules: Record<string, string>;
  /** Removes files built for this trainer (if any). */
  cleanup(): void;
}

/** Names of the built worker entry next to the built coordinator. */
export const BUILT_WORKER_ENTRIES = ['parallel-worker.js', 'parallel-worker.mjs', path.join('parallel', 'worker.js')];

const TYPESCRIPT = /\.[cm]?tsx?$/;

/** The file this code runs from (source `.ts` under jest, a dist chunk when built). */
function currentFile(): string {
  // CJS (dist .cjs, jest): __filename. ESM (dist .js): import.meta.url.
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

/** A replica module spec (absolute path or file: URL) as an absolute path. */
export function modulePath(specifier: string): string {
  return specifier.startsWith('file:') ? fileURLToPath(specifier) : path.resolve(specifier);
}

/** How the main thread imports a module file: jest's require needs a path, Node's import() a URL on Windows. */
export function mainThreadSpecifier(file: string): string {
  return process.platform === 'win32' ? pathToFileURL(file).href : file;
}

export function isTypeScript(file: string): boolean {
  return TYPESCRIPT.test(file);
}

/**
 * The worker entry and the replica module as a worker loads them. `workerEntry` overrides
 * the built entry's location (apps that bundle @gen/core/node into one file).
 */
export async function prepareWorkerScripts(replicaFile: string, workerEntry?: string, modules: Record<string, string> = {}): Promise<WorkerScripts> {
  const here = path.dirname(currentFile());
  const built = workerEntry ?? BUILT_WORKER_ENTRIES.map((name) => path.join(here, name)).find((file) => fs.existsSync(file));
  const noCleanup = () => {};
  // Extra modules: TypeScript ones join the bundle (entry `module-<i>`), the others are imported as they are.
  const moduleKeys = Object.keys(modules);
  const moduleEntries: Record<string, string> = {};
  moduleKeys.forEach((key, i) => {
    if (isTypeScript(modules[key])) moduleEntries[`module-${i}`] = modules[key];
  });
  const moduleUrls = (files: Record<string, string>): Record<string, string> =>
    Object.fromEntries(moduleKeys.map((key, i) => [key, pathToFileURL(files[`module-${i}`] ?? modules[key]).href]));
  if (built !== undefined) {
    const entries: Record<string, string> = { ...moduleEntries };
    if (isTypeScript(replicaFile)) entries.replica = replicaFile;
    if (Object.keys(entries).length === 0) {
      return { workerEntry: built, replicaModule: pathToFileURL(replicaFile).href, modules: moduleUrls({}), cleanup: noCleanup };
    }
    const out = await bundle(entries, replicaFile, false);
    return { workerEntry: built, replicaModule: pathToFileURL(out.files.replica ?? replicaFile).href, modules: moduleUrls(out.files), cleanup: out.cleanup };
  }
  const source = path.join(here, 'worker.ts');
  if (!fs.existsSync(source)) {
    throw new GenError(
      `parallel training: the worker entry is missing (looked for ${BUILT_WORKER_ENTRIES.join(', ')} and worker.ts in ${here}); rebuild @gen/core`,
    );
  }
  const entries: Record<string, string> = { 'parallel-worker': source, ...moduleEntries };
  if (isTypeScript(replicaFile)) entries.replica = replicaFile;
  const out = await bundle(entries, replicaFile, true);
  return {
    workerEntry: out.files['parallel-worker'],
    replicaModule: pathToFileURL(out.files.replica ?? replicaFile).href,
    modules: moduleUrls(out.files),
    cleanup: out.cleanup,
  };
}

interface EsbuildLike {
  build(options: Record<string, unknown>): Promise<unknown>;
}

async function bundle(
  entries: Record<string, string>,
  near: string,
  inlineGen: boolean,
): Promise<{ files: Record<string, string>; cleanup: () => void }> {
  let esbuild: EsbuildLike;
  try {
    esbuild = createRequire(currentFile())('esbuild') as EsbuildLike;
  } catch {
    throw new GenError(
      `parallel training: ${path.basename(near)} is TypeScript and esbuild is not installed to bundle it for worker threads; install esbuild or pass a .js/.mjs/.cjs replica module`,
    );
  }
  // Bare imports (@tensorflow/*, node:*) stay imports, resolved from the output folder, so
  // it goes into the nearest node_modules (a conventional cache place) above the module.
  const root = nearestNodeModules(path.dirname(near)) ?? nearestNodeModules(path.dirname(currentFile()));
  const cacheDir = root ? path.join(root, '.cache', 'gen-parallel') : path.join(os.tmpdir(), 'gen-parallel');
  fs.mkdirSync(cacheDir, { recursive: true });
  const outdir = fs.mkdtempSync(path.join(cacheDir, 'build-'));
  const external = {
    name: 'gen-parallel-externals',
    setup(build: { onResolve(options: { filter: RegExp }, callback: (args: { path: string }) => unknown): void }) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (path.isAbsolute(args.path)) return undefined;
        if (inlineGen && args.path.startsWith('@gen/')) return undefined; // tsconfig paths → sources
        return { path: args.path, external: true };
      });
    },
  };
  try {
    await esbuild.build({
      entryPoints: entries,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outdir,
      outExtension: { '.js': '.mjs' },
      plugins: [external],
      logLevel: 'silent',
      sourcemap: 'inline',
    });
  } catch (error) {
    fs.rmSync(outdir, { recursive: true, force: true });
    const text = String((error as Error)?.message ?? error).split('\n').slice(0, 3).join(' ');
    throw new GenError(`parallel training: esbuild could not bundle ${Object.values(entries).map((f) => path.basename(f)).join(', ')} for worker threads: ${text}`);
  }
  const files: Record<string, string> = {};
  for (const name of Object.keys(entries)) files[name] = path.join(outdir, `${name}.mjs`);
  return { files, cleanup: () => fs.rmSync(outdir, { recursive: true, force: true }) };
}

function nearestNodeModules(start: string): string | undefined {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, 'node_modules');
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
