// A small jest-compatible test runtime for the webgl leg (runs inside headless Chromium).
//
// It installs the jest globals (describe / it / test / hooks / expect / jest.fn), collects
// what each test file registers, and runs — sequentially — only the tests that live inside
// a suite whose name ends with ` [<backend>]`, i.e. the copies `describeWithBackends`
// emits for the backends of this page. Plain `describe` blocks in the same files are Node
// tests and are collected but never run here.
//
// Semantics follow jest-circus where the repo's tests can tell the difference: hooks run
// outer→inner (beforeEach) and inner→outer (afterEach); afterEach runs even when the test
// or a beforeEach failed; a failing beforeAll fails every test of its block; `.only`
// narrows a file; `expect.assertions(n)` / `hasAssertions()` are checked after each test.
import { expect } from 'expect';
import { ModuleMocker } from 'jest-mock';

const DEFAULT_TIMEOUT_MS = 60_000;

function newBlock(name, parent, mode, file) {
  return {
    kind: 'describe',
    name,
    parent,
    mode, // 'skip' | 'only' | undefined
    file,
    children: [],
    hooks: { beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] },
  };
}

const files = []; // { file, root, loadError }
let current = null; // the block `describe` / `it` register into
let defaultTimeout = DEFAULT_TIMEOUT_MS;

function requireCollecting(api) {
  if (!current) {
    throw new Error(`${api}() was called outside test collection (inside a test or after loading finished)`);
  }
  return current;
}

// ---------------------------------------------------------------- registration API

