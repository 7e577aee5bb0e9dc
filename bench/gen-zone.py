#!/usr/bin/python3
# gen-zone.py: writes the synthetic DNS world of bench/check-throughput:
# one zone (bench.govt.nz) of N realistic government-like mail domains, the
# tiaki inventory (CSV) for the first K of them, and a dnsperf query file
# holding exactly the DNS questions tiaki asks for those K domains (see
# src/observe/observe.h). A benchmark helper, not a test. Debian's
# /usr/bin/python3 standard library only.
#
# usage: gen-zone.py --domains N --dkim-key FILE --out DIR
#                    [--inventory K ...] [--queries K]
#   --dkim-key  a file holding the base64 SubjectPublicKeyInfo (DER) of one
#               RSA key, the p= of every DKIM record (one key, reused)
#   --inventory K  write DIR/inventory-K.csv for domains 1..K (repeatable)
#   --queries K    write DIR/queries-K.txt (dnsperf format) for domains 1..K
# Writes DIR/ZONE.zone (ZONE: bench.govt.nz) and prints a summary of the mix on stdout.
#
# The mix: 90% of domains publish everything a compliant email domain
# publishes (MX, SPF with one include, DMARC p=reject, TLS-RPT, MTA-STS,
# a 2048-bit DKIM key at selector1). The other 10% rotate through five
# realistic faults, 2% each: SPF ~all, no DMARC, no TLS-RPT, no DKIM key,
# and parked (no MX, "v=spf1 -all", DMARC, a revoked *._domainkey key).
# Variants are assigned by index, so any prefix 1..K carries the same mix.

import argparse
import os
import sys

# Not under .test: libunbound (and so tiaki) answers every .test name
# NXDOMAIN itself (unbound's default local-zone for RFC 6761 names)
# without asking the forwarder. govt.nz is a public suffix, so the
# organisational domain of dNNNNNN.bench.govt.nz is bench.govt.nz.
ZONE = "bench.govt.nz"
NS_ADDR = "127.78.0.53"
# Loopback addresses where nothing listens: tiaki probes every MX host
# it finds (once per address per run), and a probe must never leave the
# machine; here it is refused at once.
MX1_ADDR = "127.78.0.25"
MX2_ADDR = "127.78.0.26"

# The DKIM selectors tiaki tries when the inventory names none
# (tk_common_dkim_selectors in src/observe/observe.c).
COMMON_SELECTORS = ["selector1", "selector2", "google", "default", "k1",
                    "s1", "s2", "dkim", "mail"]

# variant by index modulo 50: 0..44 compliant, then one fault each.
FULL, SOFTFAIL, NO_DMARC, NO_TLSRPT, NO_DKIM, PARKED = range(6)
VARIANT_NAMES = ["compliant", "spf ~all", "no DMARC", "no TLS-RPT",
                 "no DKIM key", "parked"]


def variant(i):
    r = i % 50
    return FULL if r < 45 else r - 44


def name(i):
    return "d%06d" % i


def txt(s):
    """A TXT rdata: the string cut into <= 255-byte character-strings."""
    parts = [s[k:k + 255] for k in range(0, len(s), 255)] or [""]
    return " ".join('"%s"' % p.replace("\\", "\\\\").replace('"', '\\"')
                    for p in parts)


