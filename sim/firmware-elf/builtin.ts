/**
 * The committed firmware ELFs (firmware/bin/skiboot.elf and hostboot.elf, built from our C by
 * scripts/build-firmware.sh) behind the built-in profile `reference-elf`. Like the bundled
 * workloads, reading them is reading fixed content: runs do not become host dependent, and the
 * bytes are part of the profile's content hash and of every trace header.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.js';
import { loadFirmwareElf } from './loader.js';
import type { FirmwareElfSet } from './profile.js';

const FILES = { skiboot: join('firmware', 'bin', 'skiboot.elf'), hostboot: join('firmware', 'bin', 'hostboot.elf') } as const;

/** The nearest directory above this module that holds firmware/bin/skiboot.elf, if any. */
export function firmwareRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, FILES.skiboot))) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

let cached: FirmwareElfSet | undefined;

/** Both committed ELFs, loaded and validated once per process. */
export function committedElfs(): FirmwareElfSet {
  if (cached === undefined) {
    const root = firmwareRoot();
    if (root === undefined) throw new UsageError(`reference-elf: ${FILES.skiboot} is not there (build it with scripts/build-firmware.sh)`);
    const read = (who: 'skiboot' | 'hostboot'): Uint8Array => {
      const path = join(root, FILES[who]);
      if (!existsSync(path)) throw new UsageError(`reference-elf: ${FILES[who]} is not there (build it with scripts/build-firmware.sh)`);
      return new Uint8Array(readFileSync(path));
    };
    cached = { skiboot: loadFirmwareElf('skiboot', read('skiboot'), FILES.skiboot), hostboot: loadFirmwareElf('hostboot', read('hostboot'), FILES.hostboot) };
  }
  return cached;
}
