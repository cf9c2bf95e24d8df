// Repairs a rollup-plugin-dts bug in tsup's declaration bundles (tsup 8.5): when a namespace
// re-export (`export * as nn from './nn'`) contains a symbol that lives in a shared
// declaration chunk, the namespace gets only `declare const X: typeof Y` — a value — so
// `nn.Module` or `nn.LoadStateDictOptions` cannot be used as types. For each such member we
// look the symbol up in its chunk and add the missing type alias (classes keep their value,
// interfaces and type aliases become type-only), with type parameters carried over.
//   node scripts/fix-dts-namespaces.mjs <dist dir>
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dist = path.resolve(process.argv[2] ?? 'dist');
const files = readdirSync(dist).filter((f) => /\.d\.c?ts$/.test(f));
let repaired = 0;

for (const file of files) {
  const full = path.join(dist, file);
  let text = readFileSync(full, 'utf8');
  const imported = new Map(); // local name → { chunk, exported }
  for (const m of text.matchAll(/^import \{([^}]*)\} from '(\.\/[^']+)';$/gm)) {
    for (const part of m[1].split(',')) {
      const [exported, local = exported] = part.trim().replace(/^type /, '').split(/\s+as\s+/);
      if (exported) imported.set(local.trim(), { chunk: m[2], exported: exported.trim() });
    }
  }
  text = text.replace(/^declare const ([\w$]+): typeof ([\w$]+);$/gm, (line, alias, target) => {
    const source = imported.get(target);
    if (!source || new RegExp(`^type ${escape(alias)}\\b`, 'm').test(text)) return line;
    const kind = declarationKind(path.join(dist, source.chunk.replace(/\.c?js$/, file.endsWith('.d.cts') ? '.d.cts' : '.d.ts')), source.exported);
    if (!kind) return line;
    repaired += 1;
    const typeAlias = `type ${alias}${kind.params} = ${target}${kind.args};`;
    return kind.isClass ? `${typeAlias}\n${line}` : typeAlias;
  });
  writeFileSync(full, text);
}
console.log(`fix-dts-namespaces: repaired ${repaired} namespace member(s) in ${files.length} declaration file(s)`);

function declarationKind(chunkFile, exportedName) {
  const chunk = readFileSync(chunkFile, 'utf8');
  let local = exportedName;
  for (const m of chunk.matchAll(/^export \{([^}]*)\};?$/gm)) {
    for (const part of m[1].split(',')) {
      const [name, as = name] = part.trim().replace(/^type /, '').split(/\s+as\s+/);
      if (as.trim() === exportedName) local = name.trim();
    }
  }
  const decl = new RegExp(`^(?:export )?(?:declare )?(abstract class|class|interface|type) ${escape(local)}\\b(<)?`, 'm').exec(chunk);
  if (!decl) return null;
  const isClass = decl[1].includes('class');
  if (!decl[2]) return { isClass, params: '', args: '' };
  const params = balanced(chunk, decl.index + decl[0].length - 1);
  const names = splitTopLevel(params.slice(1, -1)).map((p) => p.trim().split(/\s|=/)[0]);
  return { isClass, params, args: `<${names.join(', ')}>` };
}

function balanced(text, start) {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '<') depth += 1;
    else if (text[i] === '>' && text[i - 1] !== '=') {
      depth -= 1;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  throw new Error('unbalanced type parameters');
}

function splitTopLevel(list) {
  const parts = [];
  let depth = 0;
  let current = '';
  for (const ch of list) {
    if ('<({['.includes(ch)) depth += 1;
    if ('>)}]'.includes(ch)) depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (current.trim()) parts.push(current);
  return parts;
}

function escape(s) {
  return s.replace(/[$]/g, '\\$');
}
