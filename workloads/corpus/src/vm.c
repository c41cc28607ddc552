/*
 * A bytecode interpreter in the style of a small scripting VM (Lua/Wasm3-like dispatch): a stack
 * machine with locals, a dense opcode `switch` that GCC compiles to a jump table (bctr), calls
 * with frames, and bounds-checked memory. The bytecode is assembled at start-up: a sieve of
 * Eratosthenes, a recursive Fibonacci, and a string-hash loop over VM memory.
 */
#include "corpus.h"

const char workload_name[] = "vm";
const u64 workload_user_iterations = 3;

enum op {
	OP_HALT, OP_PUSH, OP_POP, OP_DUP, OP_SWAP, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL,
	OP_AND, OP_OR, OP_XOR, OP_SHL, OP_SHR, OP_LT, OP_EQ, OP_JMP, OP_JZ, OP_JNZ,
	OP_CALL, OP_RET, OP_MLOAD, OP_MSTORE, OP_INC, OP_ROT, OP_OVER, OP_NOT,
};

#define CODE_MAX 512
#define STACK_MAX 256
#define FRAMES_MAX 64
#define LOCALS 8
#define MEM_BYTES 4096

struct frame {
	u32 ret;
	s64 locals[LOCALS];
};

static s32 code[CODE_MAX];
static u32 code_len;
static u8 vm_mem[MEM_BYTES];
static struct frame frames[FRAMES_MAX];

static u32 emit(s32 op)
{
	code[code_len] = op;
	return code_len++;
}

static u32 emit2(s32 op, s32 arg)
{
	u32 at = emit(op);
	emit(arg);
	return at;
}

static void patch(u32 at, u32 target)
{
	code[at + 1] = (s32)target;
}

/* Runs from `pc` with one argument on the stack; returns the top of stack at HALT, or an error code. */
static s64 run(u32 pc, s64 arg, u64 *steps)
{
	s64 stack[STACK_MAX];
	int sp = 0, fp = 0;
	stack[sp++] = arg;
	for (int i = 0; i < LOCALS; i++)
		frames[0].locals[i] = 0;
	for (;;) {
		if (pc >= code_len || sp < 0 || sp > STACK_MAX - 4)
			return -1;
		(*steps)++;
		s32 op = code[pc++];
		s64 a, b;
		switch (op) {
		case OP_HALT: return sp > 0 ? stack[sp - 1] : 0;
		case OP_PUSH: stack[sp++] = code[pc++]; break;
		case OP_POP: sp--; break;
		case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
		case OP_SWAP: a = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = a; break;
		case OP_OVER: stack[sp] = stack[sp - 2]; sp++; break;
		case OP_ROT: a = stack[sp - 3]; stack[sp - 3] = stack[sp - 2]; stack[sp - 2] = stack[sp - 1]; stack[sp - 1] = a; break;
		case OP_LOAD: stack[sp++] = frames[fp].locals[code[pc++] & (LOCALS - 1)]; break;
		case OP_STORE: frames[fp].locals[code[pc++] & (LOCALS - 1)] = stack[--sp]; break;
		case OP_ADD: b = stack[--sp]; stack[sp - 1] += b; break;
		case OP_SUB: b = stack[--sp]; stack[sp - 1] -= b; break;
		case OP_MUL: b = stack[--sp]; stack[sp - 1] *= b; break;
		case OP_AND: b = stack[--sp]; stack[sp - 1] &= b; break;
		case OP_OR: b = stack[--sp]; stack[sp - 1] |= b; break;
		case OP_XOR: b = stack[--sp]; stack[sp - 1] ^= b; break;
		case OP_SHL: b = stack[--sp]; stack[sp - 1] = (s64)((u64)stack[sp - 1] << (b & 63)); break;
		case OP_SHR: b = stack[--sp]; stack[sp - 1] = (s64)((u64)stack[sp - 1] >> (b & 63)); break;
		case OP_LT: b = stack[--sp]; stack[sp - 1] = stack[sp - 1] < b; break;
		case OP_EQ: b = stack[--sp]; stack[sp - 1] = stack[sp - 1] == b; break;
		case OP_NOT: stack[sp - 1] = !stack[sp - 1]; break;
		case OP_INC: frames[fp].locals[code[pc] & (LOCALS - 1)] += code[pc + 1]; pc += 2; break;
		case OP_JMP: pc = (u32)code[pc]; break;
		case OP_JZ: pc = stack[--sp] == 0 ? (u32)code[pc] : pc + 1; break;
		case OP_JNZ: pc = stack[--sp] != 0 ? (u32)code[pc] : pc + 1; break;
		case OP_CALL:
			if (fp + 1 >= FRAMES_MAX)
				return -2;
			fp++;
			frames[fp].ret = pc + 1;
			for (int i = 0; i < LOCALS; i++)
				frames[fp].locals[i] = 0;
			pc = (u32)code[pc];
			break;
		case OP_RET:
			if (fp == 0)
				return -3;
			pc = frames[fp].ret;
			fp--;
			break;
		case OP_MLOAD: a = stack[sp - 1]; stack[sp - 1] = vm_mem[(u64)a % MEM_BYTES]; break;
		case OP_MSTORE: a = stack[--sp]; b = stack[--sp]; vm_mem[(u64)a % MEM_BYTES] = (u8)b; break;
		default: return -4;
		}
	}
}

