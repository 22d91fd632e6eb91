#!/usr/bin/env bash
# Sealed tender envelopes, end to end (tsign tender): a tender of 5 commission members (encryption
# keys: m1 file RSA, m2 token RSA, m3 file EC, m4 token EC, m5 file RSA), threshold 3; 4 bidders
# each seal envelopes A and B and submit them to `tender serve` before a deadline DL s away.
#  - submissions: receipts verified by the client; a retry of a received package gets the same
#    receipt; the portal SIGKILLed while a 20 MiB bid is in flight (the TSA held with SIGSTOP, so
#    the kill falls inside the request), restarted on its state, the retry received (#8), a second
#    retry the same receipt; b1 revises its B (#9: the first is superseded); b5's package, signed by
#    OpenSSL with a payload broken before signing, is received (#10); a bid after the deadline is
#    refused (HTTP 403, exit 1)
#  - closing: refused before the deadline (exit 2); the list holds every package once; each
#    receipt's RFC 9162 inclusion proof verifies (also checked by tender_parts.py); another tender's
#    receipt, a receipt from another store of the portal, and an altered list fail (exit 1)
#  - one package altered in STATE/tender.db after its receipt: at the opening it is 'tampered'
#  - opening A: 2 share sets are not enough (exit 1, the members still needed named); share sets of
#    another tender, another closing list, envelope B, and a non-member's key are refused; 3 (m1,
#    and the token members m2, m4) open it; B stays closed (none of its hashes or markers in A's
#    minutes or extraction), then opens (m3, m4, m5); a store that lost a package: 'missing'
#  - the minutes co-signed by 3 members verify against a roster with quorum 3 (not with 2)
#  - no plaintext marker anywhere in the test folder but the bid documents and the --extract
#    folder (files 0600): not in the portal's state, the logs, the share sets, the packages
#  - OpenSSL alone (and libgfshare's gfcombine) opens a bid: descriptor, package, list and receipt
#    signatures, the TenderPackage parsed (tests/tools/tender_parts.py, asn1crypto), the file-key
#    members' (m1, m3, m5) shares decrypted, combined, the payload (AuthEnvelopedData) decrypted
#    with the KEK, the inner CAdES signature verified and its content the bid
source "$(dirname "$0")/lib.sh"
: "${TSIGN_SOURCE:=$(cd "$(dirname "$0")/../.." && pwd)}"
PARTS="$TSIGN_SOURCE/tests/tools/tender_parts.py"
PY=/usr/bin/python3
cd "$W" || exit 1
T_START=$(date +%s)
export TMPDIR="$W/tmp"  # any scratch file of tsign's lands here, where the plaintext search looks
mkdir -p "$TMPDIR"
export P=tender-ca-pass PIN=4321

# ---------------------------------------------------------------------------------------------
# Keys and certificates (before the deadline is set: nothing here is timed)
"$TSIGN" ca init --dir root --subject "/CN=Root/C=IR" --key-type ec-p256 --pin-source env:P 2>/dev/null
cp root/ca.crt.pem root.crt
issue() {  # issue NAME KEY_TYPE PROFILE CN: a file key and its certificate NAME.key / NAME.crt
  "$TSIGN" key gen --type "$2" --out "$1.key" >/dev/null 2>&1 &&
    "$TSIGN" csr --key "$1.key" --subject "/CN=$4/C=IR" --out "$1.csr" &&
    "$TSIGN" ca issue --dir root --csr "$1.csr" --profile "$3" --pem --out "$1.crt" --pin-source env:P
}
token_member() {  # token_member NAME KEY_TYPE CN: an encryption key on its own token, certified without a CSR
  new_token "$1" "$PIN" &&
    "$TSIGN" token keygen --token "$1" --label enc --type "$2" --usage encrypt --pin-source env:PIN >/dev/null &&
    "$TSIGN" ca issue --dir root --pin-source env:P --public-key "pkcs11:token=$1;object=enc;pin-source=env:PIN" \
      --subject "/CN=$3/C=IR" --profile encryption --pem --out "$1.crt"
}
setup_ok=1
issue office ec-p256 signer office || setup_ok=0
issue portal ec-p256 signer portal || setup_ok=0
issue tsa ec-p256 tsa tsa || setup_ok=0
issue session ec-p256 encryption session || setup_ok=0     # the opening session's certificate
issue outsider ec-p256 encryption outsider || setup_ok=0   # an encryption key not in the commission
# the commission, in order: m1 file RSA, m2 token RSA, m3 file EC, m4 token EC, m5 file RSA
M5="عضو پنجم"
issue m1 rsa2048 encryption m1 || setup_ok=0
token_member m2 rsa2048 m2 || setup_ok=0
issue m3 ec-p256 encryption m3 || setup_ok=0
token_member m4 ec-p256 m4 || setup_ok=0
issue m5 rsa2048 encryption "$M5" || setup_ok=0
# signing keys of three members (the minutes are co-signed)
for n in 1 2 3; do issue s$n ec-p256 signer m$n || setup_ok=0; done
# the bidders (one RSA)
issue b1 ec-p256 signer b1 || setup_ok=0
issue b2 rsa2048 signer b2 || setup_ok=0
issue b3 ec-p256 signer b3 || setup_ok=0
issue b4 ec-p256 signer b4 || setup_ok=0
issue b5 ec-p256 signer b5 || setup_ok=0   # signs its package with OpenSSL, its payload broken
check "setup: CA, office, portal, TSA, session, 5 members (2 on tokens), 3 signing members, 5 bidders" test "$setup_ok" = 1
check "token member m2: RSA encryption certificate (keyEncipherment)" bash -c "openssl x509 -in m2.crt -noout -text | grep -A1 'Key Usage' | grep -q 'Key Encipherment'"
check "token member m4: EC encryption certificate (keyAgreement)" bash -c "openssl x509 -in m4.crt -noout -text | grep -A1 'Key Usage' | grep -q 'Key Agreement'"

# the bid documents: UTF-8 text, each with its own marker; b4's envelope B is 20 MiB
mkdir -p bids pk sh
MARKERS=()
for n in 1 2 3 4; do
  for e in A B; do
    printf 'پیشنهاد مناقصه — پاکت %s\nbidder b%d, envelope %s\nMARKER-BID-%d-%s-7f3a\nمبلغ: %d ریال\n' "$e" "$n" "$e" "$n" "$e" "$((n * 1000 + 7))" >bids/b$n$e.txt
    MARKERS+=("MARKER-BID-$n-$e-7f3a")
  done
