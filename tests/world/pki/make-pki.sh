#!/usr/bin/env bash
# make-pki.sh: (re)generates the test PKI of the simulated internet in this
# folder: a test root CA and the certificates the world's TLS servers show
# (Postfix MX hosts, nginx MTA-STS policy hosts). Run once; the output is
# committed, so tests never generate keys and never rot (leaf certificates
# are valid 20 years, the CA 30). Regenerating changes every key: the DANE
# TLSA records that pin mx.dane.govt.nz's key are rewritten here too
# (zones/dane.govt.nz.zone, zones/govt.nz.zone).
#
#   tests/world/pki/make-pki.sh           every key and certificate anew, the CA too
#   tests/world/pki/make-pki.sh NAME...   only NAME.key and NAME.pem (names of ALL
#                                         below), signed by the committed CA; every
#                                         other file stays as it is
#
# A new certificate goes at the end of ALL (and into make_cert unless it is
# a plain one for its own name) and is made with the second form, so the
# committed ones stay byte-identical; its serial follows the highest one in
# this folder, the number a full run would give it.
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

# The mta-sts.<domain> names of the CA-signed certificate mta-sts.pem, which
# nginx serves for every policy host but mta-sts.sts-untrusted.govt.nz and
# those with a certificate of their own (mta-sts.<domain>.pem in ALL: added
# after mta-sts.pem was made, so it stays as committed).
STS_DOMAINS=(good.govt.nz sts-testing.govt.nz sts-wrongmx.govt.nz sts-shortage.govt.nz
    sts-midage.govt.nz sts-redirect.govt.nz sts-ctype.govt.nz sts-404.govt.nz
    sts-wildmx.govt.nz sts-nohost.govt.nz
    tls-legacy.govt.nz tls-none.govt.nz tls-wrongname.govt.nz tls-optional.govt.nz
    tls-expired.govt.nz tls-selfsigned.govt.nz
    silent.govt.nz trickle.govt.nz drop.govt.nz garbage.govt.nz refused.govt.nz
    dane.govt.nz bad.dane.govt.nz dane-unsigned.govt.nz)

# Every certificate but the CA, in the order a full run makes (and numbers)
# them: the MX hosts, then the HTTPS ones, then those added since.
ALL=(mx1.good.govt.nz mx2.good.govt.nz govt-nz.mail.protection.outlook.com
    mx.tls-legacy.govt.nz mx.tls-none.govt.nz mx.tls-optional.govt.nz mx.bad.dane.govt.nz
    mx.dane.govt.nz mx.tls-wrongname.govt.nz mx.tls-expired.govt.nz wild.govt.nz
    mx.tls-selfsigned.govt.nz mta-sts mta-sts.sts-untrusted.govt.nz default
    mx.dual.govt.nz mta-sts.dual.govt.nz imap.reports.example)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$PKI"

ONLY=("$@")
for name in "${ONLY[@]}"; do
    [[ " ${ALL[*]} " == *" $name "* ]] || { echo "make-pki.sh: no certificate $name (see ALL)" >&2; exit 2; }
