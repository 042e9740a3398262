/** @module A dependency-free progress bar on stderr for long evaluation steps. */

/** A progress bar that redraws one stderr line; call `done()` to end the line. */
export interface Progress {
  tick(n?: number): void;
  done(): void;
}

/** Creates a progress bar for `total` items labelled `label` (silent when stderr is not a TTY except at the end). */
export function createProgress(label: string, total: number): Progress {
  const start = Date.now();
  let count = 0;
  let lastDraw = 0;
  const tty = process.stderr.isTTY === true;
  const draw = (final: boolean): void => {
    const width = 30;
    const ratio = total === 0 ? 1 : count / total;
    const filled = Math.round(ratio * width);
    const secs = (Date.now() - start) / 1000;
    const rate = secs > 0 ? count / secs : 0;
    const eta = rate > 0 ? (total - count) / rate : 0;
    const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
    const line = `${label} [${bar}] ${count}/${total} ${rate.toFixed(0)}/s eta ${eta.toFixed(0)}s`;
    if (tty) process.stderr.write(`\r${line}${final ? "\n" : ""}`);
    else process.stderr.write(`${line}\n`);
    lastDraw = Date.now();
  };
  return {
    tick(n = 1) {
      count += n;
      // A TTY redraws in place; a log file gets a line every 5 s at most.
      if (Date.now() - lastDraw > (tty ? 100 : 5000)) draw(false);
    },
    done() {
      draw(true);
    },
  };
}
