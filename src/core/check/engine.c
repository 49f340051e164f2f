/* The check engine: the rule registry, rule selection, and the one
 * streaming pass that feeds every rule family. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_impl.h"

/* The families, in the order their rules are listed and run. */
static const struct check_module *const modules[] = {
	&check_module_structure,
	&check_module_header,
	&check_module_kernel,
	&check_module_objref,
	&check_module_semantics,
	&check_module_tasks,
	&check_module_memory,
	&check_module_creds,
	&check_module_text,
	&check_module_refcount,
	&check_module_descriptors,
	&check_module_integrity,
	&check_module_restorable,
	&check_module_terminals,
};
#define N_MODULES CKPT_ARRAY_LEN(modules)

/* Room for every family's rules: build_registry aborts rather than drop
 * one, so the first test that lists the rules fails when it is too small. */
#define MAX_RULES 128

static const struct ckpt_rule *registry[MAX_RULES];
static size_t n_registry;

static void build_registry(void)
{
	if (n_registry)
		return;
	for (size_t m = 0; m < N_MODULES; m++)
		for (size_t i = 0; i < modules[m]->n_rules; i++) {
			if (n_registry == MAX_RULES) {
				fprintf(stderr, "libckpt: more than %d check rules: raise MAX_RULES\n",
					MAX_RULES);
				abort();
			}
			registry[n_registry++] = &modules[m]->rules[i];
		}
}

const struct ckpt_rule *const *ckpt_check_rules(size_t *n)
{
	build_registry();
	*n = n_registry;
	return registry;
}

const struct ckpt_rule *ckpt_check_rule(const char *id)
{
	build_registry();
	for (size_t i = 0; i < n_registry; i++)
		if (strcmp(registry[i]->id, id) == 0)
			return registry[i];
	return NULL;
}

const char *ckpt_severity_name(enum ckpt_severity s)
{
	switch (s) {
	case CKPT_SEV_ERROR:
		return "error";
	case CKPT_SEV_WARNING:
		return "warning";
	case CKPT_SEV_INFO:
		break;
	}
	return "info";
}

struct ckpt_check {
	struct ckpt_check_options opt;
	bool only_some;			/* ckpt_check_only() was called */
	bool on[MAX_RULES];
	/* During a pass. */
	const struct ckpt_schema *schema;
	ckpt_finding_fn fn;
	void *fn_arg;
	struct ckpt_check_summary *sum;
	void *state[N_MODULES];
	const struct ckpt_record *rec;	/* being walked */
	const struct ckpt_role *role;
	bool active[N_MODULES];		/* a rule of the family runs */
	/* The active families that take each event, so that a record or a
	 * field costs one call per family with something to do. */
	unsigned char on_record[N_MODULES], on_field[N_MODULES], on_text[N_MODULES];
	size_t n_on_record, n_on_field, n_on_text;
	struct ckpt_model_builder *builder;
	struct ckpt_model *model;
	bool no_memory;
};

struct ckpt_check *ckpt_check_new(const struct ckpt_check_options *opt)
{
	struct ckpt_check *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	build_registry();
	if (opt)
		c->opt = *opt;
	for (size_t i = 0; i < n_registry; i++)
		c->on[i] = true;
	return c;
}

void ckpt_check_free(struct ckpt_check *c)
{
	free(c);
}

static int rule_slot(const char *id)
{
	build_registry();
	for (size_t i = 0; i < n_registry; i++)
		if (strcmp(registry[i]->id, id) == 0)
			return (int)i;
	return -1;
}

int ckpt_check_only(struct ckpt_check *c, const char *id)
{
	int k = rule_slot(id);

	if (k < 0)
		return -1;
	if (!c->only_some) {
		memset(c->on, 0, sizeof(c->on));
		c->only_some = true;
	}
	c->on[k] = true;
	return 0;
}

int ckpt_check_skip(struct ckpt_check *c, const char *id)
{
	int k = rule_slot(id);

	if (k < 0)
		return -1;
	c->on[k] = false;
	return 0;
}

bool check_rule_on(const struct ckpt_check *c, const struct ckpt_rule *r)
{
	if (!c->schema || !(r->dialects & CKPT_DIALECT_BIT(c->schema->dialect)))
		return false;
	for (size_t i = 0; i < n_registry; i++)
		if (registry[i] == r)
			return c->on[i];
	return false;
}

