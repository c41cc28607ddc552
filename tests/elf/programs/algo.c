#include "rt.h"
static u64 state = 88172645463325252UL;
static u64 xorshift(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; }
static void sort(i64 *a, int n) {
  for (int i = 1; i < n; i++) { i64 v = a[i]; int j = i - 1; while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; } a[j + 1] = v; }
}
static unsigned fnv(const unsigned char *p, int n) { unsigned h = 2166136261u; for (int i = 0; i < n; i++) { h ^= p[i]; h *= 16777619u; } return h; }
int main(void) {
  i64 a[200];
  for (int i = 0; i < 200; i++) a[i] = (i64)xorshift() >> (i % 40);
  sort(a, 200);
  u64 chk = 0;
  for (int i = 0; i < 200; i++) chk = chk * 31 + (u64)a[i];
  puts_("sorted checksum "); putx(chk); nl();
  u64 bits = 0;
  for (int i = 0; i < 300; i++) {
    u64 x = xorshift();
    bits += __builtin_popcountl(x) + __builtin_clzl(x | 1) + __builtin_ctzl(x | (1UL << 63));
    bits ^= (x >> (i & 63)) | (x << ((64 - (i & 63)) & 63));
    bits += (unsigned)__builtin_popcount((unsigned)x) + __builtin_parityl(x);
  }
  puts_("bits "); putx(bits); nl();
  puts_("fnv "); putx(fnv((const unsigned char *)a, sizeof a)); nl();
  i64 s = 0;
  for (i64 i = 1; i < 2000; i++) { s += (i64)(xorshift() % (u64)i) - (i64)(i / 3); s ^= (i64)((unsigned)s / 7u); s += (int)s % 13; }
  puts_("divs "); puti(s); nl();
  unsigned __int128 m = (unsigned __int128)xorshift() * xorshift();
  puts_("mul128 "); putx((u64)(m >> 64)); puts_(" "); putx((u64)m); nl();
  __int128 sm = (__int128)(i64)xorshift() * (i64)xorshift();
  puts_("smul128 "); putx((u64)((unsigned __int128)sm >> 64)); nl();
  return (int)(chk & 0x7f);
}
