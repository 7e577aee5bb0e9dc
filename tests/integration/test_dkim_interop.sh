#!/usr/bin/env bash
# test_dkim_interop.sh: tiaki's DKIM signer and verifier against two peers,
# OpenDKIM 2.11 (opendkim's test mode, -t: it signs with Mode s and
# verifies with Mode v, keys fetched from the world's DNS through its
# Nameservers setting) and dkimpy (python3-dkim, tests/integration/lib/
# dkim_peer.py, keys fetched from the world's DNS with dnspython). Every
# key is published in the world zone auth.govt.nz (tests/world/zones),
# its private half in tests/world/dkim.
#
#   tiaki signs (rsa-sha256, ed25519-sha256) -> OpenDKIM, dkimpy and tiaki
#       verify: pass; the body changed, a header changed, a From added:
#       fail in all three
#   OpenDKIM signs, dkimpy signs (rsa-sha256, ed25519-sha256) -> tiaki
#       verifies: pass; the body changed: fail
# OpenDKIM on Debian 12 (2.11.0~beta2, OpenSSL 3) signs and verifies
# ed25519-sha256, so both algorithms are tested with both peers.
# Then the CLI's own contract: JSON output, exit codes (0 a signature
# passes, 1 none passes, 2 usage, 3 nothing could be checked), a revoked
# and a missing key (permerror), a dead resolver (temperror), keygen.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
need_world
need_tiaki

KEYS=$WORLD_SRC/dkim
D=auth.govt.nz
RES_ADDR=${RESOLVER%@*}
PEER=("$PY" "$LIB/dkim_peer.py")

if ! command -v opendkim >/dev/null; then
    not_ok "opendkim is not installed (make deps)"
    finish
    exit 1
fi

# The message every signer signs: CRLF line ends, as on the wire; the
# fields RFC 5322 requires (OpenDKIM refuses a message without Date).
printf '%s\r\n' "Received: from relay.example.net by mx.example.net; Fri, 11 Jul 2003 21:01:00 -0700" \
    "From: Joe SixPack <joe@auth.govt.nz>" "To: Suzie Q <suzie@shopping.example.net>" \
    "Subject: Is dinner ready?" "Date: Fri, 11 Jul 2003 21:00:37 -0700" \
    "Message-ID: <20030712040037.46341.5F8J@auth.govt.nz>" "" "Hi." "" \
    "We lost the game.  Are you hungry yet?" "" "Joe." "" >"$TMP/msg.eml"

# ---- the peers

# opendkim_conf FILE MODE [KEY SELECTOR ALG]: an opendkim.conf for test mode.
opendkim_conf() {
    {
        echo "Syslog no"
        echo "Mode $2"
        echo "Nameservers $RES_ADDR"
        if [ "$2" = s ]; then
            echo "Domain $D"
            echo "KeyFile $3"
            echo "Selector $4"
            echo "SignatureAlgorithm $5"
            echo "Canonicalization relaxed/relaxed"
            # the repository's test keys are not mode 0600
            echo "RequireSafeKeys no"
        fi
    } >"$1"
}

# opendkim_verify FILE: "pass" or "fail" (OpenDKIM's own verdict line).
opendkim_verify() {
    opendkim_conf "$TMP/od-v.conf" v
    timeout -k 5 60 opendkim -x "$TMP/od-v.conf" -t "$1" >"$TMP/od-v.out" 2>&1 || true
    if grep -q 'verification (.*) succeeded' "$TMP/od-v.out"; then echo pass; else echo fail; fi
}

# opendkim_sign KEY SELECTOR ALG IN OUT: OUT is IN with OpenDKIM's
# DKIM-Signature first (its test mode prints the field it would add, with
# the CR of a CRLF input left on each line: one CR is kept).
opendkim_sign() {
    opendkim_conf "$TMP/od-s.conf" s "$1" "$2" "$3"
    timeout -k 5 60 opendkim -x "$TMP/od-s.conf" -t "$4" >"$TMP/od-s.out" 2>&1 || true
    awk '/^DKIM-Signature:/ { on = 1; print; next } on && /^[ \t]/ { print; next } { on = 0 }' \
        "$TMP/od-s.out" | sed 's/\r$//; s/$/\r/' >"$5"
    cat "$4" >>"$5"
    grep -q "^DKIM-Signature: v=1; a=$3;" "$5"
}

dkimpy_verify() {
    "${PEER[@]}" verify "$RESOLVER" <"$1" 2>"$TMP/dkimpy.err" || true
}

# tiaki_verify NAME FILE: LINE gets the first line of tiaki dkim verify's
# text output (RC and SECS are run_tiaki's).
tiaki_verify() {
    run_tiaki "$1" dkim verify --resolver "$RESOLVER" --timeout 5 "$2"
    LINE=$(head -n 1 "$TMP/$1.out")
}

# result_of LINE: the result word of a tiaki verify line.
result_of() { echo "${1%% *}"; }

