/* Completion of browser command lines, from the command table of
 * browse_commands.c.  No readline here: the unit tests call
 * ckpt_browse_complete() directly, and browse.c hands its result to
 * readline. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"

const struct browse_command_info *browse_command_find(const char *name)
{
	for (size_t i = 0; i < browse_n_commands; i++)
		if (strcmp(browse_commands[i].name, name) == 0)
			return &browse_commands[i];
	if (strcmp(name, "exit") == 0)
		return browse_command_find("quit");
	return NULL;
}

struct list {
	char **v;
	size_t n, cap;
	bool oom;
};

static void add(struct list *l, const char *prefix, const char *s)
{
	if (l->oom || strncmp(s, prefix, strlen(prefix)) != 0)
		return;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return;
	if (l->n + 2 > l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		char **nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv) {
			l->oom = true;
			return;
		}
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n] = strdup(s);
	if (!l->v[l->n]) {
		l->oom = true;
		return;
	}
	l->v[++l->n] = NULL;
}

static void add_pids(struct list *l, const struct ckpt_model *m, const char *prefix)
{
	char buf[32];

	for (size_t i = 0; i < m->n_tasks; i++) {
		const struct ckpt_model_task *t = &m->tasks[i];

		snprintf(buf, sizeof(buf), "%" PRId64, ckpt_model_task_pid(m, t));
		add(l, prefix, buf);
	}
}

/* The field names of record `index`, arrays and their element fields too. */
static void add_fields(struct list *l, const struct ckpt_model *m, const char *index, const char *prefix)
{
	char *end;
	unsigned long long n = strtoull(index, &end, 0);

	if (*index == '\0' || *end || n >= m->n_records || !m->records[n].rt)
		return;
	const struct ckpt_rtype *rt = m->records[n].rt;

	for (size_t i = 0; i < rt->n_fields; i++)
		if (rt->fields[i].kind != CKPT_K_PAD)
			add(l, prefix, rt->fields[i].name);
}

char **ckpt_browse_complete(const struct ckpt_model *m, const char *line)
{
	struct list l = { 0 };
	const char *seg = strrchr(line, ';');
	char *words[8];
	size_t nw = 0;
	char buf[1024];

	/* Only the last command of a `;` list is being typed. */
	snprintf(buf, sizeof(buf), "%s", seg ? seg + 1 : line);
	size_t len = strlen(buf);
	bool fresh = len == 0 || buf[len - 1] == ' ' || buf[len - 1] == '\t';

	for (char *save = NULL, *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (nw == 8)
			return NULL;	/* no command takes that many words */
		words[nw++] = w;
	}
	const char *prefix = fresh ? "" : words[nw - 1];
	size_t argi = fresh ? nw : nw - 1;	/* index of the word being completed */

	if (argi == 0) {
		for (size_t i = 0; i < browse_n_commands; i++)
			add(&l, prefix, browse_commands[i].name);
		return l.v;
	}
	const struct browse_command_info *c = browse_command_find(words[0]);

	if (!c)
		return NULL;
	switch (c->arg) {
	case BROWSE_ARG_TYPE:
		if (argi == 1 && m->schema)
			for (size_t i = 0; i < m->schema->n_types; i++)
				add(&l, prefix, m->schema->types[i].name);
		break;
	case BROWSE_ARG_PID:
		if (argi == 1)
			add_pids(&l, m, prefix);
		break;
	case BROWSE_ARG_OBJREF:
		if (argi == 1)
			for (size_t i = 0; i < m->n_objects; i++) {
				char num[16];

				snprintf(num, sizeof(num), "%" PRId32, m->objects[i].objref);
				add(&l, prefix, num);
			}
		break;
	case BROWSE_ARG_COMMAND:
		if (argi == 1)
			for (size_t i = 0; i < browse_n_commands; i++)
				add(&l, prefix, browse_commands[i].name);
		break;
	case BROWSE_ARG_RECORD: {
		/* show [--json|--yaml] N|next|prev [FIELD...] */
		size_t first = 1;

		while (first < argi && strncmp(words[first], "--", 2) == 0)
			first++;
		if (argi == first) {
			add(&l, prefix, "next");
			add(&l, prefix, "prev");
			if (first == 1) {
				add(&l, prefix, "--json");
				add(&l, prefix, "--yaml");
			}
		} else {
			add_fields(&l, m, words[first], prefix);
		}
		break;
	}
	case BROWSE_ARG_NONE:
	case BROWSE_ARG_OTHER:
		break;
	}
	if (l.oom) {
		for (size_t i = 0; i < l.n; i++)
			free(l.v[i]);
		free(l.v);
		return NULL;
	}
	return l.v;
}
