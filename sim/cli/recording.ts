/**
 * The glue between scenario runs and trace files: record a run, and re-run a recorded scenario
 * from its header for replay. This is the composition root's job (sim/ never imports traces/
 * elsewhere): the machine only knows the TraceSink interface.
 */
import type { ScenarioSpec } from '../scenario/scenario.js';
import { runScenario, workloadImageFor, type RunResult } from '../scenario/run.js';
import { configToObject } from '../machine/config.js';
import { validateMachineConfig, validateScenario } from '../scenario/validate.js';
import { costModelFor } from '../machine/cost-model.js';
import type { FirmwareProfile } from '../participants/firmware.js';
import type { RetiredInstruction, SimEvent, TraceSink } from '../trace/events.js';
import { SIMULATOR_VERSION } from '../version.js';
import { CannotTestError, UsageError } from '../core/errors.js';
import { TraceWriter } from '../../traces/writer.js';
import type { OutputTarget } from '../../traces/output-file.js';
import type { JsonValue, TraceHeader, TraceHeaderInput, TraceItem, TraceLevel } from '../../traces/format.js';
import { resolveProfile } from '../firmware/profiles.js';
import { checkRecordedElfs } from './firmware-elf-option.js';

/** Checkpoint interval of recorded runs: often enough to bound a bisect, rare enough to be cheap. */
export const CHECKPOINT_EVERY_CYCLES = 20_000;

export function headerFor(spec: ScenarioSpec, profile: FirmwareProfile, level: TraceLevel): TraceHeaderInput {
  return {
    simulatorVersion: SIMULATOR_VERSION,
    costModelVersion: costModelFor(spec.timeMode).version,
    config: configToObject(spec.config),
    seed: spec.seed,
    firmware: { name: profile.name, contentHash: profile.contentHash },
    ...(profile.firmwareElfs === undefined || profile.firmwareElfs.length === 0 ? {} : { firmwareElfs: profile.firmwareElfs }),
    // Workload images by content: replay checks this build runs the very same machine code.
    workloads: spec.config.workload === 'machine-code' ? [workloadEntry(spec)] : [],
    traceLevel: level,
    scenario: JSON.parse(JSON.stringify(spec)) as JsonValue,
  };
}

function workloadEntry(spec: ScenarioSpec): { name: string; digest: string; bytes: Uint8Array } {
  const image = workloadImageFor(spec);
  return { name: `${image.name}-${image.endian}`, digest: image.digest, bytes: image.bytes };
}

export function parseTraceLevel(text: string | undefined): TraceLevel {
  if (text === undefined || text === 'events') return 'events';
  if (text === 'full') return 'full';
  throw new UsageError(`--trace-level: expected "events" or "full", got "${text}"`);
}

/** Run `spec` recording to `path` (atomically: a failed run leaves no file under that name). */
export function recordRun(spec: ScenarioSpec, profile: FirmwareProfile, path: string | OutputTarget, level: TraceLevel): RunResult {
  const writer = new TraceWriter();
  writer.open(path, headerFor(spec, profile, level));
  // The machine records instructions when its sink has `instruction`: offer it only at `full`.
  const sink: TraceSink = level === 'full' ? writer : { event: (e) => writer.event(e) };
  try {
    const result = runScenario(spec, { sink, profile, checkpointEveryCycles: CHECKPOINT_EVERY_CYCLES });
    writer.close({ finalDigest: result.finalDigest, verdict: result.verdict });
    return result;
  } catch (e) {
    writer.abort();
    throw e;
  }
}

/** Items a re-run emits, in emission order, ending with the footer the writer would write. */
class ItemSink implements TraceSink {
  readonly items: TraceItem[] = [];
  event(e: SimEvent): void {
    this.items.push({ type: 'event', event: e });
  }
}

/** ItemSink for `full` traces: instructions too, so replay compares instruction by instruction. */
class FullItemSink extends ItemSink {
  instruction(r: RetiredInstruction): void {
    this.items.push({ type: 'instruction', insn: r });
  }
}

/** Rebuild the scenario from a trace header; a header this build cannot run is CannotTestError. */
export function scenarioFromHeader(h: TraceHeader): ScenarioSpec {
  // A trace is data: its scenario gets exactly the validation and limits of `run --config`.
  const config = validateMachineConfig(h.config, 'trace header config');
  const spec = validateScenario(h.scenario, config, 'trace header scenario');
  const cost = costModelFor(spec.timeMode).version;
  if (h.costModelVersion !== cost) throw new CannotTestError(`trace uses cost model ${h.costModelVersion}, this build runs its ${spec.timeMode ?? 'charged'} time mode with ${cost}`);
  checkRecordedElfs(h.firmwareElfs, h.firmware.name, spec);
  for (const w of h.workloads) {
    const mine = spec.config.workload === 'machine-code' ? workloadEntry(spec) : undefined;
    if (mine === undefined || mine.name !== w.name || mine.digest !== w.digest) {
      throw new CannotTestError(`trace ran workload ${w.name} (${w.digest}); this build bundles ${mine === undefined ? 'no such workload' : `${mine.name} (${mine.digest})`}`);
    }
  }
  return spec;
}

export function rerun(h: TraceHeader, firmwareOverride: string | undefined): { items: TraceItem[]; result: RunResult } {
  const spec = scenarioFromHeader(h);
  const name = firmwareOverride ?? h.firmware.name;
  let factory;
  try {
    factory = resolveProfile(name);
  } catch (e) {
    if (firmwareOverride === undefined && e instanceof UsageError) throw new CannotTestError(`trace needs firmware "${name}", which this build does not have`);
    throw e;
  }
  const sink = h.traceLevel === 'full' ? new FullItemSink() : new ItemSink();
  const result = runScenario({ ...spec, firmware: name }, { sink, profile: factory({ ...spec, firmware: name }), checkpointEveryCycles: CHECKPOINT_EVERY_CYCLES });
  sink.items.push({ type: 'footer', footer: { finalDigest: result.finalDigest, verdict: result.verdict, eventCount: 0, instructionCount: 0 } });
  return { items: sink.items, result };
}
