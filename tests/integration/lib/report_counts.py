#!/usr/bin/python3
"""report_counts.py: checks, report by report, the records and messages
tiaki kept (the dmarc_reports table of an SQLite store) against an
independent reading of the same samples: the payloads are taken out with
python's gzip/zlib, zipfile and email modules, and counted with regular
expressions (<record> elements and the sum of <count>), not with an XML
parser, so a parser's mistake cannot hide in both.

  report_counts.py STORE.db SAMPLES-DIR

Prints "ok: ..." / "FAIL: ..." lines and, last, "counts PASSED FAILED".
"""
import email
import glob
import io
import os
import re
import sqlite3
import sys
import zipfile
import zlib

from tally import Tally

REC = re.compile(rb"<(?:[\w.-]+:)?record[\s>]")
CNT = re.compile(rb"<(?:[\w.-]+:)?count>\s*(\d+)\s*</")
RID = re.compile(rb"<(?:[\w.-]+:)?report_id>\s*([^<]*?)\s*</")
ORG = re.compile(rb"<(?:[\w.-]+:)?org_name>\s*([^<]*?)\s*</")


def unpack(data):
    """The XML payloads inside data (gzip, zip, or as it is)."""
    if data[:2] == b"\x1f\x8b":
        return unpack(zlib.decompressobj(47).decompress(data))
    if data[:4] == b"PK\x03\x04":
        z = zipfile.ZipFile(io.BytesIO(data))
        return [p for n in z.namelist() for p in unpack(z.read(n))]
    return [data] if b"feedback" in data else []


def payloads(path):
    raw = open(path, "rb").read()
    if not path.endswith(".eml"):
        return unpack(raw)
    out = []
    for part in email.message_from_bytes(raw).walk():
        if not part.is_multipart():
            out += unpack(part.get_payload(decode=True) or b"")
    return out


def main(db, samples):
    t = Tally()
    want = {}
    for path in sorted(glob.glob(os.path.join(samples, "**", "*"), recursive=True)):
        if not os.path.isfile(path):
            continue
        for x in payloads(path):
            rid, org = RID.search(x), ORG.search(x)
            if rid is None:
                continue
            key = ((org.group(1) if org else b"").decode("utf-8", "replace").strip(),
                   rid.group(1).decode("utf-8", "replace"))
            counts = [int(c) for c in CNT.findall(x)]
            want.setdefault(key, (len(REC.findall(x)), sum(counts), path))
    rows = sqlite3.connect(db).execute(
        "SELECT org_name, report_id, records, messages FROM dmarc_reports").fetchall()
    if not rows:
        t.fail("no report kept in %s" % db)
    for org, rid, records, messages in rows:
        w = want.get((org.strip(), rid))
        if w is None:
            t.fail("%s %s: kept, but no sample holds it" % (org, rid))
        elif (records, messages) != w[:2]:
            t.fail("%s %s: kept %d records, %d messages; %s has %d, %d" % (
                org, rid, records, messages, os.path.basename(w[2]), w[0], w[1]))
        else:
            t.ok("%s: %d records, %d messages" % (os.path.basename(w[2]), records, messages))
    return t.end()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
