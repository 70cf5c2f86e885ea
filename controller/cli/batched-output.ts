// The rollout's report is a line per event: thousands for a big plan. process.stdout on a pipe
// or a file writes synchronously on Linux, a system call per write, and blocks while the
// reader is slow, holding up every agent's stream. Lines are gathered instead and written
// once the current turn of the event loop ends (or 64 KiB are waiting), in order.

const FLUSH_BYTES = 64 * 1024;

export class BatchedOutput {
  private pending: string[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(private readonly sink: (text: string) => void) {}

  write(text: string): void {
    this.pending.push(text);
    this.bytes += text.length;
    if (this.bytes >= FLUSH_BYTES) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes what is waiting now; the command calls it before it returns. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.bytes = 0;
    this.sink(text);
  }
}
