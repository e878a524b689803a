#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, sysconf under -std=c99 */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) { free(b); b = NULL; }
    fclose(f);
    if (b) { b[n] = 0; *len = (size_t)n; }
    return b;
}

static size_t tu_pages(size_t len, size_t pg) { return (len + pg - 1) / pg + 1; }

char *tu_guard_copy(const char *data, size_t len)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), np = tu_pages(len, pg);
    char *base = mmap(NULL, np * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return NULL;
    mprotect(base + (np - 1) * pg, pg, PROT_NONE);
    memcpy(base + (np - 1) * pg - len, data, len);
    return base + (np - 1) * pg - len;
}

void tu_guard_free(char *p, size_t len)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), np = tu_pages(len, pg);
    munmap(p + len - (np - 1) * pg, np * pg);
}

int tu_eq(sip_str s, const char *c)
{
    size_t n = strlen(c);
    return s.p && s.len == n && memcmp(s.p, c, n) == 0;
}
