#include "rt.h"
int main(int argc, char **argv) {
  puts_("hello from ppc64, argc=");
  puti(argc);
  nl();
  i64 acc = 0;
  for (i64 i = -50; i < 1000; i += 7) acc += i * i / 3 - (i % 5);
  puts_("acc=");
  puti(acc);
  nl();
  long r = sys3(9999, 0, 0, 0);
  puts_("unknown syscall -> ");
  puti(r);
  nl();
  return 7;
}
