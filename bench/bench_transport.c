/* bench_transport.c - memory of the sip_transport.h connection table.
 *
 * Creates N TCP connections (no sockets: sip_transport_accepted with
 * distinct remote addresses), each idle, and counts every byte the table
 * allocated through SIP_TRANSPORT_MALLOC / SIP_TRANSPORT_FREE (overridden
 * here to count). Prints one line:
 *
 *     transport: N connections, B bytes/idle connection
 *
 * B is (bytes allocated with N connections - bytes of the empty context)
 * / N, so it includes the connection records, the slot array and the two
 * hash bucket arrays. Goal: <= 1024. Usage: bench_transport [N]
 * (default 100000). Also checks that every connection is findable by its
 * address and that destroying the context frees every byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t bt_bytes, bt_live_blocks;

/* size-prefixed blocks so the free side knows the size */
static void *bt_malloc(size_t n)
{
    size_t *p = (size_t *)malloc(n + sizeof(size_t) * 2);
    if (!p) return NULL;
    p[0] = n;
    bt_bytes += n;
    bt_live_blocks++;
    return p + 2;
}

static void bt_free(void *q)
{
    size_t *p;
    if (!q) return;
    p = (size_t *)q - 2;
    bt_bytes -= p[0];
    bt_live_blocks--;
    free(p);
}

#define SIP_TRANSPORT_MALLOC(n) bt_malloc(n)
#define SIP_TRANSPORT_FREE(p) bt_free(p)
#define SIP_IMPLEMENTATION
#define SIP_TRANSPORT_IMPLEMENTATION
#include "../sip_transport.h"

static int bt_send(void *user, const sip_target *to, const uint8_t *b, size_t n)
{
    (void)user, (void)to, (void)b;
    return (int)n;
}

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    sip_transport *t;
    sip_transport_callbacks cb;
    sip_transport_config cfg;
    size_t base;
    unsigned long i;
    if (n == 0 || n > 1000000) {
        fprintf(stderr, "N must be 1..1000000\n");
        return 2;
    }
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.send = bt_send;
    memset(&cfg, 0, sizeof cfg);
    cfg.max_connections = (uint32_t)n;
    if (sip_transport_create(&t, &cfg, &cb, NULL) != 0) return 1;
    base = bt_bytes;
    for (i = 0; i < n; i++) {
        sip_ipaddr r;
        sip_flow f;
        memset(&r, 0, sizeof r);
        r.family = 4;
        r.ip[0] = 10, r.ip[1] = (uint8_t)(i >> 16), r.ip[2] = (uint8_t)(i >> 8), r.ip[3] = (uint8_t)i;
        r.port = (uint16_t)(1024 + i % 60000);
        if (sip_transport_accepted(t, SIP_TP_TCP, &r, NULL, NULL, NULL, 0, &f) != 0) {
            fprintf(stderr, "accept %lu failed\n", i);
            return 1;
        }
    }
    if (sip_transport_count(t) != n || sip_transport_mem_used(t) != bt_bytes) {
        fprintf(stderr, "count or accounting mismatch\n");
        return 1;
    }
    for (i = 0; i < n; i += 997) { /* spot check lookups */
        sip_ipaddr r;
        memset(&r, 0, sizeof r);
        r.family = 4;
        r.ip[0] = 10, r.ip[1] = (uint8_t)(i >> 16), r.ip[2] = (uint8_t)(i >> 8), r.ip[3] = (uint8_t)i;
        r.port = (uint16_t)(1024 + i % 60000);
        if (!sip_transport_find(t, SIP_TP_TCP, &r, NULL)) {
            fprintf(stderr, "lookup %lu failed\n", i);
            return 1;
        }
    }
    printf("transport: %lu connections, %.0f bytes/idle connection\n", n,
           (double)(bt_bytes - base) / (double)n);
    sip_transport_destroy(t);
    if (bt_bytes != 0 || bt_live_blocks != 0) {
        fprintf(stderr, "leak: %zu bytes in %zu blocks\n", bt_bytes, bt_live_blocks);
        return 1;
    }
    return 0;
}
