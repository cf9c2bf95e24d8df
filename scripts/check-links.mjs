#!/usr/bin/env node
// Checks every relative link in the repository's Markdown (docs/**, README.md files,
// CONTRIBUTING.md, examples/*/README.md): the target file or folder must exist, and a
// `#fragment` into a Markdown file must name one of its headings (GitHub's slug rules).
// External links (http:, https:, mailto:) are not fetched: this machine has no internet.
// Usage: node scripts/check-links.mjs   (exit 1 and one line per broken link)
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.turbo', 'api', '.doc-blocks', 'pretrained']);

/** Markdown files whose links are checked. */
function markdownFiles(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) markdownFiles(join(dir, entry.name), out);
    } else if (entry.name.endsWith('.md') && !(dir === join(repo, '.changeset'))) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[`*_~]/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

const anchorsCache = new Map();
function anchorsOf(file) {
  if (!anchorsCache.has(file)) {
    const seen = new Map();
    const anchors = new Set();
    let fenced = false;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (/^\s*```/.test(line)) fenced = !fenced;
      const match = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
      if (!match) continue;
      const base = slug(match[1]);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    anchorsCache.set(file, anchors);
  }
  return anchorsCache.get(file);
}

/** Links outside code: fenced blocks and inline code spans are removed first. */
function linksOf(text) {
  const prose = text.replace(/^\s*```[\s\S]*?^\s*```/gm, '').replace(/`[^`\n]*`/g, '');
  const links = [];
  for (const match of prose.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push(match[1]);
  return links;
}

const broken = [];
let checked = 0;
for (const file of markdownFiles(repo)) {
  for (const link of linksOf(readFileSync(file, 'utf8'))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // http:, https:, mailto:
    checked++;
    const [pathPart, fragment] = link.split('#');
    const target = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
    const where = relative(repo, file);
    if (!existsSync(target)) {
      broken.push(`${where}: link ${link} → ${relative(repo, target)} does not exist`);
      continue;
    }
    if (fragment && target.endsWith('.md') && statSync(target).isFile() && !anchorsOf(target).has(fragment.toLowerCase())) {
      broken.push(`${where}: link ${link} → no heading "#${fragment}" in ${relative(repo, target)}`);
    }
  }
}
for (const line of broken) console.error(line);
console.log(`check-links: ${checked} relative links, ${broken.length} broken`);
process.exit(broken.length > 0 ? 1 : 0);
