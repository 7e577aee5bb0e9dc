#!/usr/bin/env bash
# make-pki.sh: (re)generates the test PKI of the simulated internet in this
# folder: a test root CA and the certificates the world's TLS servers show
# (Postfix MX hosts, nginx MTA-STS policy hosts). Run once; the output is
# committed, so tests never generate keys and never rot (leaf certificates
# are valid 20 years, the CA 30). Regenerating changes every key: the DANE
# TLSA records that pin mx.dane.govt.nz's key are rewritten here too
# (zones/dane.govt.nz.zone, zones/govt.nz.zone).
#
#   tests/world/pki/make-pki.sh
#
# Needs the openssl command (3.0). See README.md for what each file is.
set -euo pipefail

PKI=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ZONES=$(cd "$PKI/../zones" && pwd)
# ${ENV::SAN} in the configuration needs a value whenever it is loaded.
export SAN=DNS:unused.invalid
# Fixed dates, in the past at the start, so that a clock a little behind
# the machine that made them does not matter: leaves valid 2024-2046 (about 20
# years from when they were made), the CA 2024-2056.
LEAF_DATES=(-startdate 20240101000000Z -enddate 20460101000000Z)
CA_DATES=(-startdate 20240101000000Z -enddate 20560101000000Z)

# The mta-sts.<domain> names served by nginx with the CA-signed certificate
# (every policy host but mta-sts.sts-untrusted.govt.nz).
STS_DOMAINS=(good.govt.nz sts-testing.govt.nz sts-wrongmx.govt.nz sts-shortage.govt.nz
    sts-midage.govt.nz sts-redirect.govt.nz sts-ctype.govt.nz sts-404.govt.nz
    sts-wildmx.govt.nz sts-nohost.govt.nz
    tls-legacy.govt.nz tls-none.govt.nz tls-wrongname.govt.nz tls-optional.govt.nz
    tls-expired.govt.nz tls-selfsigned.govt.nz
    silent.govt.nz trickle.govt.nz drop.govt.nz garbage.govt.nz refused.govt.nz
    dane.govt.nz bad.dane.govt.nz dane-unsigned.govt.nz)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$PKI"

# The openssl ca database and configuration (thrown away afterwards).
mkdir -p "$WORK/new"
: >"$WORK/index.txt"
echo 1000 >"$WORK/serial"
cat >"$WORK/ca.cnf" <<CNF
[ ca ]
default_ca = world_ca
[ world_ca ]
dir = $WORK
database = $WORK/index.txt
new_certs_dir = $WORK/new
serial = $WORK/serial
certificate = $PKI/ca.pem
private_key = $PKI/ca.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ any ]
organizationName = optional
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = \${ENV::SAN}
[ v3_self ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = \${ENV::SAN}
CNF

newkey() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }

# The root CA.
newkey ca.key
openssl req -new -config "$WORK/ca.cnf" -key ca.key \
    -subj "/O=tiaki test world/CN=tiaki test world root CA" -out "$WORK/ca.csr"
openssl ca -batch -selfsign -config "$WORK/ca.cnf" -keyfile ca.key -extensions v3_ca -notext \
    -in "$WORK/ca.csr" -out ca.pem "${CA_DATES[@]}" 2>"$WORK/ca.err" ||
    { cat "$WORK/ca.err" >&2; exit 1; }

# leaf FILE CN SAN [openssl-ca-option...]: FILE.key and FILE.pem, signed by the CA.
leaf() {
    local file=$1 cn=$2 san=$3
    shift 3
    newkey "$file.key"
    openssl req -new -config "$WORK/ca.cnf" -key "$file.key" -subj "/O=tiaki test world/CN=$cn" \
        -out "$WORK/$file.csr"
    SAN=$san openssl ca -batch -config "$WORK/ca.cnf" -extensions v3_leaf -notext \
        -in "$WORK/$file.csr" -out "$file.pem" "$@" 2>"$WORK/ca.err" ||
        { cat "$WORK/ca.err" >&2; exit 1; }
}

# selfsigned FILE CN: FILE.key and a self-signed FILE.pem (no CA trusts it).
selfsigned() {
    newkey "$1.key"
    openssl req -new -config "$WORK/ca.cnf" -key "$1.key" -subj "/O=tiaki test world/CN=$2" \
        -out "$WORK/$1.csr"
    SAN=DNS:$2 openssl ca -batch -selfsign -config "$WORK/ca.cnf" -keyfile "$1.key" \
        -extensions v3_self -notext -in "$WORK/$1.csr" -out "$1.pem" "${LEAF_DATES[@]}" \
        2>"$WORK/ca.err" || { cat "$WORK/ca.err" >&2; exit 1; }
}

# MX hosts with a good certificate for their own name.
for host in mx1.good.govt.nz mx2.good.govt.nz govt-nz.mail.protection.outlook.com \
    mx.tls-legacy.govt.nz mx.tls-none.govt.nz mx.tls-optional.govt.nz mx.bad.dane.govt.nz; do
    leaf "$host" "$host" "DNS:$host" "${LEAF_DATES[@]}"
done
# mx.dane.govt.nz's certificate also names mx.dane-unsigned.govt.nz (the
# same host under an unsigned zone), so that domain fails only DANE.
leaf mx.dane.govt.nz mx.dane.govt.nz "DNS:mx.dane.govt.nz,DNS:mx.dane-unsigned.govt.nz" "${LEAF_DATES[@]}"
# The wrong name.
leaf mx.tls-wrongname.govt.nz wrong.example.org "DNS:wrong.example.org" "${LEAF_DATES[@]}"
# Expired: valid for 2020 only.
leaf mx.tls-expired.govt.nz mx.tls-expired.govt.nz "DNS:mx.tls-expired.govt.nz" \
    -startdate 20200101000000Z -enddate 20210101000000Z
# A wildcard (RFC 6125: matches mx.wild.govt.nz).
leaf wild.govt.nz "*.wild.govt.nz" "DNS:*.wild.govt.nz" "${LEAF_DATES[@]}"
# Self-signed MX certificate.
selfsigned mx.tls-selfsigned.govt.nz mx.tls-selfsigned.govt.nz

# HTTPS: one certificate for every CA-signed MTA-STS policy host, a
# self-signed one for mta-sts.sts-untrusted.govt.nz, and nginx's default
# server (names no policy host).
san=""
for d in "${STS_DOMAINS[@]}"; do san+="${san:+,}DNS:mta-sts.$d"; done
leaf mta-sts mta-sts.good.govt.nz "$san" "${LEAF_DATES[@]}"
selfsigned mta-sts.sts-untrusted.govt.nz mta-sts.sts-untrusted.govt.nz
leaf default default.world.invalid "DNS:default.world.invalid" "${LEAF_DATES[@]}"

chmod 644 ./*.pem
chmod 600 ./*.key

# DANE-EE SPKI SHA-256 (TLSA 3 1 1) of mx.dane.govt.nz's key, into the zones.
spki=$(openssl x509 -in mx.dane.govt.nz.pem -noout -pubkey | openssl pkey -pubin -outform DER |
    openssl dgst -sha256 -r | cut -d' ' -f1)
echo "$spki" >mx.dane.govt.nz.tlsa311
sed -i -E "s/^(_25\._tcp\.mx +TLSA +3 1 1 )[0-9a-fA-F]+( *; pins mx\.dane\.govt\.nz)/\1$spki\2/" \
    "$ZONES/dane.govt.nz.zone" "$ZONES/govt.nz.zone"
echo "make-pki.sh: TLSA 3 1 1 of mx.dane.govt.nz: $spki"
