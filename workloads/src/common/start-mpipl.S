/*
 * Entry of the MPIPL ELFs and their OPAL call stub (register contract: docs/workloads.md).
 *
 * On entry (hypervisor real mode, MSR[LE] matching the ELF):
 *   r1 = stack top (16-byte aligned, <= r3 + r4), r3 = arena base, r4 = arena bytes,
 *   r5 = seed, r6 = OPAL entry address (0: none), r7 = trap after N iterations (0: never).
 * The harness does not need to set r2 or r12: the TOC pointer is computed here.
 */
	.file "start-mpipl.S" /* else the symbol table names the temporary object, breaking reproducibility */
	.abiversion 2
	.machine power9

#define MIN_FRAME_BYTES 32
#define LR_SAVE 16
#define TOC_SAVE 24

	.section .text.start, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
	bcl 20, 31, 1f
1:	mflr 12
	addis 2, 12, (.TOC. - 1b)@ha
	addi 2, 2, (.TOC. - 1b)@l
	/* Keep the stack ABI-aligned even if the harness was sloppy. */
	clrrdi 1, 1, 4
	/* mpipl_main(arena, bytes, seed, opalEntry, trapAfter, stackTop) */
	mr 8, 1
	li 0, 0
	stdu 0, -MIN_FRAME_BYTES(1)
	bl mpipl_main
	nop
	/* mpipl_main never returns; trapping is the loudest way to say it did. */
2:	trap
	b 2b
	.size _start, . - _start

/*
 * s64 opal_call(u64 entry, u64 token, u64 a0, u64 a1, u64 a2)
 * OPAL convention: token in r0, arguments in r3.., result in r3; OPAL may clobber r2, so the
 * caller's TOC is saved in the ABI's TOC slot and restored. LR is saved because bctrl
 * overwrites it.
 */
	.text
	.globl opal_call
	.type opal_call, @function
opal_call:
	mflr 0
	std 0, LR_SAVE(1)
	std 2, TOC_SAVE(1)
	stdu 1, -MIN_FRAME_BYTES(1)
	mtctr 3
	mr 0, 4
	mr 3, 5
	mr 4, 6
	mr 5, 7
	bctrl
	addi 1, 1, MIN_FRAME_BYTES
	ld 2, TOC_SAVE(1)
	ld 0, LR_SAVE(1)
	mtlr 0
	blr
	.size opal_call, . - opal_call

	.section .note.GNU-stack, "", @progbits
