/**
 * firmware/compat/skiboot: the declarations we wrote for skiboot's core/opal-dump.c put every
 * field where the spec says (checked by the C compiler itself), and
 * scripts/build-skiboot-opal-dump.sh turns a skiboot tree into a skiboot ELF with the ABI entry
 * points. Without a skiboot checkout the script runs on a stand-in core/opal-dump.c of ours that
 * uses every declaration the real file uses; with SKIBOOT_DIR set it builds the real file too.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/runners.js';
import { requireTools } from '../helpers/tools.js';
import { REPO_ROOT } from '../helpers/workloads.js';
import { decode } from '../../sim/isa/decode.js';
import { readElfFacts, textWords } from './build-elf-facts.js';

const gcc = requireTools(['powerpc64-linux-gnu-gcc']);
const FW = join(REPO_ROOT, 'firmware');
const SCRIPT = join(REPO_ROOT, 'scripts', 'build-skiboot-opal-dump.sh');

/** Offsets from docs/protocol.md sections 3.3 and 4.1–4.8, asserted against the compat structs. */
const LAYOUT_C = `
#include <stddef.h>
#include <skiboot.h>
#include <opal-api.h>
#include <opal-dump.h>
#include <hdata/spira.h>
#include "mpipl-layout.h"
#define AT(type, field, off) _Static_assert(offsetof(struct type, field) == (off), #type "." #field)
AT(spirah, ntuples.mdump_src, SPIRAH_MDUMP_SRC);
AT(spirah, ntuples.mdump_dst, SPIRAH_MDUMP_DST);
AT(spirah, ntuples.mdump_res, SPIRAH_MDUMP_RES);
AT(spirah, ntuples.proc_dump_area, 0x100);
AT(spira_ntuple, act_cnt, NTUPLE_ACT_CNT);
AT(spira_ntuple, alloc_cnt, NTUPLE_ALLOC_CNT);
_Static_assert(sizeof(struct spira_ntuple) == 0x20, "n-tuple size");
AT(mdst_table, data_region, MDST_DATA_REGION);
AT(mdst_table, size, MDST_SIZE);
_Static_assert(sizeof(struct mdst_table) == MDST_ENTRY_SIZE, "MDST entry size");
_Static_assert(sizeof(struct mddt_table) == MDST_ENTRY_SIZE, "MDDT entry size");
AT(mdrt_table, dest_addr, MDRT_DEST_ADDR);
AT(mdrt_table, data_region, MDRT_DATA_REGION);
AT(mdrt_table, size, MDRT_SIZE);
_Static_assert(sizeof(struct mdrt_table) == MDRT_ENTRY_SIZE, "MDRT entry size");
AT(proc_dump_area, version, PDA_VERSION);
AT(proc_dump_area, alloc_addr, PDA_ALLOC_ADDR);
AT(proc_dump_area, alloc_size, PDA_ALLOC_SIZE);
AT(proc_dump_area, dest_addr, PDA_DEST_ADDR);
AT(proc_dump_area, act_size, PDA_ACT_SIZE);
AT(mpipl_metadata, kernel_tag, META_KERNEL_TAG);
AT(mpipl_metadata, boot_mem_size, META_BOOT_MEM_SIZE);
_Static_assert(sizeof(struct mpipl_metadata) == META_SIZE, "metadata size");
AT(opal_mpipl_fadump, crashing_pir, FADUMP_CRASHING_PIR);
AT(opal_mpipl_fadump, region_cnt, FADUMP_REGION_CNT);
AT(opal_mpipl_fadump, region, FADUMP_REGIONS);
_Static_assert(sizeof(struct opal_mpipl_region) == FADUMP_REGION_SIZE, "region size");
_Static_assert(MDST_TABLE_OFF == 0x10c00 && MDDT_TABLE_OFF == 0x11000 && PROC_DUMP_AREA_OFF == 0x10300, "mem-map");
_Static_assert(MDRT_TABLE_BASE == SKIBOOT_BASE + 0x1c00000 && DUMP_METADATA_AREA_BASE == SKIBOOT_BASE + 0x1c08000, "mem-map");
`;

/**
 * A stand-in for skiboot's core/opal-dump.c, written by us: it uses each declaration the real file
 * uses (allocation, prlog, device-tree lookups, reservations, the SBE, tokens, this_cpu, spirah).
 */
