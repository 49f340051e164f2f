/* Text forms of field values, shared by the text view, the browser and diff. */
#ifndef CKPT_FORMAT_H
#define CKPT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/schema.h"

/* Bytes as a quoted-free, terminal-safe string: printable ASCII stays,
 * backslash becomes \\, anything else \xNN (\n, \t, \r as such).  Always
 * NUL-terminates out; returns the length it would need (like snprintf). */
size_t ckpt_escape(const uint8_t *s, size_t len, char *out, size_t size);

/* The value of a hex digit, or -1. */
int ckpt_hex_digit(char c);

/* The inverse of ckpt_escape: decodes s into out (at most size bytes).
 * Returns the decoded length, or -1 for a malformed escape or when the
 * bytes do not fit. */
long ckpt_unescape(const char *s, uint8_t *out, size_t size);

/* The length of s up to its last non-zero byte; *terminated tells whether a
 * NUL occurs within len. */
size_t ckpt_text_len(const uint8_t *s, size_t len, bool *terminated);

/* One field's value as text ("2 (X86_64)", "0x...(VM_READ|VM_WRITE)"). */
void ckpt_format_field(const struct ckpt_field *f, const uint8_t *base, char *out, size_t size);

/* The names of the bits set in v (at most max of them, in table order) and
 * the bits no name covers; a sigset's names are signal numbers (bit n-1). */
size_t ckpt_flags_names(const struct ckpt_names *names, uint64_t v, bool sigset,
			const char **out, size_t max, uint64_t *rest);

/* Flag set as "A|B|0x40"; "0" when empty. */
void ckpt_format_flags(const struct ckpt_names *names, uint64_t v, bool sigset, char *out, size_t size);

/* Whether a PAD field holds only zero bytes. */
bool ckpt_pad_is_zero(const struct ckpt_field *f, const uint8_t *base);

#endif
