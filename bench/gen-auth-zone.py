#!/usr/bin/python3
"""gen-auth-zone.py: the zone and inputs of bench/auth-throughput.

Writes, under --out:
  authbench.govt.nz.zone  N sender domains, each with an SPF record that
        costs what real ones cost (ip4, a, mx, include of a provider),
        their A and MX records, 16 provider records, and the DKIM keys
        given (selectors rsa and ed25519);
  spf-inputs.txt  C lines "IP SENDER HELO" over random domains: 30% pass
        on the domain's own ip4 (1 DNS question), 40% pass through the
        provider's include (5 questions), 30% fail after every term
        (5 questions);
  spfquery-inputs.txt  the same lines for libspf2's spfquery -file;
  message-4k.eml  an unsigned message of about 4 KB (CRLF line ends),
        From a sender of the zone, for the DKIM verifiers.
Standard library only: it runs with Debian's /usr/bin/python3.
"""
import argparse
import os
import random

ZONE = "authbench.govt.nz"
PROVIDERS = 16
MX_HOSTS = 50


def spf_record(i):
    return "v=spf1 ip4:198.18.%d.%d a mx include:_spf.p%d.%s -all" % (
        i // 256 % 256, i % 256, i % PROVIDERS, ZONE)


def txt(text):
    """A TXT rdata: quoted strings of at most 255 bytes."""
    parts = [text[k:k + 255] for k in range(0, len(text), 255)] or [""]
    return " ".join('"%s"' % p.replace('"', '\\"') for p in parts)


def write_zone(path, domains, keys):
    with open(path, "w") as z:
        z.write("$ORIGIN %s.\n$TTL 3600\n" % ZONE)
        z.write("@ SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n" % (ZONE, ZONE))
        z.write("@ NS ns.%s.\nns A 127.78.0.54\n" % ZONE)
        for k in range(PROVIDERS):
            z.write("_spf.p%d TXT %s\n" % (
                k, txt("v=spf1 ip4:10.%d.0.0/16 ip6:2001:db8:%x::/48 ~all" % (k, k))))
        for j in range(MX_HOSTS):
            z.write("mx%d A 203.0.113.%d\n" % (j, j + 1))
        for i in range(domains):
            z.write("d%d TXT %s\nd%d A 192.0.2.%d\nd%d MX 10 mx%d\n" % (
                i, txt(spf_record(i)), i, i % 254 + 1, i, i % MX_HOSTS))
        for sel, rec in keys:
            z.write("%s._domainkey TXT %s\n" % (sel, txt(rec)))


def spf_inputs(domains, checks, rnd):
    lines = []
    for n in range(checks):
        i = rnd.randrange(domains)
        kind = rnd.random()
        if kind < 0.3:
            ip = "198.18.%d.%d" % (i // 256 % 256, i % 256)
        elif kind < 0.7:
            ip = "10.%d.%d.%d" % (i % PROVIDERS, rnd.randrange(256), rnd.randrange(1, 255))
        else:
            ip = "203.0.113.%d" % rnd.randrange(100, 250)
        lines.append("%s user%d@d%d.%s mail.d%d.%s" % (ip, n, i, ZONE, i, ZONE))
    return lines


def write_message(path, size):
    head = ("From: Sender <sender@%s>\r\nTo: Receiver <receiver@example.govt.nz>\r\n"
            "Subject: A benchmark message of about %d bytes\r\n"
            "Date: Sat, 28 Nov 2026 10:00:00 +1300\r\n"
            "Message-ID: <bench-%d@%s>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n" % (ZONE, size, size, ZONE))
    words = ("the  framework asks every agency to sign its outbound mail and to "
             "publish a reject policy once its reports show no legitimate failures ").split(" ")
    body, line, k = [], [], 0
    while len(head) + sum(len(x) + 2 for x in body) < size:
        line.append(words[k % len(words)])
        k += 1
        if len(" ".join(line)) > 70:
            body.append(" ".join(line))
            line = []
    with open(path, "wb") as f:
        f.write((head + "\r\n".join(body) + "\r\n").encode())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--domains", type=int, default=10000)
    ap.add_argument("--checks", type=int, default=20000)
    ap.add_argument("--key", action="append", default=[],
                    help="SELECTOR=RECORD: a DKIM key record to publish")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=7208)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    keys = [k.split("=", 1) for k in a.key]
    write_zone(os.path.join(a.out, ZONE + ".zone"), a.domains, keys)
    lines = spf_inputs(a.domains, a.checks, rnd)
    with open(os.path.join(a.out, "spf-inputs.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(a.out, "spfquery-inputs.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    write_message(os.path.join(a.out, "message-4k.eml"), 4096)
    print("zone %s: %d domains, %d providers, %d DKIM keys; %d SPF checks" % (
        ZONE, a.domains, PROVIDERS, len(keys), a.checks))


if __name__ == "__main__":
    main()