const STAND_IN_C = `
#define pr_fmt(fmt) "STANDIN: " fmt
#include <chip.h>
#include <cpu.h>
#include <device.h>
#include <mem-map.h>
#include <mem_region.h>
#include <mem_region-malloc.h>
#include <opal.h>
#include <opal-dump.h>
#include <opal-internal.h>
#include <sbe-p9.h>
#include <skiboot.h>
#include <ccan/endian/endian.h>
#include "hdata/spira.h"

static bool enabled;
static u64 tag;

static int64_t standin_query(enum opal_mpipl_tags t, __be64 *out)
{
	if (!opal_addr_valid(out) || t != OPAL_MPIPL_TAG_KERNEL)
		return OPAL_PARAMETER;
	*out = cpu_to_be64(tag);
	return OPAL_SUCCESS;
}

void opal_mpipl_reserve_mem(void)
{
	struct dt_node *n = dt_find_by_path(dt_root, "ibm,opal");
	if (n && dt_find_by_path(n, "dump"))
		mem_reserve_fw("ibm,standin", SKIBOOT_BASE + SKIBOOT_SIZE, (cpu_max_pir + 1) * STACK_SIZE);
}

void opal_mpipl_init(void)
{
	struct dt_node *dump = dt_find_by_path(opal_node, "dump");
	void *p = zalloc(32);
	if (!dump)
		return;
	if (dt_find_property(dump, "mpipl-boot"))
		disable_fast_reboot("MPIPL Boot");
	free(p);
	prlog(PR_NOTICE, "act_cnt %d chips %d\\n", be16_to_cpu(spirah.ntuples.mdump_src.act_cnt), nr_chips());
	memset((void *)DUMP_METADATA_AREA_BASE, 0, sizeof(struct mpipl_metadata));
	p9_sbe_send_relocated_base(SKIBOOT_BASE);
	opal_register(OPAL_MPIPL_QUERY_TAG, standin_query, 2);
	enabled = true;
}

bool is_mpipl_enabled(void) { return enabled; }

void opal_mpipl_save_crashing_pir(void)
{
	struct mpipl_metadata *m = (void *)DUMP_METADATA_AREA_BASE;
	assert(enabled);
	m->crashing_pir = this_cpu()->pir;
	memcpy(&tag, &m->kernel_tag, sizeof(tag));
}
`;

describe.skipIf(!gcc.available)('skiboot compat headers and build', () => {
  const tmp = tempDir('mpipl-fw-compat-');
  afterAll(() => tmp.cleanup());

  it('every compat struct field sits at its spec offset', () => {
    const src = join(tmp.dir, 'layout.c');
    writeFileSync(src, LAYOUT_C);
    const r = spawnSync('powerpc64-linux-gnu-gcc', ['-fsyntax-only', '-ffreestanding', '-mbig-endian', '-mabi=elfv2', `-I${join(FW, 'compat/skiboot/include')}`, `-I${join(FW, 'include')}`, src], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  function checkElf(path: string): void {
    const bytes = new Uint8Array(readFileSync(path));
    const elf = readElfFacts(bytes);
    for (const name of ['mpipl_fw_reserve_mem', 'mpipl_fw_init', 'mpipl_fw_opal_call', 'mpipl_fw_terminate', 'opal_mpipl_init']) {
      expect(elf.symbols.has(name), name).toBe(true);
    }
    expect(elf.symbols.get('spirah')?.value).toBe(0x3001_0000n);
    for (const l of elf.loads) expect(l.vaddr >= 0x3002_0000n && l.vaddr + l.memSize <= 0x3060_0000n).toBe(true);
    const bad = textWords(bytes, elf).filter((x) => x.word !== 0x000eaeb0 && x.word !== 0x200 && decode(x.word).kind !== 'insn');
    expect(bad).toEqual([]);
  }

  it('scripts/build-skiboot-opal-dump.sh builds a skiboot tree (a stand-in opal-dump.c) into a skiboot ELF', () => {
    const tree = join(tmp.dir, 'skiboot');
    mkdirSync(join(tree, 'core'), { recursive: true });
    writeFileSync(join(tree, 'core', 'opal-dump.c'), STAND_IN_C);
    const out = join(tmp.dir, 'standin.elf');
    const r = spawnSync('sh', [SCRIPT, tree, out], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    checkElf(out);
  });

  it('a tree without core/opal-dump.c: one line, exit 2', () => {
    const r = spawnSync('sh', [SCRIPT, join(tmp.dir, 'nowhere')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/core\/opal-dump\.c not found/);
  });

  it.skipIf(process.env.SKIBOOT_DIR === undefined)('skiboot’s own core/opal-dump.c (SKIBOOT_DIR) builds unmodified', () => {
    const out = join(tmp.dir, 'opal-dump.elf');
    const r = spawnSync('sh', [SCRIPT, process.env.SKIBOOT_DIR!, out], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    checkElf(out);
  });
});
