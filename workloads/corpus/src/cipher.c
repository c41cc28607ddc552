/*
 * A block cipher in the style of a small crypto library: AES-128 (FIPS-197) written
 * byte-oriented, with the S-box computed at start-up from GF(2^8) inverses, the key schedule,
 * encryption and decryption in CBC mode over a buffer, and a check that decryption restores the
 * plaintext; plus XTEA (64-bit blocks, 32 rounds) in CTR mode.
 */
#include "corpus.h"

const char workload_name[] = "cipher";
const u64 workload_user_iterations = 3;

#define BUF_BYTES 1024

static u8 sbox[256], inv_sbox[256];
static u8 plain[BUF_BYTES], data[BUF_BYTES];

static u8 xtime(u8 x)
{
	return (u8)((x << 1) ^ ((x >> 7) * 0x1b));
}

static u8 gmul(u8 a, u8 b)
{
	u8 p = 0;
	while (b) {
		if (b & 1)
			p ^= a;
		a = xtime(a);
		b >>= 1;
	}
	return p;
}

static void sbox_init(void)
{
	/* Walk the multiplicative group with generator 3 and its inverse 0xf6. */
	u8 p = 1, q = 1;
	do {
		p = p ^ (u8)(p << 1) ^ (p & 0x80 ? 0x1b : 0);
		q ^= q << 1;
		q ^= q << 2;
		q ^= q << 4;
		if (q & 0x80)
			q ^= 0x09;
		u8 x = q ^ (u8)((q << 1) | (q >> 7)) ^ (u8)((q << 2) | (q >> 6)) ^ (u8)((q << 3) | (q >> 5)) ^ (u8)((q << 4) | (q >> 4));
		sbox[p] = x ^ 0x63;
	} while (p != 1);
	sbox[0] = 0x63;
	for (int i = 0; i < 256; i++)
		inv_sbox[sbox[i]] = (u8)i;
}

static void expand_key(const u8 key[16], u8 rk[176])
{
	u8 rcon = 1;
	memcpy(rk, key, 16);
	for (int i = 16; i < 176; i += 4) {
		u8 t[4] = { rk[i - 4], rk[i - 3], rk[i - 2], rk[i - 1] };
		if (i % 16 == 0) {
			u8 x = t[0];
			t[0] = sbox[t[1]] ^ rcon;
			t[1] = sbox[t[2]];
			t[2] = sbox[t[3]];
			t[3] = sbox[x];
			rcon = xtime(rcon);
		}
		for (int k = 0; k < 4; k++)
			rk[i + k] = rk[i - 16 + k] ^ t[k];
	}
}

static void add_round_key(u8 s[16], const u8 *rk)
{
	for (int i = 0; i < 16; i++)
		s[i] ^= rk[i];
}

static void encrypt_block(u8 s[16], const u8 rk[176])
{
	add_round_key(s, rk);
	for (int round = 1; round <= 10; round++) {
		u8 t[16];
		for (int i = 0; i < 16; i++)
			t[i] = sbox[s[(i + 4 * (i % 4)) % 16]]; /* SubBytes + ShiftRows */
		if (round != 10) {
			for (int c = 0; c < 4; c++) {
				u8 *col = t + 4 * c;
				u8 a0 = col[0], a1 = col[1], a2 = col[2], a3 = col[3];
				u8 all = a0 ^ a1 ^ a2 ^ a3;
				col[0] ^= all ^ xtime(a0 ^ a1);
				col[1] ^= all ^ xtime(a1 ^ a2);
				col[2] ^= all ^ xtime(a2 ^ a3);
				col[3] ^= all ^ xtime(a3 ^ a0);
			}
		}
		memcpy(s, t, 16);
		add_round_key(s, rk + 16 * round);
	}
}

