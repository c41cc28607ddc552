/**
 * Every command's help in one table: `mpipl-sim CMD --help`, `mpipl-sim CMD -h` and
 * `mpipl-sim help CMD` print its usage, flags and an example (design section 8). A command that
 * gains a flag adds one line here; the table is the single source the three forms share.
 */
export interface CommandHelp {
  readonly summary: string;
  readonly usage: string;
  /** [flag, what it does] */
  readonly flags: readonly (readonly [string, string])[];
  readonly example: string;
}

const FIRMWARE = ['--firmware NAME|PATH', 'reference (default), qemu, mutant:NAME, or a plugin module (docs/firmware-plugins.md)'] as const;
const SEED = ['--seed S', 'the seed: any token of letters, digits, . _ - (default 1)'] as const;
const JSON_FLAG = ['--json', 'one JSON document on stdout instead of text'] as const;

export const HELP: Readonly<Record<string, CommandHelp>> = {
  run: {
    summary: 'run one scenario and judge it against every invariant',
    usage: 'mpipl-sim run [--seed S] [--config FILE] [--firmware NAME|PATH] [--crash-at CYCLE] [--crash-pir PIR] [--time-mode charged|coupled] [--crash-in-opal-call K+N] [--crashes N] [--record FILE [--trace-level events|full]] [--json]',
    flags: [
      SEED,
      ['--config FILE', 'machine keys (chips, coresPerChip, threadsPerCore 1|2|4, ramSize, kernelEndian, workload) and optional linux and faults objects'],
      FIRMWARE,
      ['--crash-at CYCLE', 'first crash at this absolute cycle (below the cycle limit, 100000000)'],
      ['--crash-pir PIR', 'the first crash hits this thread'],
      ['--time-mode charged|coupled', 'firmware ELF time: charged (default) runs each entry in one step; coupled retires its instructions on the hardware thread'],
      ['--crash-in-opal-call K+N', 'coupled time: the first crash lands N firmware instructions into the K-th OPAL call on a hardware thread (on its caller, or --crash-pir)'],
      ['--crashes N', 'crash → capture → release → re-register, N times (1–64)'],
      ['--record FILE', 'record the run as a trace (`-` for stdout; the text then goes to stderr)'],
      ['--trace-level events|full', 'with --record: events only (default) or every retired instruction'],
      JSON_FLAG,
    ],
    example: 'mpipl-sim run --seed 1 --record s1.mpt',
  },
  check: {
    summary: 'generate scenarios, judge each, shrink every failure to a counterexample',
    usage: 'mpipl-sim check [--runs N | --time SECONDS] [--seed S] [--firmware NAME|PATH] [--time-mode charged|coupled] [--corpus DIR] [--workers K] [--shard I/N] [--json]',
    flags: [
      ['--runs N', 'scenarios to run (default 200)'],
      ['--time-mode charged|coupled', 'coupled: firmware ELFs retire on the hardware threads and crashes are aimed inside firmware calls'],
      ['--time SECONDS', 'run until this much host time has passed (checked between scenarios)'],
      SEED,
      FIRMWARE,
      ['--corpus DIR', 'record each shrunk counterexample there as FIRMWARE-INVARIANT-sSEED-rROUND.mpt, the moment it is found'],
      ['--workers K', 'worker threads (at most the number of cores)'],
      ['--shard I/N', 'a deterministic split of the seed space'],
      JSON_FLAG,
    ],
    example: 'mpipl-sim check --runs 20 --seed 3',
  },
  mutants: {
    summary: 'score the property suite against every built-in single-bug mutant',
    usage: 'mpipl-sim mutants [--runs N] [--seed S] [--time-mode charged|coupled] [--json]',
    flags: [['--runs N', 'scenario budget per mutant (default 200)'], SEED, ['--time-mode charged|coupled', 'the time mode of every scenario (coupled finds the mid-call C mutants)'], JSON_FLAG],
    example: 'mpipl-sim mutants --runs 50',
  },
  exec: {
    summary: 'run a static ppc64 Linux ELF in user mode (compare with qemu-ppc64le)',
    usage: 'mpipl-sim exec ELF [--max-cycles N]',
    flags: [['--max-cycles N', 'instruction budget (default 10000000000)']],
    example: 'mpipl-sim exec workloads/bin/user-hash-le.elf',
  },
  replay: {
    summary: 're-run recorded traces and compare them bit for bit',
    usage: 'mpipl-sim replay FILE|DIR... [--firmware NAME|PATH] [--json]',
    flags: [['--firmware NAME|PATH', 'replay under this firmware instead of the one the trace names'], JSON_FLAG],
    example: 'mpipl-sim replay traces/corpus',
  },
  bisect: {
    summary: 'bisect crash | diverge | firmware: the first bad crash cycle, divergent cycle or firmware version',
    usage: 'mpipl-sim bisect crash --seed S --good CYCLE --bad CYCLE [run flags] | bisect diverge FILE --firmware NAME | bisect firmware FW1 FW2... --trace FILE...',
    flags: [
      ['crash', 'the first crash cycle in [--good, --bad] at which the scenario fails'],
      ['diverge', 'the first cycle where --firmware leaves other state or events than the recording'],
      ['firmware', 'the first bad version in an ordered list, judged on the given traces'],
      ['builds', 'the first differing shared effect between two firmware ELF builds: --firmware-elf A --against B [--seed S] [--time-mode charged|coupled]'],
      JSON_FLAG,
    ],
    example: 'mpipl-sim bisect crash --seed 1 --good 170600 --bad 171500 --firmware mutant:linux-crash-regs-after-crash-path',
  },
  shrink: {
    summary: 'shrink a failing trace to a smaller scenario that breaks the same invariant',
    usage: 'mpipl-sim shrink FILE [-o OUT] [--max-runs N]',
    flags: [
      ['-o, --output OUT', 'where to write the shrunk trace (default FILE.shrunk.mpt; never the input)'],
      ['--max-runs N', 'scenario runs the search may spend'],
    ],
    example: 'mpipl-sim shrink f.mpt -o f-small.mpt',
  },
  sweep: {
    summary: 'check one scenario at every crash cycle in a window',
    usage: 'mpipl-sim sweep --from CYCLE --to CYCLE [--seed S] [--config FILE] [--firmware NAME|PATH] [--crash-pir PIR] [--crashes N] [--time-mode charged|coupled] [--workers K] [--json]',
    flags: [['--from CYCLE, --to CYCLE', 'the window of crash cycles'], SEED, FIRMWARE, ['--time-mode charged|coupled', 'how firmware ELF time is accounted (docs/firmware-elf.md); coupled crashes can land inside OPAL calls'], ['--workers K', 'worker threads'], JSON_FLAG],
    example: 'mpipl-sim sweep --seed 1 --from 171050 --to 171130 --firmware mutant:linux-crash-regs-after-crash-path',
  },
  bench: {
    summary: 'measure every performance goal against its baseline in the same run',
    usage: 'mpipl-sim bench [--quick] [--only STEP[,STEP]] [--json]',
    flags: [['--quick', 'fewer repetitions and smaller sizes (a smoke run; its figures are noisier)'], ['--only STEP[,STEP]', 'run only these steps, e.g. interpreterCorpus,traces (an unknown name lists them all)'], JSON_FLAG],
    example: 'mpipl-sim bench --quick',
  },
  inspect: {
    summary: 'show a trace as a timeline (or JSON)',
    usage: 'mpipl-sim inspect FILE [--from CYCLE] [--to CYCLE] [--json]',
    flags: [['--from CYCLE, --to CYCLE', 'only events in this window'], JSON_FLAG],
    example: 'mpipl-sim inspect s1.mpt --from 173000 --to 175000',
  },
  vmcore: {
    summary: "write a round's /proc/vmcore (and OPAL core) as ELF core files",
    usage: 'mpipl-sim vmcore FILE -o OUT [--opalcore OUT2] [--round N] [--exact]',
    flags: [
      ['-o, --output OUT', 'the vmcore (`-` for stdout; a device or FIFO is written through)'],
      ['--opalcore OUT2', 'also the OPAL core'],
      ['--round N', 'which MPIPL round (default 0)'],
      ['--exact', "keep the kernel's pr_pid 0 in every CPU note"],
    ],
    example: 'mpipl-sim vmcore traces/corpus/reference-seed1.mpt -o s1.vmcore --opalcore s1.opalcore',
  },
  report: {
    summary: 'write a self-contained HTML report of a trace',
    usage: 'mpipl-sim report FILE -o OUT.html',
    flags: [['-o, --output OUT.html', 'the page (`-` for stdout)']],
    example: 'mpipl-sim report s1.mpt -o s1.html',
  },
  help: {
    summary: 'show the help of a command',
    usage: 'mpipl-sim help [CMD]',
    flags: [],
    example: 'mpipl-sim help check',
  },
};

export function commandHelp(name: string): string {
  const h = HELP[name]!;
  const w = Math.max(0, ...h.flags.map(([f]) => f.length));
  const flags = h.flags.length === 0 ? '' : `\nflags:\n${h.flags.map(([f, d]) => `  ${f.padEnd(w)}  ${d}`).join('\n')}\n  ${'-h, --help'.padEnd(w)}  this help\n`;
  return `mpipl-sim ${name}: ${h.summary}\n\nusage: ${h.usage}\n${flags}\nexample:\n  $ ${h.example.replace(/^mpipl-sim/, 'npx mpipl-sim')}\n`;
}

export function generalHelp(version: string): string {
  const names = Object.keys(HELP).filter((n) => n !== 'help');
  return `mpipl-sim ${version}: a cycle-deterministic POWER9 simulator that validates MPIPL / OPAL fadump

usage: mpipl-sim <command> [options]     mpipl-sim <command> --help     mpipl-sim --version

commands:
${names.map((n) => `  ${n.padEnd(9)} ${HELP[n]!.summary}`).join('\n')}

exit codes: 0 pass, 1 finding, 2 usage or bad input, 125 cannot test this trace, 130 interrupted
`;
}

/** Does argv ask for help (before a `--`)? */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}