done
awk 'BEGIN { print "MARKER-BID-4-B-7f3a"; for (i = 0; i < 280000; i++) printf "ردیف %07d: لوله فولادی درزدار، قطر ۱۲ اینچ\n", i; print "MARKER-BID-4-B-7f3a" }' >bids/b4B.txt
printf 'پیشنهاد اصلاح‌شده\nbidder b1, envelope B, revised\nMARKER-BID-1-B2-7f3a\n' >bids/b1B2.txt
printf 'bidder b5, envelope A\nMARKER-BID-5-A-7f3a\n' >bids/b5A.txt
printf 'a late bid\nMARKER-BID-3-LATE-7f3a\n' >bids/late.txt
printf 'a bid for the other tender\nMARKER-BID-9-A-7f3a\n' >bids/t2.txt
MARKERS+=("MARKER-BID-1-B2-7f3a" "MARKER-BID-5-A-7f3a" "MARKER-BID-3-LATE-7f3a" "MARKER-BID-9-A-7f3a")
check "the large bid is about 20 MiB ($(stat -c %s bids/b4B.txt) bytes)" test "$(stat -c %s bids/b4B.txt)" -gt 20971520
[ "$setup_ok" = 1 ] || { fail "setup failed: nothing else is tried"; finish; }
# The certificates issued from a bare token key (ca issue --public-key), checked by OpenSSL alone:
# a valid path, the encryption key usage of the key's type, and no signing usage.
for m in m2 m4; do
  check "openssl verify: $m's certificate (issued without a CSR) chains to the root" \
    bash -c "openssl verify -CAfile root/ca.crt.pem $m.crt | grep -q ': OK\$'"
done
ku() { openssl x509 -in "$1" -noout -ext keyUsage 2>/dev/null | tail -n 1 | sed 's/^ *//'; }
check "openssl: the token RSA member's certificate is for keyEncipherment only ($(ku m2.crt))" test "$(ku m2.crt)" = "Key Encipherment"
check "openssl: the token EC member's certificate is for keyAgreement only ($(ku m4.crt))" test "$(ku m4.crt)" = "Key Agreement"

