#!/usr/bin/python3
"""dkimpy-rate.py KEYNAME KEYRECORD MESSAGE N: dkimpy (python3-dkim)
verifying one message N times, its key given by a dnsfunc from memory (no
DNS, like opendkim-rate's key file); prints "verified K of N in S s: R/s".
The peer of tiaki's DKIM verifier in bench/auth-throughput.
"""
import sys
import time

import dkim

name, record, path, n = sys.argv[1], sys.argv[2].encode(), sys.argv[3], int(sys.argv[4])
msg = open(path, "rb").read()



ok = 0
t0 = time.monotonic()
for _ in range(n):
    ok += bool(dkim.verify(msg, dnsfunc=lambda q, timeout=5: record
                           if q.rstrip(b".") == name.encode() else None))
s = time.monotonic() - t0
print("verified %d of %d in %.3f s: %.0f/s" % (ok, n, s, n / s))
sys.exit(0 if ok == n else 1)
