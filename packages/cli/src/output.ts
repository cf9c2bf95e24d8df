/** Where a command writes: stdout for results, stderr for errors and progress. */
export interface OutputStream {
  write(text: string): unknown;
  /** True when the stream is an interactive terminal (progress bars redraw one line). */
  isTTY?: boolean;
  /** Terminal width, when known. */
  columns?: number;
}

export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
}

/** The process's own streams. */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr };
}

/** An in-memory CliIO for tests: `text()` returns what each stream received. */
export function memoryIO(options: { isTTY?: boolean } = {}): CliIO & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text), isTTY: options.isTTY ?? false },
    stderr: { write: (text: string) => (err += text), isTTY: options.isTTY ?? false },
    out: () => out,
    err: () => err,
  };
}
