#include "rt.h"
/* Loop-heavy workload for speed measurements: sieve, hashing and a small matrix product.
 * ROUNDS scales the work: the tests use 2, the speed measurement 20 or more. */
#ifndef ROUNDS
#define ROUNDS 2
#endif
static unsigned char sieve[200000];
int main(void) {
  u64 acc = 0;
  for (int round = 0; round < ROUNDS; round++) {
    for (int i = 0; i < 200000; i++) sieve[i] = 0;
    for (int i = 2; i * i < 200000; i++) if (!sieve[i]) for (int j = i * i; j < 200000; j += i) sieve[j] = 1;
    for (int i = 2; i < 200000; i++) if (!sieve[i]) acc += (u64)i * (u64)round;
    i64 m[16][16], p[16][16];
    for (int i = 0; i < 16; i++) for (int j = 0; j < 16; j++) m[i][j] = (i * 7 + j * 3 + round) % 11 - 5;
    for (int i = 0; i < 16; i++) for (int j = 0; j < 16; j++) { i64 s = 0; for (int k = 0; k < 16; k++) s += m[i][k] * m[k][j]; p[i][j] = s; }
    for (int i = 0; i < 16; i++) acc = acc * 1099511628211UL + (u64)p[i][(i + round) & 15];
  }
  puts_("loop "); putx(acc); nl();
  return (int)(acc & 0x3f);
}
