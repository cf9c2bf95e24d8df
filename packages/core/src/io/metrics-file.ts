// Node-only: appends JSON-lines records (one object per line) to a file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../errors';
import type { MetricsSink } from './checkpoint-handlers';

/**
 * A JSON-lines metrics sink: `write(record)` appends `JSON.stringify(record)` and a newline
 * to `file` (created with its folder on first write). Lines are appended, so a resumed run
 * continues the same file; steps after the last checkpoint of a killed run may appear twice
 * (the later line wins).
 */
export function jsonLinesFile(file: string): MetricsSink {
  if (typeof file !== 'string' || file.length === 0) {
    throw new InvalidArgumentError('metricsFile', file, 'must be a non-empty file path');
  }
  const resolved = path.resolve(file);
  let ready: Promise<unknown> | null = null;
  return {
    async write(record) {
      ready ??= fs.promises.mkdir(path.dirname(resolved), { recursive: true });
      await ready;
      await fs.promises.appendFile(resolved, `${JSON.stringify(record)}\n`);
    },
    async close() {},
  };
}
