// The child process of `gen bench` for one tfjs backend in Node: runs the measurements it
// is given and prints one JSON event per line, so the parent can stop a measurement that
// exceeds its time limit (a running tfjs kernel cannot be interrupted in-process).
import type { BenchConfig } from './bench/config';
import { runTfjsBackendHere } from './bench/tfjs-node';

const request = JSON.parse(process.argv[2] ?? '{}') as { backend: string; config: BenchConfig; ids: string[] };
runTfjsBackendHere(request.backend, request.config, request.ids, (event) => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stdout.write(`${JSON.stringify({ type: 'fatal', message: String((error as Error)?.message ?? error) })}\n`);
    process.exit(1);
  },
);