def write_zone(path, n, dkim_p):
    dkim = txt("v=DKIM1; k=rsa; p=" + dkim_p)
    revoked = txt("v=DKIM1; p=")
    with open(path, "w") as z:
        w = z.write
        w("; %s: synthetic zone of bench/check-throughput (%d domains).\n"
          % (ZONE, n))
        w("$TTL 3600\n$ORIGIN %s.\n" % ZONE)
        w("@ SOA ns1 hostmaster 2024060101 3600 600 86400 300\n")
        w("@ NS ns1\nns1 A %s\nmx1 A %s\nmx2 A %s\n"
          % (NS_ADDR, MX1_ADDR, MX2_ADDR))
        # The shared SPF include of every email domain, defined once.
        w("_spf TXT %s\n"
          % txt("v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 -all"))
        # The organisational domain's own DMARC record: what a domain
        # without one falls back to.
        w("_dmarc TXT %s\n"
          % txt("v=DMARC1; p=reject; sp=reject; rua=mailto:dmarc@%s" % ZONE))
        for i in range(1, n + 1):
            v, d = variant(i), name(i)
            fqdn = "%s.%s" % (d, ZONE)
            if v == PARKED:
                w("%s TXT %s\n" % (d, txt("v=spf1 -all")))
                w("_dmarc.%s TXT %s\n" % (d, txt(
                    "v=DMARC1; p=reject; sp=reject; adkim=s; aspf=s; "
                    "rua=mailto:dmarc@%s" % ZONE)))
                w("*._domainkey.%s TXT %s\n" % (d, revoked))
                continue
            w("%s MX 10 mx1\n%s MX 20 mx2\n" % (d, d))
            w("%s TXT %s\n" % (d, txt("v=spf1 include:_spf.%s %sall"
                                       % (ZONE, "~" if v == SOFTFAIL else "-"))))
            # Unrelated TXT records sit beside SPF at a real apex.
            w("%s TXT %s\n" % (d, txt("MS=ms%08d" % (i * 7919 % 100000000))))
            if v != NO_DMARC:
                w("_dmarc.%s TXT %s\n" % (d, txt(
                    "v=DMARC1; p=reject; sp=reject; adkim=s; aspf=s; "
                    "pct=100; rua=mailto:dmarc@%s; ruf=mailto:dmarc@%s; fo=1"
                    % (fqdn, fqdn))))
            if v != NO_TLSRPT:
                w("_smtp._tls.%s TXT %s\n" % (d, txt(
                    "v=TLSRPTv1; rua=mailto:tlsrpt@%s" % fqdn)))
            w("_mta-sts.%s TXT %s\n" % (d, txt(
                "v=STSv1; id=2024060%dT000000;" % (i % 9 + 1))))
            if v != NO_DKIM:
                w("selector1._domainkey.%s %s\n" % (d, "TXT " + dkim))


def questions(i):
    """The DNS questions tiaki asks for domain i (src/observe/observe.c):
    phase 1, then phase 2 as the answers make it necessary."""
    v, fqdn = variant(i), "%s.%s" % (name(i), ZONE)
    q = [(fqdn, "MX"), (fqdn, "TXT"), ("_dmarc." + fqdn, "TXT"),
         ("_smtp._tls." + fqdn, "TXT"), ("_mta-sts." + fqdn, "TXT")]
    if v == NO_DMARC:
        q.append(("_dmarc." + ZONE, "TXT"))  # the organisational domain's
    if v == PARKED:
        q.append(("*._domainkey." + fqdn, "TXT"))
        return q
    q.append(("_spf." + ZONE, "TXT"))  # the SPF include
    q += [("%s._domainkey.%s" % (s, fqdn), "TXT") for s in COMMON_SELECTORS]
    if v == NO_TLSRPT:
        q.append(("_smtptls." + fqdn, "TXT"))
    return q


def write_inventory(path, k):
    with open(path, "w") as f:
        f.write("domain,agency,profile,dkim_selectors,contact,bulk\n")
        for i in range(1, k + 1):
            fqdn = "%s.%s" % (name(i), ZONE)
            f.write("%s,Bench Agency %04d,,,mail-admin@%s,%s\n"
                    % (fqdn, (i - 1) // 8 + 1, fqdn,
                       "yes" if i % 25 == 0 and variant(i) != PARKED else ""))


def write_queries(path, k):
    total = 0
    with open(path, "w") as f:
        for i in range(1, k + 1):
            for qname, qtype in questions(i):
                f.write("%s %s\n" % (qname, qtype))
                total += 1
    return total


def main():
    ap = argparse.ArgumentParser(description="bench.govt.nz zone for tiaki benchmarks")
    ap.add_argument("--domains", type=int, required=True)
    ap.add_argument("--dkim-key", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--inventory", type=int, action="append", default=[])
    ap.add_argument("--queries", type=int, action="append", default=[])
    a = ap.parse_args()
    if not 1 <= a.domains <= 999999:
        sys.exit("gen-zone.py: --domains must be 1..999999")
    for k in a.inventory + a.queries:
        if not 1 <= k <= a.domains:
            sys.exit("gen-zone.py: %d is outside 1..%d" % (k, a.domains))
    with open(a.dkim_key) as f:
        dkim_p = "".join(f.read().split())
    write_zone(os.path.join(a.out, ZONE + ".zone"), a.domains, dkim_p)
    for k in a.inventory:
        write_inventory(os.path.join(a.out, "inventory-%d.csv" % k), k)
    for k in a.queries:
        total = write_queries(os.path.join(a.out, "queries-%d.txt" % k), k)
        print("queries-%d.txt: %d questions, %.2f per domain"
              % (k, total, total / k))
    mix = [0] * len(VARIANT_NAMES)
    for i in range(1, a.domains + 1):
        mix[variant(i)] += 1
    print("zone %s: %d domains (%s)" % (ZONE, a.domains, ", ".join(
        "%s %d" % (VARIANT_NAMES[v], mix[v]) for v in range(len(mix)))))


if __name__ == "__main__":
    main()
