/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Strings a process chooses (its comm, its VM's name, its cgroup path) made
 * safe for the sinks: valid UTF-8 for JSON, and escaped for the text log, the
 * journal's MESSAGE and fields, so that a newline cannot forge a line and a
 * terminal escape never reaches a terminal.
 */
#ifndef VW_ESCAPE_H
#define VW_ESCAPE_H

#include <stddef.h>

/* The longest output for n input bytes: the UTF-8 repair (U+FFFD is 3 bytes), the \xNN escape. */
#define VW_UTF8_MAX(n) (3 * (n) + 1)
#define VW_ESCAPE_MAX(n) (4 * (n) + 1)

/*
 * The well-formed UTF-8 sequence at s (n bytes): its length; 0 if ill-formed,
 * with *bad the length of its maximal subpart (the bytes one U+FFFD replaces).
 */
size_t vw_utf8_seq(const unsigned char *s, size_t n, size_t *bad);

/*
 * in (up to n bytes, or its NUL) as valid UTF-8: every ill-formed sequence
 * (each maximal subpart, as Unicode recommends and Python's 'replace' does)
 * becomes U+FFFD. out is NUL-terminated; never cut inside a character.
 * Returns the bytes written, without the NUL.
 */
size_t vw_utf8_sanitize(const char *in, size_t n, char *out, size_t len);

/*
 * in (up to n bytes, or its NUL) for a line of text: control characters (C0,
 * DEL, and C1 as UTF-8: a terminal may read U+009B as CSI) and every byte of
 * an ill-formed sequence as \xNN; valid UTF-8 and everything else as is
 * (a backslash too: cgroup paths hold systemd's own \x2d). out is
 * NUL-terminated, never cut inside an escape. Returns the bytes written.
 */
size_t vw_text_escape(const char *in, size_t n, char *out, size_t len);

#endif
