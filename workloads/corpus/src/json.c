/*
 * A JSON tokenizer in the style of a small embedded JSON library (jsmn-like): it scans a
 * generated document into tokens (punctuation, strings with escapes including \uXXXX, numbers
 * with sign, fraction and exponent kept as integers, literals), tracks nesting, and folds every
 * token's kind, position and decoded value into the checksum. Malformed input stops the scan.
 */
#include "corpus.h"

const char workload_name[] = "json";
const u64 workload_user_iterations = 20;

#define DOC_BYTES 6144
#define DEPTH_MAX 32

enum kind { T_LBRACE = 1, T_RBRACE, T_LBRACKET, T_RBRACKET, T_COLON, T_COMMA, T_STRING, T_NUMBER, T_TRUE, T_FALSE, T_NULL };

struct token {
	enum kind kind;
	u32 start, end;
	u64 value;
};

struct gen {
	char *buf;
	u64 at, cap, state;
};

static char doc[DOC_BYTES + 64];

static void emit(struct gen *g, const char *s)
{
	while (*s && g->at < g->cap)
		g->buf[g->at++] = *s++;
}

static void emit_uint(struct gen *g, u64 v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n > 0 && g->at < g->cap)
		g->buf[g->at++] = tmp[--n];
}

static void gen_value(struct gen *g, int depth);

static void gen_string(struct gen *g)
{
	static const char *const parts[] = { "name", "id", "x\\n", "\\\"q\\\"", "\\u00e9t\\u00e9", "mpipl", "dump", "a\\\\b", "region" };
	u64 r = corpus_mix(&g->state);
	emit(g, "\"");
	for (u64 k = 0; k < 1 + (r & 3); k++)
		emit(g, parts[(r >> (4 + 4 * k)) % 9]);
	emit(g, "\"");
}

static void gen_value(struct gen *g, int depth)
{
	u64 r = corpus_mix(&g->state);
	u64 pick = depth >= 5 ? 2 + r % 4 : r % 6;
	switch (pick) {
	case 0: {
		emit(g, "{");
		u64 n = (r >> 8) % 5;
		for (u64 i = 0; i < n; i++) {
			if (i)
				emit(g, ", ");
			gen_string(g);
			emit(g, ": ");
			gen_value(g, depth + 1);
		}
		emit(g, "}");
		break;
	}
	case 1: {
		emit(g, "[ ");
		u64 n = (r >> 8) % 6;
		for (u64 i = 0; i < n; i++) {
			if (i)
				emit(g, ",\n  ");
			gen_value(g, depth + 1);
		}
		emit(g, " ]");
		break;
	}
	case 2:
		gen_string(g);
		break;
	case 3:
		if (r & 0x100)
			emit(g, "-");
		emit_uint(g, (r >> 12) % 1000000);
		if (r & 0x200) {
			emit(g, ".");
			emit_uint(g, (r >> 40) % 1000);
		}
		if (r & 0x400) {
			emit(g, (r & 0x800) ? "e-" : "E+");
			emit_uint(g, (r >> 50) % 30);
		}
		break;
	case 4:
		emit(g, (r & 0x100) ? "true" : "false");
		break;
	default:
		emit(g, "null");
		break;
	}
}

