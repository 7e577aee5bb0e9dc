#!/usr/bin/python3
"""gen-reports.py: generate a corpus of DMARC aggregate reports (RFC 7489
appendix C XML) for bench/report-ingest.

Each report has report_metadata (org_name, email, report_id, date_range),
one policy_published for one of a handful of domains (agencyNN.govt.nz),
and a varying number of <record>s: source_ip (IPv4 and IPv6), count,
policy_evaluated, identifiers, auth_results with one or two dkim and one
spf. Reports differ in size (a few large reporters, many small ones);
the corpus totals about SIZE bytes.

Records are drawn from a pool made once (thousands of distinct ones), so
generating runs at disk speed: each report is one string, written whole.

usage: bench/gen-reports.py DIR [--reports N] [--size BYTES] [--seed S]
  --reports  number of reports (default 1000)
  --size     total bytes of XML (default 1000000000); suffixes K, M, G
  --seed     random seed (default 7489): the same corpus each time
Stdlib only.
"""

import argparse
import os
import random
import sys

REPORTERS = [
    ("google.com", "noreply-dmarc-support@google.com", "https://support.google.com/a/answer/2466580"),
    ("Enterprise Outlook", "dmarcreport@microsoft.com", None),
    ("Yahoo", "dmarchelp@yahooinc.com", None),
    ("Mimecast", "dmarc-reports@mimecast.com", None),
    ("fastmail.com", "dmarc-reports@fastmail.com", None),
    ("xtra.co.nz", "dmarc@xtra.co.nz", None),
]

SENDERS = [
    # (dkim domain, selectors, spf domain, IPv4 template, IPv6 template); {d} is the report's domain
    ("{d}", ["selector1", "selector2"], "{d}", "40.107.{a}.{b}", "2a01:111:f400:7e{a:02x}::{b:x}"),
    ("{d}", ["google"], "{d}", "209.85.{a}.{b}", "2607:f8b0:4864:20::{b:x}"),
    ("mcsv.net", ["k1", "k2"], "mail{a}.suw11.mcsv.net", "198.2.{a}.{b}", None),
    ("sendgrid.net", ["s1", "s2"], "em{a}.sendgrid.net", "167.89.{a}.{b}", None),
    ("amazonses.com", ["ug7nbtf4gccmlpwj322ax3p6ow6yfsug", "6gbrjpgwjskckoa6a5zn6fwqkn67xbtw"],
     "amazonses.com", "54.240.{a}.{b}", None),
    ("{d}", ["mta"], "{d}", "203.97.{a}.{b}", "2404:130:{a:x}::{b:x}"),
    ("spammer{a}.example", ["x"], "spammer{a}.example", "185.{a}.{b}.7", "2001:db8:{a:x}::{b:x}"),
]

DKIM = ("      <dkim>\n        <domain>%s</domain>\n        <selector>%s</selector>\n"
        "        <result>%s</result>\n      </dkim>\n")


def make_record(rng):
    """One <record>, with the placeholder \\x00 for the report's domain."""
    dk_t, sels, spf_t, v4, v6 = rng.choice(SENDERS)
    a, b = rng.randrange(256), rng.randrange(1, 255)
    ip = (v6 if v6 and rng.random() < 0.25 else v4).format(a=a, b=b)
    d = "\x00"
    dkim_dom = dk_t.format(d=d, a=a)
    spf_dom = spf_t.format(d=d, a=a)
    dkim_res = rng.choices(["pass", "fail", "neutral", "temperror"], [80, 15, 3, 2])[0]
    spf_res = rng.choices(["pass", "fail", "softfail", "neutral", "none"], [75, 10, 10, 3, 2])[0]
    dkim_al = "pass" if dkim_res == "pass" and dkim_dom == d else "fail"
    spf_al = "pass" if spf_res == "pass" and spf_dom == d else "fail"
    disp = "none" if "pass" in (dkim_al, spf_al) else rng.choice(["none", "quarantine", "reject"])
    count = int(rng.paretovariate(1.2)) if rng.random() < 0.9 else rng.randrange(100, 20000)
    reason = ""
    if disp == "none" and dkim_al == "fail" and spf_al == "fail" and rng.random() < 0.3:
        reason = ("\n        <reason>\n          <type>local_policy</type>\n"
                  "          <comment>arc=pass</comment>\n        </reason>")
    dkims = DKIM % (dkim_dom, rng.choice(sels), dkim_res)
    if rng.random() < 0.3:
        dkims += DKIM % (d if dkim_dom != d else "mcsv.net", "s%d" % rng.randrange(10),
                         rng.choice(["pass", "fail"]))
    envelope = "      <envelope_from>%s</envelope_from>\n" % spf_dom if rng.random() < 0.5 else ""
    return (
        "  <record>\n"
        "    <row>\n"
        "      <source_ip>%s</source_ip>\n"
        "      <count>%d</count>\n"
        "      <policy_evaluated>\n"
        "        <disposition>%s</disposition>\n"
        "        <dkim>%s</dkim>\n"
        "        <spf>%s</spf>%s\n"
        "      </policy_evaluated>\n"
        "    </row>\n"
        "    <identifiers>\n"
        "%s"
        "      <header_from>%s</header_from>\n"
        "    </identifiers>\n"
        "    <auth_results>\n"
        "%s"
        "      <spf>\n"
        "        <domain>%s</domain>\n"
        "        <scope>mfrom</scope>\n"
        "        <result>%s</result>\n"
        "      </spf>\n"
        "    </auth_results>\n"
        "  </record>\n"
        % (ip, max(1, count), disp, dkim_al, spf_al, reason, envelope, d, dkims, spf_dom, spf_res)
    )


