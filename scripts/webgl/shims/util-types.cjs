// `util/types` for the jest libraries bundled into the webgl page.
module.exports = require('./util.cjs').types;
