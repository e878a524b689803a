/* fuzz.h - helpers shared by the fuzz targets (fuzz/fuzz_*.c).
 *
 * Each target includes this after the header it fuzzes; the span checks
 * for sip.h's types are compiled only when sip.h came first. Everything is
 * static: a target is one translation unit (plus fuzz_main.c for the replay
 * build).
 *
 * Note: the Makefile rebuilds a target when fuzz/fuzz_<name>.c or a top-level
 * header changes, not when this file does; `make clean` (or touch the
 * targets) after editing it.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A violated property: stop with a crash the fuzzer reports (SIGILL from
 * __builtin_trap under gcc/clang, SIGABRT elsewhere). */
#if defined(__GNUC__) || defined(__clang__)
#define FUZZ_TRAP() __builtin_trap()
#else
#define FUZZ_TRAP() abort()
#endif
#define FUZZ_CHECK(cond) do { if (!(cond)) FUZZ_TRAP(); } while (0)

/* Known, reported deviations (fuzz/findings/) are tolerated so that the
 * fuzzer keeps looking for new ones; build with -DFUZZ_STRICT=1 to check
 * them too (e.g. to confirm a fix). */
#ifndef FUZZ_STRICT
#define FUZZ_STRICT 0
#endif

/* A malloc'd copy of exactly n bytes (1 byte allocated for n == 0, never
 * read): spans are not NUL-terminated, so any read past the end is a bug
 * that ASan reports on this buffer. */
static inline char *fuzz_dup(const void *data, size_t n)
{
    char *p = (char *)malloc(n ? n : 1);
    if (!p) abort();
    if (n) memcpy(p, data, n);
    return p;
}

/* An uninitialised malloc'd buffer of exactly n bytes (output buffers). */
static inline char *fuzz_alloc(size_t n)
{
    char *p = (char *)malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

/* Sink for the read checks, so the compiler cannot drop the reads. */
static volatile unsigned fuzz_sink_;

/* Read every byte of a NUL-terminated string (static texts like reasons). */
static inline void fuzz_cstr(const char *s)
{
    FUZZ_CHECK(s != NULL);
    fuzz_sink_ += (unsigned)strlen(s);
}

#ifdef SIP_H /* sip.h's types: only for the targets that fuzz it */

/* Check that a span returned by the library is absent ({NULL, 0}) or lies
 * inside [base, base + n), and read every byte of it (ASan checks the
 * reads). Documented: spans point into the caller's buffer. */
static inline void fuzz_span_in(sip_str s, const char *base, size_t n)
{
    size_t i;
    unsigned h = 0;
    if (s.p == NULL) {
        FUZZ_CHECK(s.len == 0);
        return;
    }
    FUZZ_CHECK(s.p >= base && s.p <= base + n);
    FUZZ_CHECK(s.len <= (size_t)(base + n - s.p));
    for (i = 0; i < s.len; i++) h = h * 31u + (unsigned char)s.p[i];
    fuzz_sink_ += h;
}


/* Walk a ';' parameter list to its end (bounded: each step must advance). */
static inline void fuzz_params(sip_str params, const char *base, size_t n)
{
    size_t pos = 0, last;
    sip_str name, value;
    int r, steps = 0;
    for (;;) {
        last = pos;
        r = sip_param_next(params, &pos, &name, &value);
        if (r != 1) break;
        fuzz_span_in(name, base, n);
        fuzz_span_in(value, base, n);
        FUZZ_CHECK(name.len > 0);
        FUZZ_CHECK(pos > last || pos == params.len);
        FUZZ_CHECK(++steps <= (int)params.len + 1);
    }
    FUZZ_CHECK(r == 0 || r == SIP_ERR_SYNTAX);
}

static inline void fuzz_uri(const sip_uri *u, const char *base, size_t n)
{
    fuzz_span_in(u->scheme_str, base, n);
    fuzz_span_in(u->user, base, n);
    fuzz_span_in(u->password, base, n);
    fuzz_span_in(u->host, base, n);
    fuzz_span_in(u->params, base, n);
    fuzz_span_in(u->headers, base, n);
    fuzz_span_in(u->opaque, base, n);
    fuzz_span_in(u->raw, base, n);
    fuzz_params(u->params, base, n);
}

static inline void fuzz_addr(const sip_addr *a, const char *base, size_t n)
{
    fuzz_span_in(a->display, base, n);
    fuzz_span_in(a->params, base, n);
    fuzz_span_in(a->tag, base, n);
    if (!a->star) fuzz_uri(&a->uri, base, n);
    fuzz_params(a->params, base, n);
}

static inline void fuzz_via(const sip_via *v, const char *base, size_t n)
{
    fuzz_span_in(v->protocol, base, n);
    fuzz_span_in(v->version, base, n);
    fuzz_span_in(v->transport, base, n);
    fuzz_span_in(v->host, base, n);
    fuzz_span_in(v->branch, base, n);
    fuzz_span_in(v->received, base, n);
    fuzz_span_in(v->maddr, base, n);
    fuzz_span_in(v->params, base, n);
    FUZZ_CHECK(v->has_port || v->port == 0);
    fuzz_params(v->params, base, n);
}

#endif /* SIP_H */

#endif /* FUZZ_H */
