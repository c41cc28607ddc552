/* Minimal freestanding runtime for the exec-vs-qemu tests: _start, write/exit, and printing. */
typedef unsigned long u64;
typedef long i64;

#if defined(_CALL_ELF) && _CALL_ELF == 2
__asm__(".text\n.globl _start\n.type _start,@function\n_start:\n"
        "  addis 2,12,.TOC.-_start@ha\n  addi 2,2,.TOC.-_start@l\n"
        "  ld 3,0(1)\n  addi 4,1,8\n  clrrdi 1,1,4\n  li 0,0\n  stdu 1,-128(1)\n"
        "  bl main\n  nop\n  li 0,234\n  sc\n");
#else
__asm__(".section .opd,\"aw\"\n.align 3\n.globl _start\n_start:\n  .quad ._start,.TOC.@tocbase,0\n.previous\n"
        ".text\n._start:\n"
        "  ld 3,0(1)\n  addi 4,1,8\n  clrrdi 1,1,4\n  li 0,0\n  stdu 1,-128(1)\n"
        "  bl main\n  nop\n  li 0,234\n  sc\n");
#endif

static long sys3(long n, long a, long b, long c) {
  register long r0 __asm__("r0") = n;
  register long r3 __asm__("r3") = a;
  register long r4 __asm__("r4") = b;
  register long r5 __asm__("r5") = c;
  __asm__ volatile("sc\n\tbns+ 1f\n\tneg 3,3\n1:"
                   : "+r"(r0), "+r"(r3), "+r"(r4), "+r"(r5)
                   :
                   : "memory", "cr0", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "ctr", "xer");
  return r3;
}

static void put(const char *s, long n) { sys3(4, 1, (long)s, n); }
static long slen(const char *s) { long n = 0; while (s[n]) n++; return n; }
static void puts_(const char *s) { put(s, slen(s)); }
static void putu(u64 v) {
  char buf[24];
  int i = 23;
  buf[i] = 0;
  do { buf[--i] = (char)('0' + v % 10); v /= 10; } while (v);
  puts_(buf + i);
}
static void puti(i64 v) { if (v < 0) { puts_("-"); putu(-(u64)v); } else putu((u64)v); }
static void putx(u64 v) {
  char buf[19];
  buf[0] = '0'; buf[1] = 'x';
  for (int i = 0; i < 16; i++) buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
  buf[18] = 0;
  puts_(buf);
}
static void nl(void) { puts_("\n"); }