# ---------------------------------------------------------------------------------------------
# Servers
PORT=$(free_ports 2)
TSAPORT=$PORT PP=$((PORT + 1))
URL=http://127.0.0.1:$PP/submit
TSAPID=""; SPID=""
cleanup() {
  [ -n "$TSAPID" ] && { disown "$TSAPID" 2>/dev/null; kill -CONT "$TSAPID" 2>/dev/null; kill -9 "$TSAPID" 2>/dev/null; }
  [ -n "$SPID" ] && { disown "$SPID" 2>/dev/null; kill -9 "$SPID" 2>/dev/null; }
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP  # the EXIT trap kills the servers on these too
wait_port() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/healthz" && return 0; sleep 0.1; done; return 1; }
"$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:$TSAPORT --state tsa-state 2>>tsa.log &
TSAPID=$!
check "the TSA starts" wait_port $TSAPORT
TR=(--tender tender.p7s --trust root.crt --revocation off)
PORTAL=(--key portal.key --cert portal.crt)
start_portal() {  # the portal on STATE portal, its pid in $SPID
  "$TSIGN" tender serve "${TR[@]}" "${PORTAL[@]}" --state portal --listen 127.0.0.1:$PP 2>>portal.log &
  SPID=$!
  wait_port $PP
}
stop_portal() {  # stop_portal SIGNAL: the exit code in $SRC (none after SIGKILL)
  SRC=""
  if [ "$1" = 9 ]; then
    disown "$SPID" 2>/dev/null; kill -9 "$SPID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.05; done
    SPID=""; return
  fi
  kill -"$1" "$SPID" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SPID" 2>/dev/null
  wait "$SPID" 2>/dev/null; SRC=$?
  SPID=""
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
der_sha() { openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }
# tcp_to PORT: an established TCP connection to 127.0.0.1:PORT exists (from /proc/net/tcp)
tcp_to() {
  local hex; hex=$(printf '%04X' "$1")
  awk -v p=":$hex" 'NR > 1 && substr($3, length($3) - 4) == p && $4 == "01" { found = 1 } END { exit !found }' /proc/net/tcp
}

# ---------------------------------------------------------------------------------------------
# The tender: the deadline DL seconds from now. Everything up to the late bid must fit before it.
DL=25
[ "${TSIGN_SANITIZE:-OFF}" = ON ] && DL=90
DEADLINE=$(date -u -d "+$DL sec" +%Y-%m-%dT%H:%M:%SZ)
DEADLINE_S=$(date -d "$DEADLINE" +%s)
MEMBERS=(--member m1.crt --member m2.crt --member m3.crt --member m4.crt --member m5.crt)
TID=T-1405-042 T2ID=T-1405-043
run "$TSIGN" tender init --id $TID --title "مناقصه خرید لوله — آزمون" --deadline "$DEADLINE" --tsa http://127.0.0.1:$TSAPORT/ \
  "${MEMBERS[@]}" --threshold 3 --portal-cert portal.crt --key office.key --cert office.crt --out tender.p7s
expect_rc 0 "tender init: 5 members, threshold 3, deadline $DEADLINE"
run "$TSIGN" tender init --id $T2ID --title "another tender" --deadline "$DEADLINE" --tsa http://127.0.0.1:$TSAPORT/ \
  "${MEMBERS[@]}" --threshold 3 --portal-cert portal.crt --key office.key --cert office.crt --out tender2.p7s
expect_rc 0 "tender init: a second tender with the same commission"
TR2=(--tender tender2.p7s --trust root.crt --revocation off)
run "$TSIGN" tender show "${TR[@]}" --json
expect_rc 0 "tender show"
check "tender show: id, threshold, members in order ($(jq -c '[.id, .threshold, [.members[].name]]' "$W/out" 2>&1))" \
  test "$(jq -c '[.id, .threshold, [.members[] | "\(.index):\(.name)"]]' "$W/out")" = "[\"$TID\",3,[\"1:m1\",\"2:m2\",\"3:m3\",\"4:m4\",\"5:$M5\"]]"
check "tender show: the member certificates' hashes" \
  test "$(jq -r '[.members[].certificate_sha256] | join(" ")' "$W/out")" = "$(for m in m1 m2 m3 m4 m5; do der_sha $m.crt; done | paste -sd' ')"
check "tender show: the descriptor's SHA-256" test "$(jq -r .sha256 "$W/out")" = "$(sha tender.p7s)"

check "the portal starts" start_portal

# closing before the deadline is refused
run "$TSIGN" tender close "${TR[@]}" "${PORTAL[@]}" --state portal --out early.p7s
expect_rc 2 "close before the deadline is refused"
expect_err_contains "cannot close tender $TID before its deadline ($DEADLINE)" "close before the deadline: the error names the deadline"
expect_absent early.p7s "close before the deadline writes no list"

# 4 bidders x envelopes A and B through the portal (b4's B below: the SIGKILL)
T_SUBMIT=$(date +%s)
seq_ok=1 expect_seq=1
for n in 1 2 3 4; do
  for e in A B; do
    [ $n$e = 4B ] && continue
    run "$TSIGN" tender seal "${TR[@]}" --envelope $e --key b$n.key --cert b$n.crt --out pk/b$n$e.pkg \
      --submit "$URL" --receipt pk/b$n$e.rcpt --json bids/b$n$e.txt
    expect_rc 0 "seal and submit b$n envelope $e (the client verified the receipt)"
    got=$(jq -c '[.tender, .envelope, .bidder, .duplicate, .package_sha256 == "'"$(sha pk/b$n$e.pkg)"'"]' "$W/out" 2>/dev/null)
    check "b$n $e: receipt #$(jq -r .seq "$W/out" 2>/dev/null) for this package ($got)" test "$got" = "[\"$TID\",\"$e\",\"CN=b$n, C=IR\",false,true]"
    [ "$(jq -r .seq "$W/out" 2>/dev/null)" = "$expect_seq" ] || seq_ok=0
    expect_seq=$((expect_seq + 1))
  done
done
check "receipts numbered 1..7 in order of receipt" test "$seq_ok" = 1
printf '# 7 seals and submissions took %d s\n' $(( $(date +%s) - T_SUBMIT ))

# a retry of a received package: the same receipt
code=$(curl -s -o pk/b1A.retry -w '%{http_code}' --data-binary @pk/b1A.pkg -H 'Content-Type: application/octet-stream' "$URL")
check "a retry of b1's envelope A is answered 200 (HTTP $code)" test "$code" = 200
check "the retry gets the same receipt, byte for byte (duplicate, seq 1)" cmp -s pk/b1A.retry pk/b1A.rcpt
check "the portal logs the duplicate" grep -q "receipt again: #1 envelope A" portal.log

# SIGKILL during a submission: the TSA held (SIGSTOP), so the portal is inside the request when killed
check_not "no connection to the TSA is open before the 20 MiB submission" tcp_to $TSAPORT
kill -STOP "$TSAPID"
"$TSIGN" tender seal "${TR[@]}" --envelope B --key b4.key --cert b4.crt --out pk/b4B.pkg --submit "$URL" --receipt pk/b4B.rcpt \
  bids/b4B.txt >kill.out 2>kill.err &
CPID=$!
inflight=0
for _ in $(seq 1 600); do
  tcp_to $TSAPORT && { inflight=1; break; }
  kill -0 "$CPID" 2>/dev/null || break  # the client gave up before reaching the portal
  sleep 0.1
done
check "the 20 MiB bid reached the portal, which waits for its timestamp" test "$inflight" = 1
stop_portal 9
wait "$CPID"; CRC=$?
kill -CONT "$TSAPID"
check "the client of the killed submission fails with a network error (exit $CRC: $(head -c 300 kill.err))" test "$CRC" = 5
check "the killed submission left its package for a retry" test -s pk/b4B.pkg
expect_absent pk/b4B.rcpt "the killed submission has no receipt"
B4B=$(sha pk/b4B.pkg)
check "the killed submission was not stored" test "$(sqlite3 portal/tender.db "SELECT count(*) FROM packages WHERE package_sha256 = '$B4B'")" = 0
check "the portal's store is intact after SIGKILL" test "$(sqlite3 portal/tender.db 'PRAGMA integrity_check')" = ok
check "the portal restarts on the same state" start_portal
code=$(curl -s -o pk/b4B.rcpt -w '%{http_code}' --data-binary @pk/b4B.pkg -H 'Content-Type: application/octet-stream' "$URL")
check "the retried 20 MiB submission is received (HTTP $code)" test "$code" = 200
run "$TSIGN" tender verify-receipt "${TR[@]}" --package pk/b4B.pkg --json pk/b4B.rcpt
expect_rc 0 "the retry's receipt verifies for the package"
check "the retry's receipt is #8 ($(jq -c . "$W/out" 2>&1 | head -c 300))" test "$(jq -r '"\(.seq) \(.envelope) \(.bidder)"' "$W/out")" = "8 B CN=b4, C=IR"
code=$(curl -s -o pk/b4B.retry -w '%{http_code}' --data-binary @pk/b4B.pkg "$URL")
check "a second retry: HTTP $code, the same receipt" bash -c "[ $code = 200 ] && cmp -s pk/b4B.retry pk/b4B.rcpt"

# b1 revises its envelope B: a second package, receipt #9 (the first is superseded at the opening)
run "$TSIGN" tender seal "${TR[@]}" --envelope B --key b1.key --cert b1.crt --out pk/b1B2.pkg --submit "$URL" --receipt pk/b1B2.rcpt --json bids/b1B2.txt
expect_rc 0 "b1 seals and submits a revised envelope B"
check "the revised B gets receipt #9" test "$(jq -r '"\(.seq) \(.envelope) \(.duplicate)"' "$W/out")" = "9 B false"
# b5's package: sealed by tsign, its payload altered, then signed again by b5 with OpenSSL
# (CAdES): well formed and validly signed, so the portal receives it; at the opening its GCM tag fails
mkdir -p b5
run "$TSIGN" tender seal "${TR[@]}" --envelope A --key b5.key --cert b5.crt --out b5/sealed.pkg bids/b5A.txt
expect_rc 0 "b5 seals envelope A"
openssl cms -verify -inform DER -in b5/sealed.pkg -CAfile root.crt -purpose any -binary -out b5/content.der 2>/dev/null
"$PY" "$PARTS" flip-content b5/content.der b5/content-altered.der >b5/flip.json
check "b5: one byte flipped inside the payload ($(cat b5/flip.json))" jq -e '.payload_index > 100 and .payload_index < .payload_size - 100' b5/flip.json
check "b5: OpenSSL signs the altered package (cms -sign -cades)" openssl cms -sign -cades -nodetach -binary -md sha256 -outform DER \
  -signer b5.crt -inkey b5.key -in b5/content-altered.der -out pk/b5A.pkg
code=$(curl -s -o pk/b5A.rcpt -w '%{http_code}' --data-binary @pk/b5A.pkg "$URL")
check "the portal receives the package OpenSSL signed (HTTP $code)" test "$code" = 200
run "$TSIGN" tender verify-receipt "${TR[@]}" --package pk/b5A.pkg --json pk/b5A.rcpt
check "b5's receipt verifies: #10, envelope A" bash -c "[ $RC = 0 ] && [ \"\$(jq -r '\"\(.seq) \(.envelope) \(.bidder)\"' '$W/out')\" = '10 A CN=b5, C=IR' ]"
# a portal showing another view: a receipt of this tender from another store (never in the list)
run "$TSIGN" tender receive "${TR[@]}" "${PORTAL[@]}" --state portal-split --out pk/split.rcpt pk/b1A.pkg
expect_rc 0 "a receipt for b1's A from another portal store (a split view)"

# the other tender: one bid received from a file (tender receive)
run "$TSIGN" tender seal "${TR2[@]}" --envelope A --key b1.key --cert b1.crt --out pk/t2.pkg bids/t2.txt
expect_rc 0 "seal a bid for the other tender"
run "$TSIGN" tender receive "${TR2[@]}" "${PORTAL[@]}" --state portal2 --out pk/t2.rcpt --json pk/t2.pkg
expect_rc 0 "tender receive (file): the other tender's bid"
run "$TSIGN" tender receive "${TR2[@]}" "${PORTAL[@]}" --state portal2 --out pk/t2.rcpt2 --json pk/t2.pkg
check "tender receive again: the same receipt, marked duplicate" bash -c "[ $RC = 0 ] && [ \"\$(jq -r .duplicate '$W/out')\" = true ] && cmp -s pk/t2.rcpt pk/t2.rcpt2"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @pk/t2.pkg "$URL")
check "the portal refuses a package of another tender (HTTP $code)" test "$code" = 422

now=$(date +%s)
check "everything before the deadline was done in time ($((DEADLINE_S - now)) s to spare)" test "$now" -lt "$DEADLINE_S"

# while the deadline comes: every receipt verifies for its package
for n in 1 2 3 4; do
  for e in A B; do
    run "$TSIGN" tender verify-receipt "${TR[@]}" --package pk/b$n$e.pkg pk/b$n$e.rcpt
    expect_rc 0 "verify-receipt b$n $e"
  done
done
run "$TSIGN" tender verify-receipt "${TR[@]}" --package pk/b1B.pkg pk/b1A.rcpt
expect_rc 1 "a receipt checked against another package fails"
expect_err_contains "the receipt is for another package" "... and says so"

while [ "$(date +%s)" -le "$DEADLINE_S" ]; do sleep 0.5; done
# a bid after the deadline
run "$TSIGN" tender seal "${TR[@]}" --envelope A --key b3.key --cert b3.crt --out pk/late.pkg --submit "$URL" --receipt pk/late.rcpt bids/late.txt
expect_rc 1 "a bid sealed and submitted after the deadline is refused"
expect_err_contains "(HTTP 403)" "the late bid: HTTP 403"
expect_err_contains "the deadline ($DEADLINE) has passed" "the late bid: the error names the deadline"
expect_absent pk/late.rcpt "the late bid has no receipt"
code=$(curl -s -o pk/b1A.late-retry -w '%{http_code}' --data-binary @pk/b1A.pkg "$URL")
check "after the deadline, a retry of a received package still gets its first receipt (HTTP $code)" bash -c "[ $code = 200 ] && cmp -s pk/b1A.late-retry pk/b1A.rcpt"
check "the portal answers /healthz" bash -c "curl -s http://127.0.0.1:$PP/healthz | grep -q ok"
stop_portal TERM
check "the portal stops on SIGTERM (exit $SRC)" test "$SRC" = 0

# ---------------------------------------------------------------------------------------------
# Closing
run "$TSIGN" tender close "${TR[@]}" "${PORTAL[@]}" --state portal --out list.p7s
expect_rc 0 "close after the deadline"
expect_out_contains "closed tender $TID: 10 packages" "the closing list has 10 packages"
run "$TSIGN" tender close "${TR[@]}" "${PORTAL[@]}" --state portal --out list-again.p7s
check "closing again gives the same list" bash -c "[ $RC = 0 ] && cmp -s list.p7s list-again.p7s"
run "$TSIGN" tender receive "${TR[@]}" "${PORTAL[@]}" --state portal --out pk/late2.rcpt pk/late.pkg
expect_rc 1 "after closing, a package is refused"
expect_err_contains "tender $TID is closed" "... because the tender is closed"
run "$TSIGN" tender receive "${TR[@]}" "${PORTAL[@]}" --state portal --out pk/b1A.closed-retry pk/b1A.pkg
check "after closing, a package received before gets its first receipt (exit $RC)" bash -c "[ $RC = 0 ] && cmp -s pk/b1A.closed-retry pk/b1A.rcpt"
run "$TSIGN" tender close "${TR[@]}" "${PORTAL[@]}" --state no-such-state --out none.p7s
expect_rc 3 "closing a state folder that does not exist is refused (no empty list is signed)"
expect_err_contains "no tender portal state in 'no-such-state'" "... naming the folder"
expect_absent none.p7s "... and writes no list"
run "$TSIGN" tender close "${TR2[@]}" "${PORTAL[@]}" --state portal2 --out list2.p7s
expect_rc 0 "close the other tender"
run "$TSIGN" tender close "${TR[@]}" "${PORTAL[@]}" --state portal-split --out list-split.p7s
expect_rc 0 "close the split view's store: another closing list of this tender"
kill "$TSAPID"; wait "$TSAPID"; TRC=$?; TSAPID=""
check "the TSA stops on SIGTERM (exit $TRC)" test "$TRC" = 0

openssl cms -verify -inform DER -in list.p7s -CAfile root.crt -purpose any -binary -out list.json 2>/dev/null
check "the closing list's entries are receipts 1..10" test "$(jq -c '[.entries[].seq]' list.json)" = "[1,2,3,4,5,6,7,8,9,10]"
listed=$(jq -r '.entries[].package_sha256' list.json | sort | paste -sd' ')
submitted=$(for f in pk/b[1-4][AB].pkg pk/b1B2.pkg pk/b5A.pkg; do sha "$f"; done | sort | paste -sd' ')
check "the closing list holds every submitted package exactly once, none lost, none twice" test "$listed" = "$submitted"
check "the late bid is not in the closing list" bash -c "! grep -q $(sha pk/late.pkg) list.json"
run "$TSIGN" tender verify-list "${TR[@]}" --json list.p7s
expect_rc 0 "verify-list"
check "verify-list: tree size 10, the root of list.json" test "$(jq -r '"\(.tree_size) \(.root)"' "$W/out")" = "10 $(jq -r .root list.json)"
check "the list's root is the RFC 9162 tree hash of its leaves (tender_parts.py)" "$PY" "$PARTS" root list.json
for r in b1A b1B b2A b2B b3A b3B b4A b4B b1B2 b5A; do
  run "$TSIGN" tender verify-list "${TR[@]}" --json --receipt pk/$r.rcpt list.p7s
  expect_rc 0 "verify-list --receipt $r: the inclusion proof leads to the root"
  cp "$W/out" vl-$r.json
  check "$r: the proof checked independently (RFC 9162 2.1.3.2, tender_parts.py)" "$PY" "$PARTS" inclusion vl-$r.json pk/$r.rcpt
done
check "the inclusion proof of receipt #4: index 3, 4 hashes" test "$(jq -c '[.inclusion.seq, .inclusion.index, (.inclusion.path | length)]' vl-b2B.json)" = "[4,3,4]"
check "the inclusion proof of receipt #9: index 8, 2 hashes" test "$(jq -c '[.inclusion.seq, .inclusion.index, (.inclusion.path | length)]' vl-b1B2.json)" = "[9,8,2]"
run "$TSIGN" tender verify-list "${TR[@]}" --receipt pk/split.rcpt list.p7s
expect_rc 1 "verify-list --receipt with a receipt of this tender that is not in the list fails"
expect_err_contains "the receipt is not in the closing list" "... 'not in the closing list'"
run "$TSIGN" tender verify-list "${TR[@]}" --receipt pk/t2.rcpt list.p7s
expect_rc 1 "verify-list --receipt with another tender's receipt fails"
expect_err_contains "the receipt is for tender '$T2ID', not '$TID'" "... and names the other tender"
run "$TSIGN" tender verify-list "${TR2[@]}" --receipt pk/b1A.rcpt list2.p7s
expect_rc 1 "the other tender's list with this tender's receipt fails"
expect_err_contains "the receipt is for tender '$TID', not '$T2ID'" "... and names this tender"
# an altered list: one hex digit of the root changed inside the signed JSON
cp list.p7s list-altered.p7s
off=$(grep -abo '"root": "' list.p7s | head -n 1 | cut -d: -f1)
off=$((off + 12))
c=$(dd if=list.p7s bs=1 skip=$off count=1 2>/dev/null)
if [ "$c" = 0 ]; then r=1; else r=0; fi
printf '%s' "$r" | dd of=list-altered.p7s bs=1 seek=$off conv=notrunc 2>/dev/null
check "the altered list differs from the list in one byte" test "$(cmp -l list.p7s list-altered.p7s | wc -l)" = 1
run "$TSIGN" tender verify-list "${TR[@]}" list-altered.p7s
expect_rc 1 "an altered closing list fails"
expect_err_contains "its signature does not verify" "... its signature does not verify"
run "$TSIGN" tender verify-list "${TR[@]}" --receipt pk/b1A.rcpt list-altered.p7s
expect_rc 1 "a receipt against the altered list fails"

# ---------------------------------------------------------------------------------------------
# The portal alters b2's envelope A (receipt #3) after receipt: one byte inside its payload
mkdir -p tamper
sqlite3 portal/tender.db "SELECT writefile('tamper/orig.pkg', package) FROM packages WHERE seq = 3" >/dev/null
check "receipt #3 is b2's envelope A, stored as submitted" cmp -s tamper/orig.pkg pk/b2A.pkg
"$PY" "$PARTS" flip-payload tamper/orig.pkg tamper/mod.pkg >tamper/flip.json
check "one byte flipped inside the payload, away from its ends ($(cat tamper/flip.json))" \
  jq -e '.payload_index > 100 and .payload_index < .payload_size - 100 and .offset > 1000' tamper/flip.json
sqlite3 portal/tender.db "UPDATE packages SET package = readfile('tamper/mod.pkg') WHERE seq = 3"
check "the stored package is now the altered one" test "$(sqlite3 portal/tender.db "SELECT package = readfile('tamper/mod.pkg') FROM packages WHERE seq = 3")" = 1
B2A=$(sha pk/b2A.pkg)

# ---------------------------------------------------------------------------------------------
# Unsealing: each member, one key (file or token), shares sealed to the session
UO=(--state portal --list list.p7s --to session.crt)
unseal() {  # unseal MEMBER ENVELOPE: the share set sh/MEMBER-ENVELOPE.shares
  local key=(--key "$1.key" --cert "$1.crt")
  case $1 in m2 | m4) key=(--key "pkcs11:token=$1;object=enc" --cert "$1.crt" --pin-source env:PIN) ;; esac
  run "$TSIGN" tender unseal "${TR[@]}" "${UO[@]}" --envelope "$2" "${key[@]}" --out "sh/$1-$2.shares"
}
declare -A IDX=([m1]=1 [m2]=2 [m3]=3 [m4]=4 [m5]=5)
for m in m1 m2 m4; do
  unseal $m A
  expect_rc 0 "unseal A: $m ($([ $m = m1 ] && echo file RSA || { [ $m = m2 ] && echo token RSA-OAEP || echo token ECDH; }))"
  expect_out_contains "member ${IDX[$m]} ($m): 4 shares of envelope A sealed to the session" "unseal A $m: 4 shares (not the one of the package altered in the store)"
  expect_err_contains "no share could be unsealed for package $B2A" "unseal A $m: the altered package is named"
  check "unseal A $m: the share set is mode 0600" test "$(stat -c %a sh/$m-A.shares)" = 600
