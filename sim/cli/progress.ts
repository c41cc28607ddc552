/**
 * Progress bars for long commands (check, sweep, bench, long replays): drawn on stderr with rate
 * and ETA only when both stdout and stderr are terminals, so piped output and `--json` stay clean.
 */
import cliProgress from 'cli-progress';
import type { CliIo } from './io.js';
import { hostNowMs } from './host-clock.js';

export interface Progress {
  update(done: number, extra?: string): void;
  stop(): void;
  /** Print something whole: the bar's line is cleared first and drawn again after. */
  interrupt(print: () => void): void;
}

const QUIET: Progress = { update: () => {}, stop: () => {}, interrupt: (print) => print() };

export function progressBar(io: CliIo, label: string, total: number, unit: string): Progress {
  if (!io.isTty || !process.stderr.isTTY) return QUIET;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted} {extra}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const startMs = hostNowMs();
  bar.start(total, 0, { rate: '0', extra: '' });
  return {
    update: (done, extra = '') => {
      const seconds = Math.max((hostNowMs() - startMs) / 1000, 1e-3);
      bar.update(done, { rate: (done / seconds).toFixed(1), extra });
    },
    stop: () => bar.stop(),
    interrupt: (print) => {
      // The bar is on stderr, findings on stdout, both on this terminal: clear the bar's line so
      // the finding starts at column 0, and turn line wrapping (which the bar disables) back on
      // while it prints, so a long finding is printed whole instead of cut at the terminal width.
      process.stderr.write('\r\x1b[2K\x1b[?7h');
      print();
      process.stderr.write('\x1b[?7l');
      bar.render();
    },
  };
}
