/**
 * A tiny Platform for testing the Linux model alone: real memory, device tree and thread state,
 * a scripted OPAL (records calls, returns scripted rcs, keeps tags), and a scheduler that queues
 * actions until the test runs them.
 */
import { PhysicalMemory } from '../../sim/mem/physical-memory.js';
import { DeviceTree, propString, propU64s } from '../../sim/machine/device-tree.js';
import { XscomBus } from '../../sim/machine/xscom.js';
import { DEFAULT_COST_MODEL, type CostModel } from '../../sim/machine/cost-model.js';
import { DEFAULT_CONFIG, type Endian, type MachineConfig } from '../../sim/machine/config.js';
import { Topology } from '../../sim/machine/topology.js';
import { ThreadState, Slot, MSR } from '../../sim/cpu/state.js';
import { Prng } from '../../sim/core/prng.js';
import type { EventData, EventKind, Participant } from '../../sim/trace/events.js';
import type { IplHandoff, Platform } from '../../sim/participants/platform.js';
import { MpiplOp, OpalRc, OpalToken } from '../../sim/participants/opal-api.js';

export interface OpalCall {
  readonly cycle: number;
  readonly pir: number;
  readonly token: number;
  readonly args: readonly bigint[];
  readonly rc: bigint;
}

/** Scripted OPAL: the bits of skiboot's MPIPL calls Linux depends on, with overridable return codes. */
export class MiniOpal {
  calls: OpalCall[] = [];
  /** Return code of the n-th ADD_RANGE (default SUCCESS). */
  addRangeRcs: bigint[] = [];
  private addRangeCount = 0;
  registerTagRc = new Map<bigint, bigint>();
  /** Values QUERY_TAG writes (BE) into the caller's buffer. */
  tags = new Map<bigint, bigint>();
  /** Non-success rc for a QUERY_TAG: the buffer is not written. */
  queryRc = new Map<bigint, bigint>();
  cecRc: bigint = OpalRc.SUCCESS;
  cecStartsMpipl = true;
  freed = false;
  registered = new Map<bigint, bigint>();

  handle(p: FakePlatform, pir: number, token: number, args: readonly bigint[]): bigint {
    const rc = this.rcFor(p, token, args);
    this.calls.push({ cycle: p.cycle(), pir, token, args: [...args], rc });
    return rc;
  }

  private rcFor(p: FakePlatform, token: number, args: readonly bigint[]): bigint {
    switch (token) {
      case OpalToken.MPIPL_UPDATE:
        if (args[0] === MpiplOp.ADD_RANGE) return this.addRangeRcs[this.addRangeCount++] ?? OpalRc.SUCCESS;
        if (args[0] === MpiplOp.FREE_PRESERVED_MEMORY) this.freed = true;
        return OpalRc.SUCCESS;
      case OpalToken.MPIPL_REGISTER_TAG: {
        const rc = this.registerTagRc.get(args[0]!) ?? OpalRc.SUCCESS;
        if (rc === OpalRc.SUCCESS) this.registered.set(args[0]!, args[1]!);
        return rc;
      }
      case OpalToken.MPIPL_QUERY_TAG: {
        const tag = args[0]!;
        if (this.freed) return OpalRc.PARAMETER;
        const rc = this.queryRc.get(tag) ?? OpalRc.SUCCESS;
        if (rc === OpalRc.SUCCESS) p.mem.write64BE(Number(args[1]!), this.tags.get(tag) ?? 0n);
        return rc;
      }
      case OpalToken.CEC_REBOOT2:
        // Like skiboot: on success the S0 went out and the machine is going down.
        if (this.cecRc === OpalRc.SUCCESS && this.cecStartsMpipl) p.down = true;
        return this.cecRc;
      default:
        return OpalRc.PARAMETER;
    }
  }

  /** Calls of one token, optionally one MPIPL op / tag (args[0]). */
  of(token: number, arg0?: bigint): OpalCall[] {
    return this.calls.filter((c) => c.token === token && (arg0 === undefined || c.args[0] === arg0));
  }
}

interface Queued {
  readonly at: number;
  readonly seq: number;
  readonly label: string;
  readonly action: () => void;
}

export interface FakeOptions {
  readonly kernelEndian?: Endian;
  readonly chips?: number;
  readonly ramSizeBytes?: number;
}

export class FakePlatform implements Platform {
  readonly config: MachineConfig;
  readonly topology: Topology;
  readonly mem: PhysicalMemory;
  readonly xscom = new XscomBus();
  readonly dt = new DeviceTree();
  readonly cost: CostModel = DEFAULT_COST_MODEL;
  readonly opal = new MiniOpal();
  readonly threads = new Map<number, ThreadState>();
  readonly logs: { level: string; msg: string }[] = [];
  readonly events: { who: Participant; kind: EventKind; data: EventData }[] = [];
  readonly normalReboots: string[] = [];
  readonly occupied: { pir: number; cycles: number }[] = [];
  private queue: Queued[] = [];
  private seq = 0;
  private now = 0;
  private readonly root = new Prng('linux-test');