done
check "a share set is an EnvelopedData (openssl)" bash -c "openssl cms -cmsout -print -inform DER -in sh/m1-A.shares | grep -q 'contentType: pkcs7-envelopedData'"
for m in m3 m4 m5; do
  unseal $m B
  expect_rc 0 "unseal B: $m"
  expect_out_contains "member ${IDX[$m]} ($([ $m = m5 ] && echo "$M5" || echo $m)): 5 shares of envelope B" "unseal B $m: 5 shares"
done
run "$TSIGN" tender unseal "${TR[@]}" "${UO[@]}" --envelope A --key outsider.key --cert outsider.crt --out sh/outsider-A.shares
expect_rc 1 "unseal with a key outside the commission is refused"
expect_err_contains "CN=outsider, C=IR is not a member of tender $TID's commission" "... 'not a member'"
expect_absent sh/outsider-A.shares "the outsider gets no share set"
# the other tender's share set, m4's, sealed to the same session
run "$TSIGN" tender unseal "${TR2[@]}" --state portal2 --list list2.p7s --to session.crt --envelope A \
  --key "pkcs11:token=m4;object=enc" --cert m4.crt --pin-source env:PIN --out sh/t2-m4-A.shares
expect_rc 0 "unseal the other tender's envelope A (m4)"

