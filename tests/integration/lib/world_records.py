#!/usr/bin/python3
"""world_records.py: checks the world itself, without tiaki: every RRset of
every tests/world/zones/*.zone comes back through the world's recursive
resolver exactly as the zone file has it, names under the dead delegation
give SERVFAIL in bounded time, and names outside the world give NXDOMAIN
at once (nothing is sent beyond the world).

  world_records.py ZONEDIR RESOLVER

Prints "ok: ..." / "FAIL: ..." lines and, last, "counts PASSED FAILED".
Needs ldns-read-zone (ldnsutils) and dig (dnsutils).
"""
import os
import subprocess
import sys
import time

from tally import Tally

DEAD = "dead.govt.nz."
DEAD_LIMIT = 10.0     # seconds a SERVFAIL for the dead domain may take
OUTSIDE_LIMIT = 1.0   # seconds an NXDOMAIN for a name outside the world may take


def zone_rrsets(path, origin):
    """{(owner, type): [rdata...]} from the zone file, as ldns reads it."""
    out = subprocess.run(["ldns-read-zone", path], check=True,
                         capture_output=True, text=True, errors="surrogateescape").stdout
    sets = {}
    for line in out.splitlines():
        if not line.strip() or line.startswith(";"):
            continue
        owner, _ttl, _cls, rtype, rdata = line.split(None, 4)
        sets.setdefault((owner.lower(), rtype), []).append(rdata)
    return sets


def dig(resolver, name, rtype, *opts):
    """(status, [(owner, type, rdata)], seconds)."""
    start = time.monotonic()
    p = subprocess.run(["dig", "+time=5", "+tries=1", "+nosplit", "+nottlid", "+noall", "+answer",
                        "+comments", *opts, "@" + resolver, name, rtype],
                       capture_output=True, text=True, errors="surrogateescape")
    secs = time.monotonic() - start
    status = "TIMEOUT"
    answers = []
    for line in p.stdout.splitlines():
        if "status:" in line:
            status = line.split("status:")[1].split(",")[0].strip()
        elif line and not line.startswith(";"):
            parts = line.split(None, 3)
            if len(parts) == 4:
                owner, _cls, t, rdata = parts
                answers.append((owner.lower(), t, rdata))
    return status, answers, secs


def norm(rtype, rdata):
    rdata = " ".join(rdata.split()) if rtype != "TXT" else rdata.strip()
    return rdata if rtype == "TXT" else rdata.lower()


def check_zone(t, resolver, path, origin):
    sets = zone_rrsets(path, origin)
    n_ok = 0
    for (owner, rtype), rdatas in sorted(sets.items()):
        if rtype == "SOA" or (rtype == "NS" and owner == origin):
            continue
        if owner == DEAD or owner.endswith("." + DEAD):
            continue  # the delegation and its glue: checked by check_dead
        want = sorted(norm(rtype, r) for r in rdatas)
        status, answers, _ = dig(resolver, owner, rtype)
        got = sorted(norm(t2, r) for o, t2, r in answers if o == owner and t2 == rtype)
        if status != "NOERROR":
            t.fail("%s %s: status %s through the resolver" % (owner, rtype, status))
        elif got != want:
            t.fail("%s %s: the resolver gives %s, the zone has %s" % (
                owner, rtype, [g[:80] for g in got], [w[:80] for w in want]))
        else:
            t.ok("%s %s" % (owner, rtype))
            n_ok += 1
        if rtype == "CNAME":
            check_cname_target(t, resolver, owner, rdatas[0])
    print("ok: zone %s: %d RRsets resolve through the resolver as written" % (origin, n_ok)
          if n_ok else "# zone %s: no RRset checked" % origin)


def check_cname_target(t, resolver, owner, target):
    status, answers, _ = dig(resolver, owner, "TXT")
    if target.lower() == owner:
        if status == "SERVFAIL":
            t.ok("%s: a CNAME to itself gives SERVFAIL" % owner, quiet=False)
        else:
            t.fail("%s: a CNAME to itself gives %s" % (owner, status))
        return
    if status == "NOERROR" and any(tp == "TXT" for _, tp, _ in answers):
        t.ok("%s: the CNAME is followed to a TXT record" % owner, quiet=False)
    else:
        t.fail("%s TXT through the CNAME: %s %s" % (owner, status, answers))


def check_dead(t, resolver):
    for name, rtype in (("_dmarc.dead.govt.nz", "TXT"), ("dead.govt.nz", "MX"),
                        ("dead.govt.nz", "TXT"), ("ns1.dead.govt.nz", "A")):
        status, _, secs = dig(resolver, name, rtype, "+time=%d" % int(DEAD_LIMIT * 2))
        if status == "SERVFAIL" and secs <= DEAD_LIMIT:
            t.ok("%s %s: SERVFAIL in %.1fs" % (name, rtype, secs), quiet=False)
        else:
            t.fail("%s %s: %s in %.1fs (want SERVFAIL within %.0fs)" % (
                name, rtype, status, secs, DEAD_LIMIT))


def check_outside(t, resolver):
    for name, want in (("example.com", "NXDOMAIN"), ("spf.sendgrid.net", "NXDOMAIN"),
                       ("nz", "NXDOMAIN"), ("govt.example", "NXDOMAIN")):
        status, _, secs = dig(resolver, name, "A")
        if status == want and secs <= OUTSIDE_LIMIT:
            t.ok("%s: %s in %.2fs, answered inside the world" % (name, status, secs), quiet=False)
        else:
            t.fail("%s: %s in %.2fs (want %s at once)" % (name, status, secs, want))


def check_transport(t, resolver):
    # A 4 KB TXT RRset does not fit in UDP: the resolver must answer over TCP.
    status, answers, _ = dig(resolver, "hostile-long-txt.govt.nz", "TXT", "+tcp")
    if status == "NOERROR" and len(answers) == 2:
        t.ok("hostile-long-txt.govt.nz TXT over TCP: 2 records", quiet=False)
    else:
        t.fail("hostile-long-txt.govt.nz TXT over TCP: %s, %d records" % (status, len(answers)))
    p = subprocess.run(["dig", "+time=5", "+tries=1", "+notcp", "+ignore", "+bufsize=1232",
                        "@" + resolver, "hostile-long-txt.govt.nz", "TXT"],
                       capture_output=True, text=True)
    if " tc " in p.stdout or " tc;" in p.stdout:
        t.ok("hostile-long-txt.govt.nz TXT over UDP is truncated (TC)", quiet=False)
    else:
        t.fail("hostile-long-txt.govt.nz TXT over UDP was not truncated")


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    zonedir, resolver = argv[1], argv[2]
    t = Tally(quiet=True)
    for f in sorted(os.listdir(zonedir)):
        if f.endswith(".zone"):
            check_zone(t, resolver, os.path.join(zonedir, f), f[:-len(".zone")] + ".")
    check_dead(t, resolver)
    check_outside(t, resolver)
    check_transport(t, resolver)
    return t.end()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
