// Finds a folder a @gen/* package ships beside its code (shipped classifiers, pretrained
// checkpoints) wherever the package runs from: its sources under jest, its dist when built or
// installed from npm, or a checkout of this repository (scripts bundled elsewhere).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { GenError } from '../errors';

export interface PackageAssetDirOptions {
  /** The package that ships the asset, e.g. `'@gen/gan'`. */
  packageName: string;
  /** The folder inside the package, e.g. `'pretrained/mnist'`. */
  relative: string;
  /** A file the folder must hold to count as found. Default `'config.json'`. */
  marker?: string;
  /** A file of the calling package (its `__filename` / `fileURLToPath(import.meta.url)`). */
  fromFile: string;
  /** What is looked for, for the error message (`"the pretrained 'mnist' GAN"`). */
  what: string;
}

/**
 * The absolute folder `relative` of package `packageName`, looked for (1) in the package the
 * calling file belongs to, (2) where `packageName` resolves from the calling file, the running
 * script and the current directory, (3) in `packages/<name>` of a checkout under the current
 * directory. Throws a GenError listing every place tried.
 */
export function packageAssetDir(options: PackageAssetDirOptions): string {
  const { packageName, relative, marker = 'config.json', fromFile, what } = options;
  const tried: string[] = [];
  const check = (root: string): string | undefined => {
    const dir = path.join(root, relative);
    tried.push(dir);
    return existsSync(path.join(dir, marker)) ? dir : undefined;
  };
  // 1. The nearest package.json above the calling file, when it is that package.
  let dir = path.dirname(fromFile);
  for (let depth = 0; depth < 5; depth++, dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    if (packageNameOf(manifest) === packageName) {
      const found = check(dir);
      if (found) return found;
    }
    break;
  }
  // 2. The package as resolved from the caller, the running script and the current directory.
  for (const from of [fromFile, process.argv[1], path.join(process.cwd(), 'package.json')]) {
    if (!from) continue;
    try {
      const found = check(path.dirname(createRequire(from).resolve(`${packageName}/package.json`)));
      if (found) return found;
    } catch {
      // not resolvable from there
    }
  }
  // 3. A checkout of this repository.
  const found = check(path.join(process.cwd(), 'packages', packageName.replace(/^@gen\//, '')));
  if (found) return found;
  throw new GenError(`${what} was not found (looked in ${[...new Set(tried)].join(', ')})`);
}

function packageNameOf(manifest: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}
