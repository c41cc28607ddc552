#include "rt.h"
int main(void) { puts_("before trap\n"); __builtin_trap(); return 0; }
