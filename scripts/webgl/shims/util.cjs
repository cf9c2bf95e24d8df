// Minimal `util` / `util/types` for the jest libraries bundled into the webgl page.
const types = {
  isPromise: (v) => v != null && typeof v.then === 'function' && Object.prototype.toString.call(v) === '[object Promise]',
  isAsyncFunction: (f) => typeof f === 'function' && f.constructor && f.constructor.name === 'AsyncFunction',
  isGeneratorFunction: (f) => typeof f === 'function' && f.constructor && /GeneratorFunction$/.test(f.constructor.name),
  isRegExp: (v) => v instanceof RegExp,
  isDate: (v) => v instanceof Date,
  isMap: (v) => v instanceof Map,
  isSet: (v) => v instanceof Set,
  isWeakMap: (v) => v instanceof WeakMap,
  isWeakSet: (v) => v instanceof WeakSet,
  isNativeError: (v) => v instanceof Error,
  isTypedArray: (v) => ArrayBuffer.isView(v) && !(v instanceof DataView),
  isArrayBuffer: (v) => v instanceof ArrayBuffer,
  isAnyArrayBuffer: (v) => v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer),
  isDataView: (v) => v instanceof DataView,
  isProxy: () => false,
  isBoxedPrimitive: (v) => v instanceof Number || v instanceof String || v instanceof Boolean,
};
function format(f, ...args) {
  if (typeof f !== 'string') return [f, ...args].map((a) => inspect(a)).join(' ');
  let i = 0;
  const s = f.replace(/%[sdifjoO%]/g, (m) => {
    if (m === '%%') return '%';
    if (i >= args.length) return m;
    const a = args[i++];
    if (m === '%d' || m === '%i') return String(m === '%i' ? Math.trunc(Number(a)) : Number(a));
    if (m === '%f') return String(Number(a));
    if (m === '%j') return JSON.stringify(a);
    return typeof a === 'string' && m === '%s' ? a : inspect(a);
  });
  return [s, ...args.slice(i).map((a) => (typeof a === 'string' ? a : inspect(a)))].join(' ');
}
function inspect(v) {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'function') return `[Function: ${v.name || 'anonymous'}]`;
  if (v instanceof Error) return v.stack || String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
module.exports = {
  types,
  format,
  inspect,
  inherits(ctor, superCtor) {
    Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
    Object.setPrototypeOf(ctor, superCtor);
  },
  deprecate: (fn) => fn,
  isDeepStrictEqual: () => {
    throw new Error('util.isDeepStrictEqual is not available in the webgl page');
  },
  TextEncoder: globalThis.TextEncoder,
  TextDecoder: globalThis.TextDecoder,
};
