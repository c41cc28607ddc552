/**
 * Load a recorded trace for the commands that re-run its scenario (`vmcore`, `report`): check the
 * whole file (a corrupt trace is bad input, exit 2, even when only its tail is damaged), keep the
 * header and the events, and resolve the firmware the header names (one this build does not have
 * is CannotTestError, exit 125, as in replay).
 */
import { readTrace } from '../../traces/reader.js';
import type { TraceFooter, TraceHeader, TraceItem } from '../../traces/format.js';
import type { SimEvent, TraceSink } from '../trace/events.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import type { FirmwareProfile } from '../participants/firmware.js';
import { CannotTestError, UsageError } from '../core/errors.js';
import { resolveProfile } from '../firmware/profiles.js';
import { scenarioFromHeader } from './recording.js';

export interface LoadedTrace {
  readonly header: TraceHeader;
  readonly footer: TraceFooter;
  /** Events only: instruction records of a `full` trace are streamed past, never kept. */
  readonly events: readonly SimEvent[];
}

/** `visit` sees every item in file order (the header first), instructions included. */
export function loadTrace(file: string, keepEvents: boolean, visit?: (item: TraceItem) => void): LoadedTrace {
  let header: TraceHeader | undefined;
  let footer: TraceFooter | undefined;
  const events: SimEvent[] = [];
  for (const item of readTrace(file)) {
    visit?.(item);
    if (item.type === 'header') header = item.header;
    else if (item.type === 'footer') footer = item.footer;
    else if (item.type === 'event' && keepEvents) events.push(item.event);
  }
  // The reader only ends normally after a valid header and footer.
  if (header === undefined || footer === undefined) throw new UsageError(`${file}: trace has no header or no footer`);
  return { header, footer, events };
}

export interface RunnableScenario {
  readonly spec: ScenarioSpec;
  readonly profile: FirmwareProfile;
}

/** The scenario of a trace header with the firmware it names, ready for runScenario. */
export function runnableScenario(header: TraceHeader): RunnableScenario {
  const spec = scenarioFromHeader(header);
  const name = header.firmware.name;
  let factory;
  try {
    factory = resolveProfile(name);
  } catch (e) {
    if (e instanceof UsageError) throw new CannotTestError(`trace needs firmware "${name}", which this build does not have`);
    throw e;
  }
  const withFirmware = { ...spec, firmware: name };
  return { spec: withFirmware, profile: factory(withFirmware) };
}

/** A sink for re-runs whose events are not needed (the trace already has them). */
export const discardEvents: TraceSink = { event: () => undefined };
