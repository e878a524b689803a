#!/usr/bin/env python3
"""Compare tshark's decode (-T json -e ...) with tshark_gen's expected file.

    check.py fields EXPECTED                 print the tshark fields to ask for
    check.py good EXPECTED JSON [HEUR_JSON]  every expected value, no
                                             warning/error expert, no malformed
    check.py bad EXPECTED JSON               every frame flagged (self-test)

Prints one line per frame and check, then
    tshark: N frames, M fields checked, F failures
(the "bad" mode prints its own summary line); exits 1 on any failure.
"""
import datetime
import json
import sys

PI_WARN = 0x00600000  # expert severities: chat 0x200000, note 0x400000,
                      # warn 0x600000, error 0x800000 (epan/proto.h)
ALWAYS = ["frame.number", "frame.protocols", "_ws.expert.severity",
          "_ws.expert.message", "_ws.malformed"]


def read_expected(path):
    """[(frame, name, [(field, kind, value)])] in frame order."""
    frames = {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            continue
        num, field, kind, value = line.split("\t", 3)
        f = frames.setdefault(int(num), {"name": "?", "vals": []})
        if field == "#":
            f["name"] = value
        else:
            f["vals"].append((field, kind, value))
    return [(n, frames[n]["name"], frames[n]["vals"]) for n in sorted(frames)]


def read_json(path):
    """{frame number: {field: [values]}}"""
    out = {}
    for pkt in json.load(open(path, encoding="utf-8")):
        layers = pkt["_source"]["layers"]
        out[int(layers["frame.number"][0])] = layers
    return out


def as_int(v):
    if v in ("True", "False"):
        return 1 if v == "True" else 0
    return int(v, 0)


def as_time(v):
    """tshark's absolute time in UTC ("Nov 14, 2023 22:13:20.500000000 UTC")
    as (seconds, nanoseconds)."""
    v = v.replace(" UTC", "").strip()
    main, _, frac = v.partition(".")
    t = datetime.datetime.strptime(main, "%b %d, %Y %H:%M:%S")
    t = t.replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp()), int((frac + "000000000")[:9])


def same(kind, want, got):
    try:
        if kind == "i":
            return as_int(got) == int(want)
        if kind == "f":
            return abs(float(got) - float(want)) < 1e-4
        if kind == "x":
            return got.replace(":", "").lower() == want
        if kind == "t":
            # within 1 µs: our times are in µs, the 32-bit NTP fraction
            # rounds down and tshark truncates it back to ns
            s, ns = want.split(".")
            gs, gns = as_time(got)
            return abs((gs - int(s)) * 10**9 + gns - int(ns)) < 1000
        return got == want
    except ValueError:
        return False


def problems(layers):
    """Warning/error expert items and malformed marks of one frame."""
    out = []
    sev = layers.get("_ws.expert.severity", [])
    msg = layers.get("_ws.expert.message", [])
    for i, s in enumerate(sev):
        if int(s) >= PI_WARN:
            out.append("expert %s: %s" % ("error" if int(s) > PI_WARN else "warning",
                                          msg[i] if i < len(msg) else "?"))
    if "_ws.malformed" in layers:
        out.append("malformed")
    return out


def notes(layers):
    sev = layers.get("_ws.expert.severity", [])
    msg = layers.get("_ws.expert.message", [])
    return [msg[i] for i, s in enumerate(sev) if int(s) < PI_WARN and i < len(msg)]


def cmd_fields(exp):
    names = list(ALWAYS)
    for _, _, vals in exp:
        for field, _, _ in vals:
            if field not in names:
                names.append(field)
    print(" ".join(names))
    return 0


def cmd_good(exp, dec, heur):
    fails = checked = 0
    if len(dec) != len(exp):
        print("FAIL tshark decoded %d frames, expected %d" % (len(dec), len(exp)))
        fails += 1
    for num, name, vals in exp:
        layers = dec.get(num)
        if layers is None:
            print("FAIL frame %d (%s): not in tshark's output" % (num, name))
            fails += 1
            continue
        bad = []
        for p in problems(layers):
            bad.append(p)
        fields = {}
        for field, kind, value in vals:
            fields.setdefault(field, []).append((kind, value))
        for field, want in fields.items():
            got = layers.get(field, [])
            checked += len(want)
            if len(got) != len(want) or not all(
                    same(k, v, g) for (k, v), g in zip(want, got)):
                bad.append("%s: expected [%s], tshark [%s]" % (
                    field, ", ".join(v for _, v in want), ", ".join(got)))
        want = layers.get("frame.protocols", ["?"])[0]
        if heur is not None and ":rtp" in want:
            # RTP frames only: tshark 4.0's RTCP heuristic takes a compound
            # only when it starts with SR, RR, BYE, APP or PSFB, so
            # RFC 5506 reduced-size packets (SDES, XR, RTPFB first) need
            # decode-as, and the RTP heuristic claims some of them as
            # RFC 5761 muxed RTCP; neither says anything about our bytes.
            checked += 1
            hp = heur.get(num, {}).get("frame.protocols", ["(none)"])[0]
            if hp != want:
                bad.append("heuristic decode (no decode-as) gives %s, not %s" % (hp, want))
        extra = notes(layers)
        info = (" (expert notes: %s)" % "; ".join(extra)) if extra else ""
        if bad:
            fails += len(bad)
            for b in bad:
                print("FAIL frame %d (%s): %s" % (num, name, b))
        else:
            print("ok   frame %2d %-72s %3d values%s" % (num, name[:72], len(vals), info))
    print("tshark: %d frames, %d fields checked, %d failures" % (len(exp), checked, fails))
    return 1 if fails else 0


def cmd_bad(exp, dec):
    fails = 0
    for num, name, _ in exp:
        p = problems(dec.get(num, {}))
        if p:
            print("ok   self-test frame %d (%s) flagged: %s" % (num, name, "; ".join(p)))
        else:
            print("FAIL self-test frame %d (%s): tshark reports no warning, error "
                  "or malformed mark, so the check above would miss one" % (num, name))
            fails += 1
    print("tshark self-test: %d spoiled frames, %d not flagged" % (len(exp), fails))
    return 1 if fails else 0


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    exp = read_expected(argv[2])
    if argv[1] == "fields":
        return cmd_fields(exp)
    dec = read_json(argv[3])
    if argv[1] == "good":
        return cmd_good(exp, dec, read_json(argv[4]) if len(argv) > 4 else None)
    if argv[1] == "bad":
        return cmd_bad(exp, dec)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
