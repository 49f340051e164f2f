/* imgfacts: the facts of a ckpt image as lines the tests compare with
 * /proc, read through libckpt's reader and record tables.
 *
 *   imgfacts IMAGE [ADDR SIZE]
 *   imgfacts --digests IMAGE
 *
 * prints one line per task, cred, uts namespace and vma; with ADDR and
 * SIZE it also checks that every page of [ADDR, ADDR + SIZE) is in the
 * image exactly once and holds the memory workload's pattern, and prints
 * "pattern ok pages=N" or "pattern bad: ...".  Exit 0 if the image read to
 * its TAIL, 1 otherwise.  With --digests it recomputes every record's
 * digest through the core API (ckpt/ext.h), compares them with the
 * EXT_DIGEST records, prints "digest mismatch record=N type=T" for each
 * record that differs and "digests covered=N bad=M" last.
 *
 * The contents of INODE objects (EXT_INODE) are summed up as
 * "inode ref=R kind=K size=S pages=N" and, per run, "inodepages ref=R
 * offset=0xO count=N fill=B,B,...", B the byte a page is filled with (two
 * hex digits) or "mixed". */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/decode.h"
#include "ckpt/ext.h"
#include "ckpt/image.h"
#include "../workloads/workload.h"

#define MAX_OBJ 4096

static const struct ckpt_record *cur;

static uint64_t get(const char *field)
{
	const struct ckpt_field *f = ckpt_rtype_field(cur->rt, field);

	if (!f || !ckpt_field_fits(f, cur->avail)) {
		fprintf(stderr, "imgfacts: %s has no field %s\n", cur->rt->name, field);
		exit(1);
	}
	return ckpt_field_u64(f, cur->data);
}

static void get_chars(const char *field, char *out, size_t size)
{
	const struct ckpt_field *f = ckpt_rtype_field(cur->rt, field);
	size_t n = f->width < size - 1 ? f->width : size - 1;

	memcpy(out, cur->data + f->offset, n);
	out[n] = '\0';
}

struct task {
	bool open;
	char comm[17];
	uint64_t state, exit_state;
	int64_t exit_signal;
	uint64_t cred, ns, mm, files, fs, sighand, signal, blocked;
	bool has_cpu;
};

static int32_t pid_of_ref[MAX_OBJ];	/* PID objref -> pid number */
static uint8_t *tree;			/* TREE entries */
static size_t tree_n, tree_stride, task_i;
static const struct ckpt_layout *tree_layout;

static int32_t tree_get(size_t i, const char *name)
{
	for (size_t f = 0; f < tree_layout->n_elem; f++)
		if (strcmp(tree_layout->elem[f].name, name) == 0)
			return (int32_t)ckpt_field_u64(&tree_layout->elem[f], tree + tree_stride * i);
	return 0;
}

static int32_t pid_number(int32_t ref)
{
	return ref > 0 && ref < MAX_OBJ ? pid_of_ref[ref] : ref == -4097 ? 0 : -1;
}

static void flush_task(struct task *t)
{
	if (!t->open)
		return;
	size_t i = task_i++;

	if (i < tree_n)
		printf("task pid=%d tgid=%d ppid=%d pgid=%d sid=%d", pid_number(tree_get(i, "vpid")),
		       pid_number(tree_get(i, "vtgid")), pid_number(tree_get(i, "vppid")),
		       pid_number(tree_get(i, "vpgid")), pid_number(tree_get(i, "vsid")));
	else
		printf("task pid=? (not in TREE)");
	printf(" comm=%s state=%#" PRIx64 " exit_state=%#" PRIx64 " exit_signal=%" PRId64
	       " cred=%" PRIu64 " ns=%" PRIu64 " files=%" PRIu64 " fs=%" PRIu64 " sighand=%" PRIu64
	       " signal=%" PRIu64 " blocked=%#" PRIx64 " mm=%" PRIu64 " cpu=%d\n", t->comm, t->state,
	       t->exit_state, t->exit_signal, t->cred, t->ns, t->files, t->fs, t->sighand, t->signal, t->blocked,
	       t->mm, t->has_cpu);
	t->open = false;
}

