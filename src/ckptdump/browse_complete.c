/* The browser's commands as data (for help and completion) and completion
 * itself.  No readline here: the unit tests call ckpt_browse_complete()
 * directly, and browse.c hands its result to readline. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"

const struct browse_command_info browse_commands[] = {
	{ "info", "info", "dialect, header summary, record count, tasks, size", BROWSE_ARG_NONE,
	  "Shows the dialect, the main header fields, the image size, how the image ended\n"
	  "(or the error that stopped reading it), and counts of records, tasks and objects.\n", .json = false },
	{ "ls", "ls [TYPE]", "list records (of one type)", BROWSE_ARG_TYPE,
	  "One line per record: index, type, role, offset, length.  TYPE is a record\n"
	  "type name (completed with Tab) or number.\n", .json = false },
	{ "show", "show [--json|--yaml] N|next|prev [FIELD...]", "print a record as ckptdump does",
	  BROWSE_ARG_RECORD,
	  "Prints record N exactly as ckptdump prints it (text, or a JSON/YAML document\n"
	  "holding that record).  `next` and `prev` move from the record last shown;\n"
	  "with FIELD names only those fields are printed (text).\n", .json = false },
	{ "goto", "goto OFFSET", "show the record holding a byte offset", BROWSE_ARG_OTHER,
	  "Shows the record that holds image byte OFFSET (decimal or 0x hex).\n", .json = false },
	{ "summary", "summary [--json|--yaml]", "the image at a glance (ckptdump --summary)", BROWSE_ARG_NONE,
	  "Producer, kernel, time, dialect and size; the process tree with each process's\n"
	  "command line, memory by kind and open files; totals; namespaces; and, when the\n"
	  "image carries digests, the verdict of ckptcheck's image rules.\n", .json = true },
	{ "tree", "tree [--json]", "the process tree, one row per process", BROWSE_ARG_NONE,
	  "The task table of `summary`: processes drawn as a tree under their parents,\n"
	  "with uid, threads, state, memory by kind, open files and the command line.\n", .json = true },
	{ "ps", "ps [--json]", "the tasks: pid, tgid, ppid, threads, comm, command line", BROWSE_ARG_NONE,
	  "One line per task in image order.  Pids come from the process tree (TREE and\n"
	  "PIDS); in a dialect without a tree tasks are numbered 1, 2, ... in image order.\n"
	  "THREADS counts the tasks of the same thread group.  COMMAND is the argv read\n"
	  "from the saved pages ([comm] when they were not saved).\n", .json = true },
	{ "env", "env PID", "the task's environment, one variable a line", BROWSE_ARG_PID,
	  "The environment read from the saved pages (the MM's env_start to env_end).\n"
	  "It can hold secrets: no other command shows it.\n", .json = false },
	{ "task", "task PID", "everything about one task, following its objrefs", BROWSE_ARG_PID,
	  "Prints the TASK record and its own records, then every object its TASK_CREDS,\n"
	  "TASK_NS and TASK_OBJS refer to (and the objects those refer to).\n", .json = false },
	{ "maps", "maps [--json] PID", "VMAs like /proc/PID/maps, with dumped-page counts", BROWSE_ARG_PID,
	  "START-END PERMS OFFSET DUMPED PATH, one line per VMA of the task's mm, named as\n"
	  "the kernel names them: a path, [heap], [stack], [vdso], [vvar], [vvar_vclock],\n"
	  "[vsyscall], or nothing for anonymous memory.  --json: addresses as hex strings,\n"
	  "length, pages and saved bytes as numbers.\n", .json = true },
	{ "x", "x [PID] ADDR [LEN]", "hexdump dumped memory at a virtual address", BROWSE_ARG_PID,
	  "Hexdumps LEN bytes (default 256, at most 1 MiB) of the dumped memory at ADDR\n"
	  "in the mm of task PID (default: the first task).  Parts that were not dumped\n"
	  "are named as such.\n", .json = false },
	{ "search", "search BYTES|\"string\"|/regex/ [PID]", "find content in dumped pages",
	  BROWSE_ARG_OTHER,
	  "Prints the virtual addresses where the content occurs in dumped pages (of task\n"
	  "PID's mm, or of every mm).  BYTES are hex digits in one word (deadbeef);\n"
	  "\"string\" takes \\\\, \\\" and \\xNN escapes; /regex/ is a POSIX extended regex\n"
	  "without back-references or deeply nested repetitions, matched page by page: a\n"
	  "match does not cross a page boundary.  At most 1000 matches are printed;\n"
	  "Ctrl-C stops a long search.\n", .json = false },
	{ "creds", "creds PID", "the task's credentials", BROWSE_ARG_PID,
	  "The CRED objects of TASK_CREDS and the objects they refer to.\n", .json = false },
	{ "ns", "ns PID", "the task's namespaces", BROWSE_ARG_PID,
	  "The NS object of TASK_NS and the namespaces it refers to.\n", .json = false },
	{ "fds", "fds [--json] PID", "the task's open files", BROWSE_ARG_PID,
	  "The FILE_TABLE of TASK_OBJS, then one line per FILE_DESC: descriptor, kind\n"
	  "(generic, pipe, socket, tty, ...), close-on-exec, file objref, path, flags,\n"
	  "position.\n", .json = true },
	{ "objref", "objref N", "an object's definition and every reference to it", BROWSE_ARG_OBJREF,
	  "The OBJREF record defining object N, its first record, and every record\n"
	  "field (of any record type) that refers to it.\n", .json = false },
	{ "check", "check", "run ckptcheck's image rules and list the findings", BROWSE_ARG_NONE,
	  "Runs ckptcheck's structure, header and objref rules over the image and lists\n"
	  "the findings as ckptcheck does.  Kernel rules need a target kernel: run\n"
	  "ckptcheck (--target) for those.  The command succeeds whatever it finds.\n", .json = false },
	{ "help", "help [COMMAND]", "list the commands, or explain one", BROWSE_ARG_COMMAND,
	  "Tab completes command names, record type names, pids, objrefs and, after\n"
	  "`show N`, the field names of record N.\n", .json = false },
	{ "quit", "quit", "leave the browser (also: exit, Ctrl-D)", BROWSE_ARG_NONE, "", .json = false },
};

const size_t browse_n_commands = sizeof(browse_commands) / sizeof(browse_commands[0]);

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
	if (c->json && prefix[0] == '-') {
		add(&l, prefix, "--json");
		if (strcmp(c->name, "summary") == 0)
			add(&l, prefix, "--yaml");
		return l.v;
	}
	/* Options before the argument do not count. */
	for (size_t w = 1; c->json && w < argi && strncmp(words[w], "--", 2) == 0; w++)
		argi--;
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
