/*
 * An LZ77 compressor in the style of LZ4's block format: a hash table of 4-byte sequences finds
 * match candidates, output is a token byte (literal count, match length) + literals + a 16-bit
 * little-endian offset, with 255-continuation bytes for long counts. The decompressor restores
 * the input, which is checked byte by byte. Input: text-like data from a small word list with
 * repetitions, the case LZ compressors are made for.
 */
#include "corpus.h"

const char workload_name[] = "lz";
const u64 workload_user_iterations = 14;

#define IN_BYTES 8192
#define OUT_BYTES (IN_BYTES + IN_BYTES / 255 + 64)
#define HASH_BITS 12
#define MIN_MATCH 4
#define MAX_OFFSET 65535

static u8 input[IN_BYTES];
static u8 packed[OUT_BYTES];
static u8 unpacked[IN_BYTES + 8];
static u16 table[1 << HASH_BITS];

static const char *const words[] = {
	"the ", "firmware ", "preserves ", "memory ", "across ", "a ", "crash ", "and ", "kernel ",
	"dump ", "region ", "table ", "entry ", "source ", "destination ", "size ", "of ", "to ",
	"boot ", "capture ", "\n", "0x1000 ", "0x2000 ", "MDST ", "MDDT ", "MDRT ",
};

static u32 read32(const u8 *p)
{
	return (u32)p[0] | ((u32)p[1] << 8) | ((u32)p[2] << 16) | ((u32)p[3] << 24);
}

static u32 hash4(u32 v)
{
	return (v * 2654435761u) >> (32 - HASH_BITS);
}

static u8 *put_length(u8 *op, u64 n)
{
	while (n >= 255) {
		*op++ = 255;
		n -= 255;
	}
	*op++ = (u8)n;
	return op;
}

static u64 compress(const u8 *src, u64 n, u8 *dst)
{
	const u8 *ip = src, *anchor = src, *end = src + n;
	u8 *op = dst;
	memset(table, 0, sizeof table);
	if (n > MIN_MATCH + 8) {
		const u8 *limit = end - MIN_MATCH - 8;
		ip++;
		while (ip < limit) {
			u32 seq = read32(ip);
			u32 h = hash4(seq);
			const u8 *ref = src + table[h];
			table[h] = (u16)(ip - src);
			if (ip - ref > MAX_OFFSET || ref >= ip || read32(ref) != seq) {
				ip++;
				continue;
			}
			u64 len = MIN_MATCH;
			while (ip + len < end - 8 && ip[len] == ref[len])
				len++;
			u64 lit = (u64)(ip - anchor);
			u8 *token = op++;
			*token = (u8)((lit >= 15 ? 15 : lit) << 4);
			if (lit >= 15)
				op = put_length(op, lit - 15);
			for (u64 i = 0; i < lit; i++)
				*op++ = anchor[i];
			u64 off = (u64)(ip - ref);
			*op++ = (u8)off;
			*op++ = (u8)(off >> 8);
			u64 ml = len - MIN_MATCH;
			*token |= (u8)(ml >= 15 ? 15 : ml);
			if (ml >= 15)
				op = put_length(op, ml - 15);
			ip += len;
			anchor = ip;
		}
	}
	u64 lit = (u64)(end - anchor);
	*op++ = (u8)((lit >= 15 ? 15 : lit) << 4);
	if (lit >= 15)
		op = put_length(op, lit - 15);
	for (u64 i = 0; i < lit; i++)
		*op++ = anchor[i];
	return (u64)(op - dst);
}

/* Returns the decompressed size, or 0 on malformed input (never writes past `cap`). */
static u64 decompress(const u8 *src, u64 n, u8 *dst, u64 cap)
{
	const u8 *ip = src, *end = src + n;
	u8 *op = dst;
	while (ip < end) {
		u8 token = *ip++;
		u64 lit = token >> 4;
		if (lit == 15) {
			u8 b;
			do {
				if (ip >= end)
					return 0;
				b = *ip++;
				lit += b;
			} while (b == 255);
		}
		if ((u64)(end - ip) < lit || (u64)(op - dst) + lit > cap)
			return 0;
		for (u64 i = 0; i < lit; i++)
			*op++ = *ip++;
		if (ip >= end)
			break;
		if (end - ip < 2)
			return 0;
		u64 off = ip[0] | ((u64)ip[1] << 8);
		ip += 2;
		u64 ml = token & 15;
		if (ml == 15) {
			u8 b;
			do {
				if (ip >= end)
					return 0;
				b = *ip++;
				ml += b;
			} while (b == 255);
		}
		ml += MIN_MATCH;
		if (off == 0 || off > (u64)(op - dst) || (u64)(op - dst) + ml > cap)
			return 0;
		const u8 *ref = op - off;
		for (u64 i = 0; i < ml; i++)
			*op++ = ref[i];
	}
	return (u64)(op - dst);
}

u64 corpus_run(u64 iterations)
{
	u64 state = 0x6c7aull;
	u64 sum = 0;
	const u64 nwords = sizeof words / sizeof words[0];
	for (u64 it = 0; it < iterations; it++) {
		u64 at = 0;
		while (at < IN_BYTES) {
			u64 r = corpus_mix(&state);
			if ((r & 7) == 0 && at > 64) {
				/* Repeat an earlier stretch, as logs and tables do. */
				u64 back = 1 + (r >> 8) % (at < 4096 ? at : 4096);
				u64 len = 8 + (r >> 24) % 48;
				for (u64 i = 0; i < len && at < IN_BYTES; i++, at++)
					input[at] = input[at - back];
			} else {
				const char *w = words[(r >> 3) % nwords];
				while (*w && at < IN_BYTES)
					input[at++] = (u8)*w++;
			}
		}
		u64 n = compress(input, IN_BYTES, packed);
		u64 m = decompress(packed, n, unpacked, IN_BYTES);
		u64 bad = m != IN_BYTES;
		for (u64 i = 0; i < IN_BYTES && !bad; i++)
			bad = input[i] != unpacked[i];
		sum = corpus_fold(sum, n);
		sum = corpus_fold(sum, bad);
		for (u64 i = 0; i < n; i += 64)
			sum = corpus_fold(sum, packed[i]);
	}
	return sum;
}
