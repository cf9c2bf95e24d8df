// The progress indicator every long task reports to: a bar, a line of text, and the page's
// busy state (`document.body.dataset.busy`, which the end-to-end test waits on).
export class Progress {
  private tasks = 0;

  constructor(
    private readonly bar: HTMLProgressElement,
    private readonly text: HTMLElement,
  ) {}

  /** Runs `task` with the indicator on; errors are shown (one line) and rethrown. */
  async run<T>(label: string, task: (report: (done: number, total: number, detail?: string) => void) => Promise<T>): Promise<T> {
    this.tasks += 1;
    document.body.dataset.busy = 'true';
    this.bar.removeAttribute('value');
    this.text.textContent = `${label}…`;
    this.text.classList.remove('error');
    const report = (done: number, total: number, detail?: string) => {
      this.bar.max = total;
      this.bar.value = done;
      this.text.textContent = `${label}: ${done}/${total}${detail ? ` — ${detail}` : ''}`;
    };
    try {
      const result = await task(report);
      this.text.textContent = `${label}: done`;
      return result;
    } catch (error) {
      this.error(`${label} failed: ${(error as Error).message.split('\n')[0]}`);
      throw error;
    } finally {
      this.tasks -= 1;
      if (this.tasks === 0) {
        document.body.dataset.busy = 'false';
        this.bar.max = 1;
        this.bar.value = 1;
      }
    }
  }

  error(message: string): void {
    this.text.textContent = message;
    this.text.classList.add('error');
    document.body.dataset.lastError = message;
  }
}