static int check_digests(const char *path)
{
	struct ckpt_error err;
	struct ckpt_image *img = ckpt_image_open(path, &err);
	struct ckpt_record rec;
	uint64_t *digests = NULL, covered = 0, bad = 0;
	char **names = NULL;
	size_t n = 0;
	int r;

	if (!img)
		return 1;
	while ((r = ckpt_image_next_record(img, &rec)) == 1) {
		digests = realloc(digests, (n + 1) * sizeof(*digests));
		names = realloc(names, (n + 1) * sizeof(*names));
		names[n] = strdup(rec.rt ? rec.rt->name : "?");
		if (rec.avail == rec.len) {
			digests[n] = ckpt_digest(rec.data, rec.len);
		} else {
			struct ckpt_digest_state *st = ckpt_digest_begin();
			const uint8_t *p;
			ssize_t k;

			for (uint64_t at = 0; (k = ckpt_image_record_bytes(img, at, &p, 1 << 20)) > 0; at += (uint64_t)k)
				ckpt_digest_update(st, p, (size_t)k);
			digests[n] = ckpt_digest_end(st);
		}
		if (rec.type == CKPT_EXT_DIGEST && rec.avail == rec.len) {
			struct ckpt_ext_digest d;

			if (!ckpt_ext_digest_parse(rec.data, rec.len, &d) ||
			    d.self != ckpt_ext_digest_self(rec.data, rec.len) || d.first + d.count != rec.index) {
				printf("digest mismatch record=%" PRIu64 " type=EXT_DIGEST\n", rec.index);
				bad++;
			} else {
				for (uint32_t i = 0; i < d.count; i++) {
					covered++;
					if (ckpt_ext_digest_at(&d, i) != digests[d.first + i]) {
						printf("digest mismatch record=%" PRIu64 " type=%s\n", d.first + i,
						       names[d.first + i]);
						bad++;
					}
				}
			}
		}
		n++;
	}
	printf("digests covered=%" PRIu64 " bad=%" PRIu64 "\n", covered, bad);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(digests);
	ckpt_image_close(img);
	return r == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct ckpt_error err;
	struct ckpt_image *img;
	struct ckpt_record rec;
	struct ckpt_roles roles;
	struct ckpt_role role;
	struct task task = { 0 };
	int32_t pending_ref = 0, inode_ref = 0;
	uint64_t run_offset = 0;
	uint64_t cur_mm = 0, pat_addr = 0, pat_size = 0, pat_pages = 0, pat_dupes = 0, pat_bad = 0;
	uint8_t *seen = NULL;
	int r;
	bool check_pattern = argc == 4;
	uint32_t pids_types = 0;
	int32_t cur_table = 0;
	const char *last_signal = "?";
	char msg[512];

	if (argc == 3 && strcmp(argv[1], "--digests") == 0)
		return check_digests(argv[2]);
	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: imgfacts IMAGE [ADDR SIZE]\n");
		return 2;
	}
	if (check_pattern) {
		pat_addr = strtoull(argv[2], NULL, 0);
		pat_size = strtoull(argv[3], NULL, 0);
		seen = calloc(pat_size / 4096 + 1, 1);
	}
	img = ckpt_image_open(argv[1], &err);
	if (!img) {
		ckpt_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "imgfacts: %s\n", msg);
		return 1;
	}
	ckpt_roles_init(&roles);
	while ((r = ckpt_image_next_record(img, &rec)) == 1) {
		const char *name = rec.rt ? rec.rt->name : "?";

		cur = &rec;
		ckpt_roles_next(&roles, &rec, &role);
		if (role.name && strcmp(role.name, "pids") == 0) {
			/* Packed { u32 depth; s32 numbers[depth + 1] }: objref k + 1
			 * is entry k; its own-namespace number is the first. */
			size_t at = 8;
			int32_t k = 1;

			while (at + 8 <= rec.avail && k < MAX_OBJ) {
				uint32_t depth = (uint32_t)ckpt_le_load(rec.data + at, 4);

				pid_of_ref[k++] = (int32_t)ckpt_le_load(rec.data + at + 4, 4);
				at += 4 + 4 * ((size_t)depth + 1);
			}
			pids_types = 1;
			continue;
		}
		if (role.name && strcmp(role.name, "tasks") == 0) {
			tree_layout = &role.follow->layout;
			tree_stride = tree_layout->stride;
			tree_n = (rec.avail - 8) / tree_stride;
			tree = malloc(tree_n * tree_stride + 1);
			memcpy(tree, rec.data + 8, tree_n * tree_stride);
			continue;
		}
		if (role.name && (strcmp(role.name, "path") == 0 || strcmp(role.name, "root") == 0 ||
				  strcmp(role.name, "pwd") == 0)) {
			printf(" %s=%.*s%s", role.name, (int)strnlen((const char *)rec.data + 8, rec.avail - 8),
			       rec.data + 8, strcmp(role.name, "root") == 0 ? "" : "\n");
			continue;
		}
		if (role.name && strcmp(role.name, "comm") == 0) {
			snprintf(task.comm, sizeof(task.comm), "%.*s", (int)(rec.avail - 8), rec.data + 8);
			continue;
		}
		if (role.name && strcmp(role.name, "contents") == 0) {
			uint64_t n = (rec.len - 8) / 4096;

			printf("inodepages ref=%d offset=%#" PRIx64 " count=%" PRIu64 " fill=", inode_ref, run_offset, n);
			for (uint64_t i = 0; i < n; i++) {
				const uint8_t *p;
				uint8_t first = 0;
				bool same = true;

				for (uint64_t got = 0; got < 4096;) {
					ssize_t k = ckpt_image_record_bytes(img, 8 + 4096 * i + got, &p, 4096 - got);

					if (k <= 0)
						return 1;
					if (got == 0)
						first = p[0];
					for (ssize_t b = 0; b < k; b++)
						same = same && p[b] == first;
					got += (uint64_t)k;
				}
				if (same)
					printf("%s%02x", i ? "," : "", first);
				else
					printf("%smixed", i ? "," : "");
			}
			printf("\n");
			continue;
		}
		if (role.name && strcmp(role.name, "pages") == 0) {
			uint64_t n = role.count;
			uint64_t *addrs = malloc(n * 8 + 8);

			for (uint64_t i = 0; i < n; i++) {
				const uint8_t *p;

				if (ckpt_image_record_bytes(img, 8 + 8 * i, &p, 8) != 8)
					return 1;
				addrs[i] = ckpt_le_load(p, 8);
			}
			printf("pages mm=%" PRIu64 " count=%" PRIu64 " first=%#" PRIx64 "\n", cur_mm, n,
			       n ? addrs[0] : 0);
			for (uint64_t i = 0; check_pattern && i < n; i++) {
				if (addrs[i] < pat_addr || addrs[i] >= pat_addr + pat_size)
					continue;
				uint64_t page = (addrs[i] - pat_addr) / 4096;
				const uint8_t *p;
				uint64_t from = 8 + 8 * n + 4096 * i, got = 0;

				if (seen[page]++)
					pat_dupes++;
				pat_pages++;
				while (got < 4096) {
					ssize_t k = ckpt_image_record_bytes(img, from + got, &p, 4096 - got);

					if (k <= 0)
						return 1;
					for (ssize_t b = 0; b + 8 <= k; b += 8) {
						uint64_t word = (page * 4096 + got + (uint64_t)b) / 8;

						if (ckpt_le_load(p + b, 8) != workload_pattern(word))
							pat_bad++;
					}
					got += (uint64_t)k;
				}
			}
			free(addrs);
			continue;
		}
		if (!rec.rt || role.name)
			continue;
		if (strcmp(name, "OBJREF") == 0) {
			pending_ref = (int32_t)get("objref");
		} else if (strcmp(name, "TASK") == 0) {
			flush_task(&task);
			memset(&task, 0, sizeof(task));
			task.open = true;
			task.state = get("state");
			task.exit_state = get("exit_state");
			task.exit_signal = (int32_t)get("exit_signal");
		} else if (strcmp(name, "TASK_CREDS") == 0) {
			task.cred = get("cred_ref");
			if (get("ecred_ref") != task.cred)
				printf("note: ecred differs\n");
		} else if (strcmp(name, "TASK_NS") == 0) {
			task.ns = get("ns_objref");
		} else if (strcmp(name, "TASK_OBJS") == 0) {
			task.mm = get("mm_objref");
			task.files = get("files_objref");
			task.fs = get("fs_objref");
			task.sighand = get("sighand_objref");
			task.signal = get("signal_objref");
		} else if (strcmp(name, "FILE_TABLE") == 0) {
			cur_table = pending_ref;
			printf("fdtable ref=%d nfds=%" PRIu64 "\n", pending_ref, get("fdt_nfds"));
		} else if (strcmp(name, "FILE_DESC") == 0) {
			printf("fd table=%d fd=%" PRId64 " file=%" PRIu64 " cloexec=%" PRIu64 "\n", cur_table,
			       (int64_t)(int32_t)get("fd_descriptor"), get("fd_objref"), get("fd_close_on_exec"));
		} else if (strcmp(name, "FILE") == 0) {
			const char *type = ckpt_names_lookup(ckpt_rtype_field(rec.rt, "f_type")->names, get("f_type"));

			printf("file ref=%d type=%s mode=%#" PRIx64 " flags=%#" PRIo64 " pos=%" PRIu64, pending_ref,
			       type ? type : "?", get("f_mode"), get("f_flags"), get("f_pos"));
		} else if (strcmp(name, "FS") == 0) {
			printf("fs ref=%d umask=%04" PRIo64, pending_ref, get("umask"));
		} else if (strcmp(name, "SIGHAND") == 0) {
			uint64_t ign = 0, cgt = 0, other = 0;

			for (unsigned i = 0; i < 64 && 8 + 32 * i + 8 <= rec.avail; i++) {
				uint64_t h = ckpt_le_load(rec.data + 8 + 32 * i, 8);

				/* other: caught, but the handler address unknown
				 * (SIG_ERR, written when ckpt could not ask). */
				if (h == 1)
					ign |= 1ULL << i;
				else if (h)
					cgt |= 1ULL << i;
				if (h == UINT64_MAX)
					other |= 1ULL << i;
			}
			printf("sighand ref=%d ign=%#" PRIx64 " cgt=%#" PRIx64 " other=%#" PRIx64 "\n", pending_ref, ign,
			       cgt, other);
		} else if (strcmp(name, "SIGNAL") == 0) {
			last_signal = "shared";
			printf("signal ref=%d nofile=%" PRIu64 ",%" PRIu64 "\n", pending_ref,
			       ckpt_le_load(rec.data + 8 + 16 * 7, 8), ckpt_le_load(rec.data + 16 + 16 * 7, 8));
		} else if (strcmp(name, "SIGNAL_TASK") == 0) {
			last_signal = "task";
			task.blocked = get("blocked");
		} else if (strcmp(name, "SIGPENDING") == 0) {
			uint64_t n = get("nr_pending");

			printf("sigpending %s signal=%#" PRIx64 " nr=%" PRIu64 " queued=", last_signal, get("signal"), n);
			/* signo:code:value; the value is an int of the union's
			 * rt layout (pid, uid, value) at element offset 20. */
			for (uint64_t i = 0; i < n && 24 + 88 * i + 88 <= rec.avail; i++) {
				const uint8_t *el = rec.data + 24 + 88 * i;

				printf("%s%d:%d:%d", i ? "," : "", (int)ckpt_le_load(el, 4), (int)ckpt_le_load(el + 8, 4),
				       (int)ckpt_le_load(el + 20, 4));
			}
			printf("\n");
		} else if (strcmp(name, "CPU") == 0) {
			task.has_cpu = true;
		} else if (strcmp(name, "CRED") == 0) {
			printf("cred ref=%d uid=%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			       " gid=%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			       " inh=%#" PRIx64 " prm=%#" PRIx64 " eff=%#" PRIx64 " bnd=%#" PRIx64
			       " groups=%" PRIu64 "\n", pending_ref,
			       get("uid"), get("euid"), get("suid"), get("fsuid"),
			       get("gid"), get("egid"), get("sgid"), get("fsgid"),
			       get("cap_inheritable"), get("cap_permitted"), get("cap_effective"), get("cap_bset"),
			       get("groupinfo_ref"));
		} else if (strcmp(name, "GROUPINFO") == 0) {
			uint64_t n = get("ngroups");

			printf("groupinfo ref=%d groups=", pending_ref);
			for (uint64_t i = 0; i < n && 12 + 4 * i + 4 <= rec.avail; i++)
				printf("%s%" PRIu64, i ? "," : "", ckpt_le_load(rec.data + 12 + 4 * i, 4));
			printf("\n");
		} else if (strcmp(name, "UTS_NS") == 0) {
			char node[66], dom[66];

			get_chars("nodename", node, sizeof(node));
			get_chars("domainname", dom, sizeof(dom));
			printf("uts ref=%d nodename=%s domainname=%s\n", pending_ref, node, dom);
		} else if (strcmp(name, "NS") == 0) {
			printf("ns ref=%d uts=%" PRIu64 "\n", pending_ref, get("uts_objref"));
		} else if (strcmp(name, "MM") == 0) {
			cur_mm = (uint64_t)pending_ref;
			printf("mm ref=%d map_count=%" PRIu64 " exe=%" PRIu64 " start_code=%#" PRIx64
			       " start_stack=%#" PRIx64 "\n", pending_ref, get("map_count"), get("exe_objref"),
			       get("start_code"), get("start_stack"));
		} else if (strcmp(name, "VMA") == 0) {
			const struct ckpt_field *f = ckpt_rtype_field(rec.rt, "vma_type");
			const char *type = ckpt_names_lookup(f->names, get("vma_type"));

			printf("vma mm=%" PRIu64 " %" PRIx64 "-%" PRIx64 " type=%s file=%" PRIu64 " ino=%" PRIu64 "\n",
			       cur_mm, get("vm_start"), get("vm_end"), type ? type : "?", get("vma_objref"),
			       get("ino_objref"));
		} else if (strcmp(name, "EXT_INODE") == 0) {
			const char *kind = ckpt_names_lookup(ckpt_rtype_field(rec.rt, "kind")->names, get("kind"));

			inode_ref = pending_ref;
			printf("inode ref=%d kind=%s size=%" PRIu64 " pages=%" PRIu64 "\n", pending_ref,
			       kind ? kind : "?", get("size"), get("nr_pages"));
		} else if (strcmp(name, "EXT_INODE_PAGES") == 0) {
			run_offset = get("offset");
		} else if (strcmp(name, "EXT_FILE_INODE") == 0) {
			printf("fileinode file=%d ino=%" PRIu64 "\n", pending_ref, get("ino_objref"));
		} else if (strcmp(name, "HEADER") == 0) {
			printf("header major=%" PRIu64 " minor=%" PRIu64 " patch=%" PRIu64 " rev=%" PRIu64 "\n",
			       get("major"), get("minor"), get("patch"), get("rev"));
		} else if (strcmp(name, "TAIL") == 0) {
			flush_task(&task);
		}
	}
	flush_task(&task);
	if (check_pattern) {
		uint64_t want = pat_size / 4096;

		if (pat_pages == want && !pat_dupes && !pat_bad)
			printf("pattern ok pages=%" PRIu64 "\n", pat_pages);
		else
			printf("pattern bad: %" PRIu64 " of %" PRIu64 " pages, %" PRIu64 " duplicated, %" PRIu64
			       " words wrong\n", pat_pages, want, pat_dupes, pat_bad);
	}
	(void)pids_types;
	enum ckpt_image_end end = ckpt_image_end(img);

	if (r < 0) {
		ckpt_error_format(ckpt_image_error(img), msg, sizeof(msg));
		fprintf(stderr, "imgfacts: %s\n", msg);
	}
	ckpt_image_close(img);
	free(tree);
	free(seen);
	return r == 0 && end == CKPT_END_TAIL ? 0 : 1;
}
