#!/usr/bin/env python3
"""bench/media_setup.py - set up N relayed calls for bench/rtpblast.

  media_setup.py rtpengine NG_PORT N APORT0 BPORT0
  media_setup.py sipd SIP_PORT N APORT0 BPORT0 SIPPORT0

Prints one line per call for rtpblast: "APORT BPORT DSTA DSTB", where the
caller (A) owns 127.0.0.1:APORT and sends to DSTA, the callee (B) owns
127.0.0.1:BPORT and sends to DSTB. Call i uses APORT0 + 2i and BPORT0 + 2i.

rtpengine: the ng control protocol (bencoded dictionaries over UDP, each
prefixed by a cookie): "offer" with the caller's SDP gives the address for
B, "answer" with the callee's SDP gives the address for A.

sipd: real calls through the proxy. bob registers from SIPPORT0+1 and
answers every INVITE with 200 OK; alice calls from SIPPORT0; both answer
digest challenges (qop=auth, MD5 or SHA-256) with sipd's demo passwords.
The INVITE bob receives carries the relay's address for B, the 200 alice
receives the one for A. Calls stay up until sipd stops.
"""
import hashlib
import os
import random
import re
import select
import socket
import sys

HOST = "127.0.0.1"


def sdp(port, sess):
    return ("v=0\r\no=- %d 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
            % (sess, HOST, HOST, port))


def sdp_addr(body):
    c = re.search(r"c=IN IP4 ([0-9.]+)", body)
    m = re.search(r"m=audio (\d+)", body)
    if not c or not m:
        raise SystemExit("media_setup: no address in SDP: %r" % body)
    return "%s:%s" % (c.group(1), m.group(1))


