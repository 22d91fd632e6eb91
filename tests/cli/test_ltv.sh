#!/usr/bin/env bash
# Long-term validation: extend --level lt embeds the certificates and OCSP responses / CRLs that
# validate every signer and timestamp, so that verification later needs no network; --level lta
# adds an archive-time-stamp-v3 (renewable), checked independently (tests/tools/ats_v3.py computes
# the imprint, `openssl ts -verify` the token). Time travel with faketime: a timestamped signature
# stays valid after its certificate expired; one revoked before its timestamp is rejected; one
# revoked after it is not.
source "$(dirname "$0")/lib.sh"
cd "$W"
export CA_PASS=ca-passphrase
P1=$(free_ports 4); P2=$((P1 + 1)); P4=$((P1 + 3))
net() { TSIGN_OFFLINE= "$@"; }
# libfaketime in front of the address sanitizer's runtime: tell ASan not to mind the order
later() { local shift=$1; shift; ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" faketime -f "$shift" "$@"; }
"$TSIGN" ca init --dir root --subject "/CN=Root LT/C=IR" --key-type ec-p256 --pin-source env:CA_PASS \
    --crl-url "http://127.0.0.1:$P1/crl" 2>/dev/null
"$TSIGN" ca init --dir sub --subject "/CN=Sub LT/C=IR" --key-type ec-p256 --pin-source env:CA_PASS --parent root \
    --parent-pin-source env:CA_PASS --ocsp-url "http://127.0.0.1:$P2/" --crl-url "http://127.0.0.1:$P2/crl" 2>/dev/null
issue() {  # issue NAME PROFILE DAYS
  "$TSIGN" key gen --type ec-p256 --out "$1.key" >/dev/null 2>&1
  "$TSIGN" csr --key "$1.key" --subject "/CN=$1/C=IR" --out "$1.csr"
  "$TSIGN" ca issue --dir sub --csr "$1.csr" --profile "$2" --days "$3" --pem --out "$1.crt" --pin-source env:CA_PASS
}
issue ali signer 1; issue early signer 30; issue late signer 30; issue tsa tsa 3650
cat sub/ca.crt.pem root/ca.crt.pem >chain.pem
PIDS=()
wait_port() { for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$1/${2:-}" && return 0; sleep 0.1; done; return 1; }
"$TSIGN" ocsp serve --dir root --listen 127.0.0.1:$P1 --pin-source env:CA_PASS 2>root.log & PIDS+=($!)
"$TSIGN" ocsp serve --dir sub --listen 127.0.0.1:$P2 --pin-source env:CA_PASS 2>sub.log & PIDS+=($!)
"$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:$P4 --state tsa-state 2>tsa.log & PIDS+=($!)
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
check "servers start" bash -c "$(declare -f wait_port); wait_port $P1 crl && wait_port $P2 crl && wait_port $P4"
TSA=http://127.0.0.1:$P4/
printf 'صورت‌جلسه گشایش پاکات\n' >doc.txt
V=("$TSIGN" verify --json --trust root/ca.crt.pem)

# --- LT -------------------------------------------------------------------------------------
run "$TSIGN" sign --key ali.key --cert ali.crt --chain sub/ca.crt.pem --tsa "$TSA" --out bt.p7s doc.txt
expect_rc 0 "sign B-T (certificate valid for 1 day)"
run "$TSIGN" extend --level lt --trust root/ca.crt.pem --out lt.p7s bt.p7s
expect_rc 5 "lt with fetching off: no revocation data, nothing written"
expect_absent lt.p7s "no output on failure"
run net "$TSIGN" extend --level lt --trust root/ca.crt.pem --out lt.p7s bt.p7s
expect_rc 0 "extend --level lt (OCSP for the signer and the TSA, the root's CRL for the intermediate)"
check "openssl cms -verify still accepts the signature" openssl cms -verify -binary -inform DER -in lt.p7s -content doc.txt -CAfile root/ca.crt.pem -out /dev/null
check "only unsigned attributes changed: the signed attributes and signature value are the same bytes" bash -c \
  "openssl cms -cmsout -print -inform DER -in bt.p7s | sed -n '/signedAttrs/,/unsignedAttrs/p' >a.txt;
   openssl cms -cmsout -print -inform DER -in lt.p7s | sed -n '/signedAttrs/,/unsignedAttrs/p' >b.txt; cmp -s a.txt b.txt && test -s a.txt"
check "certificate-values and revocation-values present" bash -c \
  "openssl asn1parse -inform DER -in lt.p7s | grep -q id-smime-aa-ets-certValues && openssl asn1parse -inform DER -in lt.p7s | grep -q id-smime-aa-ets-revocationValues"
run "${V[@]}" --revocation require lt.p7s doc.txt
expect_rc 0 "LT verifies offline with --revocation require (the evidence is embedded)"
check "level B-LT" test "$(jq -r '.signers[0].level' "$W/out")" = B-LT
check "revocation good" test "$(jq -r '.signers[0].revocation' "$W/out")" = good
run "${V[@]}" --revocation require bt.p7s doc.txt
expect_rc 1 "the same B-T signature offline with --revocation require: not valid (nothing to check against)"
# the embedded values, extracted by tests/tools/ltv_values.py and checked by openssl
read -r n_certs n_crls n_ocsp < <(python3 "$TSIGN_SOURCE/tests/tools/ltv_values.py" lt.p7s 0 ltv)
check "LT carries certificates ($n_certs), CRLs ($n_crls) and OCSP responses ($n_ocsp)" test "$n_certs" -ge 3 -a "$n_crls" -ge 1 -a "$n_ocsp" -ge 2
for f in ltv/cert-*.der; do openssl x509 -inform DER -in "$f" >>ltv/certs.pem; done
check "openssl verify: the signer chains to the root through the carried certificates" \
  openssl verify -CAfile root/ca.crt.pem -untrusted ltv/certs.pem ali.crt
check "openssl crl: the carried CRL is the root's, correctly signed" bash -c \
  "openssl crl -inform DER -in ltv/crl-0.der -CAfile root/ca.crt.pem -noout 2>&1 | grep -q 'verify OK'"
ocsp_good() {  # ocsp_good CERT: one carried OCSP response verifies and says good for CERT
  local r
  for r in ltv/ocsp-*.der; do
    openssl ocsp -respin "$r" -no_nonce -issuer sub/ca.crt.pem -cert "$1" -CAfile root/ca.crt.pem -verify_other sub/ca.crt.pem 2>&1 |
      grep -q "^$1: good" && return 0
  done
  return 1
}
check "openssl ocsp: a carried response verifies and says good for the signer" ocsp_good ali.crt
check "openssl ocsp: a carried response verifies and says good for the TSA" ocsp_good tsa.crt

# --- time travel: the signer's certificate expires ------------------------------------------
run later +3d "${V[@]}" --revocation require lt.p7s doc.txt
expect_rc 0 "3 days later (certificate expired): LT still valid, at the timestamp's time"
run later +3d "${V[@]}" --revocation off bt.p7s doc.txt
expect_rc 0 "3 days later, B-T without revocation checks: valid at the proven time"
"$TSIGN" sign --key ali.key --cert ali.crt --chain sub/ca.crt.pem --out bb.p7s doc.txt 2>/dev/null
run later +3d "${V[@]}" --revocation off --at "$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)" bb.p7s doc.txt
expect_rc 1 "3 days later, B-B (no proof of time) judged at that time: expired"
check "sub-indication OUT_OF_BOUNDS" jq -e '.signers[0].sub_indication | test("OUT_OF_BOUNDS")' "$W/out"

# --- revoked before / after the timestamp ---------------------------------------------------
"$TSIGN" sign --key early.key --cert early.crt --chain sub/ca.crt.pem --out early.p7s doc.txt 2>/dev/null
"$TSIGN" ca revoke --dir sub --serial "$(openssl x509 -in early.crt -noout -serial | cut -d= -f2)" --reason keyCompromise \
    --date "$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)" 2>/dev/null
sleep 1
run "$TSIGN" extend --level t --tsa "$TSA" early.p7s
expect_rc 0 "timestamp added after the revocation"
run net "${V[@]}" --revocation require early.p7s doc.txt
expect_rc 1 "revoked before the timestamp: not valid"
check "REVOKED" jq -e '.signers[0].sub_indication | test("REVOKED")' "$W/out"
run net "$TSIGN" extend --level lt --trust root/ca.crt.pem --out early-lt.p7s early.p7s
expect_rc 1 "lt refuses a signer revoked before its timestamp"
expect_absent early-lt.p7s "nothing written"

"$TSIGN" sign --key late.key --cert late.crt --chain sub/ca.crt.pem --tsa "$TSA" --out late.p7s doc.txt 2>/dev/null
# the responder's answer (made now) cannot vouch for a later revocation date: it counts as the
# answer's thisUpdate, which must come after the timestamp's time plus its accuracy (1 s)
sleep 2
run later +1h "$TSIGN" ca revoke --dir sub --serial "$(openssl x509 -in late.crt -noout -serial | cut -d= -f2)" --reason affiliationChanged
expect_rc 0 "revoked an hour after signing (faketime)"
run net "${V[@]}" --revocation require late.p7s doc.txt
expect_rc 0 "revoked after the timestamp: still valid"
check "the note says revoked after the proven time" jq -e '.signers[0].warnings | map(test("after the proven time")) | any' "$W/out"
check "revoked after the timestamp (OCSP): revocation revoked_after_proof" test "$(jq -r '.signers[0].revocation' "$W/out")" = revoked_after_proof
check "with the reason the responder gave" test "$(jq -r '.signers[0].revocation_reason' "$W/out")" = affiliationChanged
check "and the revocation date after the timestamp" jq -e '.signers[0].revocation_time > .signers[0].timestamp_time' "$W/out"

# --- LTA --------------------------------------------------------------------------------------
run net "$TSIGN" extend --level lta --trust root/ca.crt.pem --tsa "$TSA" --out lta.p7s lt.p7s
expect_rc 0 "extend --level lta"
run "${V[@]}" --revocation require lta.p7s doc.txt
expect_rc 0 "LTA verifies offline"
check "level B-LTA, one archive timestamp" test "$(jq -r '.signers[0] | "\(.level) \(.archive_timestamps | length)"' "$W/out")" = "B-LTA 1"
imprint=$(python3 "$TSIGN_SOURCE/tests/tools/ats_v3.py" lta.p7s doc.txt 0 0 ats.der)
check "independent imprint computed (tests/tools/ats_v3.py)" test ${#imprint} -eq 64
check "openssl ts -verify accepts the archive timestamp over that imprint" \
  openssl ts -verify -token_in -in ats.der -digest "$imprint" -CAfile root/ca.crt.pem -untrusted chain.pem
check "openssl cms -verify still accepts the LTA signature" openssl cms -verify -binary -inform DER -in lta.p7s -content doc.txt -CAfile root/ca.crt.pem -out /dev/null
run later +3d "${V[@]}" --revocation require lta.p7s doc.txt
expect_rc 0 "LTA 3 days later, offline: valid"
# renewal: validation data for the first archive timestamp, then a second one over everything
run net "$TSIGN" extend --level lta --trust root/ca.crt.pem --tsa "$TSA" --out lta2.p7s lta.p7s
expect_rc 0 "renew LTA"
run "${V[@]}" --revocation require lta2.p7s doc.txt
expect_rc 0 "renewed LTA verifies"
check "two archive timestamps" test "$(jq -r '.signers[0].archive_timestamps | length' "$W/out")" = 2
imprint2=$(python3 "$TSIGN_SOURCE/tests/tools/ats_v3.py" lta2.p7s doc.txt 0 1 ats2.der)
check "openssl ts -verify accepts the second archive timestamp" \
  openssl ts -verify -token_in -in ats2.der -digest "$imprint2" -CAfile root/ca.crt.pem -untrusted chain.pem
imprint1=$(python3 "$TSIGN_SOURCE/tests/tools/ats_v3.py" lta2.p7s doc.txt 0 0 ats1.der)
check "the first archive timestamp still checks after renewal" \
  openssl ts -verify -token_in -in ats1.der -digest "$imprint1" -CAfile root/ca.crt.pem -untrusted chain.pem
# tampering with covered data: drop the certificate-values attribute's content by flipping a byte of a covered certificate
python3 - lta.p7s tampered.p7s <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(bytes.fromhex("060b2a864886f70d0109100218"))  # id-smime-aa-ets-revocationValues (…2.24)
assert i > 0
b[i + 40] ^= 0x01
open(sys.argv[2], "wb").write(bytes(b))
PY
run "${V[@]}" --revocation off tampered.p7s doc.txt
expect_rc 1 "an altered revocation-values attribute breaks the archive timestamp"
check "the report names the archive timestamp" jq -e ".signers[0].errors | map(test(\"archive timestamp: an unsigned attribute covered\")) | any" "$W/out"
finish