def header(rng, i, domain):
    org, email, extra = REPORTERS[i % len(REPORTERS)]
    begin = 1735689600 + 86400 * (i // len(REPORTERS))
    p = rng.choice(["none", "quarantine", "reject"])
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        "<feedback>\n"
        "  <report_metadata>\n"
        "    <org_name>%s</org_name>\n"
        "    <email>%s</email>\n"
        "%s"
        "    <report_id>%d%06d.%012x</report_id>\n"
        "    <date_range>\n"
        "      <begin>%d</begin>\n"
        "      <end>%d</end>\n"
        "    </date_range>\n"
        "  </report_metadata>\n"
        "  <policy_published>\n"
        "    <domain>%s</domain>\n"
        "    <adkim>r</adkim>\n"
        "    <aspf>r</aspf>\n"
        "    <p>%s</p>\n"
        "    <sp>%s</sp>\n"
        "    <pct>100</pct>\n"
        "  </policy_published>\n"
        % (org, email,
           "    <extra_contact_info>%s</extra_contact_info>\n" % extra if extra else "",
           begin, i, rng.getrandbits(48), begin, begin + 86399, domain, p, p)
    )


FOOTER = "</feedback>\n"


def parse_size(s):
    mult = {"K": 10**3, "M": 10**6, "G": 10**9}.get(s[-1:].upper(), 1)
    return int(float(s[:-1] if mult > 1 else s) * mult)


def main():
    ap = argparse.ArgumentParser(description="generate DMARC aggregate reports")
    ap.add_argument("dir")
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--size", type=parse_size, default=10**9)
    ap.add_argument("--seed", type=int, default=7489)
    args = ap.parse_args()
    if args.reports < 1 or args.size < args.reports * 2000:
        sys.exit("gen-reports: need --reports >= 1 and --size >= 2000 bytes a report")
    rng = random.Random(args.seed)
    os.makedirs(args.dir, exist_ok=True)

    domains = ["agency%02d.govt.nz" % n for n in range(1, 13)]
    pool = [make_record(rng) for _ in range(20000)]
    # Mean record size once the placeholder is the domain.
    avg_rec = sum(len(r) + r.count("\x00") * (len(domains[0]) - 1) for r in pool) / len(pool)

    # Report sizes: a long tail (a few big reporters, many small ones),
    # normalised to the requested total.
    weights = [rng.lognormvariate(0, 0.8) for _ in range(args.reports)]
    scale = args.size / sum(weights)
    total = 0
    width = len(str(args.reports - 1))
    for i, w in enumerate(weights):
        domain = domains[rng.randrange(len(domains))]
        head = header(rng, i, domain)
        n = max(1, round((w * scale - len(head) - len(FOOTER)) / avg_rec))
        body = "".join(rng.choices(pool, k=n)).replace("\x00", domain)
        data = (head + body + FOOTER).encode()
        with open(os.path.join(args.dir, "report-%0*d.xml" % (width, i)), "wb") as f:
            f.write(data)
        total += len(data)
    print("%d reports, %d bytes in %s" % (args.reports, total, args.dir))


if __name__ == "__main__":
    main()