static void decrypt_block(u8 s[16], const u8 rk[176])
{
	add_round_key(s, rk + 160);
	for (int round = 9; round >= 0; round--) {
		u8 t[16];
		for (int i = 0; i < 16; i++)
			t[(i + 4 * (i % 4)) % 16] = inv_sbox[s[i]]; /* InvShiftRows + InvSubBytes */
		for (int i = 0; i < 16; i++)
			s[i] = t[i] ^ rk[16 * round + i];
		if (round != 0) {
			for (int c = 0; c < 4; c++) {
				u8 *col = s + 4 * c;
				u8 a0 = col[0], a1 = col[1], a2 = col[2], a3 = col[3];
				col[0] = gmul(a0, 14) ^ gmul(a1, 11) ^ gmul(a2, 13) ^ gmul(a3, 9);
				col[1] = gmul(a0, 9) ^ gmul(a1, 14) ^ gmul(a2, 11) ^ gmul(a3, 13);
				col[2] = gmul(a0, 13) ^ gmul(a1, 9) ^ gmul(a2, 14) ^ gmul(a3, 11);
				col[3] = gmul(a0, 11) ^ gmul(a1, 13) ^ gmul(a2, 9) ^ gmul(a3, 14);
			}
		}
	}
}

static void xtea_encipher(u32 v[2], const u32 key[4])
{
	u32 v0 = v[0], v1 = v[1], sum = 0;
	for (int i = 0; i < 32; i++) {
		v0 += (((v1 << 4) ^ (v1 >> 5)) + v1) ^ (sum + key[sum & 3]);
		sum += 0x9E3779B9u;
		v1 += (((v0 << 4) ^ (v0 >> 5)) + v0) ^ (sum + key[(sum >> 11) & 3]);
	}
	v[0] = v0;
	v[1] = v1;
}

u64 corpus_run(u64 iterations)
{
	u64 state = 0x616573ull;
	u64 sum = 0;
	u8 key[16], iv[16], rk[176];
	sbox_init();
	for (u64 it = 0; it < iterations; it++) {
		for (int i = 0; i < BUF_BYTES; i++)
			plain[i] = (u8)corpus_mix(&state);
		for (int i = 0; i < 16; i++) {
			key[i] = (u8)corpus_mix(&state);
			iv[i] = (u8)corpus_mix(&state);
		}
		expand_key(key, rk);
		/* CBC encrypt. */
		u8 chain[16];
		memcpy(chain, iv, 16);
		for (int b = 0; b < BUF_BYTES; b += 16) {
			for (int i = 0; i < 16; i++)
				chain[i] ^= plain[b + i];
			encrypt_block(chain, rk);
			memcpy(data + b, chain, 16);
		}
		for (int i = 0; i < BUF_BYTES; i += 8)
			sum = corpus_fold(sum, (u64)data[i] << 56 | (u64)data[i + 3] << 24 | data[i + 7]);
		/* CBC decrypt in place, back to front, and compare. */
		for (int b = BUF_BYTES - 16; b >= 0; b -= 16) {
			decrypt_block(data + b, rk);
			const u8 *prev = b == 0 ? iv : data + b - 16;
			for (int i = 0; i < 16; i++)
				data[b + i] ^= prev[i];
		}
		u64 bad = 0;
		for (int i = 0; i < BUF_BYTES; i++)
			bad += data[i] != plain[i];
		sum = corpus_fold(sum, bad);
		/* XTEA in counter mode over the same plaintext. */
		u32 k4[4] = { (u32)corpus_mix(&state), (u32)corpus_mix(&state), (u32)corpus_mix(&state), (u32)corpus_mix(&state) };
		for (u32 ctr = 0; ctr < BUF_BYTES / 8; ctr++) {
			u32 v[2] = { ctr, (u32)it };
			xtea_encipher(v, k4);
			u64 ks = ((u64)v[0] << 32) | v[1];
			for (int i = 0; i < 8; i++)
				data[8 * ctr + i] = plain[8 * ctr + i] ^ (u8)(ks >> (8 * i));
		}
		for (int i = 0; i < BUF_BYTES; i += 16)
			sum = corpus_fold(sum, data[i] | (u64)data[i + 9] << 8);
	}
	return sum;
}
