// TypeDoc plugin (typedoc.json "plugin"): names each entry module after the import a user writes.
// With one TypeScript program for every package (entryPointStrategy "resolve", ~5× faster than
// "packages"), TypeDoc names modules by path: packages/core/src/node.ts → "core/src/node".
// This renames them to "@gen/core/node" (and packages/gan/src/index.ts → "@gen/gan").
import { Converter, ReflectionKind } from 'typedoc';

/** "core/src" → "@gen/core", "core/src/node" → "@gen/core/node"; anything else unchanged. */
export function packageModuleName(name) {
  const match = /^(?:packages\/)?([\w-]+)\/src(?:\/([\w-]+))?$/.exec(name);
  if (!match) return name;
  const [, pkg, entry] = match;
  return entry && entry !== 'index' ? `@gen/${pkg}/${entry}` : `@gen/${pkg}`;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (_context, reflection) => {
    if (reflection.kindOf(ReflectionKind.Module)) reflection.name = packageModuleName(reflection.name);
  });
}
