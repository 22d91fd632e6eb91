#!/usr/bin/env bash
# Revocation over the network in `cert verify` and `verify`: OCSP answers from the certificate's
# AIA responder (nonce checked), CRLs from its distribution point with a disk cache until
# nextUpdate, --revocation auto|require|off, and what happens when the responder is down.
# Every server runs on 127.0.0.1; TSIGN_OFFLINE (set for all tests) is lifted per command.
source "$(dirname "$0")/lib.sh"
cd "$W"
export CA_PASS=ca-passphrase
P1=$(free_ports 3); P2=$((P1 + 1)); P3=$((P1 + 2))
net() { TSIGN_OFFLINE= "$@"; }  # one command with fetching allowed
"$TSIGN" ca init --dir root --subject "/CN=Root R/C=IR" --key-type ec-p256 --pin-source env:CA_PASS \
    --crl-url "http://127.0.0.1:$P1/crl" 2>/dev/null
"$TSIGN" ca init --dir sub --subject "/CN=Sub OCSP/C=IR" --key-type ec-p256 --pin-source env:CA_PASS --parent root \
    --parent-pin-source env:CA_PASS --ocsp-url "http://127.0.0.1:$P2/" --crl-url "http://127.0.0.1:$P2/crl" 2>/dev/null
"$TSIGN" ca init --dir crlsub --subject "/CN=Sub CRL/C=IR" --key-type ec-p256 --pin-source env:CA_PASS --parent root \
    --parent-pin-source env:CA_PASS --crl-url "http://127.0.0.1:$P3/crl" 2>/dev/null
issue() {  # issue CA NAME
  "$TSIGN" key gen --type ec-p256 --out "$2.key" >/dev/null 2>&1
  "$TSIGN" csr --key "$2.key" --subject "/CN=$2/C=IR" --out "$2.csr"
  "$TSIGN" ca issue --dir "$1" --csr "$2.csr" --profile signer --pem --out "$2.crt" --pin-source env:CA_PASS
}
issue sub ali; issue sub bad; issue crlsub sara; issue crlsub badcrl
"$TSIGN" ca revoke --dir sub --serial "$(openssl x509 -in bad.crt -noout -serial | cut -d= -f2)" --reason keyCompromise 2>/dev/null
"$TSIGN" ca revoke --dir crlsub --serial "$(openssl x509 -in badcrl.crt -noout -serial | cut -d= -f2)" --reason superseded 2>/dev/null
cat sub/ca.crt.pem crlsub/ca.crt.pem >inter.pem

declare -A SERVERS
start() {  # start NAME DIR PORT
  "$TSIGN" ocsp serve --dir "$2" --listen "127.0.0.1:$3" --pin-source env:CA_PASS 2>"$1.log" &
  SERVERS[$1]=$!
  for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$3/crl" && return 0; sleep 0.1; done
  return 1
}
stop() { kill "${SERVERS[$1]}" 2>/dev/null; wait "${SERVERS[$1]}" 2>/dev/null; unset "SERVERS[$1]"; }
trap 'for s in "${!SERVERS[@]}"; do stop "$s"; done; rm -rf "$W"' EXIT
check "root CRL server starts" start root root $P1
check "sub OCSP server starts" start sub sub $P2
check "crlsub CRL server starts" start crlsub crlsub $P3
CV=("$TSIGN" cert verify --json --trust root/ca.crt.pem --untrusted inter.pem)

# OCSP for the end certificate, the root's CRL for the intermediate
run net "${CV[@]}" --revocation require ali.crt
expect_rc 0 "require: good over OCSP (end) and CRL (intermediate)"
check "revocation good" test "$(jq -r .revocation "$W/out")" = good
check "the OCSP answer is named in the warnings" jq -e '.warnings | map(test("OCSP good")) | any' "$W/out"
check "the root CRL was cached" test "$(ls "$TSIGN_CACHE_DIR/crl" | wc -l)" -ge 1
run net "${CV[@]}" bad.crt
expect_rc 1 "revoked over OCSP: not valid"
check "revocation revoked" test "$(jq -r .revocation "$W/out")" = revoked
check "reason and responder named" jq -e '.findings[0].message | test("keyCompromise")' "$W/out"
# CRL distribution point (no OCSP URL in the certificate)
run net "${CV[@]}" --revocation require sara.crt
expect_rc 0 "require: good over the CRL distribution point"
run net "${CV[@]}" badcrl.crt
expect_rc 1 "revoked on the fetched CRL: not valid"
check "revocation revoked (CRL)" test "$(jq -r .revocation "$W/out")" = revoked
# the CRL cache: with the CRL server down, the cached CRLs (nextUpdate ahead) still answer
stop crlsub
run net "${CV[@]}" --revocation require sara.crt
expect_rc 0 "CRL server down: the cached CRL answers until its nextUpdate"
run net "${CV[@]}" --revocation require --offline sara.crt
expect_rc 1 "--offline: nothing fetched, nothing from the cache either: require fails"
# OCSP responder down
stop sub
run net "${CV[@]}" --revocation require ali.crt
expect_rc 1 "require with the OCSP responder (and CRL point) down: not valid"
check "says why: unreachable" jq -e '.findings[] | select(.depth == 0) | .message | test("unreachable")' "$W/out"
run net "${CV[@]}" ali.crt
expect_rc 0 "auto with the OCSP responder down: valid, and says what was not checked"
check "note: not checked, unreachable" jq -e '.warnings | map(test("not checked.*unreachable")) | any' "$W/out"
run net "${CV[@]}" --revocation off ali.crt
expect_rc 0 "off: valid without asking anyone"
check "off: not_checked" test "$(jq -r .revocation "$W/out")" = not_checked
check "sub OCSP server starts again" start sub sub $P2

# verify: the same checks for the signer of a CMS signature
printf 'صورت‌جلسه کمیسیون\n' >doc.txt
"$TSIGN" sign --key ali.key --cert ali.crt --chain sub/ca.crt.pem --out doc.p7s doc.txt 2>/dev/null
"$TSIGN" sign --key bad.key --cert bad.crt --chain sub/ca.crt.pem --out bad.p7s doc.txt 2>/dev/null
run net "$TSIGN" verify --json --trust root/ca.crt.pem --revocation require doc.p7s doc.txt
expect_rc 0 "verify --revocation require: signer good over OCSP"
check "signer revocation good" test "$(jq -r '.signers[0].revocation' "$W/out")" = good
run net "$TSIGN" verify --json --trust root/ca.crt.pem bad.p7s doc.txt
expect_rc 1 "verify: signer revoked over OCSP"
check "REVOKED indication" jq -e '.signers[0].sub_indication | test("REVOKED")' "$W/out"
check "openssl agrees the response for bad.crt says revoked" bash -c \
  "openssl ocsp -issuer sub/ca.crt.pem -cert bad.crt -url http://127.0.0.1:$P2/ -CAfile root/ca.crt.pem -verify_other sub/ca.crt.pem 2>&1 | grep -q 'bad.crt: revoked'"
# TSIGN_OFFLINE keeps every test off the network: nothing was asked without it
run "$TSIGN" verify --json --trust root/ca.crt.pem bad.p7s doc.txt
expect_rc 0 "offline (auto): valid, revocation not checked"
check "offline: not_checked" test "$(jq -r '.signers[0].revocation' "$W/out")" = not_checked
finish
