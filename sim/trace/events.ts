/**
 * The single event catalogue. Every participant reports what it does as cycle-stamped events in
 * the spec's vocabulary; the trace writer records them, `inspect` renders them, replay compares them.
 * Values are JSON- and msgpack-friendly: 64-bit quantities are `0x` hex strings.
 */

export type Participant = 'machine' | 'cpu' | 'sbe' | 'hostboot' | 'skiboot' | 'linux' | 'oracle' | 'harness';

export const EVENT_KINDS = {
  'power-on': 'machine powered on (config in data)',
  boot: 'a participant boots (skiboot first/MPIPL boot, Linux first/capture kernel)',
  'dt-prop': 'a device-tree property is added, changed or removed',
  'opal-call': 'an OPAL call enters the OPAL entry point (token, args)',
  'opal-return': 'an OPAL call returns (token, rc)',
  'xscom-read': 'an XSCOM read (chip, address, value or error)',
  'xscom-write': 'an XSCOM write (chip, address, value or error)',
  'sbe-chipop': 'the SBE handles a chip-op from its mailbox (command, key, value)',
  's0': 'an SBE receives the S0 interrupt through its control register',
  'clock-stop': 'the SBE stops every core clock',
  'ipl': 'an IPL starts (kind: normal or mpipl)',
  copy: 'hostboot copies a source range to its destination (or skips it, with the reason)',
  'mdrt-write': 'hostboot writes the MDRT (entries, act_cnt)',
  'regs-capture': 'hostboot writes the register-capture area and the processor dump area',
  crash: 'a thread enters the kernel panic path (cycle, PIR, cause)',
  interrupt: 'a thread takes an architected interrupt (program, trap, machine check)',
  'linux-log': 'a kernel message the model prints (pr_warn, pr_err …)',
  'skiboot-log': 'a skiboot console message (prlog)',
  vmcore: 'the capture kernel exports /proc/vmcore (segments) or drops the dump',
  opalcore: 'the capture kernel exports the OPAL core or does not',
  release: 'user space releases the dump (release_mem) and re-registers',
  checkpoint: 'digest of memory and every thread at a cycle',
  'harness-op': 'the harness writes a firmware table directly (a malformed-table scenario)',
  invariant: 'an oracle verdict for one invariant at one MPIPL',
  'fw-log': 'a firmware ELF console write or log message (FW_SVC_CONSOLE_WRITE, FW_SVC_LOG)',
  'fw-event': 'a typed event a firmware ELF reports (FW_SVC_EVENT: kind and four values)',
  'fw-fault': 'a firmware ELF faulted (kind, NIP, symbol+offset, detail): the machine checkstops',
} as const;

export type EventKind = keyof typeof EVENT_KINDS;

export type EventValue = string | number | boolean;
export type EventData = Readonly<Record<string, EventValue>>;

export interface SimEvent {
  readonly cycle: number;
  readonly who: Participant;
  readonly kind: EventKind;
  readonly data: EventData;
}

/** One register an instruction wrote: `reg` is a slot of sim/cpu/state.ts (GPR n = n, LR = 34 …). */
export interface RetiredRegWrite {
  readonly reg: number;
  readonly value: bigint;
}

/** Bytes an instruction stored, in memory order, at a real address. */
export interface RetiredMemWrite {
  readonly addr: bigint;
  readonly bytes: Uint8Array;
}

/**
 * One retired instruction with its effects (`full` trace level, design section 7). Structurally
 * the trace format's InstructionRecord (traces/format.ts), declared here so sim/ does not import
 * traces/. The next NIP is not a register write: it is the `nip` of the thread's next record.
 */
export interface RetiredInstruction {
  readonly cycle: number;
  readonly pir: number;
  readonly nip: bigint;
  readonly word: number;
  readonly regs: readonly RetiredRegWrite[];
  readonly mem: readonly RetiredMemWrite[];
}

/** Where the machine reports events. The trace writer in traces/ implements it; sim/ never imports traces/. */
export interface TraceSink {
  event(e: SimEvent): void;
  /**
   * Present only on sinks that want every retired instruction (`full` level). The machine checks
   * for it once, at construction, and only then runs the observed (slower) step path.
   */
  instruction?(r: RetiredInstruction): void;
}

/** Keeps events in memory (tests, the run summary, the JSON output). */
export class MemorySink implements TraceSink {
  readonly events: SimEvent[] = [];
  event(e: SimEvent): void {
    this.events.push(e);
  }
}

