/* redigest: rewrites an image with its extension records changed, for the
 * tests that edit images through ckptencode and must show that ckptcheck
 * judges them without trusting the digests.
 *
 *   redigest strip IN OUT      drop every EXT_DIGEST record
 *   redigest recompute IN OUT  drop them and write fresh ones over the
 *                              records as they are now (an editor who
 *                              rewrites the digests)
 *   redigest plain IN OUT      drop every extension record (20001-20099):
 *                              an image as a producer without them writes
 *
 * Exit 0, or 1 with a message when the image cannot be read or written. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/ext.h"
#include "ckpt/image.h"
#include "ckpt/writer.h"

int main(int argc, char **argv)
{
	struct ckpt_error err;
	struct ckpt_image *img;
	struct ckpt_writer w;
	struct ckpt_record rec;
	FILE *out;
	int r;

	if (argc != 4 || (strcmp(argv[1], "strip") && strcmp(argv[1], "recompute") && strcmp(argv[1], "plain"))) {
		fprintf(stderr, "usage: redigest strip|recompute|plain IN OUT\n");
		return 1;
	}
	bool recompute = strcmp(argv[1], "recompute") == 0, plain = strcmp(argv[1], "plain") == 0;

	if (!(img = ckpt_image_open(argv[2], &err))) {
		fprintf(stderr, "redigest: %s: %s\n", argv[2], err.reason);
		return 1;
	}
	if (!(out = fopen(argv[3], "wb"))) {
		perror(argv[3]);
		ckpt_image_close(img);
		return 1;
	}
	ckpt_writer_init(&w, out, ckpt_image_schema(img));
	if (recompute && ckpt_writer_digests(&w) < 0) {
		fprintf(stderr, "redigest: no digests for this dialect\n");
		return 1;
	}
	/* The followers of a dropped record (EXT_PRODUCER's strings, EXT_PIPE's
	 * BUFFER): the next records of the types its table row lists, in
	 * order; a conditional one that is absent (EXT_PIPE of an empty pipe)
	 * is not there to skip. */
	const struct ckpt_follow *follows = NULL;
	size_t skip_followers = 0;

	while ((r = ckpt_image_next_record(img, &rec)) == 1) {
		while (skip_followers && rec.type != follows->type) {
			follows++;
			skip_followers--;
		}
		if (skip_followers) {
			follows++;
			skip_followers--;
			continue;
		}
		if (rec.type == CKPT_EXT_DIGEST || (plain && rec.type >= CKPT_EXT_FIRST && rec.type <= CKPT_EXT_LAST)) {
			follows = rec.rt ? rec.rt->follows : NULL;
			skip_followers = rec.rt && follows ? rec.rt->n_follows : 0;
			continue;
		}
		uint8_t *buf = malloc(rec.len ? rec.len : 1);
		uint64_t have = rec.avail;

		if (!buf)
			return 1;
		memcpy(buf, rec.data, rec.avail);
		while (have < rec.len) {
			const uint8_t *p;
			ssize_t n = ckpt_image_record_bytes(img, have, &p, rec.len - have);

			if (n <= 0) {
				fprintf(stderr, "redigest: record %llu cannot be read\n", (unsigned long long)rec.index);
				return 1;
			}
			memcpy(buf + have, p, (size_t)n);
			have += (uint64_t)n;
		}
		struct ckpt_rbuf b;

		if (!rec.hdr_len) {
			ckpt_writer_raw(&w, buf, rec.len);
		} else if (ckpt_rbuf_init_raw(&b, ckpt_image_schema(img), rec.type, buf + rec.hdr_len,
					      rec.len - rec.hdr_len) == 0) {
			ckpt_writer_put(&w, &b);
			ckpt_rbuf_free(&b);
		} else {
			fprintf(stderr, "redigest: record %llu cannot be rebuilt\n", (unsigned long long)rec.index);
			return 1;
		}
		free(buf);
	}
	if (r < 0)
		fprintf(stderr, "redigest: %s: %s\n", argv[2], ckpt_image_error(img)->reason);
	ckpt_writer_release(&w);
	ckpt_image_close(img);
	if (fclose(out) != 0 || w.error || r < 0)
		return 1;
	return 0;
}
