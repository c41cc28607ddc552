/**
 * The report in a real browser: Debian's Chromium driven by playwright-core (which ships no
 * browser). For a passing and a failing trace: no console errors, no network requests, the
 * timeline and the memory map are drawn, hovering a marker fills the details panel; the failing
 * report shows its findings. A hostile trace runs no script of its own. The failing report's
 * full-page screenshot is taken into the test's temporary directory, so `npm test` leaves the
 * tree clean; MPIPL_UPDATE_SCREENSHOT=1 (scripts/update-screenshot.sh) writes it to
 * docs/report-screenshot.png instead, the picture README and docs/vmcore-and-report.md show.
 *
 * Chromium follows the tool rule of tests/helpers/tools.ts: missing in CI fails, missing locally skips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { reportCommand } from '../../sim/cli/commands/report.js';
import { MUTANTS } from '../../sim/firmware/mutants.js';
import { readTraceFile } from '../../traces/reader.js';
import { cli } from '../helpers/cli.js';
import { requireTool } from '../helpers/tools.js';
import { runCommand } from '../vmcore/command.js';
import { hostileTrace } from './hostile.js';

const browser = requireTool('chromium');
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Only an explicit request rewrites the tracked picture; a plain test run must not dirty the tree. */
const UPDATE_SCREENSHOT = process.env['MPIPL_UPDATE_SCREENSHOT'] === '1';
const DOCS_SCREENSHOT = join(REPO, 'docs', 'report-screenshot.png');
/** The tracked picture's mtime before the tests, to show a plain run left it alone. */
const DOCS_SCREENSHOT_MTIME = statSync(DOCS_SCREENSHOT, { throwIfNoEntry: false })?.mtimeMs;
/** A mutant that breaks several invariants at seed 1, so the failing report has findings and broken ranges. */
const FAILING_MUTANT = 'hostboot-mdrt-dest-is-src';

let dir = '';
let context: BrowserContext | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mpipl-report-browser-'));
  if (!browser.available) return;
  context = await chromium.launchPersistentContext(join(dir, 'user-data'), {
    executablePath: browser.path,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1300, height: 900 },
  });
});

afterAll(async () => {
  await context?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Loaded {
  readonly page: Page;
  readonly consoleErrors: string[];
  readonly requests: string[];
  readonly dialogs: string[];
}

async function open(html: string): Promise<Loaded> {
  const page = await context!.newPage();
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const url = pathToFileURL(html).href;
  await page.goto(url, { waitUntil: 'load' });
  return { page, consoleErrors, requests: requests.filter((u) => u !== url), dialogs };
}

async function report(trace: string, name: string): Promise<string> {
  const out = join(dir, name);
  const r = await runCommand('report', reportCommand, [trace, '-o', out]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return out;
}

describe.skipIf(!browser.available)('the report in Chromium', () => {
  it('a passing trace: timeline, memory map, no errors, no network', async () => {
    const trace = join(dir, 'pass.mpt');
    expect((await cli('run', '--seed', '1', '--record', trace)).code).toBe(0);
    const events = readTraceFile(trace).events.length;
    const { page, consoleErrors, requests } = await open(await report(trace, 'pass.html'));
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.locator('svg#timeline circle.ev').count()).toBe(events);
    expect(await page.locator('svg#timeline .phase').count()).toBe(8);
    expect(await page.locator('svg#timeline .mark-crash').count()).toBe(1);
    expect(await page.locator('svg#timeline .mark-stop').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('svg.memmap').count()).toBe(1);
    // Two MDST sources, two MDDT destinations, two MDRT entries, all preserved.
    expect(await page.locator('svg.memmap rect.range').count()).toBe(6);
    expect(await page.locator('svg.memmap rect.range.st-preserved').count()).toBe(6);
    expect(await page.locator('.findings.ok').count()).toBe(1);
    expect(await page.locator('table.invariants tr.row-ok').count()).toBe(12); // the 9 of before plus mdrt-exact, cpu-format, registration-effective
    // Hovering a marker puts its details in the panel.
    await page.locator('svg#timeline circle.ev-bad').first().hover();
    expect(await page.locator('#evinfo').textContent()).toMatch(/harness crash\ncause=injected pir=7/);
    await page.close();
  });

  it('a failing trace: findings with got/expected, broken ranges; screenshot saved', async () => {
    expect(MUTANTS.map((m) => m.name)).toContain(FAILING_MUTANT);
    const trace = join(dir, 'fail.mpt');
    expect((await cli('run', '--seed', '1', '--firmware', `mutant:${FAILING_MUTANT}`, '--record', trace)).code).toBe(1);
    const { page, consoleErrors, requests } = await open(await report(trace, 'fail.html'));
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.locator('.verdict.bad').textContent()).toBe('FAIL');
    const failed = readTraceFile(trace).events.filter((e) => e.kind === 'invariant' && e.data['ok'] === false).length;
    expect(failed).toBeGreaterThan(0);
    expect(await page.locator('#findings li').count()).toBe(failed);
    expect(await page.locator('#findings td.got').first().textContent()).toMatch(/^0x[0-9a-f]+$/);
    expect(await page.locator('svg#timeline circle.ev').count()).toBeGreaterThan(100);
    expect(await page.locator('svg.memmap rect.range.st-broken').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.memmap .mm-collateral').count()).toBeGreaterThan(0);
    await page.locator('svg.memmap rect.range.st-broken').first().hover();
    expect(await page.locator('#evinfo').textContent()).toMatch(/size 0x[0-9a-f]+ \(\d/);
    // Back to the top so the sticky details panel sits in its place in the full-page shot.
    await page.keyboard.press('Home');
    const shot = UPDATE_SCREENSHOT ? DOCS_SCREENSHOT : join(dir, 'report-screenshot.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    if (!UPDATE_SCREENSHOT) expect(statSync(DOCS_SCREENSHOT, { throwIfNoEntry: false })?.mtimeMs).toBe(DOCS_SCREENSHOT_MTIME);
    await page.close();
  });

  it('a hostile trace runs no script and adds no element of its own', async () => {
    const real = join(dir, 'real.mpt');
    expect((await cli('run', '--seed', '1', '--record', real)).code).toBe(0);
    const { page, consoleErrors, requests, dialogs } = await open(await report(hostileTrace(real, dir), 'hostile.html'));
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.locator('script').count()).toBe(1);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('svg').count()).toBe(1 + (await page.locator('svg.memmap').count()));
    expect(await page.title()).toContain('</title><script>');
    await page.close();
  });
});
