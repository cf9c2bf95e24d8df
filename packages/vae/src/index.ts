// @gen/vae — model family package; its models land with their issue (see docs/roadmap.md).
export { version } from './version';