# ---------------------------------------------------------------------------------------------
# Opening A
OO=(--state portal --list list.p7s --key session.key --cert session.crt)
run "$TSIGN" tender open "${TR[@]}" "${OO[@]}" --envelope A --shares sh/m1-A.shares --shares sh/m2-A.shares --out minutes-A.txt
expect_rc 1 "open A with 2 members' share sets: not opened"
expect_err_contains "cannot open envelope A: 2 of 3 members' shares; 1 more needed from: m3, m4, $M5" "... the members still needed are named"
expect_absent minutes-A.txt "no minutes without k share sets"
run "$TSIGN" tender open "${TR[@]}" "${OO[@]}" --envelope A --shares sh/m1-A.shares --shares sh/m2-A.shares --shares sh/m1-A.shares --out minutes-A.txt
expect_rc 1 "open A with one member's share set given twice: still 2 members"
expect_err_contains "2 of 3 members' shares" "... the same member counts once"
run "$TSIGN" tender open "${TR[@]}" "${OO[@]}" --envelope A --shares sh/m1-A.shares --shares sh/m2-A.shares --shares sh/t2-m4-A.shares --out minutes-A.txt
expect_rc 1 "open A with a share set of another tender: refused"
expect_err_contains "refusing share set 'sh/t2-m4-A.shares': it is for another tender" "... 'another tender'"
run "$TSIGN" tender unseal "${TR[@]}" --state portal-split --list list-split.p7s --to session.crt --envelope A \
  --key m3.key --cert m3.crt --out sh/split-m3-A.shares
