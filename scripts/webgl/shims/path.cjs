// Minimal POSIX `path` for jest-message-util / jest-util in the browser.
function normalizeParts(parts, absolute) {
  const out = [];
  for (const p of parts) {
    if (!p || p === '.') continue;
    if (p === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
    } else out.push(p);
  }
  return out;
}
function normalize(p) {
  const absolute = p.startsWith('/');
  const s = normalizeParts(p.split('/'), absolute).join('/');
  return (absolute ? '/' : '') + s || (absolute ? '/' : '.');
}
function join(...parts) {
  return normalize(parts.filter(Boolean).join('/'));
}
function resolve(...parts) {
  let acc = '';
  for (let i = parts.length - 1; i >= 0 && !acc.startsWith('/'); i--) acc = parts[i] + (acc ? '/' + acc : '');
  return normalize(acc.startsWith('/') ? acc : '/' + acc);
}
function relative(from, to) {
  const a = resolve(from).split('/').filter(Boolean);
  const b = resolve(to).split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
}
function dirname(p) {
  const i = p.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : p.slice(0, i);
}
function basename(p, ext) {
  const b = p.slice(p.lastIndexOf('/') + 1);
  return ext && b.endsWith(ext) ? b.slice(0, -ext.length) : b;
}
function extname(p) {
  const b = basename(p);
  const i = b.lastIndexOf('.');
  return i <= 0 ? '' : b.slice(i);
}
const path = {
  sep: '/',
  delimiter: ':',
  normalize,
  join,
  resolve,
  relative,
  dirname,
  basename,
  extname,
  isAbsolute: (p) => p.startsWith('/'),
  parse: (p) => ({ root: p.startsWith('/') ? '/' : '', dir: dirname(p), base: basename(p), ext: extname(p), name: basename(p, extname(p)) }),
  format: (o) => (o.dir ? o.dir + '/' : '') + (o.base || (o.name || '') + (o.ext || '')),
};
path.posix = path;
module.exports = path;
