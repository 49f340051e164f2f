/* Text forms of values. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ckpt/format.h"

size_t ckpt_escape(const uint8_t *s, size_t len, char *out, size_t size)
{
	size_t o = 0;

#define PUT(c) do { if (o + 1 < size) out[o] = (c); o++; } while (0)
	for (size_t i = 0; i < len; i++) {
		uint8_t c = s[i];
		static const char hex[] = "0123456789abcdef";

		if (c == '\\') {
			PUT('\\'); PUT('\\');
		} else if (c == '\n') {
			PUT('\\'); PUT('n');
		} else if (c == '\t') {
			PUT('\\'); PUT('t');
		} else if (c == '\r') {
			PUT('\\'); PUT('r');
		} else if (c < 0x20 || c > 0x7e) {
			PUT('\\'); PUT('x'); PUT(hex[c >> 4]); PUT(hex[c & 15]);
		} else {
			PUT((char)c);
		}
	}
#undef PUT
	if (size)
		out[o < size ? o : size - 1] = '\0';
	return o;
}

int ckpt_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long ckpt_unescape(const char *s, uint8_t *out, size_t size)
{
	size_t o = 0;

	for (; *s; s++) {
		uint8_t c = (uint8_t)*s;

		if (c == '\\') {
			switch (*++s) {
			case '\\': c = '\\'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'x': {
				int hi = ckpt_hex_digit(s[1]), lo = hi < 0 ? -1 : ckpt_hex_digit(s[2]);

				if (hi < 0 || lo < 0)
					return -1;
				c = (uint8_t)(hi << 4 | lo);
				s += 2;
				break;
			}
			default:
				return -1;
			}
		}
		if (o >= size)
			return -1;
		out[o++] = c;
	}
	return (long)o;
}

size_t ckpt_text_len(const uint8_t *s, size_t len, bool *terminated)
{
	*terminated = memchr(s, 0, len) != NULL;
	while (len && s[len - 1] == 0)
		len--;
	return len;
}

bool ckpt_pad_is_zero(const struct ckpt_field *f, const uint8_t *base)
{
	for (uint32_t i = 0; i < f->width; i++)
		if (base[f->offset + i])
			return false;
	return true;
}

size_t ckpt_flags_names(const struct ckpt_names *names, uint64_t v, bool sigset,
			const char **out, size_t max, uint64_t *rest)
{
	size_t n = 0;

	*rest = v;
	for (size_t i = 0; names && i < names->count && n < max; i++) {
		uint64_t val = names->names[i].value;
		uint64_t mask = sigset ? (val >= 1 && val <= 64 ? 1ULL << (val - 1) : 0) : val;

		if (!mask || (v & mask) != mask || !(*rest & mask))
			continue;
		*rest &= ~mask;
		out[n++] = names->names[i].name;
	}
	return n;
}

void ckpt_format_flags(const struct ckpt_names *names, uint64_t v, bool sigset, char *out, size_t size)
{
	const char *set[64];
	uint64_t rest;
	size_t n = ckpt_flags_names(names, v, sigset, set, 64, &rest);
	size_t o = 0;

	out[0] = '\0';
	if (v == 0) {
		snprintf(out, size, "0");
		return;
	}
	for (size_t i = 0; i < n && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? "|" : "", set[i]);
	if (rest && o < size)
		snprintf(out + o, size - o, "%s0x%" PRIx64, n ? "|" : "", rest);
}

void ckpt_format_field(const struct ckpt_field *f, const uint8_t *base, char *out, size_t size)
{
	const uint8_t *p = base + f->offset;
	uint64_t u = f->width <= 8 ? ckpt_field_u64(f, base) : 0;
	const char *name;
	char tmp[1024];

	switch (f->kind) {
	case CKPT_K_UINT:
		snprintf(out, size, "%" PRIu64, u);
		break;
	case CKPT_K_INT:
	case CKPT_K_OBJREF:
		snprintf(out, size, "%" PRId64, ckpt_field_s64(f, base));
		break;
	case CKPT_K_HEX:
		snprintf(out, size, "0x%0*" PRIx64, (int)(f->width * 2), u);
		break;
	case CKPT_K_OCTAL:
		snprintf(out, size, "0%03" PRIo64, u);
		break;
	case CKPT_K_ENUM:
		name = ckpt_names_lookup(f->names, u);
		if (name)
			snprintf(out, size, "%" PRIu64 " (%s)", u, name);
		else
			snprintf(out, size, "%" PRIu64, u);
		break;
	case CKPT_K_SENUM: {
		int64_t s = ckpt_field_s64(f, base);

		name = s >= 0 ? ckpt_names_lookup(f->names, (uint64_t)s) : NULL;
		if (name)
			snprintf(out, size, "%" PRId64 " (%s)", s, name);
		else
			snprintf(out, size, "%" PRId64, s);
		break;
	}
	case CKPT_K_FLAGS:
	case CKPT_K_SIGSET:
		ckpt_format_flags(f->names, u, f->kind == CKPT_K_SIGSET, tmp, sizeof(tmp));
		if (u)
			snprintf(out, size, "0x%0*" PRIx64 " (%s)", (int)(f->width * 2), u, tmp);
		else
			snprintf(out, size, "0x%0*" PRIx64, (int)(f->width * 2), u);
		break;
	case CKPT_K_CHARS: {
		bool term;
		size_t n = ckpt_text_len(p, f->width, &term);

		ckpt_escape(p, n, tmp, sizeof(tmp));
		snprintf(out, size, "\"%s\"%s", tmp, term ? "" : " (no NUL terminator)");
		break;
	}
	case CKPT_K_TIME: {
		time_t t = (time_t)u;
		struct tm tm;
		char when[64];

		if ((int64_t)u >= 0 && gmtime_r(&t, &tm) &&
		    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm))
			snprintf(out, size, "%" PRIu64 " (%s)", u, when);
		else
			snprintf(out, size, "%" PRIu64, u);
		break;
	}
	case CKPT_K_BYTES:
	case CKPT_K_PAD: {
		size_t o = 0;

		out[0] = '\0';
		for (uint32_t i = 0; i < f->width && o + 3 < size; i++)
			o += (size_t)snprintf(out + o, size - o, "%s%02x", i ? " " : "", p[i]);
		if (f->kind == CKPT_K_PAD && o + 20 < size)
			snprintf(out + o, size - o, " (non-zero padding)");
		break;
	}
	case CKPT_K_ARRAY:
		snprintf(out, size, "(array)");
		break;
	}
}