expect_rc 0 "unseal m3's share of the split view (another closing list)"
run "$TSIGN" tender open "${TR[@]}" "${OO[@]}" --envelope A --shares sh/m1-A.shares --shares sh/m2-A.shares --shares sh/split-m3-A.shares --out minutes-A.txt
expect_rc 1 "open A with a share set of another closing list: refused"
expect_err_contains "refusing share set 'sh/split-m3-A.shares': it was unsealed from another closing list" "... 'another closing list'"
run "$TSIGN" tender open "${TR[@]}" "${OO[@]}" --envelope A --shares sh/m1-A.shares --shares sh/m2-A.shares --shares sh/m4-B.shares --out minutes-A.txt
expect_rc 1 "open A with a share set of envelope B: refused"
expect_err_contains "refusing share set 'sh/m4-B.shares': it is for envelope B, not A" "... 'it is for envelope B, not A'"
expect_absent minutes-A.txt "no minutes from refused share sets"

run "$TSIGN" tender open "${TR[@]}" "${OO[@]}" --envelope A --shares sh/m1-A.shares --shares sh/m2-A.shares --shares sh/m4-A.shares --out minutes-A.txt --json
expect_rc 0 "open A with 3 members' share sets (m1 file, m2 and m4 tokens)"
cp "$W/out" open-A.json
verdicts() { jq -r '[.bids[] | "#\(.seq) \(.bidder | sub(", C=IR$"; "")) \(.verdict)"] | join("; ")' "$1"; }
check "open A: the verdicts ($(verdicts open-A.json))" test "$(verdicts open-A.json)" = "#1 CN=b1 opened; #3 CN=b2 tampered; #5 CN=b3 opened; #7 CN=b4 opened; #10 CN=b5 tampered"
check "open A: the package altered in the store: its reason" test "$(jq -r '.bids[] | select(.seq == 3) | .detail' open-A.json)" = "the stored package is not the one received (SHA-256 differs)"
check "open A: b5's payload: its GCM tag fails" test "$(jq -r '.bids[] | select(.seq == 10) | .detail' open-A.json)" = "the payload does not decrypt: its authentication tag fails (the ciphertext was altered)"
check "open A: members present m1, m2, m4" test "$(jq -c '[.opened, .threshold, .members_present]' open-A.json)" = '[true,3,["m1","m2","m4"]]'
for n in 1 3 4; do
  check "open A: b$n's document hash is its bid's" test "$(jq -r ".bids[] | select(.bidder == \"CN=b$n, C=IR\") | .document_sha256" open-A.json)" = "$(sha bids/b${n}A.txt)"
  check "the minutes of A give b$n's document hash" grep -q "document SHA-256: $(sha bids/b${n}A.txt) ($(stat -c %s bids/b${n}A.txt) bytes)" minutes-A.txt
