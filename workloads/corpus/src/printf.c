/*
 * A printf-style formatter in the style of a freestanding libc's vsnprintf: flags (- + space 0 #),
 * width and precision (also from arguments, `*`), length modifiers (hh h l ll z), conversions
 * d i u x X o c s p %, truncation at the buffer size with the full length returned. Each
 * iteration formats a few hundred lines of mixed values through varargs and folds the text.
 */
#include <stdarg.h>
#include "corpus.h"

const char workload_name[] = "printf";
const u64 workload_user_iterations = 8;

#define LINE_BYTES 96

struct out {
	char *buf;
	u64 cap, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, s64 n)
{
	while (n-- > 0)
		put(o, c);
}

enum { F_LEFT = 1, F_PLUS = 2, F_SPACE = 4, F_ZERO = 8, F_ALT = 16 };

static void format_int(struct out *o, u64 v, int negative, unsigned base, int upper, int flags, s64 width, s64 prec)
{
	char digits[24];
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;
	while (v) {
		digits[n++] = set[v % base];
		v /= base;
	}
	if (prec < 0)
		prec = 1;
	else
		flags &= ~F_ZERO;
	s64 zeros = prec > n ? prec - n : 0;
	char sign = negative ? '-' : (flags & F_PLUS) ? '+' : (flags & F_SPACE) ? ' ' : 0;
	const char *prefix = "";
	if (flags & F_ALT) {
		if (base == 16 && n > 0)
			prefix = upper ? "0X" : "0x";
		else if (base == 8 && zeros == 0)
			zeros = 1;
	}
	s64 plen = 0;
	while (prefix[plen])
		plen++;
	s64 body = (sign ? 1 : 0) + plen + zeros + n;
	if (!(flags & (F_LEFT | F_ZERO)))
		pad(o, ' ', width - body);
	if (sign)
		put(o, sign);
	for (s64 i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (flags & F_ZERO && !(flags & F_LEFT))
		pad(o, '0', width - body);
	pad(o, '0', zeros);
	while (n > 0)
		put(o, digits[--n]);
	if (flags & F_LEFT)
		pad(o, ' ', width - body);
}

static int format(char *buf, u64 cap, const char *fmt, va_list ap)
{
	struct out o = { buf, cap, 0 };
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		int flags = 0;
		for (;;) {
			char c = *++p;
			if (c == '-') flags |= F_LEFT;
			else if (c == '+') flags |= F_PLUS;
			else if (c == ' ') flags |= F_SPACE;
			else if (c == '0') flags |= F_ZERO;
			else if (c == '#') flags |= F_ALT;
			else break;
		}
		s64 width = 0, prec = -1;
		if (*p == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = -width;
			}
			p++;
		} else {
			while (*p >= '0' && *p <= '9')
				width = width * 10 + (*p++ - '0');
		}
		if (*p == '.') {
			p++;
			prec = 0;
			if (*p == '*') {
				prec = va_arg(ap, int);
				p++;
			} else {
				while (*p >= '0' && *p <= '9')
					prec = prec * 10 + (*p++ - '0');
			}
		}
		int len = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long / size_t */
		if (*p == 'h') {
			len = -1;
			if (*++p == 'h') {
				len = -2;
				p++;
			}
		} else if (*p == 'l') {
			len = 1;
			if (*++p == 'l') {
				len = 2;
				p++;
			}
		} else if (*p == 'z') {
			len = 2;
			p++;
		}
		char conv = *p;
		if (conv == 0)
			break;
		switch (conv) {
		case 'd':
		case 'i': {
			s64 v = len >= 1 ? va_arg(ap, long) : va_arg(ap, int);
			if (len == -1) v = (short)v;
			if (len == -2) v = (signed char)v;
			format_int(&o, v < 0 ? -(u64)v : (u64)v, v < 0, 10, 0, flags, width, prec);
			break;
		}
		case 'u': case 'x': case 'X': case 'o': {
			u64 v = len >= 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			if (len == -1) v = (unsigned short)v;
			if (len == -2) v = (unsigned char)v;
			unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
			format_int(&o, v, 0, base, conv == 'X', flags & ~(F_PLUS | F_SPACE), width, prec);
			break;
		}
		case 'p':
			format_int(&o, (u64)(unsigned long)va_arg(ap, void *), 0, 16, 0, F_ALT, width, -1);
			break;
		case 'c':
			if (!(flags & F_LEFT))
				pad(&o, ' ', width - 1);
			put(&o, (char)va_arg(ap, int));
			if (flags & F_LEFT)
				pad(&o, ' ', width - 1);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (s == 0)
				s = "(null)";
			s64 n = 0;
			while (s[n] && (prec < 0 || n < prec))
				n++;
			if (!(flags & F_LEFT))
				pad(&o, ' ', width - n);
			for (s64 i = 0; i < n; i++)
				put(&o, s[i]);
			if (flags & F_LEFT)
				pad(&o, ' ', width - n);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '%');
			put(&o, conv);
			break;
		}
	}
	if (cap > 0)
		buf[o.len < cap ? o.len : cap - 1] = 0;
	return (int)o.len;
}

static int snprintf_(char *buf, u64 cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = format(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}

static u64 fold_line(u64 sum, const char *line, int n)
{
	u64 h = (u64)n;
	for (int i = 0; line[i]; i++)
		h = h * 31 + (u8)line[i];
	return corpus_fold(sum, h);
}

u64 corpus_run(u64 iterations)
{
	static const char *const names[] = { "hostboot", "skiboot", "linux", "opal", 0, "petitboot" };
	char line[LINE_BYTES];
	u64 state = 0x7072696e7466ull;
	u64 sum = 0;
	for (u64 it = 0; it < iterations; it++) {
		for (int k = 0; k < 64; k++) {
			u64 r = corpus_mix(&state);
			u64 q = corpus_mix(&state);
			int n;
			n = snprintf_(line, sizeof line, "[%5lu.%06lu] %-10s cpu %3d: %s%%\n", r % 100000, q % 1000000, names[r % 6], (int)(q & 0xff) - 128, "ok");
			sum = fold_line(sum, line, n);
			n = snprintf_(line, sizeof line, "region %#018lx size %#lx (%lu KiB) flags %08X %o", r, q >> 20, (q >> 20) / 1024, (unsigned)(r >> 7), (unsigned)(q & 0777));
			sum = fold_line(sum, line, n);
			n = snprintf_(line, sizeof line, "%+d % d %.3d %*d|%-*d| %hd %hhu %lld %zu %c%c %p", (int)r, (int)q, (int)(r % 77), (int)(q % 12), (int)(r >> 40), (int)(q % 9), (int)(r >> 50), (int)(r >> 3), (unsigned)(q >> 9), (long long)(s64)q, (u64)r >> 33, (int)('a' + r % 26), (int)('A' + q % 26), (void *)(unsigned long)(q & ~0xfull));
			sum = fold_line(sum, line, n);
			/* Truncation: a small buffer still returns the full length. */
			char small[12];
			n = snprintf_(small, sizeof small, "%.*s=%lx", (int)(r % 8), "preserved-memory", q);
			sum = fold_line(sum, small, n);
		}
	}
	return sum;
}
