// SPDX-License-Identifier: GPL-2.0
/*
 * Policy files: YAML (libyaml events) -> struct vw_policy.
 *
 * Two passes. The first turns libyaml's event stream into a small tree of
 * nodes, each with the line:col where it starts, and refuses what keeps
 * parsing bounded or the meaning unambiguous: anchors, aliases, tags, more
 * than one document, nesting deeper than VW_POLICY_MAX_DEPTH. The second walks
 * the tree against the schema (documented in policies/default.yaml and
 * policies/README.md) and fills a private struct vw_policy, copied to the
 * caller's only on success. Every error is "NAME:LINE:COL: message" with a
 * 1-based line and column pointing at the offending node.
 *
 * No global state: everything lives in the parse context and is freed before
 * returning.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "bdf.h"
#include "layout.h"
#include "policy.h"
#include "serial.h"
#include "tph.h"
#include "vw_ioctl.h"
#include "vw_select.h"

/* ------------------------------------------------------------------ */
/* Tree                                                                */
/* ------------------------------------------------------------------ */

enum node_kind { N_SCALAR, N_MAP, N_SEQ };

struct node {
	enum node_kind kind;
	int line, col;		/* 1-based */
	bool null;		/* plain "", "~", "null" */
	char *val;		/* scalar text, NUL-terminated (no NUL inside) */
	size_t len;
	struct node **kids;	/* map: key, value, key, value...; seq: items */
	size_t nkids, cap;
	struct node *all;	/* allocation list */
};

struct pctx {
	const char *name;
	char *err;
	size_t errlen;
	struct node *all;	/* every node allocated, for freeing */
	struct vw_policy *pol;
	const char *buf;
	size_t buflen;
};

static const char *kind_name(const struct node *n)
{
	if (n->kind == N_MAP)
		return "a mapping";
	if (n->kind == N_SEQ)
		return "a list";
	return n->null ? "nothing (null)" : "a scalar";
}

static void verr_at(struct pctx *c, int line, int col, const char *fmt, va_list ap)
{
	char msg[512];

	if (!c->err || !c->errlen)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(c->err, c->errlen, "%s:%d:%d: %s", c->name, line, col, msg);
}

