import type { OutputStream } from './output';

export interface ProgressBarOptions {
  /** Units of work in all. */
  total: number;
  /** Text before the bar (`bench`, `epoch 3`). */
  label?: string;
  /** Where to draw (stderr by default, so stdout stays clean for results). */
  stream?: OutputStream;
  /** Treat the stream as a terminal; defaults to `stream.isTTY`. */
  isTTY?: boolean;
  /** On a non-terminal, print a plain line at most this often (default 10 000 ms)... */
  plainIntervalMs?: number;
  /** ...or whenever this fraction of the work has passed since the last line (default 0.1). */
  plainFraction?: number;
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
}

/**
 * A progress bar for long work. On a terminal it redraws one line in place
 * (`label [#####-----] 50% 5/10 12s eta 12s  info`); elsewhere (CI logs, pipes, files) it
 * prints a plain line every 10 % or every 10 s, so logs stay readable.
 */
export class ProgressBar {
  readonly total: number;
  private current = 0;
  private info = '';
  private readonly label: string;
  private readonly stream: OutputStream;
  private readonly isTTY: boolean;
  private readonly plainIntervalMs: number;
  private readonly plainFraction: number;
  private readonly now: () => number;
  private readonly startedAt: number;
  private lastPlainAt: number;
  private lastPlainFraction = 0;
  private lastWidth = 0;
  private finished = false;

  constructor(options: ProgressBarOptions) {
    const { total, label = '', stream = process.stderr, plainIntervalMs = 10_000, plainFraction = 0.1, now = () => Date.now() } = options;
    this.total = Math.max(0, total);
    this.label = label;
    this.stream = stream;
    this.isTTY = options.isTTY ?? stream.isTTY === true;
    this.plainIntervalMs = plainIntervalMs;
    this.plainFraction = plainFraction;
    this.now = now;
    this.startedAt = now();
    this.lastPlainAt = this.startedAt;
  }

  /** Advances by `amount` units; `info` replaces the trailing text (a loss, a name). */
  tick(amount = 1, info?: string): void {
    this.update(this.current + amount, info);
  }

  /** Sets the position to `current` units. */
  update(current: number, info?: string): void {
    if (this.finished) return;
    this.current = Math.min(Math.max(0, current), this.total);
    if (info !== undefined) this.info = info;
    if (this.isTTY) {
      this.redraw();
      return;
    }
    const fraction = this.total > 0 ? this.current / this.total : 1;
    const time = this.now();
    // The line at 100 % is done()'s.
    if (this.current >= this.total) return;
    if (fraction - this.lastPlainFraction >= this.plainFraction - 1e-9 || time - this.lastPlainAt >= this.plainIntervalMs) {
      this.lastPlainAt = time;
      this.lastPlainFraction = fraction;
      this.stream.write(`${this.render(false)}\n`);
    }
  }

  /** Writes a message above the bar without breaking it. */
  log(message: string): void {
    if (this.isTTY && this.lastWidth > 0) this.stream.write(`\r${' '.repeat(this.lastWidth)}\r`);
    this.stream.write(`${message}\n`);
    if (this.isTTY && !this.finished) this.redraw();
  }

  /** Ends the bar's line, at `current` (default: complete). */
  done(info?: string, current = this.total): void {
    if (this.finished) return;
    this.current = Math.min(Math.max(0, current), this.total);
    if (info !== undefined) this.info = info;
    if (this.isTTY) {
      this.redraw();
      this.stream.write('\n');
    } else {
      this.stream.write(`${this.render(false)}\n`);
    }
    this.finished = true;
  }

  /** The line as it would be drawn now. */
  render(withBar = true): string {
    const fraction = this.total > 0 ? this.current / this.total : 1;
    const elapsed = (this.now() - this.startedAt) / 1000;
    const parts: string[] = [];
    if (this.label) parts.push(this.label);
    if (withBar) {
      const width = 20;
      const filled = Math.round(fraction * width);
      parts.push(`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`);
    }
    parts.push(`${Math.floor(fraction * 100)}%`, `${this.current}/${this.total}`, formatSeconds(elapsed));
    if (this.current > 0 && this.current < this.total) {
      parts.push(`eta ${formatSeconds((elapsed / this.current) * (this.total - this.current))}`);
    }
    if (this.info) parts.push(` ${this.info}`);
    return parts.join(' ');
  }

  private redraw(): void {
    let line = this.render(true);
    const columns = this.stream.columns ?? 0;
    if (columns > 0 && line.length > columns - 1) line = line.slice(0, columns - 1);
    const pad = this.lastWidth > line.length ? ' '.repeat(this.lastWidth - line.length) : '';
    this.stream.write(`\r${line}${pad}`);
    this.lastWidth = line.length;
  }
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(Math.round(seconds - minutes * 60)).padStart(2, '0')}s`;
}
