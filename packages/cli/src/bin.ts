#!/usr/bin/env node
// The `gen` executable: everything lives in main() so tests can run it in-process.
import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`gen: ${String((error as Error)?.stack ?? error)}\n`);
    process.exitCode = 1;
  },
);
