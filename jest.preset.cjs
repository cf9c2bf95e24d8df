// Shared jest settings: every package tests its TypeScript sources directly (no build
// needed), transformed by swc; `@gen/*` imports resolve to the sibling package's src.
const path = require('node:path');

module.exports = function jestPreset(packageDir) {
  return {
    rootDir: packageDir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.(t|j|mj)sx?$': [
        '@swc/jest',
        { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
      ],
    },
    transformIgnorePatterns: ['/node_modules/(?!.*\\.mjs$)'],
    moduleNameMapper: {
      '^@gen/([a-z-]+)$': path.join(__dirname, 'packages/$1/src/index.ts'),
      '^@gen/([a-z-]+)/(node|testing)$': path.join(__dirname, 'packages/$1/src/$2.ts'),
    },
    setupFiles: [path.join(__dirname, 'jest.setup.cjs')],
    globalSetup: path.join(__dirname, 'jest.global-setup.cjs'),
    testTimeout: 120000,
  };
};
