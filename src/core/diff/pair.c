/* Pairing by key: the i-th item of A with a given key goes with the i-th
 * item of B with that key.  Sorting both sides makes it O(n log n), so an
 * image with many records, VMAs or descriptors never makes the diff
 * quadratic. */
#include <stdlib.h>
#include <string.h>

#include "diff/diff_impl.h"

static int cmp_keyed(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;
	int c = strcmp(a->key, b->key);

	if (c)
		return c;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static void number(struct keyed *k, size_t n)
{
	qsort(k, n, sizeof(*k), cmp_keyed);
	for (size_t i = 0; i < n; i++)
		k[i].ord = i && strcmp(k[i].key, k[i - 1].key) == 0 ? k[i - 1].ord + 1 : 0;
}

void pair_keys(struct keyed *ka, size_t na, struct keyed *kb, size_t nb, long *match,
	       size_t *ord_a, size_t *ord_b)
{
	size_t i = 0, j = 0;

	number(ka, na);
	number(kb, nb);
	for (size_t k = 0; k < na; k++) {
		match[ka[k].pos] = -1;
		if (ord_a)
			ord_a[ka[k].pos] = ka[k].ord;
	}
	for (size_t k = 0; ord_b && k < nb; k++)
		ord_b[kb[k].pos] = kb[k].ord;
	while (i < na && j < nb) {
		int c = strcmp(ka[i].key, kb[j].key);

		if (!c)
			c = ka[i].ord < kb[j].ord ? -1 : ka[i].ord > kb[j].ord;
		if (!c)
			match[ka[i++].pos] = (long)kb[j++].pos;
		else if (c < 0)
			i++;
		else
			j++;
	}
}
