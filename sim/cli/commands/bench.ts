/**
 * `mpipl-sim bench [--json] [--quick] [--only STEP[,STEP]]` (design section 9): every performance
 * metric, each against a baseline measured in the same run, medians of repetitions. `--only`
 * runs the named steps (e.g. `interpreterCorpus`) and nothing else. The bench reports; it never fails
 * on a missed goal (exit 0), because timings depend on the host: docs/benchmarks.md keeps the
 * numbers of a reference host and how to reproduce them.
 */
import type { CliIo, Command } from '../io.js';
import { boolFlag, parseFlags, stringFlag } from '../args.js';
import { progressBar } from '../progress.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { bigMachineMetric, bisectMetric, denseCopyMetric, interpreterCorpusMetrics, interpreterMetric, coupledTimeMetric, referenceElfRatioMetric, scenarioMetric, sweepMetric, traceMetrics, type BenchOptions, type Metric } from '../../bench/metrics.js';

type Step = [string, (o: BenchOptions) => Metric | Promise<Metric> | Promise<Record<string, Metric>> | Record<string, Metric>];

const STEPS: readonly Step[] = [
  ['interpreterSpeedVsQemu', interpreterMetric],
  ['interpreterCorpus', (o) => {
    const c = interpreterCorpusMetrics(o);
    return { interpreterCorpusMedianVsQemu: c.median, interpreterCorpusWorstVsQemu: c.worst };
  }],
  ['scenariosPerSecondSynthetic', (o) => scenarioMetric(o, 'synthetic')],
  ['scenariosPerSecondMachineCode', (o) => scenarioMetric(o, 'machine-code')],
  ['referenceElfRatio', referenceElfRatioMetric],
  ['coupledVsChargedTime', coupledTimeMetric],
  ['crashPointSweep100kCycles', sweepMetric],
  ['machine64GiB32GiBRegistered', () => bigMachineMetric()],
  ['densePreservationCopy', denseCopyMetric],
  ['traces', (o) => {
    const t = traceMetrics(o);
    return { traceRecordingOverheadEvents: t.overhead, traceSizeFull: t.size, traceSizeFullLongUserRun: t.sizeLong };
  }],
  ['firstDivergenceBisect1e8Cycles', bisectMetric],
];

export const benchCommand: Command = async (argv: string[], io: CliIo) => {
  const p = parseFlags(argv, { json: { type: 'boolean' }, quick: { type: 'boolean' }, only: { type: 'string' } }, false);
  if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
  const options: BenchOptions = { quick: boolFlag(p, 'quick') };
  const only = stringFlag(p, 'only');
  const names = STEPS.map(([n]) => n);
  const wanted = only === undefined ? names : only.split(',');
  const unknown = wanted.find((n) => !names.includes(n));
  if (unknown !== undefined) throw new UsageError(`--only: unknown step "${unknown}" (steps: ${names.join(', ')})`);
  const steps = STEPS.filter(([n]) => wanted.includes(n));
  const metrics: Record<string, Metric> = {};
  const bar = progressBar(io, 'bench', steps.length, 'metrics');
  let done = 0;
  for (const [name, run] of steps) {
    bar.update(done, name);
    const m = await run(options);
    if (isMetric(m)) metrics[name] = m;
    else Object.assign(metrics, m);
    done++;
  }
  bar.update(done);
  bar.stop();
  if (boolFlag(p, 'json')) io.stdout(`${JSON.stringify({ quick: options.quick, metrics }, null, 2)}\n`);
  else io.stdout(render(metrics));
  return ExitCode.pass;
};

function isMetric(m: Metric | Record<string, Metric>): m is Metric {
  return typeof (m as Metric).unit === 'string';
}

function fmt(v: number | null): string {
  if (v === null) return 'n/a';
  if (Math.abs(v) >= 1e6) return v.toExponential(3);
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

function render(metrics: Record<string, Metric>): string {
  const lines: string[] = [];
  for (const [name, m] of Object.entries(metrics)) {
    const mark = m.meetsGoal === null ? '  ?  ' : m.meetsGoal ? ' ok  ' : ' MISS';
    lines.push(`${mark} ${name}: ${fmt(m.value)} ${m.unit} (goal ${m.goal})${m.baseline === null ? '' : `; baseline ${m.baseline.name} ${fmt(m.baseline.value)} ${m.baseline.unit}`}`);
    lines.push(`        ${m.note}`);
  }
  return `${lines.join('\n')}\n`;
}
