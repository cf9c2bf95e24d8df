// Minimal `url` for jest-util / jest-message-util in the browser.
module.exports = {
  URL: globalThis.URL,
  URLSearchParams: globalThis.URLSearchParams,
  fileURLToPath: (u) => decodeURIComponent(String(u).replace(/^file:\/\//, '')),
  pathToFileURL: (p) => new URL('file://' + encodeURI(p)),
};
