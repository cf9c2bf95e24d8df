// Maps stack frames of the bundled page (http://127.0.0.1:PORT/chunks/x.js:L:C) back to
// repo sources, using the source maps esbuild wrote next to the bundle.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = Object.fromEntries([...B64].map((c, i) => [c, i]));

function decodeVlq(segment) {
  const out = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = B64_INDEX[ch];
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** Parses a v3 source map into per-line sorted segments [genCol, srcIndex, srcLine, srcCol]. */
function parseMap(map) {
  const lines = [];
  let srcIndex = 0;
  let srcLine = 0;
  let srcCol = 0;
  for (const line of map.mappings.split(';')) {
    const segs = [];
    let genCol = 0;
    if (line) {
      for (const s of line.split(',')) {
        const v = decodeVlq(s);
        genCol += v[0];
        if (v.length >= 4) {
          srcIndex += v[1];
          srcLine += v[2];
          srcCol += v[3];
          segs.push([genCol, srcIndex, srcLine, srcCol]);
        }
      }
    }
    lines.push(segs);
  }
  return lines;
}

export function createStackMapper(bundleDir, repoRoot, baseUrl) {
  const cache = new Map();
  const load = (rel) => {
    if (cache.has(rel)) return cache.get(rel);
    let entry = null;
    const mapFile = path.join(bundleDir, rel + '.map');
    if (existsSync(mapFile)) {
      const map = JSON.parse(readFileSync(mapFile, 'utf8'));
      const dir = path.dirname(mapFile);
      entry = {
        lines: parseMap(map),
        sources: map.sources.map((s) => path.relative(repoRoot, path.resolve(dir, map.sourceRoot || '', s)).split(path.sep).join('/')),
      };
    }
    cache.set(rel, entry);
    return entry;
  };
  const lookup = (rel, line, column) => {
    const m = load(rel);
    const segs = m?.lines[line - 1];
    if (!segs || !segs.length) return null;
    let best = segs[0];
    for (const s of segs) {
      if (s[0] <= column - 1) best = s;
      else break;
    }
    return `${m.sources[best[1]]}:${best[2] + 1}:${best[3] + 1}`;
  };
  const escaped = baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const frame = new RegExp(`${escaped}([^\\s:)]+):(\\d+):(\\d+)`, 'g');
  /** Rewrites every bundle location in `text` to its source location. */
  return (text) =>
    String(text).replace(frame, (whole, rel, line, col) => lookup(rel, Number(line), Number(col)) ?? whole);
}

/**
 * Keeps the frames worth reading: drops the harness, node_modules and the async plumbing,
 * keeps at most `max` frames (all frames when nothing would be left).
 */
export function trimStack(stack, max = 8) {
  const lines = String(stack).split('\n');
  const frames = lines.filter((l) => /^\s+at /.test(l));
  const head = lines.filter((l) => !/^\s+at /.test(l));
  const useful = frames.filter((l) => !/node_modules|scripts\/webgl\/(browser|shims)\/|<anonymous>|\(native\)/.test(l));
  return [...head, ...(useful.length ? useful : frames).slice(0, max)].join('\n');
}
