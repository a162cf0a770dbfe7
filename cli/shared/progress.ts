/**
 * Progress for long runs, on stderr so stdout stays clean for reports: a redrawn bar when a
 * person watches (TTY), one line per finished item otherwise (CI logs, pipes).
 */
import type { OutputStream } from "./io";

const WIDTH = 24;

export class Progress {
  private done = 0;

  constructor(
    private readonly out: OutputStream,
    private readonly total: number,
  ) {}

  /** Marks one item finished; `line` says what happened to it. */
  tick(item: string, line: string): void {
    this.done += 1;
    if (this.out.isTTY) {
      const filled = this.total === 0 ? WIDTH : Math.round((this.done / this.total) * WIDTH);
      const bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
      this.out.write(`\r\x1b[2K[${bar}] ${this.done}/${this.total} ${item}`);
    } else {
      this.out.write(`[${this.done}/${this.total}] ${item}: ${line}\n`);
    }
  }

  /** Ends the bar's line so the summary starts on a fresh one. */
  finish(): void {
    if (this.out.isTTY && this.total > 0) this.out.write("\r\x1b[2K");
  }
}
