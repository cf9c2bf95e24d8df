// Node-only part of the io module, exported from @gen/core/node.
export {};
