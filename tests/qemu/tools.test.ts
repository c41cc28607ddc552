/** The CI rule of tests/helpers/tools.ts: missing tool = failure in CI, skip with a message locally. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { findOnPath, isCi, requireTool, requireTools } from '../helpers/tools.js';

describe('requireTool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpipl-tools-'));
  writeFileSync(join(dir, 'fake-tool'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(dir, 'not-executable'), '', { mode: 0o644 });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds an executable on PATH', () => {
    expect(findOnPath('fake-tool', dir)).toBe(join(dir, 'fake-tool'));
    expect(findOnPath('not-executable', dir)).toBeUndefined();
    const t = requireTool('fake-tool', { PATH: dir });
    expect(t).toMatchObject({ available: true, path: join(dir, 'fake-tool') });
  });

  it('skips with a message when missing locally', () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const t = requireTool('qemu-ppc64le', { PATH: dir });
    expect(t.available).toBe(false);
    expect(spy.mock.calls.map((c) => String(c[0])).join('')).toMatch(/skipping tests that need qemu-ppc64le: .*qemu-user/);
    spy.mockRestore();
  });

  it('fails when missing in CI', () => {
    expect(() => requireTool('qemu-ppc64le', { PATH: dir, CI: 'true' })).toThrow(/required tool missing in CI: qemu-ppc64le/);
    expect(() => requireTools(['fake-tool', 'nope'], { PATH: dir, CI: '1' })).toThrow(/nope/);
  });

  it('reads CI the way CI services set it', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({ CI: '' })).toBe(false);
    expect(isCi({})).toBe(false);
  });
});
