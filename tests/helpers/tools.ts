/**
 * External tools some tests need (qemu-user, the cross compilers). The rule, shared by every
 * test: in CI (process.env.CI set) a missing tool is a failure, because a silently skipped
 * differential suite would look like a passing one; on a developer machine it is a skip with a
 * message saying what to install.
 *
 *   const qemu = requireTool('qemu-ppc64le');
 *   describe.skipIf(!qemu.available)('…', () => { … qemu.path … });
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface ToolCheck {
  readonly name: string;
  readonly available: boolean;
  /** Absolute path when available. */
  readonly path: string;
  /** Why it is not available (empty when it is). */
  readonly reason: string;
}

/** Debian packages that provide the tools tests ask for, for the hint in the message. */
const PACKAGE_HINTS: Readonly<Record<string, string>> = {
  'qemu-ppc64le': 'qemu-user',
  'qemu-ppc64': 'qemu-user',
  'powerpc64le-linux-gnu-gcc': 'gcc-powerpc64le-linux-gnu',
  'powerpc64-linux-gnu-gcc': 'gcc-powerpc64-linux-gnu',
  'powerpc64le-linux-gnu-objdump': 'binutils-powerpc64le-linux-gnu',
  'powerpc64-linux-gnu-objdump': 'binutils-powerpc64-linux-gnu',
};

/** Where `name` resolves on PATH, or undefined. No shell, no `which`: just the PATH walk. */
export function findOnPath(name: string, pathVar: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep walking
    }
  }
  return undefined;
}

export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/**
 * Look up a tool. Missing in CI: throws (the test file fails at collection, naming the tool).
 * Missing locally: prints one line on stderr and returns `available: false` for skipIf.
 */
export function requireTool(name: string, env: NodeJS.ProcessEnv = process.env): ToolCheck {
  const path = findOnPath(name, env.PATH ?? '');
  if (path !== undefined) return { name, available: true, path, reason: '' };
  const hint = PACKAGE_HINTS[name];
  const reason = `${name} not found on PATH${hint === undefined ? '' : ` (Debian package ${hint})`}`;
  if (isCi(env)) throw new Error(`required tool missing in CI: ${reason}`);
  process.stderr.write(`skipping tests that need ${name}: ${reason}\n`);
  return { name, available: false, path: '', reason };
}

/** Several tools at once; available only when all are. */
export function requireTools(names: readonly string[], env: NodeJS.ProcessEnv = process.env): ToolCheck {
  const checks = names.map((n) => requireTool(n, env));
  const missing = checks.filter((c) => !c.available);
  return {
    name: names.join(', '),
    available: missing.length === 0,
    path: '',
    reason: missing.map((c) => c.reason).join('; '),
  };
}