void check_out_of_memory(struct ckpt_check *c)
{
	c->no_memory = true;
}

const struct ckpt_check_options *check_options(const struct ckpt_check *c)
{
	return &c->opt;
}

const struct ckpt_schema *check_schema(const struct ckpt_check *c)
{
	return c->schema;
}

const struct ckpt_model *check_model(const struct ckpt_check *c)
{
	return c->model;
}

const struct ckpt_model *check_model_so_far(const struct ckpt_check *c)
{
	return ckpt_model_builder_model(c->builder);
}

/* Whether some family with a rule to run wants the bytes of long records. */
static bool bytes_wanted(const struct ckpt_check *c)
{
	for (size_t m = 0; m < N_MODULES; m++)
		if (modules[m]->bytes && c->active[m])
			return true;
	return false;
}

/* A family none of whose rules runs on this image is not called at all:
 * selecting rules makes a pass cheaper. */
static bool family_runs(const struct ckpt_check *c, size_t m)
{
	for (size_t i = 0; i < modules[m]->n_rules; i++)
		if (check_rule_on(c, &modules[m]->rules[i]))
			return true;
	return false;
}

/* Hands the bytes of a long record past its inline ones to the families
 * that want them.  A stream cannot go back: when the walk or the model
 * already read past the inline bytes, the families learn that the bytes
 * are gone.  -1 when the image fails inside the record. */
static int deliver_bytes(struct ckpt_check *c, struct ckpt_image *img, const struct ckpt_record *rec,
			 const struct ckpt_role *role, bool walked)
{
	bool stream = ckpt_image_size(img) == 0;
	bool read_on = walked || (role->follow && role->follow->layout.kind == CKPT_L_PAGES &&
				  rec->hdr_len + 8 * role->count > rec->avail);
	uint64_t from = rec->avail;

	if (stream && read_on) {
		for (size_t m = 0; m < N_MODULES; m++)
			if (modules[m]->bytes && c->active[m])
				modules[m]->bytes(c, c->state[m], rec, NULL, 0, true);
		return 0;
	}
	for (;;) {
		const uint8_t *p;
		ssize_t n = ckpt_image_record_bytes(img, from, &p, CKPT_INLINE_MAX);

		if (n < 0)
			return -1;
		from += (uint64_t)n;
		for (size_t m = 0; m < N_MODULES; m++)
			if (modules[m]->bytes && c->active[m])
				modules[m]->bytes(c, c->state[m], rec, n ? p : NULL, (size_t)n,
						  from >= rec->len);
		if (n == 0 || from >= rec->len)
			return 0;
	}
}

/* Whether a family that judges the model has a rule to run on this image:
 * otherwise the pass does not pay for building it. */
static bool model_wanted(const struct ckpt_check *c)
{
	for (size_t m = 0; m < N_MODULES; m++)
		if (modules[m]->uses_model && c->active[m])
			return true;
	return false;
}

static void vreport(struct ckpt_check *c, const struct ckpt_rule *r, int sev, uint64_t index,
		    uint64_t offset, const char *record, const char *fmt, va_list ap)
	__attribute__((format(printf, 7, 0)));

static void vreport(struct ckpt_check *c, const struct ckpt_rule *r, int sev, uint64_t index,
		    uint64_t offset, const char *record, const char *fmt, va_list ap)
{
	struct ckpt_finding f = {
		.rule = r,
		/* --strict: a rule's own warning severity means "suspect", and a
		 * strict gate refuses suspects.  Severities a rule chose for this
		 * finding (sev >= 0) already account for the options. */
		.severity = sev >= 0 ? (enum ckpt_severity)sev :
			    c->opt.strict && r->severity == CKPT_SEV_WARNING ? CKPT_SEV_ERROR : r->severity,
		.index = index,
		.offset = offset,
	};

	if (!check_rule_on(c, r))
		return;
	snprintf(f.record, sizeof(f.record), "%s", record ? record : "");
	vsnprintf(f.message, sizeof(f.message), fmt, ap);
	switch (f.severity) {
	case CKPT_SEV_ERROR:
		c->sum->errors++;
		break;
	case CKPT_SEV_WARNING:
		c->sum->warnings++;
		break;
	case CKPT_SEV_INFO:
		c->sum->infos++;
		break;
	}
	if (c->fn)
		c->fn(c->fn_arg, &f);
}

