#include "rt.h"
int main(void) { puts_("before illegal\n"); __asm__ volatile(".long 0"); return 0; }
