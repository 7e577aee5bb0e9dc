"""dkim_peer.py: dkimpy (python3-dkim) as a DKIM peer of tiaki, for
test_dkim_interop.sh. Run with Debian's /usr/bin/python3.

    dkim_peer.py sign rsa|ed25519 KEYFILE SELECTOR DOMAIN < message > signed
        prints the message with dkimpy's DKIM-Signature first
        (c=relaxed/relaxed; KEYFILE: PEM for rsa, the base64 32-byte seed
        for ed25519, as dkimpy takes them)
    dkim_peer.py verify RESOLVER < message
        verifies the first signature, fetching the key from RESOLVER
        (ADDR or ADDR@PORT: the world's resolver, never the system's);
        prints "pass" or "fail" and exits 0 or 1
"""
import sys

import dkim
import dns.resolver


def world_dnsfunc(resolver):
    addr, _, port = resolver.partition("@")
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = [addr]
    r.port = int(port) if port else 53
    r.lifetime = 10

    def dnsfunc(name, timeout=5):
        try:
            answer = r.resolve(name.decode("ascii"), "TXT")
        except Exception:
            return None
        return b"".join(list(answer.rrset.items)[0].strings)

    return dnsfunc


def sign(kind, keyfile, selector, domain):
    msg = sys.stdin.buffer.read()
    key = open(keyfile, "rb").read().strip()
    alg = b"ed25519-sha256" if kind == "ed25519" else b"rsa-sha256"
    sig = dkim.sign(msg, selector.encode(), domain.encode(), key,
                    canonicalize=(b"relaxed", b"relaxed"), signature_algorithm=alg,
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    sys.stdout.buffer.write(sig + msg)
    return 0


def verify(resolver):
    msg = sys.stdin.buffer.read()
    ok = dkim.verify(msg, dnsfunc=world_dnsfunc(resolver))
    print("pass" if ok else "fail")
    return 0 if ok else 1


def main(argv):
    if len(argv) == 6 and argv[1] == "sign":
        return sign(argv[2], argv[3], argv[4], argv[5])
    if len(argv) == 3 and argv[1] == "verify":
        return verify(argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
