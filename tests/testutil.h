/* Shared helpers for the Criterion tests. */
#ifndef CVOIP_TESTUTIL_H
#define CVOIP_TESTUTIL_H
#include <stddef.h>
#include <string.h>
#include "sip.h"

/* Read a whole file into a malloc'd buffer (not NUL-terminated for the
 * parser's sake; one NUL is added after len for printing). */
char *tu_read_file(const char *path, size_t *len);
/* Copy data to the end of a page followed by a PROT_NONE page, so any read
 * past len faults (picohttpparser's test method). Free with tu_guard_free. */
char *tu_guard_copy(const char *data, size_t len);
void tu_guard_free(char *p, size_t len);
/* Nonzero when span s holds exactly the C string c. */
int tu_eq(sip_str s, const char *c);
#define TU_STR_EQ(s, c) cr_assert(tu_eq((s), (c)), "expected \"%s\", got \"%.*s\"", (c), (int)(s).len, (s).p ? (s).p : "")
#endif
