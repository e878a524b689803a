/* bench_common.h - the shared harness of the parser benchmark.
 *
 * Each bench program (bench_sip.c for cvoip, peer_*.c for the others)
 * defines, before including this file:
 *
 *   BENCH_NAME                     the parser's name, for messages
 *   static int  peer_init(void)    once at start; 0 on success
 *   static int  peer_prepare(bench_msg *m)   once per loaded message (may
 *                                  set m->ctx, e.g. an mbuf); 0 on success
 *   static void *peer_parse(bench_msg *m, bench_out *o)
 *                                  parse m, fill o with the fields a
 *                                  transaction layer reads; returns a
 *                                  handle for peer_free, NULL on failure
 *   static void peer_free(void *h) release what peer_parse allocated
 *
 * and then gets main(). Modes:
 *   prog time N [DIR]   N rounds over the corpus, timed 11 times; prints
 *                       the median ns/message and MB/s
 *   prog count N [DIR]  N rounds, no timing (for callgrind)
 *   prog check [DIR]    one line of extracted fields per message
 * DIR defaults to bench/msgs. Every mode prints the checksum of what it
 * extracted, so runs of different parsers can be compared.
 *
 * No name here starts with sip_ (libre and cvoip both use that prefix).
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct bench_span {
    const char *p;
    size_t len;
} bench_span;

/* One loaded message. */
typedef struct bench_msg {
    char name[64];
    char *buf;        /* the bytes, NUL-terminated (not counted in len) */
    size_t len;
    void *ctx;        /* peer-owned per-message state */
} bench_msg;

/* The fields a transaction layer needs. Call-ID may come in two parts
 * (osip splits it at '@'); part 1 is the text after the '@', absent when
 * the parser keeps Call-ID whole. An absent span has p NULL. */
typedef struct bench_out {
    bench_span call_id, call_id_host;
    uint32_t cseq;
    bench_span method;   /* CSeq method */
    bench_span branch;   /* top Via branch */
    bench_span from_tag, to_tag;
    long clen;           /* Content-Length, -1 when absent */
    bench_span body;
} bench_out;

static inline bench_span bench_cstr(const char *s)
{
    bench_span r;
    r.p = s;
    r.len = s ? strlen(s) : 0;
    return r;
}

static int peer_init(void);
static int peer_prepare(bench_msg *m);
static void *peer_parse(bench_msg *m, bench_out *o);
static void peer_free(void *h);

/* ---- loading ----------------------------------------------------------- */

static bench_msg *bench_msgs;
static size_t bench_n, bench_bytes;

static int bench_cmp_name(const void *a, const void *b)
{
    return strcmp(((const bench_msg *)a)->name, ((const bench_msg *)b)->name);
}

static void bench_load(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t cap = 0, i;
    if (!d) { perror(dir); exit(2); }
    while ((e = readdir(d)) != NULL) {
        size_t nl = strlen(e->d_name);
        char path[1024];
        FILE *f;
        long sz;
        bench_msg *m;
        if (nl < 5 || strcmp(e->d_name + nl - 4, ".sip") != 0) continue;
        if (nl >= sizeof(m->name)) continue;
        if (bench_n == cap) {
            cap = cap ? cap * 2 : 32;
            bench_msgs = realloc(bench_msgs, cap * sizeof *bench_msgs);
            if (!bench_msgs) { perror("realloc"); exit(2); }
        }
        m = &bench_msgs[bench_n];
        memset(m, 0, sizeof *m);
        memcpy(m->name, e->d_name, nl + 1);
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (!(f = fopen(path, "rb")) || fseek(f, 0, SEEK_END) != 0 ||
            (sz = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0) {
            perror(path);
            exit(2);
        }
        m->len = (size_t)sz;
        m->buf = malloc(m->len + 1);
        if (!m->buf || fread(m->buf, 1, m->len, f) != m->len) {
            perror(path);
            exit(2);
        }
        m->buf[m->len] = 0;
        fclose(f);
        bench_bytes += m->len;
        bench_n++;
    }
    closedir(d);
    if (bench_n == 0) { fprintf(stderr, "no .sip files in %s\n", dir); exit(2); }
    qsort(bench_msgs, bench_n, sizeof *bench_msgs, bench_cmp_name);
    for (i = 0; i < bench_n; i++)
        if (peer_prepare(&bench_msgs[i]) != 0) {
            fprintf(stderr, "%s: prepare %s failed\n", BENCH_NAME, bench_msgs[i].name);
            exit(1);
        }
}

/* ---- the workload ------------------------------------------------------ */

/* Fold a field into the checksum: its length and first and last bytes,
 * the same cheap read for every parser. */
static uint64_t bench_fold(uint64_t h, bench_span s)
{
    h = h * 1000003u + s.len;
    if (s.len) h += (unsigned char)s.p[0] * 31u + (unsigned char)s.p[s.len - 1];
    return h;
}

static uint64_t bench_fold_out(uint64_t h, const bench_out *o)
{
    h = bench_fold(h, o->call_id);
    h = bench_fold(h, o->call_id_host);
    h = h * 31 + o->cseq;
    h = bench_fold(h, o->method);
    h = bench_fold(h, o->branch);
    h = bench_fold(h, o->from_tag);
    h = bench_fold(h, o->to_tag);
    h = h * 31 + (uint64_t)o->clen;
    h = bench_fold(h, o->body);
    return h;
}

static void bench_fail(const bench_msg *m)
{
    fprintf(stderr, "%s: failed to parse %s\n", BENCH_NAME, m->name);
    exit(1);
}

/* One round: every message parsed, read, freed. */
static uint64_t bench_round(uint64_t h)
{
    size_t i;
    for (i = 0; i < bench_n; i++) {
        bench_out o;
        void *hd;
        memset(&o, 0, sizeof o);
        hd = peer_parse(&bench_msgs[i], &o);
        if (!hd) bench_fail(&bench_msgs[i]);
        h = bench_fold_out(h, &o);
        peer_free(hd);
    }
    return h;
}

/* ---- modes ------------------------------------------------------------- */

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Print a span for the check mode: printable bytes, others as \xHH. */
static void bench_print_span(const char *label, bench_span s)
{
    size_t i;
    printf(" %s=", label);
    if (!s.p) { printf("(none)"); return; }
    for (i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c > ' ' && c < 0x7f && c != '\\') putchar(c);
        else printf("\\x%02x", c);
    }
}

