/**
 * The one place the tool reads the host's clock. Nothing the simulator computes depends on it:
 * it only paces progress bars, enforces `--time` budgets and reports rates and bench timings.
 * Everything under sim/ except the CLI and the bench goes through the cycle clock instead (the
 * determinism test in tests/lint enforces that).
 */
import { performance } from 'node:perf_hooks';

/** Milliseconds on a monotonic host clock. */
export function hostNowMs(): number {
  return performance.now();
}

/** CPU time (user + system) this process has used, in ms: the bench reports it beside wall time on a loaded host. */
export function hostCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
