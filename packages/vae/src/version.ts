/** The package version, kept equal to package.json by changesets' fixed group. */
export const version = '0.0.0';