# tamper_body IN OUT; tamper_subject IN OUT; add_from IN OUT
tamper_body() { sed 's/hungry yet/hungry now/' "$1" >"$2"; }
tamper_subject() { sed 's/^Subject: Is dinner ready?/Subject: Is dinner ready!/' "$1" >"$2"; }
add_from() { sed 's/^Received: /From: Evil <ceo@auth.govt.nz>\r\nReceived: /' "$1" >"$2"; }

# ---- tiaki signs; OpenDKIM, dkimpy and tiaki verify
for kind in rsa ed; do
    alg=$([ $kind = rsa ] && echo rsa-sha256 || echo ed25519-sha256)
    sel=tiaki-$kind
    run_tiaki sign-$kind dkim sign --key "$KEYS/$sel.key" --selector $sel --domain $D "$TMP/msg.eml"
    expect_rc sign-$kind 0 "tiaki dkim sign ($alg)"
    cp "$TMP/sign-$kind.out" "$TMP/t-$kind.eml"
    check "tiaki's $alg signature is the first field, CRLF kept" \
        grep -q "^DKIM-Signature: v=1; a=$alg; c=relaxed/relaxed;.*"$'\r$' "$TMP/t-$kind.eml"
    tiaki_verify tv-$kind "$TMP/t-$kind.eml"
    expect_eq "tiaki verifies tiaki's $alg" "$(result_of "$LINE")" pass
    expect_rc tv-$kind 0 "tiaki dkim verify of a passing signature"
    expect_eq "OpenDKIM verifies tiaki's $alg" "$(opendkim_verify "$TMP/t-$kind.eml")" pass
    expect_eq "dkimpy verifies tiaki's $alg" "$(dkimpy_verify "$TMP/t-$kind.eml")" pass
    for change in tamper_body tamper_subject add_from; do
        $change "$TMP/t-$kind.eml" "$TMP/t-$kind-$change.eml"
        tiaki_verify tv-$kind-$change "$TMP/t-$kind-$change.eml"
        expect_eq "tiaki: tiaki's $alg after $change" "$(result_of "$LINE")" fail
        expect_rc tv-$kind-$change 1 "tiaki dkim verify when no signature passes"
        expect_eq "OpenDKIM: tiaki's $alg after $change" \
            "$(opendkim_verify "$TMP/t-$kind-$change.eml")" fail
        expect_eq "dkimpy: tiaki's $alg after $change" \
            "$(dkimpy_verify "$TMP/t-$kind-$change.eml")" fail
    done
done

# ---- OpenDKIM and dkimpy sign; tiaki verifies
for kind in rsa ed; do
    alg=$([ $kind = rsa ] && echo rsa-sha256 || echo ed25519-sha256)
    if opendkim_sign "$KEYS/opendkim-$kind.key" opendkim-$kind $alg "$TMP/msg.eml" "$TMP/o-$kind.eml"; then
        ok "OpenDKIM signs with $alg"
    else
        not_ok "OpenDKIM signs with $alg: $(head -c 300 "$TMP/od-s.out")"
    fi
    tiaki_verify ov-$kind "$TMP/o-$kind.eml"
    expect_eq "tiaki verifies OpenDKIM's $alg ($LINE)" "$(result_of "$LINE")" pass
    expect_eq "dkimpy verifies OpenDKIM's $alg" "$(dkimpy_verify "$TMP/o-$kind.eml")" pass
    tamper_body "$TMP/o-$kind.eml" "$TMP/o-$kind-bad.eml"
    tiaki_verify ov-$kind-bad "$TMP/o-$kind-bad.eml"
    expect_eq "tiaki: OpenDKIM's $alg, body changed" "$(result_of "$LINE")" fail

    key=$KEYS/dkimpy-$kind.key
    [ $kind = ed ] && key=$KEYS/dkimpy-ed.seed
    if "${PEER[@]}" sign "$([ $kind = rsa ] && echo rsa || echo ed25519)" "$key" dkimpy-$kind $D \
        <"$TMP/msg.eml" >"$TMP/p-$kind.eml" 2>"$TMP/dkimpy-sign.err"; then
        ok "dkimpy signs with $alg"
    else
        not_ok "dkimpy signs with $alg: $(head -c 300 "$TMP/dkimpy-sign.err")"
    fi
    tiaki_verify pv-$kind "$TMP/p-$kind.eml"
    expect_eq "tiaki verifies dkimpy's $alg ($LINE)" "$(result_of "$LINE")" pass
    expect_eq "OpenDKIM verifies dkimpy's $alg" "$(opendkim_verify "$TMP/p-$kind.eml")" pass
    tamper_body "$TMP/p-$kind.eml" "$TMP/p-$kind-bad.eml"
    tiaki_verify pv-$kind-bad "$TMP/p-$kind-bad.eml"
    expect_eq "tiaki: dkimpy's $alg, body changed" "$(result_of "$LINE")" fail
done

