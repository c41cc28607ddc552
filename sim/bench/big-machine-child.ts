/**
 * Child process of the bench's 64 GiB metric: one full scenario on a 64 GiB machine with 32 GiB of
 * boot memory registered, reporting wall time and peak RSS. A child so the RSS is this run's
 * alone, not the bench's other metrics'.
 */
import { runScenario } from '../scenario/run.js';
import { deriveScenario } from '../scenario/scenario.js';
import { DEFAULT_CONFIG } from '../machine/config.js';
import { referenceProfile } from '../firmware/profiles.js';
import { BIG_MACHINE } from './metrics.js';
import { hostNowMs } from '../cli/host-clock.js';

const spec = { ...deriveScenario('1', { ...DEFAULT_CONFIG, ramSizeBytes: BIG_MACHINE.ramSizeBytes }, 'reference'), linux: { bootMemRegions: [{ startBytes: 0, sizeBytes: BIG_MACHINE.bootMemBytes }] } };
const rssBeforeBytes = process.memoryUsage().rss;
const t0 = hostNowMs();
const r = runScenario(spec, { sink: { event: () => {} }, profile: referenceProfile(spec) });
const wallMs = hostNowMs() - t0;
const maxRssBytes = process.resourceUsage().maxRSS * 1024;
// MDRT sizes of the MPIPL round: proof that the registered memory was really preserved.
const preservedBytes = r.crashes.reduce((sum, c) => sum + c.mdrt.reduce((s, m) => s + Number(m.size), 0), 0);
process.send?.({ wallMs, rssBeforeBytes, maxRssBytes, verdict: r.verdict, note: r.note ?? null, preservedBytes });
