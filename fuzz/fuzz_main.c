/* fuzz_main.c - standalone replay driver for the libFuzzer targets.
 *
 * Links with one fuzz/fuzz_<name>.c instead of libFuzzer, so a target can be
 * built with any C99 compiler and run on saved inputs (crash reproducers,
 * the seed corpus) without clang:
 *
 *     make build/fuzz/parse.replay
 *     build/fuzz/parse.replay fuzz/findings/parse-1 fuzz/corpus/parse/
 *     build/fuzz/parse.replay < some-input
 *
 * Each argument is a file (its bytes are one input) or a directory (each
 * regular file in it is one input, taken in name order); "-" or
 * no argument reads one input from stdin. Arguments starting with '-' other
 * than "-" are libFuzzer-style options and are ignored, so the same command
 * line works for both builds. Every input is copied into a malloc'd buffer
 * of exactly its size before the call, as libFuzzer does.
 *
 * Exit status: 0 when every input ran, 2 when a file could not be read. A
 * target that finds a bug traps, so the process dies with SIGILL/SIGTRAP.
 *
 * Note: the Makefile's FUZZERS list is every fuzz/fuzz_*.c, which includes
 * this file. So that `make build/fuzz/main` and `make fuzz` still work, main()
 * here is weak (libFuzzer's own main wins when it is linked in) and a weak
 * stand-in target announces that this is no target and exits at once.
 */
#if !defined(_WIN32)
#define _POSIX_C_SOURCE 200809L
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(_WIN32)
#include <dirent.h>
#include <sys/stat.h>
#define FUZZ_HAVE_DIRS 1
#endif

#if defined(__GNUC__) || defined(__clang__)
#define FUZZ_WEAK __attribute__((weak))
#else
#define FUZZ_WEAK
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#if defined(__GNUC__) || defined(__clang__)
/* Only used when this file is built alone as a libFuzzer target (make fuzz
 * builds every fuzz/fuzz_*.c): there is nothing to fuzz, so leave at once
 * with success. _Exit skips libFuzzer's "target exited" atexit handler. */
FUZZ_WEAK int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fuzz_main.c is the replay driver, not a fuzz target; "
                    "nothing to do\n");
    _Exit(0);
    return 0;
}

FUZZ_WEAK int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)data;
    (void)size;
    return 0;
}
#endif

/* Read all of f into a malloc'd buffer of exactly the file's size (at least
 * one byte is allocated so that malloc(0) is never asked for). */
static int read_all(FILE *f, uint8_t **out, size_t *out_len)
{
    size_t cap = 4096, len = 0, n;
    uint8_t *buf = (uint8_t *)malloc(cap), *exact;
    if (!buf) return -1;
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *nb = (uint8_t *)realloc(buf, cap * 2);
            if (!nb) { free(buf); return -1; }
            buf = nb;
            cap *= 2;
        }
    }
    if (ferror(f)) { free(buf); return -1; }
    /* exact-size copy: reads past the end are caught by ASan/valgrind */
    exact = (uint8_t *)malloc(len ? len : 1);
    if (!exact) { free(buf); return -1; }
    if (len) memcpy(exact, buf, len);
    free(buf);
    *out = exact;
    *out_len = len;
    return 0;
}

static int run_stream(FILE *f, const char *name)
{
    uint8_t *data;
    size_t len;
    if (read_all(f, &data, &len) != 0) {
        fprintf(stderr, "replay: cannot read %s\n", name);
        return -1;
    }
    fprintf(stderr, "replay: %s (%lu bytes)\n", name, (unsigned long)len);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 0;
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    int r;
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    r = run_stream(f, path);
    fclose(f);
    return r;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory: every regular file in it, in byte order of the names, so a
 * replay of a corpus is deterministic. */
static int run_dir(const char *path)
{
#ifdef FUZZ_HAVE_DIRS
    DIR *d = opendir(path);
    struct dirent *de;
    struct stat st;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int bad = 0;
    if (!d) {
        fprintf(stderr, "replay: cannot open directory %s\n", path);
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(path) + strlen(de->d_name) + 2;
        char *p;
        if (de->d_name[0] == '.') continue;
        if (n == cap) {
            char **nn = (char **)realloc(names, (cap ? cap * 2 : 64) * sizeof *names);
            if (!nn) { bad = 1; break; }
            names = nn;
            cap = cap ? cap * 2 : 64;
        }
        p = (char *)malloc(len);
        if (!p) { bad = 1; break; }
        sprintf(p, "%s/%s", path, de->d_name);
        names[n++] = p;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_names);
    for (i = 0; i < n; i++) {
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && run_file(names[i]) != 0)
            bad = 1;
        free(names[i]);
    }
    free(names);
    return bad ? -1 : 0;
#else
    return run_file(path);
#endif
}

static int run_path(const char *path)
{
#ifdef FUZZ_HAVE_DIRS
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return run_dir(path);
#endif
    return run_file(path);
}

FUZZ_WEAK int main(int argc, char **argv)
{
    int i, ran = 0, bad = 0;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0) {
            if (run_stream(stdin, "<stdin>") != 0) bad = 1;
            ran = 1;
        } else if (argv[i][0] == '-') {
            continue; /* a libFuzzer option such as -runs=1: ignored */
        } else {
            if (run_path(argv[i]) != 0) bad = 1;
            ran = 1;
        }
    }
    if (!ran && run_stream(stdin, "<stdin>") != 0) bad = 1;
    return bad ? 2 : 0;
}
