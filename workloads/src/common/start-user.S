/*
 * Entry and system calls of the user-mode ELFs (run by `mpipl-sim exec` and by qemu-user).
 *
 * The program brings its own stack in .bss instead of using the one the kernel (or qemu, or
 * our loader) hands over: the stack address then is the same under every runner, so nothing the
 * workload computes can depend on where a loader chose to put the stack.
 *
 * System calls follow the ppc64 Linux convention: number in r0, arguments in r3..r8, `sc`,
 * result in r3 with CR0.SO set on error (r3 then holds a positive errno).
 */
	.file "start-user.S" /* else the symbol table names the temporary object, breaking reproducibility */
	.abiversion 2
	.machine power9

#define SYS_WRITE 4
#define SYS_EXIT_GROUP 234
#define USER_STACK_BYTES 65536
#define MIN_FRAME_BYTES 32

	.section .bss
	.balign 16
user_stack:
	.space USER_STACK_BYTES
user_stack_top:

	.text
	.globl _start
	.type _start, @function
_start:
	/* TOC pointer from our own address, so the entry needs nothing from the loader. */
	bcl 20, 31, 1f
1:	mflr 12
	addis 2, 12, (.TOC. - 1b)@ha
	addi 2, 2, (.TOC. - 1b)@l
	addis 1, 2, user_stack_top@toc@ha
	addi 1, 1, user_stack_top@toc@l
	/* A first frame with a null back chain, as the ABI expects of the outermost caller. */
	li 0, 0
	stdu 0, -MIN_FRAME_BYTES(1)
	bl user_main
	nop
	/* user_main does not return; if it ever does, say so through the exit status. */
	li 3, 255
	b sys_exit_group
	.size _start, . - _start

/* long sys_write(int fd, const void *buf, unsigned long len): bytes written or -errno. */
	.globl sys_write
	.type sys_write, @function
sys_write:
	li 0, SYS_WRITE
	sc
	bnslr
	neg 3, 3
	blr
	.size sys_write, . - sys_write

/* void sys_exit_group(int status): never returns. */
	.globl sys_exit_group
	.type sys_exit_group, @function
sys_exit_group:
	li 0, SYS_EXIT_GROUP
	sc
	b sys_exit_group
	.size sys_exit_group, . - sys_exit_group

	.section .note.GNU-stack, "", @progbits
