/* Writes the built-packet seeds of fuzz/corpus/rtp/ (run from the repository root):
 *   gcc -std=c99 -I. scripts/gen_rtp_seeds.c -o /tmp/g && /tmp/g
 * The vector seeds come from scripts/gen_rtp_vectors.py. */
#define RTP_IMPLEMENTATION
#include "rtp.h"
#include <stdio.h>
#include <string.h>
static void put(const char *name, unsigned sel, const uint8_t *b, int n)
{
    char path[256];
    FILE *f;
    snprintf(path, sizeof path, "fuzz/corpus/rtp/%s", name);
    f = fopen(path, "wb");
    fputc((int)sel, f);
    fwrite(b, 1, (size_t)n, f);
    fclose(f);
}
int main(void)
{
    uint8_t buf[1024], blk[256];
    size_t off = 0;
    int n, bl = 0;
    rtcp_sender_info si = {0xe1234567aabbccddull, 1000, 10, 1600};
    rtcp_report_block rb = {0x1111, 20, -3, 70000, 45, 0x12345678, 0x10000};
    rtcp_sdes_item it[3];
    rtcp_sdes_chunk ch;
    uint32_t ss[2] = {1, 2};
    rtp_span reason = {(const uint8_t *)"done", 4};
    rtcp_xr_dlrr_item dl = {5, 6, 7};
    rtcp_xr_stats st;
    rtcp_xr_voip vo;
    uint32_t csrc[2] = {7, 8};
    uint8_t ext[16], pl[20];
    rtp_ext_writer w;
    rtp_packet_desc d;
    memset(it, 0, sizeof it);
    it[0].type = RTCP_SDES_CNAME; it[0].value.p = (const uint8_t *)"alice@example"; it[0].value.len = 13;
    it[1].type = RTCP_SDES_TOOL; it[1].value.p = (const uint8_t *)"cvoip"; it[1].value.len = 5;
    it[2].type = RTCP_SDES_PRIV; it[2].prefix.p = (const uint8_t *)"p"; it[2].prefix.len = 1;
    it[2].value.p = (const uint8_t *)"v"; it[2].value.len = 1;
    ch.ssrc = 0x1234; ch.items = it; ch.n_items = 3;
    n = rtcp_report_build(0x1234, &si, &rb, 1, buf, sizeof buf, NULL); off += (size_t)n;
    n = rtcp_sdes_build(&ch, 1, buf + off, sizeof buf - off, NULL); off += (size_t)n;
    put("sr-sdes", 1, buf, (int)off);
    n = rtcp_bye_build(ss, 2, reason, buf + off, sizeof buf - off, NULL); off += (size_t)n;
    put("sr-sdes-bye", 1, buf, (int)off);
    n = rtcp_report_build(0x99, NULL, &rb, 1, buf, sizeof buf, NULL);
    put("rr", 1, buf, n);
    n = rtcp_app_build(1, 2, (const uint8_t *)"ABCD", (const uint8_t *)"datadata", 8, buf, sizeof buf, NULL);
    put("app-reduced", 5, buf, n);
    memset(&st, 0, sizeof st); st.loss_flag = 1; st.toh = 1; st.ssrc = 3; st.end_seq = 9;
    memset(&vo, 0, sizeof vo); vo.ssrc = 3; vo.signal_level = -30; vo.r_factor = 90;
    bl += rtcp_xr_rrt_build(si.ntp, blk + bl, sizeof blk - (size_t)bl, NULL);
    bl += rtcp_xr_dlrr_build(&dl, 1, blk + bl, sizeof blk - (size_t)bl, NULL);
    bl += rtcp_xr_stats_build(&st, blk + bl, sizeof blk - (size_t)bl, NULL);
    bl += rtcp_xr_voip_build(&vo, blk + bl, sizeof blk - (size_t)bl, NULL);
    put("xr-blocks", 2, blk, bl);
    n = rtcp_xr_build(3, blk, (size_t)bl, buf, sizeof buf, NULL);
    put("xr-reduced", 5, buf, n);
    rtp_ext_writer_init(&w, RTP_EXT_FORM_ONE_BYTE, ext, sizeof ext);
    rtp_ext_writer_add(&w, 1, (const uint8_t *)"\x88", 1);
    rtp_ext_writer_add(&w, 3, (const uint8_t *)"\x12\x34\x56", 3);
    rtp_ext_writer_add(&w, 4, (const uint8_t *)"mid0", 4);
    memset(&d, 0, sizeof d);
    memset(pl, 0xd5, sizeof pl);
    d.payload_type = 0; d.seq = 1; d.timestamp = 160; d.ssrc = 42; d.csrc = csrc; d.csrc_count = 2;
    d.extension = 1; d.ext_profile = RTP_EXT_PROFILE_ONE_BYTE; d.ext = ext;
    d.ext_len = (size_t)rtp_ext_writer_finish(&w, NULL);
    d.payload = pl; d.payload_len = sizeof pl; d.padding_len = 4;
    n = rtp_build(&d, buf, sizeof buf, NULL);
    put("rtp-csrc-ext-pad", 0, buf, n);
    put("misc-rtpmap", 3, (const uint8_t *)"opus/48000/2", 12);
    put("misc-demux", 3, (const uint8_t *)"\x80\xc8\x16\xfe", 4);
    return 0;
}
