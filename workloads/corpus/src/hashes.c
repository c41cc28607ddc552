/*
 * Hashes in the style of a hashing library: SipHash-2-4 (keyed, 64-bit), table-driven CRC-32
 * (reflected, polynomial 0xEDB88320), FNV-1a 32 and a four-lane multiply-rotate hash like
 * xxHash32, each over a buffer of mixed sizes and alignments.
 */
#include "corpus.h"

const char workload_name[] = "hashes";
const u64 workload_user_iterations = 16;

#define BUF_BYTES 2048

static u8 buf[BUF_BYTES + 16];
static u32 crc_table[256];

static inline u64 rotl(u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline u32 rotl32(u32 x, int b)
{
	return (x << b) | (x >> (32 - b));
}

static u64 load64_le(const u8 *p)
{
	u64 v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static u32 load32_le(const u8 *p)
{
	return (u32)p[0] | ((u32)p[1] << 8) | ((u32)p[2] << 16) | ((u32)p[3] << 24);
}

#define SIPROUND                                                                 \
	do {                                                                     \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);       \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                          \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                          \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);       \
	} while (0)

static u64 siphash24(const u8 *in, u64 len, u64 k0, u64 k1)
{
	u64 v0 = 0x736f6d6570736575ull ^ k0;
	u64 v1 = 0x646f72616e646f6dull ^ k1;
	u64 v2 = 0x6c7967656e657261ull ^ k0;
	u64 v3 = 0x7465646279746573ull ^ k1;
	const u8 *end = in + (len & ~7ull);
	u64 b = len << 56;
	for (; in != end; in += 8) {
		u64 m = load64_le(in);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	switch (len & 7) {
	case 7: b |= (u64)in[6] << 48; /* fall through */
	case 6: b |= (u64)in[5] << 40; /* fall through */
	case 5: b |= (u64)in[4] << 32; /* fall through */
	case 4: b |= (u64)in[3] << 24; /* fall through */
	case 3: b |= (u64)in[2] << 16; /* fall through */
	case 2: b |= (u64)in[1] << 8; /* fall through */
	case 1: b |= (u64)in[0]; break;
	case 0: break;
	}
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static void crc32_init(void)
{
	for (u32 i = 0; i < 256; i++) {
		u32 c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static u32 crc32(u32 crc, const u8 *p, u64 len)
{
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static u32 fnv1a32(const u8 *p, u64 len)
{
	u32 h = 0x811c9dc5u;
	for (u64 i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x01000193u;
	}
	return h;
}

#define P1 0x9E3779B1u
#define P2 0x85EBCA77u
#define P3 0xC2B2AE3Du
#define P4 0x27D4EB2Fu
#define P5 0x165667B1u

static u32 lanes32(const u8 *p, u64 len, u32 seed)
{
	const u8 *end = p + len;
	u32 h;
	if (len >= 16) {
		u32 a = seed + P1 + P2, b = seed + P2, c = seed, d = seed - P1;
		const u8 *limit = end - 16;
		do {
			a = rotl32(a + load32_le(p) * P2, 13) * P1;
			b = rotl32(b + load32_le(p + 4) * P2, 13) * P1;
			c = rotl32(c + load32_le(p + 8) * P2, 13) * P1;
			d = rotl32(d + load32_le(p + 12) * P2, 13) * P1;
			p += 16;
		} while (p <= limit);
		h = rotl32(a, 1) + rotl32(b, 7) + rotl32(c, 12) + rotl32(d, 18);
	} else {
		h = seed + P5;
	}
	h += (u32)len;
	while (p + 4 <= end) {
		h = rotl32(h + load32_le(p) * P3, 17) * P4;
		p += 4;
	}
	while (p < end) {
		h = rotl32(h + *p * P5, 11) * P1;
		p++;
	}
	h ^= h >> 15;
	h *= P2;
	h ^= h >> 13;
	h *= P3;
	h ^= h >> 16;
	return h;
}

u64 corpus_run(u64 iterations)
{
	u64 state = 0x68617368ull;
	u64 sum = 0;
	crc32_init();
	for (u64 it = 0; it < iterations; it++) {
		for (u64 i = 0; i < BUF_BYTES + 16; i += 8) {
			u64 r = corpus_mix(&state);
			for (int k = 0; k < 8; k++)
				buf[i + k] = (u8)(r >> (8 * k));
		}
		u64 k0 = corpus_mix(&state), k1 = corpus_mix(&state);
		/* Many lengths and misalignments, as a hash table's keys would be. */
		for (u64 len = 1; len < BUF_BYTES; len = len * 3 / 2 + 1) {
			for (u64 off = 0; off < 8; off += 3) {
				sum = corpus_fold(sum, siphash24(buf + off, len, k0, k1));
				sum = corpus_fold(sum, crc32((u32)sum, buf + off, len));
				sum = corpus_fold(sum, fnv1a32(buf + off, len));
				sum = corpus_fold(sum, lanes32(buf + off, len, (u32)k1));
			}
		}
	}
	return sum;
}