  constructor(o: FakeOptions = {}) {
    this.config = { ...DEFAULT_CONFIG, kernelEndian: o.kernelEndian ?? 'little', chips: o.chips ?? 1, ramSizeBytes: o.ramSizeBytes ?? 4 * 2 ** 30 };
    this.topology = new Topology(this.config);
    this.mem = new PhysicalMemory(this.config.ramSizeBytes);
    for (const t of this.topology.threads) {
      const s = new ThreadState(t.pir);
      s.set(Slot.MSR, MSR.SF | MSR.HV | MSR.ME);
      this.threads.set(t.pir, s);
    }
  }

  cycle(): number {
    return this.now;
  }
  thread(pir: number): ThreadState {
    const t = this.threads.get(pir);
    if (t === undefined) throw new Error(`no PIR ${pir}`);
    return t;
  }
  prng(name: string): Prng {
    return this.root.stream(name);
  }
  emit(who: Participant, kind: EventKind, data: EventData): void {
    this.events.push({ who, kind, data });
    if (kind === 'linux-log') this.logs.push({ level: String(data['level']), msg: String(data['msg']) });
  }
  opalCall(callerPir: number, token: number, args: readonly bigint[]): bigint {
    const rc = this.opal.handle(this, callerPir, token, args);
    this.occupy(callerPir, this.cost.opalCallCycles);
    return rc;
  }
  schedule(delayCycles: number, label: string, action: () => void): void {
    this.queue.push({ at: this.now + delayCycles, seq: this.seq++, label, action });
  }
  scheduleCall(delayCycles: number, label: string, owner: object, method: string, ...args: unknown[]): void {
    this.schedule(delayCycles, label, () => (owner as Record<string, (...a: unknown[]) => void>)[method]!(...args));
  }
  advance(cycles: number): void {
    this.now += cycles;
  }
  inOpal(_pir: number): boolean {
    return false; // no coupled time here: every call runs nested
  }

  occupy(pir: number, cycles: number): void {
    this.occupied.push({ pir, cycles });
  }
  requestMpipl(_handoff: IplHandoff, _delayCycles: number): void {}
  requestNormalReboot(reason: string): void {
    this.normalReboots.push(reason);
  }
  /** Set by a test to play an OPAL that started the MPIPL (the call "never returns"). */
  down = false;
  goingDown(): boolean {
    return this.down || this.normalReboots.length > 0;
  }

  private readonly states = new Map<string, unknown>();
  participantState<T>(key: string, create: () => T): T {
    if (!this.states.has(key)) this.states.set(key, create());
    return this.states.get(key) as T;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Run one queued action (earliest first). */
  step(): boolean {
    if (this.queue.length === 0) return false;
    this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = this.queue.shift()!;
    this.now = Math.max(this.now, next.at);
    next.action();
    return true;
  }

  runAll(limit = 10_000): void {
    for (let i = 0; i < limit && this.step(); i++);
  }

  hasLog(part: string): boolean {
    return this.logs.some((l) => l.msg.includes(part));
  }
}

/** skiboot-like reservations for 1 chip, cpu_max_pir 7 (spec 3.2): opal_dump_size = 0x1C50000. */
export const FW = {
  skibootBase: 0x3000_0000,
  opalDumpSize: 0x1c5_0000,
  firmwareDump: 0x31c5_0000,
  archRegs: 0x338a_0000,
  archRegsSize: 0x8_0000,
  opalBootAddress: 0x3000_0010n,
} as const;

export function setupDeviceTree(dt: DeviceTree, o: { mpiplBoot?: boolean; compatible?: string; fwLoadArea?: bigint[]; noDumpNode?: boolean } = {}): void {
  dt.set('/ibm,opal', 'opal-base-address', propU64s([BigInt(FW.skibootBase)]));
  dt.set('/ibm,opal', 'opal-boot-address', propU64s([FW.opalBootAddress]));
  dt.set('/ibm,opal', 'opal-entry-address', propU64s([0x3000_2000n]));
  dt.set('/reserved-memory/ibm,skiboot', 'reg', propU64s([BigInt(FW.skibootBase), BigInt(FW.opalDumpSize)]));
  dt.set('/reserved-memory/ibm,firmware-dump', 'reg', propU64s([BigInt(FW.firmwareDump), BigInt(FW.opalDumpSize)]));
  dt.set('/reserved-memory/ibm,firmware-arch-registers', 'reg', propU64s([BigInt(FW.archRegs), BigInt(FW.archRegsSize)]));
  if (o.noDumpNode === true) return;
  dt.set('/ibm,opal/dump', 'compatible', propString(o.compatible ?? 'ibm,opal-dump'));
  dt.set('/ibm,opal/dump', 'fw-load-area', propU64s(o.fwLoadArea ?? [0x2000_0000n, 0x800_0000n, 0x2800_0000n, 0x800_0000n]));
  if (o.mpiplBoot === true) dt.set('/ibm,opal/dump', 'mpipl-boot', propU64s([1n]));
}
