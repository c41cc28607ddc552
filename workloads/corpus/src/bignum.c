/*
 * Multi-precision arithmetic in the style of a bignum library: 256-bit Montgomery modular
 * exponentiation on 64-bit limbs (128-bit products through unsigned __int128, i.e. mulld and
 * mulhdu), schoolbook multiplication of 512-bit numbers on 32-bit limbs, conversion to decimal
 * by repeated short division by 10^9, and a 128-by-64-bit division by shift and subtract,
 * checked by multiplying back.
 */
#include "corpus.h"

const char workload_name[] = "bignum";
const u64 workload_user_iterations = 16;

#define L 4 /* 64-bit limbs of a Montgomery number */
#define W 16 /* 32-bit limbs of a schoolbook operand */

typedef unsigned __int128 u128;

/* t = a * b * 2^-256 mod n, with n odd and a, b < n (CIOS). */
static void mont_mul(u64 t[L], const u64 a[L], const u64 b[L], const u64 n[L], u64 ninv)
{
	u64 r[L + 2] = { 0 };
	for (int i = 0; i < L; i++) {
		u64 carry = 0;
		for (int j = 0; j < L; j++) {
			u128 p = (u128)a[j] * b[i] + r[j] + carry;
			r[j] = (u64)p;
			carry = (u64)(p >> 64);
		}
		u128 s = (u128)r[L] + carry;
		r[L] = (u64)s;
		r[L + 1] = (u64)(s >> 64);
		u64 m = r[0] * ninv;
		u128 p = (u128)m * n[0] + r[0];
		carry = (u64)(p >> 64);
		for (int j = 1; j < L; j++) {
			p = (u128)m * n[j] + r[j] + carry;
			r[j - 1] = (u64)p;
			carry = (u64)(p >> 64);
		}
		s = (u128)r[L] + carry;
		r[L - 1] = (u64)s;
		r[L] = r[L + 1] + (u64)(s >> 64);
	}
	/* Subtract n once if r >= n. */
	u64 d[L];
	u64 borrow = 0;
	for (int j = 0; j < L; j++) {
		u128 x = (u128)r[j] - n[j] - borrow;
		d[j] = (u64)x;
		borrow = (u64)(x >> 64) & 1;
	}
	int take = r[L] != 0 || borrow == 0;
	for (int j = 0; j < L; j++)
		t[j] = take ? d[j] : r[j];
}

/* 2^256 mod n by doubling 1 256 times (no division needed). */
static void mont_one(u64 one[L], const u64 n[L])
{
	u64 x[L] = { 1, 0, 0, 0 };
	for (int k = 0; k < 256; k++) {
		u64 top = x[L - 1] >> 63;
		for (int j = L - 1; j > 0; j--)
			x[j] = x[j] << 1 | x[j - 1] >> 63;
		x[0] <<= 1;
		/* if x >= n (or overflowed), x -= n */
		int ge = top;
		if (!ge) {
			ge = 1;
			for (int j = L - 1; j >= 0; j--) {
				if (x[j] != n[j]) {
					ge = x[j] > n[j];
					break;
				}
			}
		}
		if (ge) {
			u64 borrow = 0;
			for (int j = 0; j < L; j++) {
				u128 v = (u128)x[j] - n[j] - borrow;
				x[j] = (u64)v;
				borrow = (u64)(v >> 64) & 1;
			}
		}
	}
	memcpy(one, x, sizeof x);
}

static void modexp(u64 out[L], const u64 base_m[L], const u64 e[L], const u64 one_m[L], const u64 n[L], u64 ninv)
{
	u64 acc[L];
	memcpy(acc, one_m, sizeof acc);
	for (int i = L - 1; i >= 0; i--) {
		for (int b = 63; b >= 0; b--) {
			mont_mul(acc, acc, acc, n, ninv);
			if ((e[i] >> b) & 1)
				mont_mul(acc, acc, base_m, n, ninv);
		}
	}
	memcpy(out, acc, sizeof acc);
}

static void mul_schoolbook(u32 out[2 * W], const u32 a[W], const u32 b[W])
{
	for (int i = 0; i < 2 * W; i++)
		out[i] = 0;
	for (int i = 0; i < W; i++) {
		u64 carry = 0;
		for (int j = 0; j < W; j++) {
			u64 t = (u64)a[i] * b[j] + out[i + j] + carry;
			out[i + j] = (u32)t;
			carry = t >> 32;
		}
		out[i + W] = (u32)carry;
	}
}

/* Decimal digits of x (destroyed), least significant chunk first; returns a digest of the text. */
static u64 to_decimal(u32 x[2 * W])
{
	u64 digest = 0;
	int top = 2 * W;
	while (top > 0 && x[top - 1] == 0)
		top--;
	while (top > 0) {
		u64 rem = 0;
		for (int i = top - 1; i >= 0; i--) {
			u64 cur = rem << 32 | x[i];
			x[i] = (u32)(cur / 1000000000u);
			rem = cur % 1000000000u;
		}
		for (int d = 0; d < 9; d++) {
			digest = digest * 10 + rem % 10;
			rem /= 10;
		}
		while (top > 0 && x[top - 1] == 0)
			top--;
	}
	return digest;
}

/* (hi:lo) / d by restoring division, hi < d; returns the quotient, *rem the remainder. */
static u64 div128(u64 hi, u64 lo, u64 d, u64 *rem)
{
	u64 q = 0;
	for (int i = 0; i < 64; i++) {
		u64 top = hi >> 63;
		hi = hi << 1 | lo >> 63;
		lo <<= 1;
		q <<= 1;
		if (top || hi >= d) {
			hi -= d;
			q |= 1;
		}
	}
	*rem = hi;
	return q;
}

u64 corpus_run(u64 iterations)
{
	u64 state = 0x626967ull;
	u64 sum = 0;
	for (u64 it = 0; it < iterations; it++) {
		u64 n[L], base[L], e[L], one[L], bm[L], r[L];
		for (int j = 0; j < L; j++) {
			n[j] = corpus_mix(&state);
			e[j] = corpus_mix(&state);
		}
		n[0] |= 1;
		n[L - 1] |= 1ull << 63;
		for (int j = 0; j < L; j++)
			base[j] = corpus_mix(&state) % (n[j] | 1);
		base[L - 1] >>= 1;
		u64 inv = 1;
		for (int k = 0; k < 6; k++)
			inv *= 2 - n[0] * inv;
		u64 ninv = -inv;
		mont_one(one, n);
		mont_mul(bm, base, one, n, ninv); /* not the true Montgomery form of base, but deterministic */
		modexp(r, bm, e, one, n, ninv);
		for (int j = 0; j < L; j++)
			sum = corpus_fold(sum, r[j]);
		u32 a[W], b[W], prod[2 * W];
		for (int j = 0; j < W; j++) {
			u64 v = corpus_mix(&state);
			a[j] = (u32)v;
			b[j] = (u32)(v >> 32);
		}
		mul_schoolbook(prod, a, b);
		sum = corpus_fold(sum, prod[3] ^ (u64)prod[2 * W - 1] << 32);
		sum = corpus_fold(sum, to_decimal(prod));
		for (int k = 0; k < 64; k++) {
			u64 d = corpus_mix(&state) | 1;
			u64 hi = corpus_mix(&state) % d, lo = corpus_mix(&state), rem;
			u64 q = div128(hi, lo, d, &rem);
			u128 back = (u128)q * d + rem;
			sum = corpus_fold(sum, q ^ rem);
			sum = corpus_fold(sum, (u64)(back >> 64) == hi && (u64)back == lo);
		}
	}
	return sum;
}