done
check "the minutes of A: 3 opened, 2 tampered" bash -c "[ \$(grep -c '   verdict: opened$' minutes-A.txt) = 3 ] && [ \$(grep -c '   verdict: tampered — ' minutes-A.txt) = 2 ] && grep -qx 'Summary: opened 3; tampered 2;' minutes-A.txt"
check "the minutes of A name the tender, the members and the list root" \
  bash -c "grep -q 'Tender: $TID' minutes-A.txt && grep -qx 'Members whose shares were used: m1, m2, m4' minutes-A.txt && grep -q \"$(jq -r .root list.json)\" minutes-A.txt"
check "the minutes of A have no document hash for the tampered bids" bash -c "! grep -q -e $(sha bids/b2A.txt) -e $(sha bids/b5A.txt) minutes-A.txt open-A.json"
# envelope B stays closed
bclosed=1
for n in 1 2 3 4; do
  for f in minutes-A.txt open-A.json; do
    grep -q "$(sha bids/b${n}B.txt)" $f && { bclosed=0; echo "# B document hash of b$n in $f"; }
    grep -q "$(sha pk/b${n}B.pkg)" $f && { bclosed=0; echo "# B package hash of b$n in $f"; }
    grep -q "MARKER-BID-$n-B" $f && { bclosed=0; echo "# B marker of b$n in $f"; }
  done
done
check "envelope B stays closed: none of its package or document hashes or markers in A's minutes" test "$bclosed" = 1
# opening A again with --extract
run "$TSIGN" tender open "${TR[@]}" "${OO[@]}" --envelope A --shares sh/m1-A.shares --shares sh/m2-A.shares --shares sh/m4-A.shares \
  --out minutes-A2.txt --extract exA --json
expect_rc 0 "open A with --extract"
cp "$W/out" open-A2.json
check "--extract: 3 documents" test "$(find exA -type f | wc -l)" = 3
check "--extract: the folder is mode 0700" test "$(stat -c %a exA)" = 700
for n in 1 3 4; do
  f=$(jq -r ".bids[] | select(.bidder == \"CN=b$n, C=IR\") | .extracted" open-A2.json)
  check "--extract b$n: $f is mode 0600" test "$(stat -c %a "$f" 2>&1)" = 600
  check "--extract b$n: its document, with its marker" bash -c "cmp -s '$f' bids/b${n}A.txt && grep -q MARKER-BID-$n-A-7f3a '$f'"
done
check "--extract: nothing of the tampered bids" test "$(jq -r '[.bids[] | select(.verdict == "tampered") | .extracted // "none"] | join(" ")' open-A2.json)" = "none none"
check "--extract: no B marker among A's documents" bash -c "! grep -rq 'MARKER-BID-.-B' exA"

# Opening B
run "$TSIGN" tender open "${TR[@]}" "${OO[@]}" --envelope B --shares sh/m3-B.shares --shares sh/m4-B.shares --shares sh/m5-B.shares --out minutes-B.txt --json
expect_rc 0 "open B with m3 (file EC), m4 (token EC), m5 (file RSA)"
cp "$W/out" open-B.json
check "open B: the verdicts ($(verdicts open-B.json))" test "$(verdicts open-B.json)" = "#2 CN=b1 superseded; #4 CN=b2 opened; #6 CN=b3 opened; #8 CN=b4 opened; #9 CN=b1 opened"
bok=1
for d in b1B2 b2B b3B b4B; do
  grep -q "document SHA-256: $(sha bids/$d.txt) ($(stat -c %s bids/$d.txt) bytes)" minutes-B.txt || { bok=0; echo "# $d's hash is not in the minutes of B"; }
done
for d in b1B b1A b2A b3A b4A; do grep -q "$(sha bids/$d.txt)" minutes-B.txt && { bok=0; echo "# $d's hash is in the minutes of B"; }; done
check "the minutes of B give the hashes of the opened B documents (b4's: 20 MiB), not the superseded one's nor A's" test "$bok" = 1
check "the minutes of B: 4 opened, 1 superseded" grep -qx 'Summary: opened 4; superseded 1;' minutes-B.txt
# a package lost by the portal: a copy of the state without receipt #5
cp -a portal portal-lost
sqlite3 portal-lost/tender.db "DELETE FROM packages WHERE seq = 5"
run "$TSIGN" tender open "${TR[@]}" --state portal-lost --list list.p7s --key session.key --cert session.crt --envelope A \
  --shares sh/m1-A.shares --shares sh/m2-A.shares --shares sh/m4-A.shares --out minutes-lost.txt --json
expect_rc 0 "open A on a store that lost receipt #5"
check "a listed package the store lost is 'missing' ($(verdicts "$W/out"))" test "$(verdicts "$W/out")" = "#1 CN=b1 opened; #3 CN=b2 tampered; #5 CN=b3 missing; #7 CN=b4 opened; #10 CN=b5 tampered"

# ---------------------------------------------------------------------------------------------
# The commission co-signs the minutes of A: m1 signs, m2 and m3 co-sign; roster quorum 3
run "$TSIGN" sign --key s1.key --cert s1.crt --out minutes-A.p7s minutes-A.txt
expect_rc 0 "m1 signs the minutes of A"
run "$TSIGN" cosign --key s2.key --cert s2.crt --signature minutes-A.p7s --content minutes-A.txt
expect_rc 0 "m2 co-signs"
run "$TSIGN" roster make --quorum 3 --name "کمیسیون بازگشایی $TID" --out roster.yaml s1.crt s2.crt s3.crt
expect_rc 0 "roster make: m1, m2, m3, quorum 3"
run "$TSIGN" verify --trust root.crt --roster roster.yaml --revocation off minutes-A.p7s minutes-A.txt
expect_rc 1 "two of three signatures: the roster's quorum is not met"
expect_out_contains "quorum 3, 2 signed: NOT MET" "... 'quorum 3, 2 signed: NOT MET'"
expect_out_contains "not signed: m3" "... 'not signed: m3'"
run "$TSIGN" cosign --key s3.key --cert s3.crt --signature minutes-A.p7s --content minutes-A.txt
expect_rc 0 "m3 co-signs"
run "$TSIGN" verify --trust root.crt --roster roster.yaml --revocation off minutes-A.p7s minutes-A.txt
expect_rc 0 "the minutes verify with 3 members' signatures against the roster"
run "$TSIGN" verify --trust root.crt --roster roster.yaml --revocation off --json minutes-A.p7s minutes-A.txt
check "roster: quorum met by m1, m2, m3" test "$(jq -c '[.roster.quorum_met, .roster.signed]' "$W/out")" = '[true,["m1","m2","m3"]]'
check "OpenSSL verifies the co-signed minutes" openssl cms -verify -binary -inform DER -in minutes-A.p7s -content minutes-A.txt -CAfile root.crt -purpose any -out /dev/null

