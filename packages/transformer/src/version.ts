import manifest from '../package.json';

/** The installed package version (bumped by changesets; inlined at build time). */
export const version: string = manifest.version;
