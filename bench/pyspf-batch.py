#!/usr/bin/python3
"""pyspf-batch.py SERVER < lines: pyspf (python3-spf) over lines
"IP SENDER HELO", one check after another, its DNS sent to SERVER only
(dnspython, no cache); prints one result per line and, on stderr, the
checks done. The peer of `tiaki spf check --batch` in bench/auth-throughput.
"""
import sys

import dns.resolver
import spf

resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = [sys.argv[1]]
resolver.lifetime = 5
dns.resolver.default_resolver = resolver

n = 0
out = []
for line in sys.stdin:
    parts = line.split()
    if len(parts) < 3:
        continue
    result, _explanation = spf.check2(i=parts[0], s=parts[1], h=parts[2])
    out.append(result)
    n += 1
sys.stdout.write("\n".join(out) + "\n")
print("pyspf: %d checks" % n, file=sys.stderr)