done
if [ ${#ONLY[@]} -gt 0 ] && { [ ! -s ca.key ] || [ ! -s ca.pem ]; }; then
    echo "make-pki.sh: no ca.key/ca.pem to sign with: run it without names first" >&2
    exit 1
fi

# The openssl ca database and configuration (thrown away afterwards). A full
# run numbers from 1000 (the CA); adding certificates numbers on from the
# highest serial here.
mkdir -p "$WORK/new"
: >"$WORK/index.txt"
if [ ${#ONLY[@]} -eq 0 ]; then
    echo 1000 >"$WORK/serial"
else
    max=0
    for f in ./*.pem; do
        n=$(openssl x509 -in "$f" -noout -serial | cut -d= -f2)
        [ $((16#$n)) -le $max ] || max=$((16#$n))
    done
    serial=$(printf '%X' $((max + 1)))
    # openssl reads the serial file as whole bytes: an even number of digits.
    [ $((${#serial} % 2)) = 0 ] || serial=0$serial
    echo "$serial" >"$WORK/serial"
fi
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

# make_cert NAME: NAME.key and NAME.pem, as ALL's entry NAME is made.
make_cert() {
    local san d
    case $1 in
    # mx.dane.govt.nz's certificate also names mx.dane-unsigned.govt.nz (the
    # same host under an unsigned zone), so that domain fails only DANE.
    mx.dane.govt.nz)
        leaf mx.dane.govt.nz mx.dane.govt.nz "DNS:mx.dane.govt.nz,DNS:mx.dane-unsigned.govt.nz" \
            "${LEAF_DATES[@]}" ;;
    # The wrong name.
    mx.tls-wrongname.govt.nz)
        leaf mx.tls-wrongname.govt.nz wrong.example.org "DNS:wrong.example.org" "${LEAF_DATES[@]}" ;;
    # Expired: valid for 2020 only.
    mx.tls-expired.govt.nz)
        leaf mx.tls-expired.govt.nz mx.tls-expired.govt.nz "DNS:mx.tls-expired.govt.nz" \
            -startdate 20200101000000Z -enddate 20210101000000Z ;;
    # A wildcard (RFC 6125: matches mx.wild.govt.nz).
    wild.govt.nz) leaf wild.govt.nz "*.wild.govt.nz" "DNS:*.wild.govt.nz" "${LEAF_DATES[@]}" ;;
    # Self-signed: an MX certificate, and mta-sts.sts-untrusted.govt.nz's.
    mx.tls-selfsigned.govt.nz | mta-sts.sts-untrusted.govt.nz) selfsigned "$1" "$1" ;;
    # HTTPS: one certificate for every CA-signed MTA-STS policy host of
    # STS_DOMAINS, and nginx's default server (names no policy host).
    mta-sts)
        san=""
        for d in "${STS_DOMAINS[@]}"; do san+="${san:+,}DNS:mta-sts.$d"; done
        leaf mta-sts mta-sts.good.govt.nz "$san" "${LEAF_DATES[@]}" ;;
    default) leaf default default.world.invalid "DNS:default.world.invalid" "${LEAF_DATES[@]}" ;;
    # Every other one (MX hosts, and policy hosts added after mta-sts.pem
    # was made: mta-sts.<domain>, which world.sh serves for that host) is a
    # good certificate for its own name.
    *) leaf "$1" "$1" "DNS:$1" "${LEAF_DATES[@]}" ;;
    esac
}

if [ ${#ONLY[@]} -eq 0 ]; then
    # The root CA.
    newkey ca.key
    openssl req -new -config "$WORK/ca.cnf" -key ca.key \
        -subj "/O=tiaki test world/CN=tiaki test world root CA" -out "$WORK/ca.csr"
    openssl ca -batch -selfsign -config "$WORK/ca.cnf" -keyfile ca.key -extensions v3_ca -notext \
        -in "$WORK/ca.csr" -out ca.pem "${CA_DATES[@]}" 2>"$WORK/ca.err" ||
        { cat "$WORK/ca.err" >&2; exit 1; }
    chmod 644 ca.pem
    chmod 600 ca.key
    ONLY=("${ALL[@]}")
fi
for name in "${ONLY[@]}"; do
    make_cert "$name"
    chmod 644 "$name.pem"
    chmod 600 "$name.key"
    echo "make-pki.sh: $name.pem, serial $(openssl x509 -in "$name.pem" -noout -serial | cut -d= -f2)"
done

[[ " ${ONLY[*]} " == *" mx.dane.govt.nz "* ]] || exit 0
# DANE-EE SPKI SHA-256 (TLSA 3 1 1) of mx.dane.govt.nz's key, into the zones.
spki=$(openssl x509 -in mx.dane.govt.nz.pem -noout -pubkey | openssl pkey -pubin -outform DER |
    openssl dgst -sha256 -r | cut -d' ' -f1)
echo "$spki" >mx.dane.govt.nz.tlsa311
sed -i -E "s/^(_25\._tcp\.mx +TLSA +3 1 1 )[0-9a-fA-F]+( *; pins mx\.dane\.govt\.nz)/\1$spki\2/" \
    "$ZONES/dane.govt.nz.zone" "$ZONES/govt.nz.zone"
echo "make-pki.sh: TLSA 3 1 1 of mx.dane.govt.nz: $spki"
