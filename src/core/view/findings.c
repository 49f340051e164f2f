/* ckptcheck's findings as text and as JSON. */
#include <inttypes.h>

#include "ckpt/report.h"

void ckpt_finding_print(FILE *out, const struct ckpt_finding *f)
{
	fprintf(out, "%s %s record %" PRIu64, ckpt_severity_name(f->severity), f->rule->id, f->index);
	if (f->record[0])
		fprintf(out, " (%s)", f->record);
	fprintf(out, " @%" PRIu64 " (0x%" PRIx64 "): %s\n", f->offset, f->offset, f->message);
}

json_t *ckpt_finding_json(const struct ckpt_finding *f)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:s?, s:s}",
			 "rule", f->rule->id,
			 "severity", ckpt_severity_name(f->severity),
			 "record", (json_int_t)f->index,
			 "offset", (json_int_t)f->offset,
			 "type", f->record[0] ? f->record : NULL,
			 "message", f->message);
}