/* FNV-1a of the body, so the check mode compares it byte for byte. */
static uint32_t bench_fnv(bench_span s)
{
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < s.len; i++) h = (h ^ (unsigned char)s.p[i]) * 16777619u;
    return h;
}

static void bench_check(void)
{
    size_t i;
    uint64_t h = 0;
    for (i = 0; i < bench_n; i++) {
        bench_out o;
        void *hd;
        bench_span cid;
        char tmp[512];
        memset(&o, 0, sizeof o);
        hd = peer_parse(&bench_msgs[i], &o);
        printf("%s:", bench_msgs[i].name);
        if (!hd) { printf(" PARSE FAILED\n"); continue; }
        h = bench_fold_out(h, &o);
        /* Call-ID printed whole, whether or not the parser split it. */
        cid = o.call_id;
        if (o.call_id_host.p) {
            snprintf(tmp, sizeof tmp, "%.*s@%.*s", (int)o.call_id.len, o.call_id.p,
                     (int)o.call_id_host.len, o.call_id_host.p);
            cid.p = tmp;
            cid.len = strlen(tmp);
        }
        bench_print_span("call-id", cid);
        printf(" cseq=%lu", (unsigned long)o.cseq);
        bench_print_span("method", o.method);
        bench_print_span("branch", o.branch);
        bench_print_span("from-tag", o.from_tag);
        bench_print_span("to-tag", o.to_tag);
        printf(" clen=%ld body=%lu/%08lx\n", o.clen, (unsigned long)o.body.len,
               (unsigned long)bench_fnv(o.body));
        peer_free(hd);
    }
    /* Not printed: split Call-IDs fold differently, so the checksum is only
     * comparable between time/count runs of one parser. */
    (void)h;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    const char *dir = "bench/msgs";
    long n = 0;
    uint64_t h = 0;
    if (strcmp(mode, "check") == 0) {
        if (argc > 2) dir = argv[2];
    } else if (strcmp(mode, "time") == 0 || strcmp(mode, "count") == 0) {
        if (argc < 3 || (n = strtol(argv[2], NULL, 10)) < 0) goto usage;
        if (argc > 3) dir = argv[3];
    } else {
        goto usage;
    }
    if (peer_init() != 0) { fprintf(stderr, "%s: init failed\n", BENCH_NAME); return 1; }
    bench_load(dir);

    if (mode[0] == 'c' && mode[1] == 'h') {
        bench_check();
    } else if (mode[0] == 'c') {
        long r;
        for (r = 0; r < n; r++) h = bench_round(h);
        printf("%s: %ld rounds x %lu messages, checksum %016llx\n", BENCH_NAME, n,
               (unsigned long)bench_n, (unsigned long long)h);
    } else {
        enum { REPS = 11 };
        double t[REPS], med;
        long r;
        int k;
        if (n == 0) goto usage;
        h = bench_round(h); /* warm caches and lazy initialisation */
        for (k = 0; k < REPS; k++) {
            double t0 = bench_now();
            for (r = 0; r < n; r++) h = bench_round(h);
            t[k] = bench_now() - t0;
        }
        qsort(t, REPS, sizeof t[0], bench_cmp_double);
        med = t[REPS / 2];
        printf("%s: %.1f ns/msg (median of %d; min %.1f max %.1f) %.1f MB/s "
               "[%ld rounds x %lu msgs, %lu bytes/round] checksum %016llx\n",
               BENCH_NAME, med * 1e9 / ((double)n * (double)bench_n), REPS,
               t[0] * 1e9 / ((double)n * (double)bench_n),
               t[REPS - 1] * 1e9 / ((double)n * (double)bench_n),
               (double)bench_bytes * (double)n / med / 1e6, n,
               (unsigned long)bench_n, (unsigned long)bench_bytes,
               (unsigned long long)h);
    }
    return 0;
usage:
    fprintf(stderr, "usage: %s time N [DIR] | count N [DIR] | check [DIR]\n", argv[0]);
    return 2;
}

#endif /* BENCH_COMMON_H */
