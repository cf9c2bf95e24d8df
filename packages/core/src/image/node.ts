// Node-only part of the image module, exported from @gen/core/node.
export {};