void check_report(struct ckpt_check *c, const struct ckpt_rule *r, int sev, uint64_t index,
		  uint64_t offset, const char *record, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, r, sev, index, offset, record, fmt, ap);
	va_end(ap);
}

const char *check_record_name(const struct ckpt_record *rec, char *buf, size_t size)
{
	if (rec->rt)
		return rec->rt->name;
	snprintf(buf, size, "type %u", rec->type);
	return buf;
}

void check_report_rec(struct ckpt_check *c, const struct ckpt_rule *r, int sev,
		      const struct ckpt_record *rec, uint64_t offset, const char *fmt, ...)
{
	char name[32];
	va_list ap;

	va_start(ap, fmt);
	vreport(c, r, sev, rec->index, offset, check_record_name(rec, name, sizeof(name)), fmt, ap);
	va_end(ap);
}

uint64_t check_field_offset(const struct ckpt_record *rec, const struct ckpt_field *f,
			    const uint8_t *base)
{
	if (base >= rec->data && base < rec->data + rec->avail)
		return rec->offset + (uint64_t)(base - rec->data) + f->offset;
	return rec->offset;
}

/* -- the walk: field and text events go to every family ------------------ */

static void w_field(void *arg, const struct ckpt_field *f, const uint8_t *base)
{
	struct ckpt_check *c = arg;

	for (size_t i = 0; i < c->n_on_field; i++) {
		size_t m = c->on_field[i];

		modules[m]->field(c, c->state[m], c->rec, f, base);
	}
}

static void w_text(void *arg, const char *name, const uint8_t *s, size_t len, bool terminated)
{
	struct ckpt_check *c = arg;

	(void)name;
	for (size_t i = 0; i < c->n_on_text; i++) {
		size_t m = c->on_text[i];

		modules[m]->text(c, c->state[m], c->rec, c->role, s, len, terminated);
	}
}

static void w_array_begin(void *arg, const char *name, uint64_t count, bool sparse)
{
	(void)arg, (void)name, (void)count, (void)sparse;
}

static void w_elem_begin(void *arg, uint64_t i, const char *index_name)
{
	(void)arg, (void)i, (void)index_name;
}

static void w_nothing(void *arg)
{
	(void)arg;
}

static void w_bytes_begin(void *arg, const char *name, uint64_t total, uint64_t base)
{
	(void)arg, (void)name, (void)total, (void)base;
}

static void w_bytes(void *arg, uint64_t off, const uint8_t *p, size_t n)
{
	(void)arg, (void)off, (void)p, (void)n;
}

static void w_note(void *arg, const char *msg)
{
	(void)arg, (void)msg;
}

static const struct ckpt_walk_ops walk_ops = {
	.field = w_field,
	.array_begin = w_array_begin,
	.elem_begin = w_elem_begin,
	.elem_end = w_nothing,
	.array_end = w_nothing,
	.text = w_text,
	.bytes_begin = w_bytes_begin,
	.bytes = w_bytes,
	.bytes_end = w_nothing,
	.note = w_note,
};

/* Only records with table fields or text/struct payloads have anything a
 * rule can judge field by field; page data and opaque bytes are skipped
 * unread, which keeps the pass close to the speed of reading the file. */
static bool worth_walking(const struct ckpt_record *rec, const struct ckpt_role *role)
{
	if (rec->rt && rec->rt->n_fields)
		return true;
	switch (ckpt_record_layout(rec, role)) {
	case CKPT_L_STRING:
	case CKPT_L_ERRMSG:
	case CKPT_L_STRUCTS:
	case CKPT_L_PIDS:
		return true;
	case CKPT_L_BYTES:
	case CKPT_L_PAGES:
		break;
	}
	return false;
}

int ckpt_check_image(struct ckpt_check *c, struct ckpt_image *img, ckpt_finding_fn fn, void *arg,
		     struct ckpt_check_summary *sum)
{
	struct ckpt_check_summary local;
	struct check_outcome out = { 0 };
	struct ckpt_roles roles;
	struct ckpt_record rec;
	struct ckpt_role role;
	int ret = 0, r = 0;
	bool stopped = false;
	bool want_bytes;