static u32 sieve_at, fib_at, hash_at;

static void assemble(void)
{
	u32 loop, done, inner, idone, skip;
	code_len = 0;
	/* sieve(n): local0 = n, clear mem[0..n), for i in 2..n: if !mem[i]: count++, mark multiples. */
	sieve_at = emit2(OP_STORE, 0);
	emit2(OP_PUSH, 0); emit2(OP_STORE, 1);          /* i = 0 */
	loop = emit2(OP_LOAD, 1); emit2(OP_LOAD, 0); emit(OP_LT);
	done = emit2(OP_JZ, 0);
	emit2(OP_PUSH, 0); emit2(OP_LOAD, 1); emit(OP_MSTORE);
	emit(OP_INC); emit(1); emit(1);
	emit2(OP_JMP, loop);
	patch(done, code_len);
	emit2(OP_PUSH, 2); emit2(OP_STORE, 1);          /* i = 2 */
	emit2(OP_PUSH, 0); emit2(OP_STORE, 2);          /* count = 0 */
	loop = emit2(OP_LOAD, 1); emit2(OP_LOAD, 0); emit(OP_LT);
	done = emit2(OP_JZ, 0);
	emit2(OP_LOAD, 1); emit(OP_MLOAD);
	skip = emit2(OP_JNZ, 0);
	emit(OP_INC); emit(2); emit(1);
	emit2(OP_LOAD, 1); emit(OP_DUP); emit(OP_ADD); emit2(OP_STORE, 3); /* j = 2i */
	inner = emit2(OP_LOAD, 3); emit2(OP_LOAD, 0); emit(OP_LT);
	idone = emit2(OP_JZ, 0);
	emit2(OP_PUSH, 1); emit2(OP_LOAD, 3); emit(OP_MSTORE);
	emit2(OP_LOAD, 3); emit2(OP_LOAD, 1); emit(OP_ADD); emit2(OP_STORE, 3);
	emit2(OP_JMP, inner);
	patch(idone, code_len);
	patch(skip, code_len);
	emit(OP_INC); emit(1); emit(1);
	emit2(OP_JMP, loop);
	patch(done, code_len);
	emit2(OP_LOAD, 2); emit(OP_HALT);

	/* fib(n) = n < 2 ? n : fib(n-1) + fib(n-2), through CALL/RET with the argument on the stack. */
	fib_at = code_len;
	u32 entry = emit2(OP_CALL, 0);
	emit(OP_HALT);
	patch(entry, code_len);
	emit2(OP_STORE, 0);
	emit2(OP_LOAD, 0); emit2(OP_PUSH, 2); emit(OP_LT);
	u32 rec = emit2(OP_JZ, 0);
	emit2(OP_LOAD, 0); emit(OP_RET);
	patch(rec, code_len);
	emit2(OP_LOAD, 0); emit2(OP_PUSH, 1); emit(OP_SUB); emit2(OP_CALL, code[entry + 1]);
	emit2(OP_LOAD, 0); emit2(OP_PUSH, 2); emit(OP_SUB); emit2(OP_CALL, code[entry + 1]);
	emit(OP_ADD); emit(OP_RET);

	/* hash(n): h = 5381; for i in 0..n: h = (h * 33) ^ mem[i]; masked to 31 bits, with stack shuffles a compiler would emit. */
	hash_at = emit2(OP_STORE, 0);
	emit2(OP_PUSH, 5381); emit2(OP_STORE, 1);
	emit2(OP_PUSH, 0); emit2(OP_STORE, 2);
	loop = emit2(OP_LOAD, 2); emit2(OP_LOAD, 0); emit(OP_LT);
	done = emit2(OP_JZ, 0);
	emit2(OP_LOAD, 1); emit2(OP_PUSH, 33); emit(OP_MUL);
	emit2(OP_LOAD, 2); emit(OP_MLOAD); emit(OP_XOR);
	emit(OP_DUP); emit2(OP_PUSH, 7); emit(OP_ROT); emit(OP_ROT); emit(OP_POP); emit(OP_SWAP); emit(OP_POP);
	emit(OP_DUP); emit(OP_OVER); emit(OP_POP); emit(OP_POP); emit2(OP_PUSH, 3); emit(OP_SHR); emit2(OP_PUSH, 3); emit(OP_SHL);
	emit2(OP_PUSH, 0x7fffffff); emit(OP_AND); emit2(OP_STORE, 1);
	emit(OP_INC); emit(2); emit(1);
	emit2(OP_JMP, loop);
	patch(done, code_len);
	emit2(OP_LOAD, 1); emit(OP_HALT);
}

u64 corpus_run(u64 iterations)
{
	u64 sum = 0, steps = 0;
	assemble();
	for (u64 it = 0; it < iterations; it++) {
		sum = corpus_fold(sum, (u64)run(sieve_at, 600 + (s64)it, &steps));
		sum = corpus_fold(sum, (u64)run(fib_at, 12 + (s64)(it % 3), &steps));
		sum = corpus_fold(sum, (u64)run(hash_at, 800, &steps));
	}
	return corpus_fold(sum, steps);
}
