#!/usr/bin/env bash
# Regressions of long-term validation.
# 1. extend --level lta with several signers: DER sorts the SignerInfos (SET OF) by their encoding,
#    so once the LT step has grown one signer past another, the encoded order differs from the
#    order in memory; each archive timestamp must still cover its own signer's attributes (it
#    covered the signer at the same position: "an unsigned attribute covered by the archive
#    timestamp was removed or changed"). Signer A (EC, deep chain) is shorter than signer B
#    (RSA-4096) before LT and longer after it: the test checks that the order did flip.
# 2. A CRL given with --crl that lists a certificate as revoked wins over an OCSP "good" answer
#    embedded by LT: revoked (or on hold) before the timestamp: not valid; revoked after it:
#    valid, revoked_after_proof with the CRL's date and reason.
source "$(dirname "$0")/lib.sh"
cd "$W"
export CA_PASS=ca-passphrase
P1=$(free_ports 4); P2=$((P1 + 1)); P3=$((P1 + 2)); P4=$((P1 + 3))
net() { TSIGN_OFFLINE= "$@"; }
later() { local shift=$1; shift; ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" faketime -f "$shift" "$@"; }
iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
jtrue() { [ -s "$1" ] && jq -e "$2" "$1" >/dev/null; }  # jtrue FILE EXPR: a non-empty JSON file where EXPR holds
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
ca() {  # ca DIR SUBJECT PORT [PARENT [PATHLEN]]
  "$TSIGN" ca init --dir "$1" --subject "/CN=$2/C=IR" --key-type ec-p256 --pin-source env:CA_PASS \
      ${4:+--parent "$4" --parent-pin-source env:CA_PASS} ${5:+--path-length "$5"} --ocsp-url "http://127.0.0.1:$3/" --crl-url "http://127.0.0.1:$3/crl" 2>/dev/null
}
ca root "Root R" "$P1"; ca sub1 "Sub1 R" "$P2" root 1; ca sub2 "Sub2 R" "$P3" sub1
issue() {  # issue NAME CA KEYTYPE [PROFILE]
  "$TSIGN" key gen --type "$3" --out "$1.key" >/dev/null 2>&1
  "$TSIGN" csr --key "$1.key" --subject "/CN=$1/C=IR" --out "$1.csr"
  "$TSIGN" ca issue --dir "$2" --csr "$1.csr" --profile "${4:-signer}" --days 30 --pem --out "$1.crt" --pin-source env:CA_PASS
}
issue alpha sub2 ec-p256; issue beta sub1 rsa4096; issue tsa sub1 ec-p256 tsa
issue early sub1 ec-p256; issue late sub1 ec-p256; issue held sub1 ec-p256
PIDS=()
wait_port() { for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$1/${2:-}" && return 0; sleep 0.1; done; return 1; }
"$TSIGN" ocsp serve --dir root --listen 127.0.0.1:$P1 --pin-source env:CA_PASS 2>root.log & PIDS+=($!)
"$TSIGN" ocsp serve --dir sub1 --listen 127.0.0.1:$P2 --pin-source env:CA_PASS 2>sub1.log & PIDS+=($!)
"$TSIGN" ocsp serve --dir sub2 --listen 127.0.0.1:$P3 --pin-source env:CA_PASS 2>sub2.log & PIDS+=($!)
"$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:$P4 --state tsa-state 2>tsa.log & PIDS+=($!)
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
check "servers start" bash -c "$(declare -f wait_port); wait_port $P1 crl && wait_port $P2 crl && wait_port $P3 crl && wait_port $P4"
TSA=http://127.0.0.1:$P4/
printf 'صورت‌جلسه کمیسیون معاملات\n' >doc.txt
V=("$TSIGN" verify --json --trust root/ca.crt.pem)

# --- 1. LTA with two signers whose encoded order changes in the LT step ------------------------
run "$TSIGN" sign --key alpha.key --cert alpha.crt --chain sub2/ca.crt.pem --chain sub1/ca.crt.pem --tsa "$TSA" --out bt.p7s doc.txt
expect_rc 0 "A (EC P-256, root > sub1 > sub2 > A) signs B-T"
run "$TSIGN" cosign --signature bt.p7s --content doc.txt --key beta.key --cert beta.crt --chain sub1/ca.crt.pem --tsa "$TSA"
expect_rc 0 "B (RSA-4096, root > sub1 > B) cosigns B-T"
# subjects in encoding order, and the SignerInfo lengths in encoding order
order() { "${V[@]}" --revocation off "$1" doc.txt | jq -r '[.signers[].subject | capture("CN=(?<cn>[^/,]+)").cn] | join(" ")'; }
si_lengths() {  # the lengths of the SignerInfos: the last SET of SignedData
  python3 - "$1" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
def tlv(p):
    t, l = b[p], b[p + 1]; h = p + 2
    if l & 0x80:
        n = l & 0x7f; l = int.from_bytes(b[h:h + n], "big"); h += n
    return t, h, h + l
def kids(s, e):
    out = []
    while s < e:
        t, h, n = tlv(s); out.append((t, s, h, n)); s = n
    return out
_, h, e = tlv(0)
ci = kids(h, e)
_, h, e = tlv(ci[1][1])              # [0] EXPLICIT
sd = kids(*tlv(h)[1:])               # SignedData fields
sis = [k for k in sd if k[0] == 0x31][-1]
print(" ".join(str(n - s) for _, s, _, n in kids(sis[2], sis[3])))
PY
}
check "B-T: A's SignerInfo is the shorter, so A is encoded first" test "$(order bt.p7s)" = "alpha beta"
read -r la lb < <(si_lengths bt.p7s)
check "B-T SignerInfo lengths $la < $lb" test "$la" -lt "$lb"
# what the LTA step hashes: the signature with the LT data added, re-encoded (DER re-sorts)
run net "$TSIGN" extend --level lt --trust root/ca.crt.pem --out lt.p7s bt.p7s
expect_rc 0 "extend --level lt"
check "the LT data made A's SignerInfo the longer: B is encoded first now" test "$(order lt.p7s)" = "beta alpha"
read -r lb1 la1 < <(si_lengths lt.p7s)
check "LT SignerInfo lengths $lb1 < $la1" test "$lb1" -lt "$la1"
run net "$TSIGN" extend --level lta --trust root/ca.crt.pem --tsa "$TSA" --content doc.txt --out lta.p7s bt.p7s
expect_rc 0 "extend --level lta straight from B-T (LT data added, then archive timestamps)"
check "LTA: B encoded first, though the LTA step read A first (from B-T)" test "$(order lta.p7s)" = "beta alpha"
read -r lb2 la2 < <(si_lengths lta.p7s)
check "LTA SignerInfo lengths $lb2 < $la2" test "$lb2" -lt "$la2"
run "${V[@]}" --revocation require lta.p7s doc.txt
expect_rc 0 "LTA with two signers verifies offline with --revocation require"
cp "$W/out" lta.json
check "both signers B-LTA" test "$(jq -r '[.signers[].level] | join(" ")' lta.json)" = "B-LTA B-LTA"
check "each signer has one valid archive timestamp" \
  test "$(jq -r '[.signers[] | .archive_timestamps | length] | join(" ")' lta.json)" = "1 1"
check "no HASH_FAILURE, no timestamp_invalid finding" \
  jtrue lta.json '(.signers | length == 2) and ([.. | objects | select(.sub_indication? == "HASH_FAILURE" or .code? == "timestamp_invalid")] | length == 0)'
check "no archive timestamp error" jtrue lta.json '(.signers | length == 2) and ([.signers[].errors[]? | select(test("archive timestamp"))] | length == 0)'
for i in 0 1; do
  imprint=$(python3 "$TSIGN_SOURCE/tests/tools/ats_v3.py" lta.p7s doc.txt $i 0 ats$i.der)
  check "openssl ts -verify: signer $i's archive timestamp covers signer $i (tests/tools/ats_v3.py)" \
    openssl ts -verify -token_in -in ats$i.der -digest "$imprint" -CAfile root/ca.crt.pem -untrusted sub1/ca.crt.pem
done
check "openssl cms -verify accepts the LTA signature" \
  openssl cms -verify -binary -inform DER -in lta.p7s -content doc.txt -CAfile root/ca.crt.pem -out /dev/null
run net "$TSIGN" extend --level lta --trust root/ca.crt.pem --tsa "$TSA" --content doc.txt --out lta2.p7s lta.p7s
expect_rc 0 "renew the LTA"
run "${V[@]}" --revocation require lta2.p7s doc.txt
expect_rc 0 "renewed LTA verifies offline"
cp "$W/out" lta2.json
check "both signers B-LTA with two archive timestamps" \
  test "$(jq -r '[.signers[] | "\(.level)/\(.archive_timestamps | length)"] | join(" ")' lta2.json)" = "B-LTA/2 B-LTA/2"
check "no HASH_FAILURE, no timestamp_invalid finding after renewal" \
  jtrue lta2.json '(.signers | length == 2) and ([.. | objects | select(.sub_indication? == "HASH_FAILURE" or .code? == "timestamp_invalid")] | length == 0)'
check "openssl cms -verify accepts the renewed LTA signature" \
  openssl cms -verify -binary -inform DER -in lta2.p7s -content doc.txt -CAfile root/ca.crt.pem -out /dev/null

# --- 2. a CRL that lists the certificate as revoked is not overridden by an OCSP "good" ----------
lt_of() {  # lt_of NAME: NAME signs B-T, extended to B-LT (an OCSP "good" for NAME embedded)
  "$TSIGN" sign --key "$1.key" --cert "$1.crt" --chain sub1/ca.crt.pem --tsa "$TSA" --out "$1-bt.p7s" doc.txt 2>/dev/null
  net "$TSIGN" extend --level lt --trust root/ca.crt.pem --out "$1-lt.p7s" "$1-bt.p7s" 2>/dev/null
}
ts_time() { "${V[@]}" --revocation require "$1" doc.txt | jq -r '.signers[0].timestamp_time'; }
crl_lists() {  # crl_lists CRL CERT REASON: openssl reads the CRL (signed by sub1) and finds CERT with REASON
  openssl crl -inform DER -in "$1" -CAfile sub1/ca.crt.pem -noout 2>&1 | grep -q 'verify OK' &&
    openssl crl -inform DER -in "$1" -noout -text | grep -A5 "Serial Number: $(serial "$2")" | grep -q "$3"
}

# (a) revoked (keyCompromise) with a date before the signature timestamp
lt_of early
run "${V[@]}" --revocation require early-lt.p7s doc.txt
expect_rc 0 "early: B-LT valid before the revocation"
check "early: the embedded OCSP answer says good" test "$(jq -r '.signers[0].revocation' "$W/out")" = good
T_EARLY=$(jq -r '.signers[0].timestamp_time' "$W/out")
run "$TSIGN" ca revoke --dir sub1 --serial "$(serial early.crt)" --reason keyCompromise --date "$(iso "$T_EARLY - 10 minutes")" --pin-source env:CA_PASS
expect_rc 0 "early: revoked (keyCompromise) with a date 10 minutes before the signature timestamp"
run "$TSIGN" ca crl --dir sub1 --out sub1-a.crl --pin-source env:CA_PASS
expect_rc 0 "sub1 publishes a CRL"
check "openssl crl: the CRL verifies and lists early with Key Compromise" crl_lists sub1-a.crl early.crt "Key Compromise"
run "${V[@]}" --crl sub1-a.crl --revocation require early-lt.p7s doc.txt
expect_rc 1 "early: the CRL's revocation before the timestamp wins over the embedded OCSP good: not valid"
cp "$W/out" early.json
check "early: sub-indication REVOKED" test "$(jq -r '.signers[0].sub_indication' early.json)" = REVOKED
check "early: finding 'revoked' at depth 0" jtrue early.json '[.. | objects | select(.code? == "revoked" and .depth? == 0)] | length >= 1'
check "early: revocation revoked" test "$(jq -r '.signers[0].revocation' early.json)" = revoked
check "early: with the CRL's reason" test "$(jq -r '.signers[0].revocation_reason' early.json)" = keyCompromise
check "early: and a revocation date before the timestamp" jtrue early.json '.signers[0].revocation_time < .signers[0].timestamp_time'

# (b) certificateHold before the timestamp, in a CRL newer than the embedded OCSP answer "good"
lt_of held
T_HELD=$(ts_time held-lt.p7s)
run "$TSIGN" ca revoke --dir sub1 --serial "$(serial held.crt)" --reason certificateHold --date "$(iso "$T_HELD - 10 minutes")" --pin-source env:CA_PASS
expect_rc 0 "held: put on hold with a date before the signature timestamp"
run "$TSIGN" ca crl --dir sub1 --out sub1-hold.crl --pin-source env:CA_PASS
expect_rc 0 "sub1 publishes a CRL with the hold"
check "openssl crl: the CRL lists held with Certificate Hold" crl_lists sub1-hold.crl held.crt "Certificate Hold"
run "${V[@]}" --crl sub1-hold.crl --revocation require held-lt.p7s doc.txt
expect_rc 1 "held: the hold in a CRL newer than the embedded OCSP good: not valid"
check "held: revocation revoked" test "$(jq -r '.signers[0].revocation' "$W/out")" = revoked
# the hold released: a NEWER OCSP answer "good" (fetched after the release) outweighs the older CRL's hold
sleep 1.1
run "$TSIGN" ca unrevoke --dir sub1 --serial "$(serial held.crt)"
expect_rc 0 "held: the hold released"
run net "$TSIGN" ocsp query --trust root/ca.crt.pem --issuer sub1/ca.crt.pem --out held.ors held.crt
expect_rc 0 "held: the responder now says good"
check "openssl ocsp: the saved answer says good" bash -c "openssl ocsp -respin held.ors -issuer sub1/ca.crt.pem -cert held.crt -CAfile root/ca.crt.pem -no_nonce 2>/dev/null | grep -q 'held.crt: good'"
run "${V[@]}" --crl sub1-hold.crl --ocsp-response held.ors --revocation require held-lt.p7s doc.txt
expect_rc 0 "held: the older CRL's hold gives way to the newer OCSP good (hold released): valid"
check "held: revocation good" test "$(jq -r '.signers[0].revocation' "$W/out")" = good
check "held: a note says the hold was released" jtrue "$W/out" '.signers[0].warnings | map(test("hold was released")) | any'

# (c) revoked an hour after the signature timestamp (faketime), CRL published then
lt_of late
run later +1h "$TSIGN" ca revoke --dir sub1 --serial "$(serial late.crt)" --reason affiliationChanged --pin-source env:CA_PASS
expect_rc 0 "late: revoked an hour after signing (faketime)"
run later +1h "$TSIGN" ca crl --dir sub1 --out sub1-b.crl --pin-source env:CA_PASS
expect_rc 0 "sub1 publishes a CRL an hour later"
check "openssl crl: the CRL lists late with Affiliation Changed" crl_lists sub1-b.crl late.crt "Affiliation Changed"
run later +1h "${V[@]}" --crl sub1-b.crl --revocation require late-lt.p7s doc.txt
expect_rc 0 "late: revoked after the timestamp per the CRL: still valid"
cp "$W/out" late.json
check "late: revocation revoked_after_proof" test "$(jq -r '.signers[0].revocation' late.json)" = revoked_after_proof
check "late: with the CRL's reason" test "$(jq -r '.signers[0].revocation_reason' late.json)" = affiliationChanged
check "late: and the revocation date after the timestamp" jtrue late.json '.signers[0].revocation_time > .signers[0].timestamp_time'

finish
