#!/usr/bin/env python3
"""Regenerate sip.h's sip__hdr_hash table from SIP_HEADERS_.

Finds multipliers (a, b, c) for which ((len*a) ^ (first*b) ^ (last*c) ^ mid)
& 255 is collision-free over the full header names, and prints them and the
table. Paste both into sip.h (SIP__HDR_HASH and sip__hdr_hash)."""
import re, sys
src = open(sys.argv[1] if len(sys.argv) > 1 else "sip.h").read()
full = [f for _, f in re.findall(r'X\((\w+), "([^"]+)", (?:0|\'.\'), [01]\)', src)]
def h(x, a, b, c):
    n = len(x)
    return ((n * a) ^ (ord(x[0].lower()) * b) ^ (ord(x[-1].lower()) * c) ^ ord(x[n // 2].lower())) & 255
for a in range(1, 64):
    for b in range(1, 64):
        for c in range(1, 64):
            hs = [h(x, a, b, c) for x in full]
            if len(set(hs)) == len(hs):
                table = [0] * 256
                for i, x in enumerate(full):
                    table[h(x, a, b, c)] = i + 1
                print("multipliers", a, b, c)
                for i in range(0, 256, 16):
                    print("    " + ", ".join(str(v) for v in table[i:i + 16]) + ",")
                sys.exit(0)
sys.exit("no collision-free multipliers found")
