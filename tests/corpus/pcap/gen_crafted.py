#!/usr/bin/env python3
"""Write the crafted-*.pcap captures of tests/corpus/pcap (deterministic).

They cover what the real captures do not: Linux cooked SLL and SLL2, raw
IP, 802.1Q VLAN tags, IPv6 (SDP c=IN IP6), IP fragments (skipped), sequence
number and timestamp wrap, reordering, duplicates, DTX with marker bits,
RTCP on port + 1, RTP before its SDP, a 48 kHz clock. Their expected
answers come from tshark 4.0 (see expected/crafted-*.tshark.txt; regenerate
them with the commands at their top after changing this file).
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip6(a):
    import ipaddress
    return ipaddress.IPv6Address(a).packed


def ip4(a):
    import ipaddress
    return ipaddress.IPv4Address(a).packed


def udp4(src, sport, dst, dport, payload, frag=None):
    ulen = 8 + len(payload)
    u = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    ph = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, ulen)
    c = csum(ph + u) or 0xFFFF
    u = u[:6] + struct.pack("!H", c) + u[8:]
    flags = 0x2000 if frag else 0  # MF: a first fragment whose rest never comes
    body = u[: 8 + 16] if frag else u
    tot = 20 + len(body)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, 1, flags, 64, 17, 0, ip4(src), ip4(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + body


def udp6(src, sport, dst, dport, payload, frag=False):
    ulen = 8 + len(payload)
    u = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    ph = ip6(src) + ip6(dst) + struct.pack("!IxxxB", ulen, 17)
    c = csum(ph + u) or 0xFFFF
    u = u[:6] + struct.pack("!H", c) + u[8:]
    if frag:  # fragment header, offset 0, M = 1: never completed
        body = struct.pack("!BBHI", 17, 0, 1, 0x1234) + u[:24]
        nh = 44
    else:
        body = u
        nh = 17
    return struct.pack("!IHBB16s16s", 0x60000000, len(body), nh, 64, ip6(src), ip6(dst)) + body


def rtp(pt, seq, ts, ssrc, payload, marker=0):
    return struct.pack("!BBHII", 0x80, (marker << 7) | pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload


def rtcp_rr(ssrc):
    """An RR with one report block (32 bytes: long enough to parse as RTP)."""
    return struct.pack("!BBHI", 0x81, 201, 7, ssrc) + struct.pack("!IIIIII", 0x12345678, 0, 1000, 0, 0, 0)


def dtmf(event, end, dur):
    return struct.pack("!BBH", event, (0x80 if end else 0) | 10, dur)


def sip(start, callid, cseq, sdp, ctype=True, branch=None):
    """A SIP message with an SDP body; branch overrides the Via branch (a
    bad one makes the message invalid for sip.h, not for tshark)."""
    lines = [start,
             "Via: SIP/2.0/UDP host.example.com:5060;branch=%s" % (branch or "z9hG4bK%d" % cseq),
             "From: <sip:alice@example.com>;tag=a1",
             "To: <sip:bob@example.com>" + (";tag=b2" if start.startswith("SIP/") else ""),
             "Call-ID: %s" % callid,
             "CSeq: %d INVITE" % cseq,
             "Max-Forwards: 70",
             "Contact: <sip:alice@host.example.com>"]
    if ctype:
        lines.append("Content-Type: application/sdp")
    body = sdp.replace("\n", "\r\n")
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


class Lcg:
    def __init__(self, seed):
        self.x = seed

    def next(self):
        self.x = (self.x * 1103515245 + 12345) & 0x7FFFFFFF
        return self.x


def write_pcap(name, linktype, frames):
    frames = sorted(frames, key=lambda f: f[0])
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for t_us, data in frames:
            f.write(struct.pack("<IIII", t_us // 1000000, t_us % 1000000, len(data), len(data)))
            f.write(data)


def sll2(proto, payload):
    # protocol, reserved, ifindex, ARPHRD_ETHER, packet type, addr len, addr
    return struct.pack("!HHIHBB8s", proto, 0, 2, 1, 0, 6, b"\x02\0\0\0\0\x01\0\0") + payload


def sll(proto, payload):
    return struct.pack("!HHH8sH", 0, 1, 6, b"\x02\0\0\0\0\x01\0\0", proto) + payload


def eth_vlan(proto, payload, vlan=42):
    return (b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + struct.pack("!HHH", 0x8100, vlan, proto) +
            payload)


def audio_stream(frames, mk, ssrc, pt, seq0, ts0, t0_us, n, step_ts, step_us, rng,
                 jitter_us=3000, lose=(), swap=(), dup=(), dtx=None, events=None):
    """Append (t_us, packet bytes) of one stream to frames via mk(payload)."""
    pkts = []
    i = 0
    seq = seq0
    ts = ts0
    t = t0_us
    while i < n:
        marker = 1 if i == 0 else 0
        if dtx and i == dtx[0]:  # silence: no packets, then a marker packet
            ts += dtx[1] * step_ts
            t += dtx[1] * step_us
            marker = 1
        if events and i in events:
            ev, count = events[i]
            ev_ts = ts
            for k in range(count + 3):
                end = k >= count
                dur = min(k + 1, count) * step_ts
                pkts.append((t + rng.next() % jitter_us, rtp(101, seq, ev_ts, ssrc, dtmf(ev, end, dur), marker=int(k == 0))))
                seq += 1
                t += step_us if k < count else 0
                if k < count:
                    ts += step_ts
            i += count
            continue
        if i not in lose:
            pkts.append((t + rng.next() % jitter_us, rtp(pt, seq, ts, ssrc, bytes([0xD5]) * 20, marker)))
        if i in dup:
            pkts.append((t + jitter_us + 50, rtp(pt, seq, ts, ssrc, bytes([0xD5]) * 20, marker)))
        seq += 1
        ts += step_ts
        t += step_us
        i += 1
    for a, b in swap:  # deliver packet a after packet b
        ia = next(k for k, p in enumerate(pkts) if struct.unpack("!H", p[1][2:4])[0] == a & 0xFFFF)
        ib = next(k for k, p in enumerate(pkts) if struct.unpack("!H", p[1][2:4])[0] == b & 0xFFFF)
        pkts[ia] = (pkts[ib][0] + 100, pkts[ia][1])
    for t_us, p in pkts:
        frames.append((t_us, mk(p)))


def crafted_sll2_ipv6():
    a, b, c = "2001:db8::1", "2001:db8::2", "2001:db8::3"
    frames = []
    rng = Lcg(7)
    mk_ab = lambda p: sll2(0x86DD, udp6(a, 40000, b, 50000, p))
    mk_ba = lambda p: sll2(0x86DD, udp6(b, 50000, a, 40000, p))
    # RTP to the callee's port before any SDP: not RTP for tshark (no conversation yet)
    frames.append((1000, sll2(0x86DD, udp6(c, 7000, b, 50000, rtp(0, 1, 0, 0x33333333, b"\xff" * 20)))))
    frames.append((1500, sll2(0x86DD, udp6(c, 7000, b, 50000, rtp(0, 2, 160, 0x33333333, b"\xff" * 20)))))
    sdp_a = ("v=0\no=- 1 1 IN IP6 %s\ns=-\nc=IN IP6 %s\nt=0 0\n"
             "m=audio 40000 RTP/AVP 0 101\na=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000\n"
             "a=fmtp:101 0-15\n" % (a, a))
    sdp_b = ("v=0\no=- 2 2 IN IP6 %s\ns=-\nt=0 0\nm=audio 50000 RTP/AVP 0 101\nc=IN IP6 %s\n"
             "a=rtpmap:101 telephone-event/8000\n" % (b, b))
    frames.append((10000, sll2(0x86DD, udp6(a, 5060, b, 5060, sip("INVITE sip:bob@example.com SIP/2.0", "c6@x", 1, sdp_a)))))
    frames.append((20000, sll2(0x86DD, udp6(b, 5060, a, 5060, sip("SIP/2.0 200 OK", "c6@x", 1, sdp_b)))))
    audio_stream(frames, mk_ab, 0x11111111, 0, 1000, 5000, 100000, 150, 160, 20000, rng,
                 lose=(10, 11, 70), swap=((1030, 1031),), dup=(40,),
                 events={90: (5, 6), 110: (11, 4)})
    audio_stream(frames, mk_ba, 0x22222222, 0, 65500, 0xFFFFF000, 105000, 100, 160, 20000, rng,
                 jitter_us=1500, lose=(50,), dtx=(60, 25))
    # RTCP on port + 1: ignored; a lone first fragment to the RTP port: skipped
    frames.append((900000, sll2(0x86DD, udp6(a, 40001, b, 50001, rtcp_rr(0x11111111)))))
    frames.append((950000, sll2(0x86DD, udp6(a, 40000, b, 50000, rtp(0, 5000, 0, 0x44444444, b"\0" * 20), frag=True))))
    write_pcap("crafted-sll2-ipv6.pcap", 276, frames)


def crafted_vlan_ipv4():
    a, b = "192.0.2.10", "192.0.2.20"
    frames = []
    rng = Lcg(11)
    mk_ab = lambda p: eth_vlan(0x0800, udp4(a, 30000, b, 31000, p))
    mk_ba = lambda p: eth_vlan(0x0800, udp4(b, 31000, a, 30000, p))
    mk_opus = lambda p: eth_vlan(0x0800, udp4(a, 30002, b, 31002, p))
    sdp_a = ("v=0\no=- 1 1 IN IP4 %s\ns=-\nc=IN IP4 %s\nt=0 0\n"
             "m=audio 30000 RTP/AVP 8 9\nm=audio 30002 RTP/AVP 96\na=rtpmap:96 opus/48000/2\n"
             "a=rtcp-mux\n" % (a, a))
    sdp_b = ("v=0\no=- 2 2 IN IP4 %s\ns=-\nc=IN IP4 %s\nt=0 0\n"
             "m=audio 31000 RTP/AVP 8\nm=audio 31002 RTP/AVP 96\na=rtpmap:96 opus/48000/2\n" % (b, b))
    frames.append((0, eth_vlan(0x0800, udp4(a, 5060, b, 5060, sip("INVITE sip:bob@example.com SIP/2.0", "c4@x", 1, sdp_a)))))
    frames.append((5000, eth_vlan(0x0800, udp4(b, 5060, a, 5060, sip("SIP/2.0 200 OK", "c4@x", 1, sdp_b, branch="z9hG4bK[bad]")))))
    audio_stream(frames, mk_ab, 0xAAAA0001, 8, 65530, 1000, 50000, 120, 160, 20000, rng,
                 jitter_us=4000, lose=(3, 4, 5, 6, 40), dup=(20,))
    audio_stream(frames, mk_ba, 0xBBBB0002, 8, 7, 77, 52000, 80, 240, 30000, rng,
                 jitter_us=2500, swap=((20, 21), (50, 52)), dtx=(40, 10))
    audio_stream(frames, mk_opus, 0xCCCC0003, 96, 100, 123456, 60000, 90, 960, 20000, rng,
                 jitter_us=6000, lose=(30,))
    frames.append((3000000, eth_vlan(0x0800, udp4(a, 30000, b, 31000, rtp(8, 1, 1, 0xDDDD0004, b"\0" * 20), frag=True))))
    # RTCP multiplexed on the opus RTP port (a=rtcp-mux): not an RTP stream
    frames.append((1000000, mk_opus(rtcp_rr(0xCCCC0003))))
    write_pcap("crafted-vlan-ipv4.pcap", 1, frames)


def crafted_raw_ipv4():
    frames = []
    rng = Lcg(3)
    mk = lambda p: udp4("198.51.100.1", 6000, "198.51.100.2", 6002, p)
    audio_stream(frames, mk, 0x0BADCAFE, 0, 200, 0, 0, 60, 160, 20000, rng, jitter_us=2000,
                 lose=(7,), events={30: (1, 5)})
    write_pcap("crafted-raw-ipv4.pcap", 101, frames)


def crafted_sll_ipv4():
    frames = []
    rng = Lcg(5)
    mk = lambda p: sll(0x0800, udp4("203.0.113.5", 4000, "203.0.113.6", 4002, p))
    audio_stream(frames, mk, 0x5EED0001, 18, 1, 0, 0, 50, 160, 20000, rng, jitter_us=1000,
                 lose=(20, 21, 22))
    write_pcap("crafted-sll-ipv4.pcap", 113, frames)


if __name__ == "__main__":
    crafted_sll2_ipv6()
    crafted_vlan_ipv4()
    crafted_raw_ipv4()
    crafted_sll_ipv4()
