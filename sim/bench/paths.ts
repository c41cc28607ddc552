/** Where the bundled user ELFs are: workloads/bin under the package root (found as bundled.ts does). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function userWorkloadPath(name: string, endian: 'le' | 'be'): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'workloads', 'manifest.json'))) return join(dir, 'workloads', 'bin', `user-${name}-${endian}.elf`);
    dir = dirname(dir);
  }
  throw new Error('workloads/manifest.json not found above the bench sources');
}
