#include "rt.h"
int main(void) { puts_("before segv\n"); *(volatile long *)0x0ffffff000000000UL = 1; return 0; }