# ---- the CLI's contract
# Several signatures: one line each, in order; JSON Lines.
cat "$TMP/o-rsa.eml" >"$TMP/two.eml"
run_tiaki two dkim sign --key "$KEYS/tiaki-ed.key" --selector tiaki-ed --domain $D "$TMP/two.eml"
cp "$TMP/two.out" "$TMP/two-signed.eml"
run_tiaki twoj dkim verify --resolver "$RESOLVER" --format json "$TMP/two-signed.eml"
expect_rc twoj 0 "two signatures, both pass"
expect_eq "JSON lines, one per signature" "$(wc -l <"$TMP/twoj.out")" 2
expect_eq "JSON: the first is tiaki's ed25519" \
    "$("$PY" -c 'import json,sys; o=json.loads(sys.stdin.readline()); print(o["result"], o["d"], o["s"], o["a"], o["key_bits"])' <"$TMP/twoj.out")" \
    "pass auth.govt.nz tiaki-ed ed25519-sha256 256"
expect_eq "JSON: the second is OpenDKIM's rsa" \
    "$(sed -n 2p "$TMP/twoj.out" | "$PY" -c 'import json,sys; o=json.load(sys.stdin); print(o["result"], o["s"], o["a"], o["key_bits"], len(o["b"]))')" \
    "pass opendkim-rsa rsa-sha256 2048 8"

# A traditional ("BEGIN RSA PRIVATE KEY") PEM signs too.
openssl rsa -in "$KEYS/tiaki-rsa.key" -traditional -out "$TMP/trad.key" 2>/dev/null
run_tiaki trad dkim sign --key "$TMP/trad.key" --selector tiaki-rsa --domain $D "$TMP/msg.eml"
cp "$TMP/trad.out" "$TMP/trad.eml"
expect_eq "a traditional RSA PEM signs; dkimpy verifies" "$(dkimpy_verify "$TMP/trad.eml")" pass

# Revoked and missing keys: permerror, exit 1.
run_tiaki rev dkim sign --key "$KEYS/tiaki-rsa.key" --selector revoked --domain $D "$TMP/msg.eml"
cp "$TMP/rev.out" "$TMP/rev.eml"
tiaki_verify revv "$TMP/rev.eml"
expect_eq "a revoked key (empty p=) is permerror" "$(result_of "$LINE")" permerror
expect_rc revv 1 "tiaki dkim verify with a revoked key"
run_tiaki nok dkim sign --key "$KEYS/tiaki-rsa.key" --selector nokey --domain $D "$TMP/msg.eml"
cp "$TMP/nok.out" "$TMP/nok.eml"
tiaki_verify nokv "$TMP/nok.eml"
expect_eq "no key at the selector is permerror" "$(result_of "$LINE")" permerror
case "$LINE" in *"no key published at nokey._domainkey.auth.govt.nz"*) ok "the reason names the key" ;;
*) not_ok "the reason names the key: $LINE" ;; esac

# Nothing could be checked: a resolver that never answers (127.77.0.99,
# where nothing listens) is temperror, exit 3, in bounded time.
run_tiaki dead dkim verify --resolver 127.77.0.99 --timeout 2 "$TMP/t-rsa.eml"
expect_rc dead 3 "tiaki dkim verify with no DNS answer (temperror)"
expect_eq "the result is temperror" "$(result_of "$(head -n 1 "$TMP/dead.out")")" temperror
check "the dead resolver cost at most 30s (${SECS}s)" test "$SECS" -le 30

# Unsigned: exit 1. Usage errors: exit 2.
run_tiaki unsigned dkim verify --resolver "$RESOLVER" "$TMP/msg.eml"
expect_rc unsigned 1 "an unsigned message"
run_tiaki badfmt dkim verify --resolver "$RESOLVER" --format yaml "$TMP/msg.eml"
expect_rc badfmt 2 "an unknown --format"
run_tiaki nokeyopt dkim sign --selector s --domain $D "$TMP/msg.eml"
expect_rc nokeyopt 2 "sign without --key"

# keygen: mode 0600, never over an existing file; the record it prints is
# what dkimpy's key check accepts (the published p= loads).
run_tiaki kg dkim keygen --selector k1 --domain $D --type ed25519 --out "$TMP/new.key"
expect_rc kg 0 "keygen ed25519"
expect_eq "the key file's mode" "$(stat -c %a "$TMP/new.key")" 600
check "keygen prints the zone line" grep -q '^k1._domainkey.auth.govt.nz. IN TXT ( "v=DKIM1; k=ed25519; p=' "$TMP/kg.out"
run_tiaki kg2 dkim keygen --selector k1 --domain $D --out "$TMP/new.key"
expect_rc kg2 3 "keygen refuses to replace a key"
run_tiaki kg3 dkim keygen --selector k1 --domain $D --bits 1024 --out "$TMP/small.key"
expect_rc kg3 2 "keygen refuses RSA under 2048 bits"

finish