static int is_space(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One token at *pos; returns 0 at the end, -1 on malformed input. */
static int next_token(const char *s, u64 n, u64 *pos, struct token *t)
{
	u64 i = *pos;
	while (i < n && is_space(s[i]))
		i++;
	if (i >= n)
		return 0;
	t->start = (u32)i;
	t->value = 0;
	char c = s[i];
	switch (c) {
	case '{': t->kind = T_LBRACE; i++; break;
	case '}': t->kind = T_RBRACE; i++; break;
	case '[': t->kind = T_LBRACKET; i++; break;
	case ']': t->kind = T_RBRACKET; i++; break;
	case ':': t->kind = T_COLON; i++; break;
	case ',': t->kind = T_COMMA; i++; break;
	case '"': {
		u64 h = 0xcbf29ce484222325ull;
		i++;
		for (;;) {
			if (i >= n)
				return -1;
			char d = s[i++];
			u32 cp;
			if (d == '"')
				break;
			if (d == '\\') {
				if (i >= n)
					return -1;
				char e = s[i++];
				switch (e) {
				case 'n': cp = '\n'; break;
				case 't': cp = '\t'; break;
				case '"': cp = '"'; break;
				case '\\': cp = '\\'; break;
				case '/': cp = '/'; break;
				case 'u': {
					cp = 0;
					for (int k = 0; k < 4; k++) {
						int v = i < n ? hexval(s[i]) : -1;
						if (v < 0)
							return -1;
						cp = cp << 4 | (u32)v;
						i++;
					}
					break;
				}
				default:
					return -1;
				}
			} else {
				cp = (u8)d;
			}
			h = (h ^ cp) * 0x100000001b3ull;
		}
		t->kind = T_STRING;
		t->value = h;
		break;
	}
	case 't': case 'f': case 'n': {
		static const char *const lit[] = { "true", "false", "null" };
		int which = c == 't' ? 0 : c == 'f' ? 1 : 2;
		const char *l = lit[which];
		while (*l) {
			if (i >= n || s[i] != *l)
				return -1;
			i++;
			l++;
		}
		t->kind = which == 0 ? T_TRUE : which == 1 ? T_FALSE : T_NULL;
		break;
	}
	default: {
		int neg = 0;
		u64 mant = 0;
		s64 exp10 = 0;
		if (c == '-') {
			neg = 1;
			i++;
		}
		if (i >= n || s[i] < '0' || s[i] > '9')
			return -1;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			mant = mant * 10 + (u64)(s[i++] - '0');
		if (i < n && s[i] == '.') {
			i++;
			while (i < n && s[i] >= '0' && s[i] <= '9') {
				mant = mant * 10 + (u64)(s[i++] - '0');
				exp10--;
			}
		}
		if (i < n && (s[i] == 'e' || s[i] == 'E')) {
			int eneg = 0;
			s64 e = 0;
			i++;
			if (i < n && (s[i] == '+' || s[i] == '-'))
				eneg = s[i++] == '-';
			while (i < n && s[i] >= '0' && s[i] <= '9')
				e = e * 10 + (s[i++] - '0');
			exp10 += eneg ? -e : e;
		}
		t->kind = T_NUMBER;
		t->value = (neg ? -mant : mant) * 64 + (u64)(exp10 & 63);
		break;
	}
	}
	t->end = (u32)i;
	*pos = i;
	return 1;
}

u64 corpus_run(u64 iterations)
{
	struct gen g = { doc, 0, DOC_BYTES, 0x6a736f6eull };
	u64 sum = 0;
	for (u64 it = 0; it < iterations; it++) {
		g.at = 0;
		emit(&g, "[");
		while (g.at < DOC_BYTES - 512) {
			gen_value(&g, 1);
			emit(&g, ",\n");
		}
		emit(&g, "0]");
		u64 pos = 0, count = 0, depth = 0, maxDepth = 0;
		struct token t;
		int r;
		while ((r = next_token(doc, g.at, &pos, &t)) > 0) {
			count++;
			if (t.kind == T_LBRACE || t.kind == T_LBRACKET) {
				if (++depth > maxDepth)
					maxDepth = depth;
			} else if (t.kind == T_RBRACE || t.kind == T_RBRACKET) {
				depth--;
			}
			sum = corpus_fold(sum, (u64)t.kind << 40 ^ (u64)t.start << 20 ^ t.end ^ t.value);
		}
		sum = corpus_fold(sum, count);
		sum = corpus_fold(sum, maxDepth << 8 | depth);
		sum = corpus_fold(sum, (u64)(s64)r);
	}
	return sum;
}