# ---- rtpengine: ng protocol ----------------------------------------------------------
def benc(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(benc(x) for x in v) + b"e"
    if isinstance(v, dict):
        return b"d" + b"".join(benc(k) + benc(v[k]) for k in sorted(v)) + b"e"
    raise TypeError(v)


def bdec(b, i=0):
    c = b[i:i + 1]
    if c == b"i":
        j = b.index(b"e", i)
        return int(b[i + 1:j]), j + 1
    if c in (b"l", b"d"):
        i += 1
        out = [] if c == b"l" else {}
        while b[i:i + 1] != b"e":
            k, i = bdec(b, i)
            if c == b"l":
                out.append(k)
            else:
                out[k.decode()], i = bdec(b, i)
        return out, i + 1
    j = b.index(b":", i)
    n = int(b[i:j])
    return b[j + 1:j + 1 + n], j + 1 + n


def ng(sock, port, cmd):
    cookie = "%x" % random.getrandbits(40)
    sock.sendto(cookie.encode() + b" " + benc(cmd), (HOST, port))
    while True:
        data = sock.recv(65535)
        ck, _, rest = data.partition(b" ")
        if ck.decode() == cookie:
            r, _ = bdec(rest)
            if r.get("result") != b"ok":
                raise SystemExit("media_setup: rtpengine %s: %r" % (cmd["command"], r))
            return r


def rtpengine(ng_port, n, a0, b0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    for i in range(n):
        cid = "bench-%d-%d" % (os.getpid(), i)
        o = ng(s, ng_port, {"command": "offer", "call-id": cid, "from-tag": "a%d" % i,
                            "sdp": sdp(a0 + 2 * i, i), "replace": ["origin"]})
        a = ng(s, ng_port, {"command": "answer", "call-id": cid, "from-tag": "a%d" % i,
                            "to-tag": "b%d" % i, "sdp": sdp(b0 + 2 * i, i), "replace": ["origin"]})
        print(a0 + 2 * i, b0 + 2 * i, sdp_addr(a["sdp"].decode()), sdp_addr(o["sdp"].decode()))


# ---- sipd: SIP calls ---------------------------------------------------------------------
def hdr(msg, name):
    m = re.search(r"^%s:\s*(.*)$" % name, msg, re.I | re.M)
    return m.group(1).strip() if m else ""


def hdrs(msg, name):
    return [x.strip() for x in re.findall(r"^%s:\s*(.*)$" % name, msg, re.I | re.M)]


def digest(challenges, user, pw, method, uri):
    """Authorization value for the strongest challenge we know."""
    best = None
    for ch in challenges:
        p = dict((k.lower(), v.strip('"')) for k, v in re.findall(r'([A-Za-z-]+)=("[^"]*"|[^,\s]+)', ch))
        alg = p.get("algorithm", "MD5").upper()
        if alg in ("SHA-256", "MD5") and (best is None or alg == "SHA-256"):
            best = (alg, p)
    alg, p = best
    h = (lambda s: hashlib.sha256(s.encode()).hexdigest()) if alg == "SHA-256" else \
        (lambda s: hashlib.md5(s.encode()).hexdigest())
    ha1 = h("%s:%s:%s" % (user, p["realm"], pw))
    ha2 = h("%s:%s" % (method, uri))
    cn = "%016x" % random.getrandbits(64)
    resp = h("%s:%s:00000001:%s:auth:%s" % (ha1, p["nonce"], cn, ha2))
    v = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=%s, qop=auth, '
         'nc=00000001, cnonce="%s", response="%s"' % (user, p["realm"], p["nonce"], uri, alg, cn, resp))
    if "opaque" in p:
        v += ', opaque="%s"' % p["opaque"]
    return v


def request(method, uri, lport, frm, to, cid, cseq, extra="", body=""):
    br = "z9hG4bK%x" % random.getrandbits(48)
    m = ("%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=%s;rport\r\nMax-Forwards: 70\r\n"
         "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n%s"
         % (method, uri, HOST, lport, br, frm, to, cid, cseq, method, extra))
    if body:
        m += "Content-Type: application/sdp\r\n"
    return m + "Content-Length: %d\r\n\r\n%s" % (len(body), body)


def recv(socks, timeout=5.0):
    r, _, _ = select.select(socks, [], [], timeout)
    if not r:
        raise SystemExit("media_setup: sipd did not answer")
    s = r[0]
    return s, s.recv(65535).decode("utf-8", "replace")


def sipd(port, n, a0, b0, sp0):
    srv = (HOST, port)
    alice = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    alice.bind((HOST, sp0))
    bob = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    bob.bind((HOST, sp0 + 1))
    # bob registers
    cid = "reg-%x" % random.getrandbits(48)
    frm, to = "<sip:bob@%s>;tag=r1" % HOST, "<sip:bob@%s>" % HOST
    contact = "Contact: <sip:bob@%s:%d>\r\nExpires: 3600\r\n" % (HOST, sp0 + 1)
    uri = "sip:%s:%d" % (HOST, port)
    bob.sendto(request("REGISTER", uri, sp0 + 1, frm, to, cid, 1, contact).encode(), srv)
    _, r = recv([bob])
    if " 401 " in r.split("\r\n")[0]:
        auth = "Authorization: %s\r\n" % digest(hdrs(r, "WWW-Authenticate"), "bob", "bobpw", "REGISTER", uri)
        bob.sendto(request("REGISTER", uri, sp0 + 1, frm, to, cid, 2, contact + auth).encode(), srv)
        _, r = recv([bob])
    if " 200 " not in r.split("\r\n")[0]:
        raise SystemExit("media_setup: REGISTER: %s" % r.split("\r\n")[0])
    for i in range(n):
        cid = "call-%d-%x" % (i, random.getrandbits(48))
        frm, to = "<sip:alice@%s>;tag=a%d" % (HOST, i), "<sip:bob@%s>" % HOST
        ruri = "sip:bob@%s:%d" % (HOST, port)
        contact = "Contact: <sip:alice@%s:%d>\r\n" % (HOST, sp0)
        body = sdp(a0 + 2 * i, i)
        alice.sendto(request("INVITE", ruri, sp0, frm, to, cid, 1, contact, body).encode(), srv)
        dst_b = dst_a = None
        cseq = 1
        while dst_a is None:
            s, r = recv([alice, bob])
            first = r.split("\r\n")[0]
            if s is bob:
                if first.startswith("INVITE ") and dst_b is None:
                    dst_b = sdp_addr(r.split("\r\n\r\n", 1)[1])
                    resp = "SIP/2.0 200 OK\r\n"
                    for v in hdrs(r, "Via"):
                        resp += "Via: %s\r\n" % v
                    for v in hdrs(r, "Record-Route"):
                        resp += "Record-Route: %s\r\n" % v
                    b2 = sdp(b0 + 2 * i, i)
                    resp += ("From: %s\r\nTo: %s;tag=b%d\r\nCall-ID: %s\r\nCSeq: %s\r\n"
                             "Contact: <sip:bob@%s:%d>\r\nContent-Type: application/sdp\r\n"
                             "Content-Length: %d\r\n\r\n%s"
                             % (hdr(r, "From"), hdr(r, "To"), i, hdr(r, "Call-ID"), hdr(r, "CSeq"),
                                HOST, sp0 + 1, len(b2), b2))
                    bob.sendto(resp.encode(), srv)
                continue
            code = first.split(" ")[1] if first.startswith("SIP/2.0") else ""
            if code == "407":
                totag = hdr(r, "To")
                alice.sendto(request("ACK", ruri, sp0, frm, totag, cid, cseq).encode()
                             .replace(b"CSeq: 1 ACK", b"CSeq: 1 ACK"), srv)
                cseq += 1
                auth = "Proxy-Authorization: %s\r\n" % digest(hdrs(r, "Proxy-Authenticate"), "alice", "alicepw",
                                                              "INVITE", ruri)
                alice.sendto(request("INVITE", ruri, sp0, frm, to, cid, cseq, contact + auth, body).encode(), srv)
            elif code == "200":
                dst_a = sdp_addr(r.split("\r\n\r\n", 1)[1])
                rr = hdrs(r, "Record-Route")
                route = "".join("Route: %s\r\n" % v for v in reversed(rr))
                m = re.search(r"<([^>]*)>", hdr(r, "Contact"))
                alice.sendto(request("ACK", m.group(1) if m else ruri, sp0, frm, hdr(r, "To"), cid, cseq, route)
                             .encode(), srv)
            elif code and code[0] in "3456":
                raise SystemExit("media_setup: INVITE %d: %s" % (i, first))
        print(a0 + 2 * i, b0 + 2 * i, dst_a, dst_b)
        sys.stdout.flush()


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) == 5 and a[0] == "rtpengine":
        rtpengine(int(a[1]), int(a[2]), int(a[3]), int(a[4]))
    elif len(a) == 6 and a[0] == "sipd":
        sipd(int(a[1]), int(a[2]), int(a[3]), int(a[4]), int(a[5]))
    else:
        sys.exit(__doc__)