function formatEachName(title, row, index) {
  const args = Array.isArray(row) ? row : [row];
  let i = 0;
  let name = title.replace(/%([sdifjoOp#%])/g, (m, f) => {
    if (f === '%') return '%';
    if (f === '#') return String(index);
    if (i >= args.length) return m;
    const a = args[i++];
    if (f === 'd' || f === 'i') return String(f === 'i' ? Math.trunc(Number(a)) : Number(a));
    if (f === 'f') return String(Number(a));
    if (f === 's') return typeof a === 'string' ? a : prettyValue(a);
    return prettyValue(a);
  });
  if (!Array.isArray(row) && row !== null && typeof row === 'object') {
    name = name.replace(/\$([A-Za-z_][\w.]*)/g, (m, key) => {
      let v = row;
      for (const k of key.split('.')) v = v == null ? undefined : v[k];
      return typeof v === 'string' ? v : prettyValue(v);
    });
  }
  return name;
}

function prettyValue(v) {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return `[Function ${v.name || 'anonymous'}]`;
  if (typeof v === 'bigint') return `${v}n`;
  if (Object.is(v, -0)) return '-0';
  if (v === undefined || typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

function makeEach(register) {
  return (table, ...templateArgs) => {
    if (!Array.isArray(table)) throw new Error('.each: expected an array table');
    if (Array.isArray(table.raw)) {
      // Tagged template: `a | b | c` header row, then values.
      const headings = table.join('').trim().split('\n')[0].split('|').map((h) => h.trim()).filter(Boolean);
      const rows = [];
      for (let i = 0; i < templateArgs.length; i += headings.length) {
        const row = {};
        headings.forEach((h, j) => (row[h] = templateArgs[i + j]));
        rows.push(row);
      }
      table = rows;
    }
    return (title, fn, timeout) => {
      table.forEach((row, index) => {
        const args = Array.isArray(row) && !Array.isArray(table.raw) ? row : [row];
        register(formatEachName(title, row, index), fn && ((...extra) => fn(...args, ...extra)), timeout, fn);
      });
    };
  };
}

function registerDescribe(mode) {
  return (name, fn) => {
    const parent = requireCollecting('describe');
    const block = newBlock(String(typeof name === 'function' ? name.name : name), parent, mode, parent.file);
    parent.children.push(block);
    current = block;
    try {
      const ret = typeof fn === 'function' ? fn() : undefined;
      if (ret && typeof ret.then === 'function') {
        throw new Error(`describe("${block.name}") returned a Promise; describe callbacks must be synchronous`);
      }
    } finally {
      current = parent;
    }
  };
}

function registerTest(mode) {
  return (name, fn, timeout, originalFn) => {
    const parent = requireCollecting('test');
    if (mode !== 'todo' && typeof fn !== 'function') {
      throw new Error(`test("${name}") needs a function (use test.todo for placeholders)`);
    }
    parent.children.push({
      kind: 'test',
      name: String(name),
      parent,
      mode,
      fn,
      // `done`-style tests declare one parameter beyond the .each row.
      wantsDone: typeof (originalFn || fn) === 'function' && (originalFn || fn).length > 0 && !originalFn,
      timeout: typeof timeout === 'number' ? timeout : undefined,
      file: parent.file,
    });
  };
}

function buildDescribe() {
  const d = registerDescribe(undefined);
  d.skip = registerDescribe('skip');
  d.only = registerDescribe('only');
  d.each = makeEach((n, fn) => d(n, fn));
  d.skip.each = makeEach((n, fn) => d.skip(n, fn));
  d.only.each = makeEach((n, fn) => d.only(n, fn));
  return d;
}

function buildTest() {
  const t = registerTest(undefined);
  t.skip = registerTest('skip');
  t.only = registerTest('only');
  t.todo = (name) => registerTest('todo')(name, undefined);
  t.failing = registerTest('failing');
  t.concurrent = t; // run sequentially: the GPU is one queue anyway
  t.concurrent.skip = t.skip;
  t.concurrent.only = t.only;
  t.each = makeEach((n, fn, timeout, orig) => t(n, fn, timeout, orig));
  t.skip.each = makeEach((n, fn, timeout, orig) => t.skip(n, fn, timeout, orig));
  t.only.each = makeEach((n, fn, timeout, orig) => t.only(n, fn, timeout, orig));
  t.failing.each = makeEach((n, fn, timeout, orig) => t.failing(n, fn, timeout, orig));
  return t;
}

function hook(kind) {
  return (fn, timeout) => {
    const block = requireCollecting(kind);
    block.hooks[kind].push({ fn, timeout: typeof timeout === 'number' ? timeout : undefined });
  };
}

const mocker = new ModuleMocker(globalThis);

export const jestGlobals = {
  describe: buildDescribe(),
  test: buildTest(),
  beforeAll: hook('beforeAll'),
  afterAll: hook('afterAll'),
  beforeEach: hook('beforeEach'),
  afterEach: hook('afterEach'),
  expect,
  jest: {
    fn: (impl) => mocker.fn(impl),
    spyOn: (...args) => mocker.spyOn(...args),
    replaceProperty: (...args) => mocker.replaceProperty(...args),
    isMockFunction: (f) => mocker.isMockFunction(f),
    mocked: (x) => x,
    clearAllMocks: () => mocker.clearAllMocks(),
    resetAllMocks: () => mocker.resetAllMocks(),
    restoreAllMocks: () => mocker.restoreAllMocks(),
    setTimeout: (ms) => {
      defaultTimeout = ms;
    },
    useFakeTimers: () => {
      throw new Error('jest.useFakeTimers is not supported in the webgl page');
    },
    mock: () => {
      throw new Error('jest.mock is not supported in the webgl page (tests bundled for the browser cannot mock modules)');
    },
  },
};
jestGlobals.it = jestGlobals.test;
jestGlobals.xit = jestGlobals.test.skip;
jestGlobals.xtest = jestGlobals.test.skip;
jestGlobals.fit = jestGlobals.test.only;
jestGlobals.xdescribe = jestGlobals.describe.skip;
jestGlobals.fdescribe = jestGlobals.describe.only;

export function installGlobals() {
  Object.assign(globalThis, jestGlobals);
}

/** Loads one test file (a dynamic import) into its own root block. */
export async function collectFile(file, load) {
  const root = newBlock('', null, undefined, file);
  const entry = { file, root, loadError: null };
  files.push(entry);
  current = root;
  try {
    await load();
  } catch (error) {
    entry.loadError = error;
  } finally {
    current = null;
  }
  return entry;
}

// ---------------------------------------------------------------- running

function fullName(node) {
  const parts = [];
  for (let n = node; n && n.parent; n = n.parent) parts.unshift(n.name);
  return parts.join(' › ');
}

function ancestors(node) {
  const out = [];
  for (let n = node.parent; n; n = n.parent) out.unshift(n);
  return out; // root first
}

function hasOnly(block) {
  return block.children.some((c) => c.mode === 'only' || (c.kind === 'describe' && hasOnly(c)));
}

/**
 * Marks which tests of a file run here: inside a `… [backend]` suite, not skipped, and,
 * when the file uses `.only`, only the focused ones.
 */
function select(root, suffixes, grep) {
  const fileHasOnly = hasOnly(root);
  const walk = (block, inBackendSuite, skipped, focused) => {
    for (const child of block.children) {
      const childSkipped = skipped || child.mode === 'skip' || child.mode === 'todo';
      const childFocused = focused || child.mode === 'only';
      if (child.kind === 'describe') {
        const inSuite = inBackendSuite || suffixes.some((s) => child.name.endsWith(s));
        walk(child, inSuite, childSkipped, childFocused);
      } else {
        child.inBackendSuite = inBackendSuite;
        child.status = !inBackendSuite
          ? 'other'
          : child.mode === 'todo'
            ? 'todo'
            : childSkipped || (fileHasOnly && !childFocused) || (grep && !grep.test(fullName(child)))
              ? 'skipped'
              : 'selected';
      }
    }
  };
  walk(root, false, false, false);
}

function countSelected(block) {
  let n = 0;
  for (const c of block.children) n += c.kind === 'test' ? (c.status === 'selected' ? 1 : 0) : countSelected(c);
  return n;
}

function* testsOf(block) {
  for (const c of block.children) {
    if (c.kind === 'test') yield c;
    else yield* testsOf(c);
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Exceeded timeout of ${ms} ms for ${what}.`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function callUserFn(fn, wantsDone, ms, what) {
  let p;
  if (wantsDone) {
    p = new Promise((resolve, reject) => {
      const done = (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve());
      done.fail = (msg) => reject(new Error(msg));
      try {
        fn(done);
      } catch (e) {
        reject(e);
      }
    });
  } else {
    p = (async () => fn())();
  }
  return withTimeout(p, ms, what);
}

function serializeError(error) {
  if (error instanceof Error || (error && typeof error === 'object' && 'message' in error)) {
    return { message: String(error.message), stack: String(error.stack || '') };
  }
  return { message: `thrown non-Error value: ${prettyValue(error)}`, stack: '' };
}

/**
 * Runs the selected tests of every collected file. `report(event)` is awaited for each
 * event: test-start, test-end, hook-failure, file-error, file-start, file-end.
 */
export async function runAll({ suffixes, report, grep, beforeTest }) {
  const results = [];
  for (const entry of files) {
    if (entry.loadError) {
      const r = { type: 'file-error', file: entry.file, error: serializeError(entry.loadError) };
      results.push(r);
      await report(r);
      continue;
    }
    select(entry.root, suffixes, grep);
    const selected = countSelected(entry.root);
    const all = [...testsOf(entry.root)];
    await report({
      type: 'file-start',
      file: entry.file,
      selected,
      skipped: all.filter((t) => t.status === 'skipped' || t.status === 'todo').length,
      other: all.filter((t) => t.status === 'other').length,
    });
    const t0 = performance.now();
    await runBlock(entry.root, [], { report, results, beforeTest });
    await report({ type: 'file-end', file: entry.file, ms: performance.now() - t0 });
  }
  return results;
}

async function runHook(h, kind, block) {
  const ms = h.timeout ?? defaultTimeout;
  await callUserFn(h.fn, h.fn.length > 0, ms, `a "${kind}" hook`);
}

async function runBlock(block, inheritedFailure, ctx) {
  if (countSelected(block) === 0) return;
  let blockFailure = inheritedFailure;
  for (const h of block.hooks.beforeAll) {
    if (blockFailure.length) break;
    try {
      await runHook(h, 'beforeAll', block);
    } catch (error) {
      blockFailure = [{ ...serializeError(error), where: `beforeAll in "${fullName(block) || block.file}"` }];
    }
  }
  for (const child of block.children) {
    if (child.kind === 'describe') await runBlock(child, blockFailure, ctx);
    else if (child.status === 'selected') await runTest(child, blockFailure, ctx);
  }
  for (const h of block.hooks.afterAll) {
    try {
      await runHook(h, 'afterAll', block);
    } catch (error) {
      const r = {
        type: 'hook-failure',
        file: block.file,
        name: `afterAll in "${fullName(block) || block.file}"`,
        error: serializeError(error),
      };
      ctx.results.push(r);
      await ctx.report(r);
    }
  }
}

async function runTest(test, blockFailure, ctx) {
  const name = fullName(test);
  await ctx.report({ type: 'test-start', file: test.file, name, timeout: test.timeout ?? defaultTimeout });
  const errors = [...blockFailure];
  const t0 = performance.now();
  if (!errors.length) {
    expect.setState({
      assertionCalls: 0,
      expectedAssertionsNumber: null,
      isExpectingAssertions: false,
      suppressedErrors: [],
      currentTestName: name,
      testPath: test.file,
    });
    const chain = ancestors(test);
    let beforeOk = true;
    for (const block of chain) {
      for (const h of block.hooks.beforeEach) {
        if (!beforeOk) break;
        try {
          await runHook(h, 'beforeEach', block);
        } catch (error) {
          beforeOk = false;
          errors.push({ ...serializeError(error), where: 'beforeEach' });
        }
      }
    }
    if (beforeOk) {
      try {
        if (ctx.beforeTest) await ctx.beforeTest(test);
        const ms = test.timeout ?? defaultTimeout;
        if (test.mode === 'failing') {
          let threw = false;
          try {
            await callUserFn(test.fn, test.wantsDone, ms, 'a test');
          } catch {
            threw = true;
          }
          if (!threw) throw new Error('Failing test passed even though it was supposed to fail. Remove `.failing` to remove error.');
        } else {
          await callUserFn(test.fn, test.wantsDone, ms, 'a test');
        }
      } catch (error) {
        errors.push(serializeError(error));
      }
    }
    for (const block of [...chain].reverse()) {
      for (const h of block.hooks.afterEach) {
        try {
          await runHook(h, 'afterEach', block);
        } catch (error) {
          errors.push({ ...serializeError(error), where: 'afterEach' });
        }
      }
    }
    try {
      for (const e of expect.extractExpectedAssertionsErrors()) errors.push(serializeError(e.error));
      for (const e of expect.getState().suppressedErrors || []) errors.push(serializeError(e));
    } catch (error) {
      errors.push(serializeError(error));
    }
  }
  const r = {
    type: 'test-end',
    file: test.file,
    name,
    status: errors.length ? 'failed' : 'passed',
    ms: performance.now() - t0,
    errors,
  };
  ctx.results.push(r);
  await ctx.report(r);
}
