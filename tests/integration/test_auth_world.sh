#!/usr/bin/env bash
# test_auth_world.sh: the mail authentication commands against the world's
# DNS (NSD behind the recursive unbound), as a receiving server uses them.
# The sending domain is sender.govt.nz (tests/world/zones): SPF
# "ip4:192.0.2.25 include:_spf (ip6:2001:db8:25::/48) -all", DMARC
# "p=reject; sp=quarantine; np=reject; adkim=s; aspf=r", the key of
# tests/world/dkim/tiaki-rsa.key at tiaki-rsa._domainkey.
#
#   tiaki spf check: pass on ip4, pass through the include (IPv6), fail,
#       the HELO identity, batch lines answered in order, a dead resolver
#       is temperror
#   tiaki dmarc eval --client-ip ...: a message signed by tiaki dkim sign
#       passes (SPF aligned relaxed through the bounce sub-domain, DKIM
#       aligned strict) and says so in Authentication-Results; the same
#       message changed and sent from elsewhere fails with reject; a
#       sub-domain takes sp= (quarantine), a name that does not exist np=
#       (reject); a message with two From fields is not evaluable
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
need_world
need_tiaki

D=sender.govt.nz
KEY=$WORLD_SRC/dkim/tiaki-rsa.key

# json_field NAME FIELD: one field of the JSON object a run printed.
json_field() {
    "$PY" -c 'import json, sys
print(json.loads(open(sys.argv[1]).readline()).get(sys.argv[2], ""))' "$TMP/$1.out" "$2"
}

# ---- SPF

spf_case() { # NAME IP SENDER HELO WANT-RESULT WANT-MECHANISM WANT-RC
    run_tiaki "$1" spf check --resolver "$RESOLVER" --format json "$2" "$3" "$4"
    expect_eq "spf $2 $3: result" "$(json_field "$1" result)" "$5"
    expect_eq "spf $2 $3: mechanism" "$(json_field "$1" mechanism)" "$6"
    expect_rc "$1" "$7" "spf $2 $3"
}
spf_case spf-ip4 192.0.2.25 alice@$D mail.$D pass "ip4:192.0.2.25" 0
spf_case spf-include 2001:db8:25::7 alice@$D mail.$D pass "include:_spf.$D" 0
spf_case spf-fail 198.51.100.7 alice@$D mail.$D fail "-all" 1
spf_case spf-mapped ::ffff:192.0.2.25 alice@$D mail.$D pass "ip4:192.0.2.25" 0
# An empty reverse-path: the HELO name is the identity (RFC 7208 2.4).
spf_case spf-helo 192.0.2.25 "" bounce.$D pass "ip4:192.0.2.25" 0
expect_eq "spf helo: identity" "$(json_field spf-helo identity)" helo

printf '%s\n' "192.0.2.25 a@$D mail.$D" "198.51.100.7 b@$D mail.$D" \
    "2001:db8:25::1 c@$D mail.$D" >"$TMP/batch.in"
run_tiaki spf-batch spf check --batch --resolver "$RESOLVER" --format text <"$TMP/batch.in"
expect_rc spf-batch 0 "spf batch"
expect_eq "spf batch: results in input order" "$(awk '{ printf "%s ", $1 }' "$TMP/spf-batch.out")" \
    "pass fail pass "

run_tiaki spf-dead spf check --resolver 127.0.0.1@9 --timeout 2 --format json 192.0.2.25 a@$D
expect_eq "spf, no DNS server: result" "$(json_field spf-dead result)" temperror

# ---- DMARC over SPF and DKIM

msg() { # FROM...: a message from each FROM, on standard output
    local f
    {
        for f in "$@"; do echo "From: Alice <$f>"; done
        echo "To: Bob <bob@example.govt.nz>"
        echo "Subject: the quarterly figures"
        echo "Date: Sat, 28 Nov 2026 10:00:00 +1300"
        echo "Message-ID: <q4-figures@$D>"
        echo ""
        echo "The figures are attached."
    } | sed 's/$/\r/'
}
msg alice@$D >"$TMP/plain.eml"
run_tiaki sign dkim sign --key "$KEY" --selector tiaki-rsa --domain "$D" "$TMP/plain.eml"
expect_rc sign 0 "dkim sign"
cp "$TMP/sign.out" "$TMP/signed.eml"

dmarc() { # NAME MESSAGE IP MAIL-FROM
    run_tiaki "$1" dmarc eval --resolver "$RESOLVER" --authserv-id mx.example.govt.nz \
        --format json --client-ip "$3" --mail-from "$4" --helo "mail.$D" "$2"
}

dmarc pass "$TMP/signed.eml" 192.0.2.25 "bounce@bounce.$D"
expect_rc pass 0 "dmarc: signed, from the right address"
expect_eq "dmarc pass: result" "$(json_field pass result)" pass
expect_eq "dmarc pass: disposition" "$(json_field pass disposition)" none
AR=$(json_field pass authentication_results)
for want in "mx.example.govt.nz;" "spf=pass smtp.mailfrom=bounce.$D" \
    "dkim=pass header.d=$D header.s=tiaki-rsa" "dmarc=pass" "header.from=$D"; do
    case "$AR" in
    *"$want"*) ok "Authentication-Results has '$want'" ;;
    *) not_ok "Authentication-Results lacks '$want': $AR" ;;
    esac
done

# The body changed after signing, and sent from an address SPF refuses.
sed 's/attached/not attached/' "$TMP/signed.eml" >"$TMP/changed.eml"
dmarc forged "$TMP/changed.eml" 198.51.100.7 "bounce@bounce.$D"
expect_rc forged 1 "dmarc: changed and from elsewhere"
expect_eq "dmarc forged: result" "$(json_field forged result)" fail
expect_eq "dmarc forged: disposition" "$(json_field forged disposition)" reject
case "$(json_field forged authentication_results)" in
*"dkim=fail"*"spf=fail"* | *"spf=fail"*"dkim=fail"*) ok "forged: spf=fail and dkim=fail reported" ;;
*) not_ok "forged: $(json_field forged authentication_results)" ;;
esac

# Unsigned, SPF fails: a sub-domain with no record of its own takes sp=,
# a name that does not exist np=.
msg alice@sub.$D >"$TMP/sub.eml"
dmarc sub "$TMP/sub.eml" 198.51.100.7 "x@sub.$D"
expect_eq "dmarc sub-domain: policy" "$(json_field sub policy)/$(json_field sub policy_tag)" \
    quarantine/sp
msg alice@nowhere.$D >"$TMP/nx.eml"
dmarc nx "$TMP/nx.eml" 198.51.100.7 "x@nowhere.$D"
expect_eq "dmarc non-existent sub-domain: policy" "$(json_field nx policy)/$(json_field nx policy_tag)" \
    reject/np

msg alice@$D mallory@example.com >"$TMP/two.eml"
dmarc two "$TMP/two.eml" 192.0.2.25 "bounce@bounce.$D"
expect_rc two 3 "dmarc: two From fields"
expect_eq "dmarc two From fields: why" "$(json_field two from_status)" multiple-from-fields

finish
