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
}

const QUIET: Progress = { update: () => {}, stop: () => {} };

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
  };
}