# ---------------------------------------------------------------------------------------------
# No plaintext: no marker anywhere in $W but the bid documents and the --extract folder
sanitizer_check portal.log "tender serve"
sanitizer_check tsa.log "tsa serve"
check "the portal's state holds tender.db" test -s portal/tender.db
printf '# portal state: %s\n' "$(cd portal && ls | paste -sd' ')"
check "control: the bid documents hold their markers" test "$(grep -rlaF "${MARKERS[@]/#/-e}" bids | wc -l)" = 12
hits=$(grep -rlaF "${MARKERS[@]/#/-e}" --exclude-dir=bids --exclude-dir=exA . 2>&1)
check "no bid marker in the portal states (tender.db, WAL), the logs, the share sets, the packages, the minutes: $(printf '%s' "$hits" | paste -sd' ' | head -c 300)" test -z "$hits"

# ---------------------------------------------------------------------------------------------
# Interop: OpenSSL alone (and gfcombine) opens b1's envelope A. The decrypted bid lands in interop/.
mkdir -p interop
check "openssl cms -verify: the tender descriptor" \
  openssl cms -verify -inform DER -in tender.p7s -CAfile root.crt -purpose any -binary -out interop/descriptor.json
check "the descriptor is the JSON document tsign signed" test "$(jq -r '"\(.format) \(.id) \(.threshold) \(.members | length)"' interop/descriptor.json)" = "tsign-tender-descriptor-1 $TID 3 5"
check "openssl cms -verify: the package (the bidder's outer signature)" \
  openssl cms -verify -inform DER -in pk/b1A.pkg -CAfile root.crt -purpose any -binary -out interop/content.der
check "openssl cms -verify: the closing list" openssl cms -verify -inform DER -in list.p7s -CAfile root.crt -purpose any -binary -out /dev/null
check "openssl cms -verify: a receipt" openssl cms -verify -inform DER -in pk/b1A.rcpt -CAfile root.crt -purpose any -binary -out /dev/null
if ! "$PY" -c 'import asn1crypto' 2>/dev/null; then
  fail "interop: $PY has no asn1crypto module (Debian: python3-asn1crypto)"
fi
"$PY" "$PARTS" parse interop/content.der interop/parts >interop/parts.json 2>interop/parts.err
check "the TenderPackage parses (asn1crypto): $(head -c 200 interop/parts.err)" test -s interop/parts.json
check "TenderPackage: version 1, tender, envelope A, threshold 3, descriptor hash" \
  test "$(jq -r '"\(.version) \(.tender) \(.envelope) \(.threshold) \(.descriptor_sha256)"' interop/parts.json)" = "1 $TID A 3 $(sha tender.p7s)"
check "TenderPackage: shares 1..5 for each member's certificate, RSA key transport / ECDH key agreement" \
  test "$(jq -r '[.shares[] | "\(.member):\(.cert_sha256):\(.recipient | join(","))"] | join(" ")' interop/parts.json)" = \
  "1:$(der_sha m1.crt):ktri 2:$(der_sha m2.crt):ktri 3:$(der_sha m3.crt):kari 4:$(der_sha m4.crt):kari 5:$(der_sha m5.crt):ktri"
check "TenderPackage: the payload is an AuthEnvelopedData (AES-256-GCM) with one KEK recipient (AES-256 key wrap)" \
  test "$(jq -r '.payload | "\(.content_type) \(.recipients | join(",")) \(.content_encryption) \(.key_encryption)"' interop/parts.json)" = \
  "authenticated_enveloped_data kekri 2.16.840.1.101.3.4.1.46 2.16.840.1.101.3.4.1.45"
for m in 1 3 5; do
  check "openssl cms -decrypt: file-key member m$m's share" \
    openssl cms -decrypt -inform DER -in interop/parts/share-$m.der -inkey m$m.key -recip m$m.crt -binary -out interop/s.00$m
  check "m$m's share is 32 raw bytes" test "$(stat -c %s interop/s.00$m 2>/dev/null)" = 32
done
check "gfcombine: the 3 shares give the key-encryption key" gfcombine -o interop/kek.bin interop/s.001 interop/s.003 interop/s.005
check "the key-encryption key is 32 bytes" test "$(stat -c %s interop/kek.bin 2>/dev/null)" = 32
KEK=$(od -An -tx1 -v interop/kek.bin | tr -d ' \n')
KEKID=$(jq -r .payload.kekid interop/parts.json)
check "openssl cms -decrypt -secretkey: the payload (AuthEnvelopedData) decrypts to the inner signature" \
  openssl cms -decrypt -inform DER -in interop/parts/payload.der -secretkey "$KEK" -secretkeyid "$KEKID" -binary -out interop/inner.der
check "openssl cms -verify: the bidder's inner signature, its content the bid with its marker" \
  bash -c "openssl cms -verify -inform DER -in interop/inner.der -CAfile root.crt -purpose any -binary -out interop/bid.txt 2>/dev/null && cmp -s interop/bid.txt bids/b1A.txt && grep -q MARKER-BID-1-A-7f3a interop/bid.txt"
check "the inner signature is b1's" bash -c "openssl cms -verify -inform DER -in interop/inner.der -CAfile root.crt -purpose any -binary -out /dev/null -signer interop/inner-signer.pem 2>/dev/null && [ \"\$(openssl x509 -in interop/inner-signer.pem -noout -fingerprint -sha256)\" = \"\$(openssl x509 -in b1.crt -noout -fingerprint -sha256)\" ]"
gfcombine -o interop/kek2.bin interop/s.001 interop/s.003 2>/dev/null
check_not "two shares do not give the key: the payload does not decrypt" \
  openssl cms -decrypt -inform DER -in interop/parts/payload.der -secretkey "$(od -An -tx1 -v interop/kek2.bin | tr -d ' \n')" -secretkeyid "$KEKID" -binary -out interop/inner2.der

printf '# the test took %d s\n' $(( $(date +%s) - T_START ))
finish