__attribute__((format(printf, 4, 5)))
static int fail_at(struct pctx *c, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr_at(c, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

__attribute__((format(printf, 3, 4)))
static int fail(struct pctx *c, const struct node *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr_at(c, n->line, n->col, fmt, ap);
	va_end(ap);
	return -1;
}

/* A scalar for messages: printable ASCII only, truncated. */
static const char *shown(const struct node *n, char *out, size_t outlen)
{
	size_t i, o = 0;

	if (n->kind != N_SCALAR) {
		snprintf(out, outlen, "%s", kind_name(n));
		return out;
	}
	/* libyaml has checked the UTF-8; only control characters are replaced */
	for (i = 0; i < n->len && o + 4 < outlen; i++) {
		unsigned char ch = (unsigned char)n->val[i];

		out[o++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	if (i < n->len) {
		while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
			o--;	/* a truncated character */
		if (o > 0 && (unsigned char)out[o - 1] >= 0xc0)
			o--;
		out[o++] = '.';
		out[o++] = '.';
		out[o++] = '.';
	}
	out[o] = 0;
	return out;
}
#define SHOWN(n) shown((n), (char[48]){0}, 48)

static struct node *node_new(struct pctx *c, enum node_kind kind, const yaml_mark_t *m)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = kind;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	n->all = c->all;
	c->all = n;
	return n;
}

static int node_add(struct node *parent, struct node *kid)
{
	if (parent->nkids == parent->cap) {
		size_t ncap = parent->cap ? parent->cap * 2 : 8;
		struct node **k = realloc(parent->kids, ncap * sizeof(*k));

		if (!k)
			return -1;
		parent->kids = k;
		parent->cap = ncap;
	}
	parent->kids[parent->nkids++] = kid;
	return 0;
}

static void nodes_free(struct pctx *c)
{
	struct node *n = c->all, *next;

	for (; n; n = next) {
		next = n->all;
		free(n->val);
		free(n->kids);
		free(n);
	}
	c->all = NULL;
}

/* Line:col of a byte offset (reader errors carry only an offset). */
static void offset_mark(const char *buf, size_t len, size_t off, int *line, int *col)
{
	size_t i;
	int l = 1, cl = 1;

	if (off > len)
		off = len;
	for (i = 0; i < off; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch == '\n' || (ch == '\r' && !(i + 1 < len && buf[i + 1] == '\n'))) {
			l++;
			cl = 1;
		} else if ((ch & 0xc0) != 0x80) {
			cl++;	/* count characters, not UTF-8 continuation bytes */
		}
	}
	*line = l;
	*col = cl;
}

/* The byte at 1-based line:col (libyaml marks count characters), or -1. */
static int char_at(const char *buf, size_t len, int line, int col)
{
	size_t i = 0;
	int l = 1, cl = 1;

	for (; i < len && l < line; i++)
		if (buf[i] == '\n')
			l++;
	for (; i < len && cl < col; cl++)
		for (i++; i < len && ((unsigned char)buf[i] & 0xc0) == 0x80; i++)
			;
	return i < len ? (unsigned char)buf[i] : -1;
}

static int yaml_fail(struct pctx *c, yaml_parser_t *p)
{
	int line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return fail_at(c, 1, 1, "out of memory");
	case YAML_READER_ERROR:
		offset_mark(c->buf, c->buflen, p->problem_offset, &line, &col);
		if (p->problem_value == 0)
			return fail_at(c, line, col, "NUL byte in the policy (not a text file?)");
		if (p->problem_value != -1)
			return fail_at(c, line, col, "invalid input (not UTF-8 text?): %s (0x%02x)",
				       p->problem, p->problem_value);
		return fail_at(c, line, col, "invalid input (not UTF-8 text?): %s", p->problem);
	case YAML_SCANNER_ERROR:
	case YAML_PARSER_ERROR:
		line = (int)p->problem_mark.line + 1;
		col = (int)p->problem_mark.column + 1;
		if (char_at(c->buf, c->buflen, line, col) == '\t')
			return fail_at(c, line, col, "YAML syntax error: tab character; YAML indents with spaces only");
		if (p->context)
			return fail_at(c, line, col, "YAML syntax error: %s (%s at line %d column %d)",
				       p->problem ? p->problem : "?", p->context,
				       (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
		return fail_at(c, line, col, "YAML syntax error: %s", p->problem ? p->problem : "?");
	default:
		return fail_at(c, 1, 1, "YAML error: %s", p->problem ? p->problem : "unknown");
	}
}

static int check_props(struct pctx *c, const yaml_event_t *ev, const yaml_char_t *anchor,
		       const yaml_char_t *tag)
{
	int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;

	if (anchor)
		return fail_at(c, line, col, "anchors (&%.32s) and aliases are not supported in policies",
			       (const char *)anchor);
	if (tag)
		return fail_at(c, line, col, "YAML tags (%.32s) are not supported in policies",
			       (const char *)tag);
	return 0;
}

/* Events -> tree. Returns the root (NULL for an empty stream) via *root. */
static int build_tree(struct pctx *c, struct node **root)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct node *stack[VW_POLICY_MAX_DEPTH];
	int depth = 0, ndocs = 0, rc = 0, done = 0;

	*root = NULL;
	if (!yaml_parser_initialize(&p))
		return fail_at(c, 1, 1, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)c->buf, c->buflen);

	while (!done && !rc) {
		struct node *n = NULL;

		if (!yaml_parser_parse(&p, &ev)) {
			rc = yaml_fail(c, &p);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1)
				rc = fail_at(c, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
					     "a policy is a single YAML document (found a second one)");
			break;
		case YAML_ALIAS_EVENT:
			rc = fail_at(c, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
				     "aliases (*%.32s) and anchors are not supported in policies",
				     (const char *)ev.data.alias.anchor);
			break;
		case YAML_SCALAR_EVENT:
			rc = check_props(c, &ev, ev.data.scalar.anchor, ev.data.scalar.tag);
			if (rc)
				break;
			if (strlen((const char *)ev.data.scalar.value) != ev.data.scalar.length) {
				rc = fail_at(c, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
					     "NUL character in a string");
				break;
			}
			n = node_new(c, N_SCALAR, &ev.start_mark);
			if (!n || !(n->val = strdup((const char *)ev.data.scalar.value))) {
				rc = fail_at(c, 1, 1, "out of memory");
				break;
			}
			n->len = ev.data.scalar.length;
			n->null = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
				  (!n->len || !strcmp(n->val, "~") || !strcmp(n->val, "null") ||
				   !strcmp(n->val, "Null") || !strcmp(n->val, "NULL"));
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (ev.type == YAML_SEQUENCE_START_EVENT)
				rc = check_props(c, &ev, ev.data.sequence_start.anchor, ev.data.sequence_start.tag);
			else
				rc = check_props(c, &ev, ev.data.mapping_start.anchor, ev.data.mapping_start.tag);
			if (rc)
				break;
			if (depth >= VW_POLICY_MAX_DEPTH) {
				rc = fail_at(c, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
					     "nesting deeper than %d levels", VW_POLICY_MAX_DEPTH);
				break;
			}
			n = node_new(c, ev.type == YAML_SEQUENCE_START_EVENT ? N_SEQ : N_MAP, &ev.start_mark);
			if (!n)
				rc = fail_at(c, 1, 1, "out of memory");
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
		if (!rc && n) {
			if (depth == 0)
				*root = n;
			else if (node_add(stack[depth - 1], n))
				rc = fail_at(c, 1, 1, "out of memory");
			if (!rc && n->kind != N_SCALAR)
				stack[depth++] = n;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Scalars                                                             */
/* ------------------------------------------------------------------ */

static bool is_key(const struct node *k, const char *s)
{
	return k->kind == N_SCALAR && !strcmp(k->val, s);
}

static const char *skip_0x(const char *s, size_t *n)
{
	if (*n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		*n -= 2;
		return s + 2;
	}
	return s;
}

/* Decimal without leading zeros, or 0x-prefixed hex. */
static int parse_number(struct pctx *c, const struct node *n, const char *what, uint32_t *v)
{
	const char *s;
	size_t len, i;
	uint64_t x = 0;

	if (n->kind != N_SCALAR || n->null)
		return fail(c, n, "%s must be a number, got %s", what, kind_name(n));
	s = n->val;
	len = n->len;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (i = 2; i < len; i++) {
			int h = vw_hexval((unsigned char)s[i]);

			if (h < 0 || x > 0xffffffffull >> 4)
				goto bad;
			x = (x << 4) | (unsigned)h;
		}
	} else {
		if (!len || (len > 1 && s[0] == '0'))
			goto bad;
		for (i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				goto bad;
			x = x * 10 + (unsigned)(s[i] - '0');
			if (x > 0xffffffffull)
				goto bad;
		}
	}
	*v = (uint32_t)x;
	return 0;
bad:
	return fail(c, n, "bad number '%s' for %s: expected decimal (no leading zeros) or 0x-prefixed hex",
		    SHOWN(n), what);
}

/* ------------------------------------------------------------------ */
/* Mappings                                                            */
/* ------------------------------------------------------------------ */

/*
 * A mapping's keys are a table of {name, handler}: the row is the only place
 * where a key's name meets what it does, so reordering rows changes nothing
 * but the order of the "allowed:" list in messages. The handler gets the key
 * node, its value, the object being filled and the row's arg (a field offset
 * or a direction).
 */
typedef int key_fn(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg);

struct key_spec {
	const char *name;	/* NULL ends a table */
	key_fn *fn;
	size_t arg;
	bool unlisted;		/* refused by its handler; not offered in "allowed:" */
};

/* Key i of map m is a plain scalar and not a duplicate of an earlier key. */
static int check_key(struct pctx *c, const struct node *m, size_t i, const char *where)
{
	const struct node *k = m->kids[2 * i];
	size_t j;

	if (k->kind != N_SCALAR || k->null)
		return fail(c, k, "keys in %s must be plain names, got %s", where, kind_name(k));
	for (j = 0; j < i; j++) {
		const struct node *prev = m->kids[2 * j];

		if (prev->len == k->len && !memcmp(prev->val, k->val, k->len))
			return fail(c, k, "duplicate key '%s' in %s (first at line %d)", SHOWN(k), where,
				    prev->line);
	}
	return 0;
}

static int unknown_key(struct pctx *c, const struct node *k, const struct key_spec *keys,
		       const char *where, const char *hint)
{
	char list[256];
	size_t o = 0;

	list[0] = 0;
	for (; keys->name; keys++)
		if (!keys->unlisted)
			o += (size_t)snprintf(list + o, o < sizeof(list) ? sizeof(list) - o : 0, "%s%s",
					      o ? ", " : "", keys->name);
	return fail(c, k, "unknown key '%s' in %s; allowed: %s%s", SHOWN(k), where, list,
		    hint ? hint : "");
}

/* Every key of m, in file order, to its row of keys[]; stops at the first error. */
static int walk_keys(struct pctx *c, const struct node *m, const struct key_spec *keys,
		     const char *where, const char *hint, void *obj)
{
	size_t i;

	for (i = 0; i < m->nkids / 2; i++) {
		const struct node *k = m->kids[2 * i];
		const struct key_spec *ks;

		if (check_key(c, m, i, where))
			return -1;
		for (ks = keys; ks->name && strcmp(k->val, ks->name); ks++)
			;
		if (!ks->name)
			return unknown_key(c, k, keys, where, hint);
		if (ks->fn(c, k, m->kids[2 * i + 1], obj, ks->arg))
			return -1;
	}
	return 0;
}

/* A handler that stores the value node at offset arg of obj. */
static int take_node(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	*(const struct node **)((char *)obj + arg) = v;
	return 0;
}

static int want_map(struct pctx *c, const struct node *n, const char *what)
{
	if (n->kind != N_MAP)
		return fail(c, n, "%s must be a mapping, got %s", what, kind_name(n));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Rules                                                               */
/* ------------------------------------------------------------------ */

enum rule_where { R_PLAIN, R_DSN };

static int parse_action(struct pctx *c, const struct node *n, const char *what, int *a)
{
	if (n->kind != N_SCALAR || n->null)
		return fail(c, n, "'%s' must be an action (allow, audit, deny), got %s", what, kind_name(n));
	if (!strcmp(n->val, "allow"))
		*a = VW_ALLOW;
	else if (!strcmp(n->val, "audit"))
		*a = VW_AUDIT;
	else if (!strcmp(n->val, "deny"))
		*a = VW_DENY;
	else if (!strcmp(n->val, "scrub"))
		*a = VW_SCRUB;
	else
		return fail(c, n, "unknown action '%s' for '%s'; expected allow, audit or deny", SHOWN(n), what);
	return 0;
}

static int scrub_error(struct pctx *c, const struct node *n, enum rule_where where, int write)
{
	if (where == R_DSN && write)
		return fail(c, n, "scrub is a read-only action; write the rule as {read: scrub, write: ...}");
	return fail(c, n, "scrub is only valid as the read action of a 'capability: dsn' rule");
}

/* The actions of a {read, write} mapping; act[] is indexed by enum vw_dir. */
struct rule_acc {
	int act[2];
	enum rule_where where;
};

/* 'read' or 'write' (arg: enum vw_dir) into a struct rule_acc. */
static int rule_dir(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t dir)
{
	struct rule_acc *r = obj;
	int a;

	if (parse_action(c, v, k->val, &a))
		return -1;
	if (a == VW_SCRUB && (dir == VW_DIR_WRITE || r->where != R_DSN))
		return scrub_error(c, v, r->where, dir == VW_DIR_WRITE);
	r->act[dir] = a;
	return 0;
}

static const struct key_spec rule_keys[] = {
	{ .name = "read", .fn = rule_dir, .arg = VW_DIR_READ },
	{ .name = "write", .fn = rule_dir, .arg = VW_DIR_WRITE },
	{ .name = NULL },
};

/*
 * A rule: an action for both directions, or {read: A, write: A} with at least
 * one of them. Unset directions are VW_UNSET.
 */
static int parse_rule(struct pctx *c, const struct node *n, const char *what, enum rule_where where,
		      const char *hint, __u8 *rule)
{
	struct rule_acc acc = { { VW_UNSET, VW_UNSET }, where };
	char ctx[96];
	int a;

	if (n->kind == N_SCALAR && !n->null) {
		if (parse_action(c, n, what, &a))
			return -1;
		if (a == VW_SCRUB)
			return scrub_error(c, n, where, 1);
		*rule = VW_RULE(a, a);
		return 0;
	}
	if (n->kind != N_MAP)
		return fail(c, n, "'%s' must be an action (allow, audit, deny) or a {read, write} mapping, got %s",
			    what, kind_name(n));
	snprintf(ctx, sizeof(ctx), "rule '%s'", what);
	if (walk_keys(c, n, rule_keys, ctx, hint, &acc))
		return -1;
	if (acc.act[VW_DIR_READ] == VW_UNSET && acc.act[VW_DIR_WRITE] == VW_UNSET)
		return fail(c, n, "empty rule for '%s': give read and/or write", what);
	*rule = VW_RULE(acc.act[VW_DIR_READ], acc.act[VW_DIR_WRITE]);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Capabilities and ranges                                             */
/* ------------------------------------------------------------------ */

static int parse_caps(struct pctx *c, const struct node *m, struct vw_profile *prof)
{
	size_t i, j;

	if (m->kind == N_SCALAR && m->null)
		return 0;
	if (want_map(c, m, "'capability' (rules by capability name)"))
		return -1;
	for (i = 0; i < m->nkids / 2; i++) {
		const struct node *k = m->kids[2 * i], *v = m->kids[2 * i + 1];
		bool ext = false;
		uint16_t id = 0;
		__u8 rule;
		bool is_dsn;

		if (check_key(c, m, i, "'capability'"))
			return -1;
		if (vw_cap_lookup(k->val, &ext, &id))
			return fail(c, k, "unknown capability '%s'; use a short name (pm, msix, dsn, ...) "
				    "or cap:0xNN / ext:0xNNNN", SHOWN(k));
		if (ext && id > 0xfd)
			return fail(c, k, "extended capability 0x%04x cannot have its own rule (IDs above 0xfd "
				    "share the 'capabilities' rule)", id);
		if (!ext && (id == 0 || id > 0xfd))
			return fail(c, k, "capability ID 0x%02x cannot have its own rule (0x00 is the header, "
				    "IDs above 0xfd share the 'capabilities' rule)", id);
		/* the same capability under two names */
		for (j = 0; j < i; j++) {
			bool ext2 = false;
			uint16_t id2 = 0;
			const struct node *k2 = m->kids[2 * j];

			if (!vw_cap_lookup(k2->val, &ext2, &id2) && ext2 == ext && id2 == id)
				return fail(c, k, "capability '%s' is the same as '%s' (line %d)", SHOWN(k),
					    SHOWN(k2), k2->line);
		}
		is_dsn = ext && id == 0x0003;
		if (parse_rule(c, v, k->val, is_dsn ? R_DSN : R_PLAIN, NULL, &rule))
			return -1;
		if (ext)
			prof->ext_cap[id] = rule;
		else
			prof->std_cap[id] = rule;
	}
	return 0;
}

struct range_src {
	struct vw_range r;
	const struct node *n;
};

/* A range's keys; rule comes first so that rule_dir can fill it. */
struct range_acc {
	struct rule_acc rule;
	const struct node *start, *end, *length;
};

/* 'end' or 'length' (arg: where to store it): a range takes one of the two. */
static int range_bound(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	struct range_acc *r = obj;

	if (r->end || r->length)
		return fail(c, k, "give either 'end' or 'length' for a range, not both");
	return take_node(c, k, v, obj, arg);
}

static const struct key_spec range_keys[] = {
	{ .name = "start", .fn = take_node, .arg = offsetof(struct range_acc, start) },
	{ .name = "end", .fn = range_bound, .arg = offsetof(struct range_acc, end) },
	{ .name = "length", .fn = range_bound, .arg = offsetof(struct range_acc, length) },
	{ .name = "read", .fn = rule_dir, .arg = VW_DIR_READ },
	{ .name = "write", .fn = rule_dir, .arg = VW_DIR_WRITE },
	{ .name = NULL },
};

/* Start and length of a range whose keys are all present. */
static int range_extent(struct pctx *c, const struct range_acc *a, uint32_t *s, uint32_t *l)
{
	uint32_t e;

	if (parse_number(c, a->start, "start", s))
		return -1;
	if (*s >= VW_CFG_SIZE)
		return fail(c, a->start, "range start 0x%x beyond config space (0x0..0xfff)", *s);
	if (a->end) {
		if (parse_number(c, a->end, "end", &e))
			return -1;
		if (e >= VW_CFG_SIZE)
			return fail(c, a->end, "range end 0x%x beyond config space (0x0..0xfff)", e);
		if (e < *s)
			return fail(c, a->end, "range end 0x%x before start 0x%x (end is inclusive)", e, *s);
		*l = e - *s + 1;
		return 0;
	}
	if (parse_number(c, a->length, "length", l))
		return -1;
	if (!*l)
		return fail(c, a->length, "range length must be at least 1");
	if (*l > VW_CFG_SIZE - *s)
		return fail(c, a->length, "range 0x%x + length %u ends beyond config space (0x0..0xfff)",
			    *s, *l);
	return 0;
}

static int parse_range(struct pctx *c, const struct node *m, struct range_src *out)
{
	struct range_acc acc = { .rule = { { VW_UNSET, VW_UNSET }, R_PLAIN } };
	const int *act = acc.rule.act;
	uint32_t s = 0, l = 0;

	if (want_map(c, m, "a range") || walk_keys(c, m, range_keys, "range", NULL, &acc))
		return -1;
	if (!acc.start)
		return fail(c, m, "range needs 'start'");
	if (!acc.end && !acc.length)
		return fail(c, m, "range needs 'end' (inclusive) or 'length'");
	if (act[VW_DIR_READ] == VW_UNSET && act[VW_DIR_WRITE] == VW_UNSET)
		return fail(c, m, "range sets neither 'read' nor 'write'");
	if (range_extent(c, &acc, &s, &l))
		return -1;
	memset(&out->r, 0, sizeof(out->r));
	out->r.start = (__u16)s;
	out->r.len = (__u16)l;
	out->r.rule = VW_RULE(act[VW_DIR_READ], act[VW_DIR_WRITE]);
	out->n = m;
	return 0;
}

static int parse_ranges(struct pctx *c, const struct node *seq, struct vw_profile *prof)
{
	struct range_src rs[VW_MAX_RANGES];
	size_t i, j, n = 0;

	if (seq->kind == N_SCALAR && seq->null)
		return 0;
	if (seq->kind != N_SEQ)
		return fail(c, seq, "'ranges' must be a list, got %s", kind_name(seq));
	for (i = 0; i < seq->nkids; i++) {
		struct range_src cur;

		if (n >= VW_MAX_RANGES)
			return fail(c, seq->kids[i], "too many ranges (at most %d per entry)", VW_MAX_RANGES);
		if (parse_range(c, seq->kids[i], &cur))
			return -1;
		for (j = 0; j < n; j++) {
			unsigned a0 = rs[j].r.start, a1 = a0 + rs[j].r.len - 1;
			unsigned b0 = cur.r.start, b1 = b0 + cur.r.len - 1;

			if (b0 <= a1 && a0 <= b1)
				return fail(c, cur.n, "range 0x%x..0x%x overlaps range 0x%x..0x%x (line %d)",
					    b0, b1, a0, a1, rs[j].n->line);
		}
		/* insertion, sorted by start */
		for (j = n; j > 0 && rs[j - 1].r.start > cur.r.start; j--)
			rs[j] = rs[j - 1];
		rs[j] = cur;
		n++;
	}
	for (i = 0; i < n; i++)
		prof->ranges[i] = rs[i].r;
	prof->nranges = (__u8)n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* TPH                                                                 */
/* ------------------------------------------------------------------ */

/* A list of names ("ops: [get_st, set_st]") into a bit set; lookup gives a bit index. */
static int parse_name_list(struct pctx *c, const struct node *seq, const char *what,
			   int (*lookup)(const char *), const char *allowed, __u8 *bits, int as_value)
{
	size_t i;

	if (seq->kind != N_SEQ)
		return fail(c, seq, "'%s' must be a list such as [%s], got %s", what, allowed, kind_name(seq));
	*bits = 0;
	for (i = 0; i < seq->nkids; i++) {
		const struct node *n = seq->kids[i];
		int v = n->kind == N_SCALAR && !n->null ? lookup(n->val) : -1;

		if (v < 0)
			return fail(c, n, "unknown %s '%s'; expected one of %s", what, n->kind == N_SCALAR ? SHOWN(n) : "?",
				    allowed);
		*bits |= as_value ? (__u8)v : (__u8)(1u << v);
	}
	return 0;
}

static int tph_ops(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	struct vw_tph_policy *t = obj;

	return parse_name_list(c, v, "TPH op", vw_tph_op_lookup, "get_cap, enable, disable, get_st, set_st",
			       &t->ops_allowed, 0);
}

static int tph_modes(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	struct vw_tph_policy *t = obj;

	return parse_name_list(c, v, "TPH mode", vw_tph_mode_lookup, "ns, iv, ds", &t->modes_allowed, 1);
}

static int tph_mem_types(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	struct vw_tph_policy *t = obj;

	return parse_name_list(c, v, "memory type", vw_tph_mem_lookup, "vm, pm", &t->mem_types_allowed, 0);
}

static int tph_cpus(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	struct vw_tph_policy *t = obj;

	if (v->kind != N_SCALAR || v->null)
		return fail(c, v, "'cpus' must be caller, all or a CPU list such as \"0-3,8\"");
	if (!strcmp(v->val, "caller")) {
		t->cpu_mode = VW_TPH_CPUS_CALLER;
	} else if (!strcmp(v->val, "all")) {
		t->cpu_mode = VW_TPH_CPUS_ALL;
	} else {
		memset(t->cpu_list, 0, sizeof(t->cpu_list));
		if (vw_tph_parse_cpus(v->val, t->cpu_list))
			return fail(c, v, "'cpus': '%s' is not caller, all or a CPU list such as "
				    "\"0-3,8\" (CPUs 0..%d)", SHOWN(v), VW_TPH_MAX_CPUS - 1);
		t->cpu_mode = VW_TPH_CPUS_LIST;
	}
	return 0;
}

static int tph_config_writes(struct pctx *c, const struct node *k, const struct node *v, void *obj,
			     size_t arg)
{
	struct vw_tph_policy *t = obj;
	int a;

	if (parse_action(c, v, "config_writes", &a))
		return -1;
	if (a == VW_SCRUB)
		return fail(c, v, "'config_writes' takes allow, audit or deny");
	t->cfg_write_action = (__u8)a;
	return 0;
}

static const struct key_spec tph_keys[] = {
	{ .name = "ops", .fn = tph_ops },
	{ .name = "modes", .fn = tph_modes },
	{ .name = "mem_types", .fn = tph_mem_types },
	{ .name = "cpus", .fn = tph_cpus },
	{ .name = "config_writes", .fn = tph_config_writes },
	{ .name = NULL },
};

/*
 * tph: {ops: [...], modes: [...], mem_types: [...], cpus: caller|all|"0-3,8",
 *       config_writes: allow|audit|deny}; fields left out keep the defaults.
 */
static int parse_tph(struct pctx *c, const struct node *m, struct vw_tph_policy *t)
{
	if (want_map(c, m, "'tph'"))
		return -1;
	vw_tph_policy_default(t);
	return walk_keys(c, m, tph_keys, "'tph'", NULL, t);
}

/* ------------------------------------------------------------------ */
/* VFIO device ioctls                                                  */
/* ------------------------------------------------------------------ */

/* One class: allow, audit or deny (scrub means nothing for an ioctl). */
static int ioctl_rule(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t cls)
{
	__u8 *rules = obj;
	int a;

	if (parse_action(c, v, k->val, &a))
		return -1;
	if (a == VW_SCRUB)
		return fail(c, v, "scrub is not an ioctl action; '%s' takes allow, audit or deny", k->val);
	rules[cls] = (__u8)a;
	return 0;
}

/* on_race: what to do when a FEATURE call's flags change after the veto read them
 * (include/vw_ioctl.h): audit (the default: an event and a counter) or kill. */
static int ioctl_on_race(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	__u8 *rules = obj;

	if (v->kind == N_SCALAR && !strcmp(v->val, "audit"))
		rules[VW_IOC_ON_RACE] = VW_AUDIT;
	else if (v->kind == N_SCALAR && !strcmp(v->val, "kill"))
		rules[VW_IOC_ON_RACE] = VW_IOC_KILL;
	else
		return fail(c, v, "'on_race' takes audit or kill");
	return 0;
}

static const struct key_spec ioctl_keys[] = {
	{ .name = "reset", .fn = ioctl_rule, .arg = VW_IOC_RESET },
	{ .name = "hot_reset", .fn = ioctl_rule, .arg = VW_IOC_HOT_RESET },
	{ .name = "set_irqs", .fn = ioctl_rule, .arg = VW_IOC_SET_IRQS },
	{ .name = "low_power_entry", .fn = ioctl_rule, .arg = VW_IOC_LOW_POWER_ENTRY },
	{ .name = "low_power_exit", .fn = ioctl_rule, .arg = VW_IOC_LOW_POWER_EXIT },
	{ .name = "bus_master", .fn = ioctl_rule, .arg = VW_IOC_BUS_MASTER },
	{ .name = "dma_buf", .fn = ioctl_rule, .arg = VW_IOC_DMA_BUF },
	{ .name = "migration", .fn = ioctl_rule, .arg = VW_IOC_MIG },
	{ .name = "vf_token", .fn = ioctl_rule, .arg = VW_IOC_VF_TOKEN },
	{ .name = "on_race", .fn = ioctl_on_race },
	{ .name = NULL },
};

/* ------------------------------------------------------------------ */
/* Layers                                                              */
/* ------------------------------------------------------------------ */

void vw_profile_clear(struct vw_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->header = VW_RULE_NONE;
	p->unassigned = VW_RULE_NONE;
	p->cap_any = VW_RULE_NONE;
	memset(p->std_cap, VW_RULE_NONE, sizeof(p->std_cap));
	memset(p->ext_cap, VW_RULE_NONE, sizeof(p->ext_cap));
	memset(p->ioctl, VW_UNSET, sizeof(p->ioctl));
}

/* What a layer's keys fill: the entry, and 'match' for device entries. */
struct layer_acc {
	struct vw_policy_entry *entry;
	const struct node *match;
};

static int layer_rule(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t off)
{
	struct layer_acc *l = obj;

	return parse_rule(c, v, k->val, R_PLAIN, NULL, (__u8 *)&l->entry->prof + off);
}

static int layer_cap_any(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	struct layer_acc *l = obj;

	return parse_rule(c, v, k->val, R_PLAIN, " (rules for one capability go under 'capability:')",
			  &l->entry->prof.cap_any);
}

static int layer_caps(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	return parse_caps(c, v, &((struct layer_acc *)obj)->entry->prof);
}

static int layer_ranges(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	return parse_ranges(c, v, &((struct layer_acc *)obj)->entry->prof);
}

static int layer_tph(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	return parse_tph(c, v, &((struct layer_acc *)obj)->entry->prof.tph);
}

/*
 * ioctls: {reset: ACTION, hot_reset: ..., set_irqs, low_power_entry,
 * low_power_exit, bus_master, dma_buf, migration, vf_token, on_race: audit|kill};
 * per key, a class left out asks the next less specific layer.
 */
static int layer_ioctls(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	__u8 *rules = ((struct layer_acc *)obj)->entry->prof.ioctl;

	if (want_map(c, v, "'ioctls'"))
		return -1;
	return walk_keys(c, v, ioctl_keys, "'ioctls'",
			  " (feature probes change nothing and are always allowed; VFIO_DEVICE_PCI_TPH has its own 'tph:' rules)",
			  rules);
}

static int layer_serial(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	struct vw_policy_entry *e = ((struct layer_acc *)obj)->entry;

	if (v->kind != N_SCALAR || vw_serial_parse(v->val, &e->serial))
		return fail(c, v, "'serial' must be a Device Serial Number written as lspci prints it, "
			    "e.g. \"00-11-22-33-44-55-66-77\"");
	e->has_serial = 1;
	return 0;
}

static int default_match(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	return fail(c, k, "'match' belongs in 'devices:' entries; 'default' applies to every device");
}

#define LAYER_RULE_KEYS									\
	{ .name = "header", .fn = layer_rule, .arg = offsetof(struct vw_profile, header) },		\
	{ .name = "capabilities", .fn = layer_cap_any },						\
	{ .name = "unassigned", .fn = layer_rule, .arg = offsetof(struct vw_profile, unassigned) },	\
	{ .name = "capability", .fn = layer_caps },							\
	{ .name = "ranges", .fn = layer_ranges }

static const struct key_spec default_keys[] = {
	{ .name = "match", .fn = default_match, .unlisted = true },
	LAYER_RULE_KEYS,
	{ .name = "tph", .fn = layer_tph },
	{ .name = "ioctls", .fn = layer_ioctls },
	{ .name = NULL },
};

static const struct key_spec entry_keys[] = {
	{ .name = "match", .fn = take_node, .arg = offsetof(struct layer_acc, match) },
	LAYER_RULE_KEYS,
	{ .name = "serial", .fn = layer_serial },
	{ .name = "tph", .fn = layer_tph },
	{ .name = "ioctls", .fn = layer_ioctls },
	{ .name = NULL },
};

/*
 * The keys of a layer: the default (match NULL) or a device entry, whose
 * 'match' value goes to *match.
 */
static int parse_layer(struct pctx *c, const struct node *m, struct vw_policy_entry *entry,
		       const struct node **match, const char *where)
{
	struct layer_acc acc = { entry, NULL };

	if (walk_keys(c, m, match ? entry_keys : default_keys, where, NULL, &acc))
		return -1;
	if (match)
		*match = acc.match;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Selectors                                                           */
/* ------------------------------------------------------------------ */

/* A PCI ID: 1-4 hex digits with or without 0x ("8086", 0x8086). */
static int parse_id(const char *s, size_t n, uint32_t *v)
{
	s = skip_0x(s, &n);
	return vw_hex_parse(s, n, 1, 4, v);
}

/* The selector keys of 'match'; at most one selector is given. */
struct match_acc {
	const struct node *bdf, *vendor, *device, *cls;
};

/* A selector value: a scalar, stored at offset arg of a struct match_acc. */
static int match_scalar(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	if (v->kind != N_SCALAR || v->null)
		return fail(c, v, "'%s' must be a scalar, got %s", k->val, kind_name(v));
	return take_node(c, k, v, obj, arg);
}

static const struct key_spec match_keys[] = {
	{ .name = "bdf", .fn = match_scalar, .arg = offsetof(struct match_acc, bdf) },
	{ .name = "vendor", .fn = match_scalar, .arg = offsetof(struct match_acc, vendor) },
	{ .name = "device", .fn = match_scalar, .arg = offsetof(struct match_acc, device) },
	{ .name = "class", .fn = match_scalar, .arg = offsetof(struct match_acc, cls) },
	{ .name = NULL },
};

static int match_bdf(struct pctx *c, const struct node *bdf, struct vw_policy_entry *e)
{
	const char *why;
	char canon[VW_NAME_LEN];

	if (vw_bdf_parse(bdf->val, bdf->len, canon, &why))
		return fail(c, bdf, "bad BDF '%s': %s", SHOWN(bdf), why);
	e->kind = VW_SEL_BDF;
	memcpy(e->bdf, canon, sizeof(e->bdf));
	snprintf(e->label, sizeof(e->label), "bdf %s", canon);
	return 0;
}

/* The device ID of {vendor: "V:D"} or {vendor: V, device: D}; *did -1 when none. */
static int match_device_id(struct pctx *c, const struct node *vendor, const char *colon,
			   const struct node *device, int32_t *did)
{
	const struct node *n = colon ? vendor : device;
	uint32_t v = 0;

	*did = -1;
	if (colon && parse_id(colon + 1, vendor->len - (size_t)(colon + 1 - vendor->val), &v))
		return fail(c, vendor, "bad device ID in '%s': expected 1-4 hex digits", SHOWN(vendor));
	if (!colon && device && parse_id(device->val, device->len, &v))
		return fail(c, device, "bad device ID '%s': expected 1-4 hex digits, e.g. 10d3",
			    SHOWN(device));
	if (!n)
		return 0;
	if (v == 0xffff)
		return fail(c, n, "device ID 0xffff is not a valid device");
	*did = (int32_t)v;
	return 0;
}

static int match_vendor(struct pctx *c, const struct node *vendor, const struct node *device,
			struct vw_policy_entry *e)
{
	const char *colon;
	uint32_t vid;
	int32_t did;

	if (!vendor)
		return fail(c, device, "'device' needs 'vendor'");
	colon = memchr(vendor->val, ':', vendor->len);
	if (colon && device)
		return fail(c, device, "device given twice: in 'vendor' (vendor:device) and 'device'");
	if (parse_id(vendor->val, colon ? (size_t)(colon - vendor->val) : vendor->len, &vid))
		return fail(c, vendor, "bad vendor ID '%s': expected 1-4 hex digits, e.g. 8086 or "
			    "8086:10d3", SHOWN(vendor));
	if (vid == 0xffff || vid == 0)
		return fail(c, vendor, "vendor ID 0x%04x is not a valid vendor", vid);
	if (match_device_id(c, vendor, colon, device, &did))
		return -1;
	e->vendor = (uint16_t)vid;
	e->device_id = did < 0 ? 0 : (uint16_t)did;
	e->kind = did < 0 ? VW_SEL_VENDOR : VW_SEL_VENDOR_DEVICE;
	if (did < 0)
		snprintf(e->label, sizeof(e->label), "vendor %04x", vid);
	else
		snprintf(e->label, sizeof(e->label), "vendor %04x:%04x", vid, (uint32_t)did);
	return 0;
}

static int match_class(struct pctx *c, const struct node *cls, struct vw_policy_entry *e)
{
	size_t n = cls->len;
	const char *s = skip_0x(cls->val, &n);
	uint32_t v;

	if ((n != 2 && n != 4 && n != 6) || vw_hex_parse(s, n, n, n, &v))
		return fail(c, cls, "bad class '%s': expected 2, 4 or 6 hex digits (base class, "
			    "+ subclass, + programming interface), e.g. 0x0200", SHOWN(cls));
	e->kind = VW_SEL_CLASS;
	e->class_bits = (uint32_t)n * 4;
	e->class_code = v << (24 - e->class_bits);
	snprintf(e->label, sizeof(e->label), "class 0x%0*x", (int)n, v);
	return 0;
}

static int parse_match(struct pctx *c, const struct node *m, struct vw_policy_entry *e)
{
	struct match_acc a = { 0 };

	if (m->kind != N_MAP)
		return fail(c, m, "'match' must be a mapping ({bdf: ...}, {vendor: ..., device: ...} or "
			    "{class: ...}), got %s", kind_name(m));
	if (walk_keys(c, m, match_keys, "'match'", NULL, &a))
		return -1;
	if (!a.bdf && !a.vendor && !a.device && !a.cls)
		return fail(c, m, "'match' needs one of bdf, vendor[, device] or class");
	if ((a.bdf ? 1 : 0) + (a.vendor || a.device ? 1 : 0) + (a.cls ? 1 : 0) > 1)
		return fail(c, m, "'match' takes one selector: bdf, vendor[, device] or class");
	if (a.bdf)
		return match_bdf(c, a.bdf, e);
	if (a.vendor || a.device)
		return match_vendor(c, a.vendor, a.device, e);
	return match_class(c, a.cls, e);
}

static bool same_selector(const struct vw_policy_entry *a, const struct vw_policy_entry *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case VW_SEL_BDF:
		return !strcmp(a->bdf, b->bdf);
	case VW_SEL_VENDOR_DEVICE:
		return a->vendor == b->vendor && a->device_id == b->device_id;
	case VW_SEL_VENDOR:
		return a->vendor == b->vendor;
	case VW_SEL_CLASS:
		return a->class_code == b->class_code && a->class_bits == b->class_bits;
	default:
		return true;
	}
}

static int parse_devices(struct pctx *c, const struct node *seq)
{
	struct vw_policy *pol = c->pol;
	size_t i;
	int j;

	if (seq->kind == N_SCALAR && seq->null)
		return 0;
	if (seq->kind != N_SEQ)
		return fail(c, seq, "'devices' must be a list of entries (- match: ...), got %s", kind_name(seq));
	for (i = 0; i < seq->nkids; i++) {
		const struct node *m = seq->kids[i], *match = NULL;
		struct vw_policy_entry *e;

		if (pol->nentries >= VW_MAX_PROFILES)
			return fail(c, m, "too many devices: at most %d entries under 'devices'", VW_MAX_ENTRIES);
		if (want_map(c, m, "a 'devices' entry"))
			return -1;
		e = &pol->entries[pol->nentries];
		memset(e, 0, sizeof(*e));
		vw_profile_clear(&e->prof);
		e->line = m->line;
		if (parse_layer(c, m, e, &match, "device entry"))
			return -1;
		if (!match)
			return fail(c, m, "device entry needs 'match' (bdf, vendor[, device] or class)");
		if (parse_match(c, match, e))
			return -1;
		for (j = 1; j < pol->nentries; j++)
			if (same_selector(&pol->entries[j], e))
				return fail(c, match, "duplicate selector '%s' (first at line %d)", e->label,
					    pol->entries[j].line);
		pol->nentries++;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Top level                                                           */
/* ------------------------------------------------------------------ */

static int root_version(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	return 0;	/* read first, by root_version_of */
}

static int root_default(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	struct vw_policy_entry *def = &c->pol->entries[0];

	def->line = k->line;
	if (v->kind == N_SCALAR && v->null)
		return 0;
	if (want_map(c, v, "'default'") || parse_layer(c, v, def, NULL, "'default'"))
		return -1;
	return 0;
}

static int root_devices(struct pctx *c, const struct node *k, const struct node *v, void *obj, size_t arg)
{
	return parse_devices(c, v);
}

static const struct key_spec root_keys[] = {
	{ .name = "version", .fn = root_version },
	{ .name = "default", .fn = root_default },
	{ .name = "devices", .fn = root_devices },
	{ .name = NULL },
};

/* 'version' before anything else: an unsupported version explains unknown keys. */
static int root_version_of(struct pctx *c, const struct node *root)
{
	const struct node *version = NULL;
	size_t i;
	uint32_t v;

	for (i = 0; i < root->nkids / 2 && !version; i++)
		if (is_key(root->kids[2 * i], "version"))
			version = root->kids[2 * i + 1];
	if (!version)
		return fail(c, root, "missing 'version: 1'");
	if (version->kind != N_SCALAR || version->null)
		return fail(c, version, "'version' must be a number, got %s", kind_name(version));
	if (parse_number(c, version, "version", &v))
		return -1;
	if (v != 1)
		return fail(c, version, "unsupported policy version %u (this vfio-warden reads version 1)", v);
	return 0;
}

static int parse_root(struct pctx *c, const struct node *root)
{
	struct vw_policy *pol = c->pol;
	struct vw_policy_entry *def = &pol->entries[0];

	if (!root || (root->kind == N_SCALAR && root->null))
		return fail_at(c, root ? root->line : 1, root ? root->col : 1,
			       "empty policy (expected at least 'version: 1')");
	if (root->kind != N_MAP)
		return fail(c, root, "a policy must be a mapping (version:, default:, devices:), got %s",
			    kind_name(root));
	if (root_version_of(c, root))
		return -1;
	memset(def, 0, sizeof(*def));
	def->kind = VW_SEL_DEFAULT;
	snprintf(def->label, sizeof(def->label), "default");
	vw_profile_clear(&def->prof);
	pol->nentries = 1;
	if (walk_keys(c, root, root_keys, "the policy", NULL, NULL))
		return -1;
	/* the default layer always decides TPH for devices no entry's 'tph' covers */
	if (!def->prof.tph.uapi_version)
		vw_tph_policy_default(&def->prof.tph);
	/* and every ioctl class no entry's 'ioctls' covers */
	for (int i = 0; i < VW_IOC_NRULES; i++)
		if (def->prof.ioctl[i] == VW_UNSET)
			def->prof.ioctl[i] = vw_ioc_default_action(i);
	return 0;
}

int vw_policy_parse(const char *name, const char *buf, size_t len, struct vw_policy *out, char *err,
		    size_t errlen)
{
	struct pctx c = { .name = name ? name : "<policy>", .err = err, .errlen = errlen,
			  .buf = buf ? buf : "", .buflen = buf ? len : 0 };
	struct node *root = NULL;
	int rc;

	if (err && errlen)
		err[0] = 0;
	if (!out)
		return fail_at(&c, 1, 1, "no output");
	if (c.buflen > VW_POLICY_MAX_SIZE)
		return fail_at(&c, 1, 1, "policy too large (%zu bytes; at most %d)", c.buflen,
			       VW_POLICY_MAX_SIZE);
	c.pol = calloc(1, sizeof(*c.pol));
	if (!c.pol)
		return fail_at(&c, 1, 1, "out of memory");
	snprintf(c.pol->source, sizeof(c.pol->source), "%s", c.name);

	rc = build_tree(&c, &root);
	if (!rc)
		rc = parse_root(&c, root);
	nodes_free(&c);
	if (!rc)
		memcpy(out, c.pol, sizeof(*out));
	free(c.pol);
	return rc ? -1 : 0;
}

int vw_policy_load_file(const char *path, struct vw_policy *out, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	if (err && errlen)
		err[0] = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		goto sys_err;
	if (fstat(fd, &st))
		goto sys_err_close;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		if (err && errlen)
			snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (st.st_size > VW_POLICY_MAX_SIZE)
		goto too_big;
	/* read up to the limit + 1 so that a file growing meanwhile is caught */
	buf = malloc(VW_POLICY_MAX_SIZE + 1);
	if (!buf) {
		errno = ENOMEM;
		goto sys_err_close;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, VW_POLICY_MAX_SIZE + 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto sys_err_close;
		}
		if (!n)
			break;
		len += (size_t)n;
		if (len > VW_POLICY_MAX_SIZE)
			goto too_big;
	}
	close(fd);
	rc = vw_policy_parse(path, buf, len, out, err, errlen);
	free(buf);
	return rc;

too_big:
	close(fd);
	free(buf);
	if (err && errlen)
		snprintf(err, errlen, "%s: policy file too large (more than %d bytes)", path,
			 VW_POLICY_MAX_SIZE);
	return -1;
sys_err_close:
	rc = errno;
	close(fd);
	free(buf);
	errno = rc;
sys_err:
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return -1;
}

/* ------------------------------------------------------------------ */
/* Layers for a device                                                 */
/* ------------------------------------------------------------------ */

int vw_policy_entry_key(const struct vw_policy_entry *e, __u32 gen, struct vw_sel_key *k)
{
	struct vw_sel_dev d = { .vendor = e->vendor, .device_id = e->device_id,
				.class_code = e->class_code };
	int t = vw_sel_entry_try(e->kind, e->class_bits);

	if (t < 0 || (e->kind == VW_SEL_BDF && !e->bdf[0]))
		return -EINVAL;	/* an empty name would select every device that has none */
	memcpy(d.bdf, e->bdf, strnlen(e->bdf, sizeof(d.bdf) - 1));
	vw_sel_try_key(&d, gen, (__u32)t, k);
	return 0;
}

/* The first of entries[0..n) stored under key k (the host's vw_selectors), or VW_NO_PROFILE. */
static __u8 policy_lookup(const struct vw_policy *p, int n, const struct vw_sel_key *k)
{
	struct vw_sel_key ek;
	int i;

	for (i = 0; i < n; i++)
		if (!vw_policy_entry_key(&p->entries[i], k->gen, &ek) && !memcmp(&ek, k, sizeof(ek)))
			return (__u8)i;
	return VW_NO_PROFILE;
}

void vw_policy_layers(const struct vw_policy *p, const char *bdf, uint16_t vendor, uint16_t device_id,
		      uint32_t class_code, int layers[VW_NLAYERS])
{
	struct vw_sel_dev d = { .vendor = vendor, .device_id = device_id, .class_code = class_code & 0xffffff };
	int n = p && p->nentries > 0 ? p->nentries : 0;
	__u8 hit[VW_SEL_NTRIES], l[VW_NLAYERS];
	struct vw_sel_key k;
	__u32 t;

	if (n > VW_MAX_PROFILES)
		n = VW_MAX_PROFILES;
	if (bdf)
		vw_bdf_canon(bdf, d.bdf);	/* not a BDF: d.bdf stays empty, and no entry's is */
	for (t = 0; t < VW_SEL_NTRIES; t++) {
		vw_sel_try_key(&d, 0, t, &k);
		hit[t] = policy_lookup(p, n, &k);
	}
	vw_sel_layers(hit, l);
	for (t = 0; t < VW_NLAYERS; t++)
		layers[t] = l[t] == VW_NO_PROFILE ? -1 : l[t];
}