	if (!sum)
		sum = &local;
	memset(sum, 0, sizeof(*sum));
	c->schema = ckpt_image_schema(img);
	c->fn = fn;
	c->fn_arg = arg;
	c->sum = sum;
	memset(c->state, 0, sizeof(c->state));
	c->no_memory = false;
	c->model = NULL;
	c->builder = NULL;
	c->n_on_record = c->n_on_field = c->n_on_text = 0;
	for (size_t m = 0; m < N_MODULES; m++) {
		c->active[m] = family_runs(c, m);
		if (c->active[m] && modules[m]->record)
			c->on_record[c->n_on_record++] = (unsigned char)m;
		if (c->active[m] && modules[m]->field)
			c->on_field[c->n_on_field++] = (unsigned char)m;
		if (c->active[m] && modules[m]->text)
			c->on_text[c->n_on_text++] = (unsigned char)m;
	}
	want_bytes = bytes_wanted(c);
	if (model_wanted(c) && !(c->builder = ckpt_model_builder_new_lean(img))) {
		ret = -1;
		goto out;
	}
	for (size_t m = 0; m < N_MODULES; m++) {
		c->state[m] = calloc(1, modules[m]->state_size ? modules[m]->state_size : 1);
		if (!c->state[m] || (c->active[m] && modules[m]->begin &&
				      modules[m]->begin(c, c->state[m], img) < 0)) {
			ret = -1;
			goto out;
		}
	}
	ckpt_roles_init(&roles);
	while (!(stopped = c->opt.stop && *c->opt.stop) && (r = ckpt_image_next_record(img, &rec)) == 1) {
		ckpt_roles_next(&roles, &rec, &role);
		out.records++;
		out.last_type = rec.type;
		out.last_index = rec.index;
		out.last_offset = rec.offset;
		out.last_len = rec.len;
		for (size_t i = 0; i < c->n_on_record; i++) {
			size_t m = c->on_record[i];

			modules[m]->record(c, c->state[m], &rec, &role);
		}
		if (c->builder) {
			r = ckpt_model_builder_add(c->builder, &rec, &role);
			if (r == -2) {
				/* Judge what can be judged without the model. */
				ckpt_model_builder_free(c->builder);
				c->builder = NULL;
				c->no_memory = true;
			} else if (r < 0) {
				break;
			}
		}
		bool walked = worth_walking(&rec, &role);

		if (walked) {
			c->rec = &rec;
			c->role = &role;
			r = ckpt_walk_record(img, &rec, &role, NULL, &walk_ops, c);
			c->rec = NULL;
			c->role = NULL;
			if (r < 0)
				break;
		}
		if (want_bytes && rec.len > rec.avail && (r = deliver_bytes(c, img, &rec, &role, walked)) < 0)
			break;
	}
	sum->records = out.records;
	if (stopped) {
		/* Stopped by the caller: the image's end was not seen, so no
		 * end-of-image judgment can be made. */
		sum->interrupted = true;
		goto out;
	}
	out.failed = r < 0;
	out.err = out.failed ? ckpt_image_error(img) : NULL;
	out.end = ckpt_image_end(img);
	sum->read_whole = !out.failed;
	if (c->builder) {
		c->model = ckpt_model_builder_finish(c->builder, out.failed);
		c->builder = NULL;
	}
	for (size_t m = 0; m < N_MODULES; m++)
		if (modules[m]->end && c->active[m])
			modules[m]->end(c, c->state[m], &out);
	if (c->no_memory)
		ret = -1;
out:
	ckpt_model_builder_free(c->builder);
	ckpt_model_free(c->model);
	c->builder = NULL;
	c->model = NULL;
	for (size_t m = 0; m < N_MODULES; m++) {
		if (c->state[m] && modules[m]->release)
			modules[m]->release(c->state[m]);
		free(c->state[m]);
		c->state[m] = NULL;
	}
	c->schema = NULL;
	c->sum = NULL;
	return ret;
}

uint64_t check_field_u64(const struct ckpt_record *rec, const char *name)
{
	const struct ckpt_field *f = rec->rt ? ckpt_rtype_field(rec->rt, name) : NULL;

	return f && ckpt_field_fits(f, rec->avail) ? ckpt_field_u64(f, rec->data) : 0;
}

bool check_record_is(const struct ckpt_record *rec, const char *name)
{
	return rec->rt && strcmp(rec->rt->name, name) == 0;
}

void *check_grow(void **arr, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		void *p = realloc(*arr, nc * size);

		if (!p)
			return NULL;
		*arr = p;
		*cap = nc;
	}
	void *e = (char *)*arr + (*n)++ * size;

	memset(e, 0, size);
	return e;
}
