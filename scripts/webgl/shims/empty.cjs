// Stand-in for Node built-ins (fs, stream, constants, assert, module, ...) that the jest
// libraries bundled into the webgl page import but never use on the paths `expect` takes.
// Anything that does reach for them fails loudly instead of misbehaving.
function unavailable(name) {
  return () => {
    throw new Error(`Node built-in '${name}' is not available in the webgl page`);
  };
}
module.exports = {
  builtinModules: [],
  Stream: function Stream() {},
  equal: () => {},
  ok: () => {},
  readFileSync: unavailable('fs.readFileSync'),
  existsSync: () => false,
  statSync: unavailable('fs.statSync'),
  realpathSync: Object.assign((p) => p, { native: (p) => p }),
};
