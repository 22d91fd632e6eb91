#!/usr/bin/env bash
# Attacks on sealed tenders (tsign tender) by a hostile portal, a rival bidder, a forger of share
# sets and a careless opener; each must fail. A 2-of-3 tender (members m1 file RSA, m2 and m3 file
# EC) whose deadline is DL s away; its packages received with `tender receive` into two portal
# stores: st (#1 bidder1 A, #2 bidder1 B, #3 bidder2 A, #4 bidder2 B, #5 a rival's A under a
# certificate with bidder1's subject, #6 a package of another tender) and st3 (a copy of st after #4,
# then bidder1's revised A as #5).
#  1. st: #2 (envelope B) relabelled A in tender.db before closing: unseal A gives no share for it
#     (warning), opening A never opens nor extracts it; bidder1's A (#1) is still opened
#  2. st: a package of another tender (same commission and portal key) inserted into tender.db:
#     no share for it (warning); at the opening of A it is 'tampered'
#  3. st3: list entries altered in tender.db before closing (#3's time an hour later, #2's bidder
#     another): those bids are 'receipt_invalid' (never 'late', never another bidder's);
#     verify-list --receipt fails for the altered entries (and for st's relabelled one)
#  4. the rival with bidder1's subject: both A bids opened (different certificates: no supersede);
#     bidder1's own revised A (st3 #5) supersedes its first
#  5. a closing list signed with the portal's key and timestamped before the deadline (its JSON
#     saying closed_at after it), for a tender whose deadline is a day away: verify-list, unseal and
#     open refuse it
#  6. a forged share set of m1 (every y random), given with m1's real one, either order: refused
#     ("two different share sets"), as is a copy with a share dropped; the same set twice, or an
#     identical copy sealed by OpenSSL, counts once
#  7. open --extract into a folder of mode 0777, or a symlink to a folder: refused (exit 2)
#  8. ca issue --public-key with a copy of the encryption profile that adds the timeStamping EKU:
#     refused (exit 3); with the shipped encryption profile: issued
#  9. tender close with the portal's clock 2 days ahead (faketime) before the real deadline: exit
#     1 and the tender is not closed (a package is received afterwards; the normal close succeeds)
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
cd "$W" || exit 1
T_START=$(date +%s)
export TMPDIR="$W/tmp"
mkdir -p "$TMPDIR"
export P=tender-ca-pass
# libfaketime in front of the address sanitizer's runtime: tell ASan not to mind the order
ahead() { local shift=$1; shift; ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" faketime -f "$shift" "$@"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# ---------------------------------------------------------------------------------------------
# Keys and certificates (nothing here is timed)
"$TSIGN" ca init --dir root --subject "/CN=Root/C=IR" --key-type ec-p256 --pin-source env:P 2>/dev/null
cp root/ca.crt.pem root.crt
issue() {  # issue NAME KEY_TYPE PROFILE CN: a file key and its certificate NAME.key / NAME.crt
  "$TSIGN" key gen --type "$2" --out "$1.key" >/dev/null 2>&1 &&
    "$TSIGN" csr --key "$1.key" --subject "/CN=$4/C=IR" --out "$1.csr" &&
    "$TSIGN" ca issue --dir root --csr "$1.csr" --profile "$3" --pem --out "$1.crt" --pin-source env:P
}
setup_ok=1
issue office ec-p256 signer office || setup_ok=0
issue portal ec-p256 signer portal || setup_ok=0
issue tsa ec-p256 tsa tsa || setup_ok=0
issue session ec-p256 encryption session || setup_ok=0
issue m1 rsa2048 encryption m1 || setup_ok=0
issue m2 ec-p256 encryption m2 || setup_ok=0
issue m3 ec-p256 encryption m3 || setup_ok=0
issue bidder1 ec-p256 signer bidder1 || setup_ok=0
issue bidder2 ec-p256 signer bidder2 || setup_ok=0
# the rival: its own key, a CSR made by OpenSSL with bidder1's subject
{ openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out evil.key &&
  openssl req -new -key evil.key -subj "/CN=bidder1/C=IR" -out evil.csr &&
  "$TSIGN" ca issue --dir root --csr evil.csr --profile signer --pem --out evil.crt --pin-source env:P; } >/dev/null 2>&1 || setup_ok=0
check "setup: CA, office, portal, TSA, session, members m1 (RSA) m2 m3 (EC), bidder1, bidder2, the rival" test "$setup_ok" = 1
[ "$setup_ok" = 1 ] || { fail "setup failed: nothing else is tried"; finish; }
subj() { openssl x509 -in "$1" -noout -subject -nameopt RFC2253; }
check "the rival's certificate has bidder1's subject ($(subj evil.crt)), not its key" \
  bash -c "[ '$(subj evil.crt)' = '$(subj bidder1.crt)' ] && ! cmp -s <(openssl x509 -in evil.crt -noout -pubkey) <(openssl x509 -in bidder1.crt -noout -pubkey)"

# 8. ca issue --public-key: a profile whose certificates could sign (timeStamping EKU) is refused
openssl pkey -in m2.key -pubout -out x.pub.pem 2>/dev/null
sed 's/^extended_key_usage: \[\]$/extended_key_usage: [timeStamping]/' root/profiles/encryption.yaml >root/profiles/enc-tsa.yaml
check "8: the edited profile enc-tsa adds the timeStamping EKU to the encryption profile" \
  bash -c "grep -qx 'extended_key_usage: \[timeStamping\]' root/profiles/enc-tsa.yaml && [ \$(diff root/profiles/encryption.yaml root/profiles/enc-tsa.yaml | grep -c '^[<>]') = 2 ]"
run "$TSIGN" ca issue --dir root --public-key x.pub.pem --subject "/CN=x/C=IR" --profile enc-tsa --pem --out x-tsa.crt --pin-source env:P
expect_rc 3 "8: ca issue --public-key with the encryption profile plus timeStamping is refused"
expect_err_contains "its certificates can sign" "8: ... 'its certificates can sign'"
expect_absent x-tsa.crt "8: ... and no certificate is written"
run "$TSIGN" ca issue --dir root --public-key x.pub.pem --subject "/CN=x/C=IR" --profile encryption --pem --out x-enc.crt --pin-source env:P
expect_rc 0 "8: ca issue --public-key with the shipped encryption profile"

# the bid documents, each with its marker
mkdir -p bids pk sh
for d in 1A 1B 2A 2B EA 1A2 FA; do printf 'bid %s\nMARKER-ATK-%s-5c1e\n' "$d" "$d" >bids/$d.txt; done

# ---------------------------------------------------------------------------------------------
# The TSA
TSAPORT=$(free_ports 1)
TSAURL=http://127.0.0.1:$TSAPORT/
TSAPID=""
cleanup() {
  [ -n "$TSAPID" ] && { disown "$TSAPID" 2>/dev/null; kill -9 "$TSAPID" 2>/dev/null; }
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP
wait_port() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/healthz" && return 0; sleep 0.1; done; return 1; }
"$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:$TSAPORT --state tsa-state 2>>tsa.log &
TSAPID=$!
check "the TSA starts" wait_port $TSAPORT

# ---------------------------------------------------------------------------------------------
# The tenders: TID, its deadline DL s away; FID (same commission and portal), a day away.
# Everything up to the faketime close and the receipt after it must fit before DL.
DL=15
[ "${TSIGN_SANITIZE:-OFF}" = ON ] && DL=60
DEADLINE=$(date -u -d "+$DL sec" +%Y-%m-%dT%H:%M:%SZ)
DEADLINE_S=$(date -d "$DEADLINE" +%s)
FDEADLINE=$(date -u -d "+1 day" +%Y-%m-%dT%H:%M:%SZ)
TID=T-ATK-1 FID=T-ATK-2
MEMBERS=(--member m1.crt --member m2.crt --member m3.crt)
run "$TSIGN" tender init --id $TID --title "attacks" --deadline "$DEADLINE" --tsa "$TSAURL" "${MEMBERS[@]}" --threshold 2 \
  --portal-cert portal.crt --key office.key --cert office.crt --out tender.p7s
expect_rc 0 "tender init $TID: 3 members, threshold 2, deadline $DEADLINE"
run "$TSIGN" tender init --id $FID --title "another tender" --deadline "$FDEADLINE" --tsa "$TSAURL" "${MEMBERS[@]}" --threshold 2 \
  --portal-cert portal.crt --key office.key --cert office.crt --out tender-f.p7s
expect_rc 0 "tender init $FID: the same commission and portal, deadline $FDEADLINE"
TR=(--tender tender.p7s --trust root.crt --revocation off)
TRF=(--tender tender-f.p7s --trust root.crt --revocation off)
PORTAL=(--key portal.key --cert portal.crt)
seal() {  # seal TENDER_ARGS_NAME ENVELOPE SIGNER DOC
  local -n tr=$1
  run "$TSIGN" tender seal "${tr[@]}" --envelope "$2" --key "$3.key" --cert "$3.crt" --out "pk/$4.pkg" "bids/$4.txt"
  expect_rc 0 "seal $4: envelope $2 by $3"
}
receive() {  # receive TENDER_ARGS_NAME STATE DOC SEQ
  local -n tr=$1
  run "$TSIGN" tender receive "${tr[@]}" "${PORTAL[@]}" --state "$2" --out "pk/$3.rcpt" "pk/$3.pkg"
  check "receive $3 into $2: receipt #$4 ($(head -c 200 "$W/out"; head -c 300 "$W/err"))" \
    bash -c "[ $RC = 0 ] && grep -q '^received: receipt #$4 at' '$W/out'"
}
seal TR A bidder1 1A
seal TR B bidder1 1B
seal TR A bidder2 2A
seal TR B bidder2 2B
seal TR A evil EA
seal TR A bidder1 1A2
seal TRF A bidder2 FA
receive TR st 1A 1
receive TR st 1B 2
receive TR st 2A 3
receive TR st 2B 4
cp -a st st3
receive TR st EA 5
# 9. the portal's clock two days ahead of the TSA's: the list would be timestamped before the deadline
run ahead '+2d' "$TSIGN" tender close "${TR[@]}" "${PORTAL[@]}" --state st3 --out list-ahead.p7s
expect_rc 1 "9: close with the portal's clock 2 days ahead (faketime), before the real deadline, fails"
expect_absent list-ahead.p7s "9: ... no list is written"
check "9: ... and none is kept in st3's tender.db" test "$(sqlite3 st3/tender.db "SELECT count(*) FROM tender WHERE k = 'list'")" = 0
receive TR st3 1A2 5  # the tender is still open: bidder1's revised A is received
now=$(date +%s)
check "everything before the deadline was done in time ($((DEADLINE_S - now)) s to spare)" test "$now" -lt "$DEADLINE_S"

# ---------------------------------------------------------------------------------------------
# After the deadline (nothing below depends on the clock but the closing)
receive TRF stf FA 1
# 2. a package of the other tender, its receipt and columns copied, inserted into st as #6
sqlite3 st/tender.db "ATTACH 'stf/tender.db' AS o;
  INSERT INTO packages(package_sha256, envelope, bidder, bidder_cert_sha256, time, received_at, receipt, package)
  SELECT package_sha256, envelope, bidder, bidder_cert_sha256, time, received_at, receipt, readfile('pk/FA.pkg') FROM o.packages WHERE seq = 1"
check "2: the other tender's package is #6 in st" test "$(sqlite3 st/tender.db "SELECT seq || ' ' || envelope FROM packages WHERE package_sha256 = '$(sha pk/FA.pkg)'")" = "6 A"
# 1. envelope B relabelled A
sqlite3 st/tender.db "UPDATE packages SET envelope = 'A' WHERE seq = 2"
check "1: st's #2 (bidder1's B) is now labelled A" test "$(sqlite3 st/tender.db "SELECT envelope FROM packages WHERE seq = 2")" = A
# 3. closing-list fields altered in st3: #3's time an hour later (after the deadline), #2's bidder another
T3=$(sqlite3 st3/tender.db "SELECT time FROM packages WHERE seq = 3")
sqlite3 st3/tender.db "UPDATE packages SET time = time + 3600 WHERE seq = 3; UPDATE packages SET bidder = 'CN=bidder2, C=IR' WHERE seq = 2"
while [ "$(date +%s)" -le "$DEADLINE_S" ]; do sleep 0.5; done

run "$TSIGN" tender close "${TR[@]}" "${PORTAL[@]}" --state st --out list.p7s
expect_rc 0 "close st"
expect_out_contains "closed tender $TID: 6 packages" "close st: 6 packages"
run "$TSIGN" tender close "${TR[@]}" "${PORTAL[@]}" --state st3 --out list3.p7s
expect_rc 0 "9: after the failed close ahead of time, the normal close of st3 succeeds"
expect_out_contains "closed tender $TID: 5 packages" "close st3: 5 packages (bidder1's revised A received after the failed close)"
openssl cms -verify -inform DER -in list.p7s -CAfile root.crt -purpose any -binary -out list.json 2>/dev/null
openssl cms -verify -inform DER -in list3.p7s -CAfile root.crt -purpose any -binary -out list3.json 2>/dev/null
check "1, 2: st's list says #2 is envelope A, #6 envelope A ($(jq -c '[.entries[] | [.seq, .envelope]]' list.json 2>&1))" \
  test "$(jq -c '[.entries[] | select(.seq == 2 or .seq == 6) | .envelope]' list.json)" = '["A","A"]'
check "3: st3's list carries the altered fields: #3 an hour later, #2 from bidder2" \
  test "$(jq -c '[(.entries[] | select(.seq == 3) | .time), (.entries[] | select(.seq == 2) | .bidder)]' list3.json)" = \
  "[\"$(date -u -d "@$((T3 + 3600))" +%Y-%m-%dT%H:%M:%SZ)\",\"CN=bidder2, C=IR\"]"

# 3. verify-list --receipt: an altered entry does not say what its receipt says
for r in 2A:list3 1B:list3 1B:list; do
  run "$TSIGN" tender verify-list "${TR[@]}" --receipt pk/${r%%:*}.rcpt ${r#*:}.p7s
  expect_rc 1 "3: verify-list --receipt ${r%%:*} ${r#*:}.p7s (its entry altered) fails"
  expect_err_contains "does not say what the receipt says" "3: ... the entry does not say what the receipt says"
done
for r in 1A:list3 2B:list3 1A:list; do
  run "$TSIGN" tender verify-list "${TR[@]}" --receipt pk/${r%%:*}.rcpt ${r#*:}.p7s
  expect_rc 0 "verify-list --receipt ${r%%:*} ${r#*:}.p7s (its entry intact)"
done

# ---------------------------------------------------------------------------------------------
# Unsealing st's envelope A: no share for the relabelled B nor the other tender's package
UO=(--state st --list list.p7s --to session.crt)
for m in m1 m2; do
  run "$TSIGN" tender unseal "${TR[@]}" "${UO[@]}" --envelope A --key $m.key --cert $m.crt --out sh/$m-A.shares
  expect_rc 0 "unseal st A: $m"
  expect_out_contains "member ${m#m} ($m): 3 shares of envelope A" "unseal st A $m: 3 shares (#1, #3, #5)"
  expect_err_contains "no share could be unsealed for package $(sha pk/1B.pkg)" "1: unseal st A $m: no share for bidder1's B labelled A"
  expect_err_contains "no share could be unsealed for package $(sha pk/FA.pkg)" "2: unseal st A $m: no share for the other tender's package"
done
decrypt_set() { openssl cms -decrypt -inform DER -in "$1" -recip session.crt -inkey session.key -binary 2>/dev/null; }
got=$(decrypt_set sh/m1-A.shares | jq -r '[.shares[].package_sha256] | sort | join(" ")')
check "1, 2: m1's share set holds shares for #1, #3, #5 only, none for the relabelled B nor the other tender's package" \
  test "$got" = "$(for f in 1A 2A EA; do sha pk/$f.pkg; done | sort | paste -sd' ')"

# Opening st's envelope A, extracting
run "$TSIGN" tender open "${TR[@]}" --state st --list list.p7s --key session.key --cert session.crt --envelope A \
  --shares sh/m1-A.shares --shares sh/m2-A.shares --out minutes-A.txt --extract exA --json
expect_rc 0 "open st A with m1 and m2, --extract"
cp "$W/out" open-A.json
verdict() { jq -r ".bids[] | select(.seq == $2) | \"\(.verdict) \(.bidder)\"" "$1"; }
summary() { jq -r '[.bids[] | "#\(.seq) \(.bidder | sub(", C=IR$"; "")) \(.verdict)"] | join("; ")' "$1"; }
printf '# open st A: %s\n' "$(summary open-A.json)"
check "1: bidder1's A (#1) is opened, not superseded ($(verdict open-A.json 1))" test "$(verdict open-A.json 1)" = "opened CN=bidder1, C=IR"
check "bidder2's A (#3) is opened ($(verdict open-A.json 3))" test "$(verdict open-A.json 3)" = "opened CN=bidder2, C=IR"
check "4: the rival's A with bidder1's subject (#5) is opened ($(verdict open-A.json 5))" test "$(verdict open-A.json 5)" = "opened CN=bidder1, C=IR"
check "2: the other tender's package (#6) is tampered ($(verdict open-A.json 6): $(jq -r '.bids[] | select(.seq == 6) | .detail' open-A.json))" \
  test "$(jq -r '.bids[] | select(.seq == 6) | "\(.envelope) \(.verdict)"' open-A.json)" = "A tampered"
check "1: bidder1's B is not opened in A ($(jq -c "[.bids[] | select(.package_sha256 == \"$(sha pk/1B.pkg)\") | .verdict]" open-A.json))" \
  test "$(jq -r "[.bids[] | select(.package_sha256 == \"$(sha pk/1B.pkg)\" and .verdict == \"opened\")] | length" open-A.json)" = 0
check "the document hashes of #1, #3, #5 are their bids'" \
  test "$(jq -r '[.bids[] | select(.verdict == "opened") | "\(.seq):\(.document_sha256)"] | join(" ")' open-A.json)" = "1:$(sha bids/1A.txt) 3:$(sha bids/2A.txt) 5:$(sha bids/EA.txt)"
check "--extract: 3 documents, bidder1's A, bidder2's A, the rival's A ($(ls exA 2>&1 | paste -sd' '))" \
  bash -c "[ \$(find exA -type f | wc -l) = 3 ] && for d in 1A 2A EA; do grep -rlq MARKER-ATK-\$d-5c1e exA || exit 1; done"
check "1: bidder1's B is neither extracted nor in the minutes (marker, document hash)" \
  bash -c "! grep -rq MARKER-ATK-1B exA minutes-A.txt open-A.json && ! grep -q $(sha bids/1B.txt) minutes-A.txt open-A.json"
check "2: the other tender's bid is neither extracted nor in the minutes" \
  bash -c "! grep -rq MARKER-ATK-FA exA minutes-A.txt open-A.json && ! grep -q $(sha bids/FA.txt) minutes-A.txt open-A.json"

# 6. share sets: a forged set of m1, a copy with a share dropped, an identical copy sealed by OpenSSL
mkdir -p forge
decrypt_set sh/m1-A.shares >forge/m1-A.json
"$PY" - forge/m1-A.json forge/forged.json forge/dropped.json <<'EOF'
import base64, json, os, sys
j = json.load(open(sys.argv[1]))
f = json.loads(json.dumps(j))
for s in f["shares"]:
    s["y"] = base64.b64encode(os.urandom(32)).decode()
open(sys.argv[2], "w").write(json.dumps(f))
d = json.loads(json.dumps(j))
d["shares"] = d["shares"][:-1]
open(sys.argv[3], "w").write(json.dumps(d))
EOF
check "6: the forged set: member 1, the same 3 packages, every y another 32 bytes" \
  bash -c "[ \"\$(jq -c '[.member, [.shares[].package_sha256]]' forge/forged.json)\" = \"\$(jq -c '[.member, [.shares[].package_sha256]]' forge/m1-A.json)\" ] &&
    [ \"\$(for y in \$(jq -r '.shares[].y' forge/forged.json); do printf '%s' \$y | base64 -d | wc -c; done | paste -sd' ')\" = '32 32 32' ] &&
    [ \$(jq -r '.shares[].y' forge/forged.json forge/m1-A.json | sort -u | wc -l) = 6 ]"
for f in forged dropped m1-A; do
  openssl cms -encrypt -binary -aes256 -outform DER -in forge/$f.json -out sh/ossl-$f.shares session.crt 2>/dev/null
done
check "6: the forged, dropped and copied sets sealed to the session by OpenSSL" test -s sh/ossl-forged.shares -a -s sh/ossl-dropped.shares -a -s sh/ossl-m1-A.shares
OA=("$TSIGN" tender open "${TR[@]}" --state st --list list.p7s --key session.key --cert session.crt --envelope A --out minutes-x.txt)
for order in "m1-A ossl-forged" "ossl-forged m1-A" "m1-A ossl-dropped" "ossl-dropped m1-A"; do
  set -- $order
  run "${OA[@]}" --shares sh/$1.shares --shares sh/$2.shares --shares sh/m2-A.shares
  expect_rc 1 "6: open with m1's sets $1 and $2 (and m2's) is refused"
  expect_err_contains "member 1 has two different share sets" "6: ... 'member 1 has two different share sets'"
  expect_absent minutes-x.txt "6: ... no minutes"
done
run "${OA[@]}" --shares sh/m1-A.shares --shares sh/m1-A.shares
expect_rc 1 "6: m1's share set given twice counts once: 1 of 2 members"
expect_err_contains "1 of 2 members' shares; 1 more needed" "6: ... '1 of 2 members' shares; 1 more needed'"
expect_absent minutes-x.txt "6: ... no minutes"
run "${OA[@]}" --shares sh/m1-A.shares --shares sh/ossl-m1-A.shares --json
expect_rc 1 "6: m1's set and an identical copy sealed by OpenSSL count once: 1 of 2 members"
expect_err_contains "more needed" "6: ... 'more needed'"
run "${OA[@]}" --shares sh/ossl-m1-A.shares --shares sh/m1-A.shares --shares sh/m2-A.shares --json
expect_rc 0 "6: m1's set, its identical copy and m2's open A"
check "6: ... with the same verdicts ($(summary "$W/out" 2>&1))" test "$(summary "$W/out")" = "$(summary open-A.json)"
rm -f minutes-x.txt

# 7. --extract into a folder others can enter, or through a symlink
mkdir ex777 real700 && chmod 0777 ex777 && chmod 0700 real700 && ln -s real700 exlink
for x in ex777 exlink; do
  run "${OA[@]}" --shares sh/m1-A.shares --shares sh/m2-A.shares --extract $x
  expect_rc 2 "7: open --extract $x ($(stat -c %A $x)) is refused"
  expect_err_contains "must be a folder only its owner can enter" "7: ... 'must be a folder only its owner can enter'"
  expect_absent minutes-x.txt "7: ... no minutes"
done
check "7: nothing was written into the 0777 folder nor the link's target" test -z "$(find ex777 real700 -mindepth 1)"

# ---------------------------------------------------------------------------------------------
# st3: altered list entries (3) and bidder1's revision (4)
for m in m1 m3; do
  for e in A B; do
    run "$TSIGN" tender unseal "${TR[@]}" --state st3 --list list3.p7s --to session.crt --envelope $e --key $m.key --cert $m.crt --out sh/st3-$m-$e.shares
    expect_rc 0 "unseal st3 $e: $m"
  done
done
O3=("$TSIGN" tender open "${TR[@]}" --state st3 --list list3.p7s --key session.key --cert session.crt)
run "${O3[@]}" --envelope A --shares sh/st3-m1-A.shares --shares sh/st3-m3-A.shares --out minutes3-A.txt --json
expect_rc 0 "open st3 A with m1 and m3"
cp "$W/out" open3-A.json
printf '# open st3 A: %s\n' "$(summary open3-A.json)"
check "4: bidder1's revised A (#5, same certificate) supersedes its first (#1) ($(verdict open3-A.json 1))" \
  test "$(verdict open3-A.json 1)" = "superseded CN=bidder1, C=IR"
check "4: bidder1's revised A (#5) is opened ($(verdict open3-A.json 5))" test "$(verdict open3-A.json 5)" = "opened CN=bidder1, C=IR"
check "4: the revised A's document hash is its bid's" test "$(jq -r '.bids[] | select(.seq == 5) | .document_sha256' open3-A.json)" = "$(sha bids/1A2.txt)"
check "3: bidder2's A whose list time is an hour late (#3) is receipt_invalid, not late ($(verdict open3-A.json 3): $(jq -r '.bids[] | select(.seq == 3) | .detail' open3-A.json))" \
  test "$(verdict open3-A.json 3)" = "receipt_invalid CN=bidder2, C=IR"
check "3: the minutes of st3 A do not give #3's document" bash -c "! grep -q $(sha bids/2A.txt) minutes3-A.txt open3-A.json"
run "${O3[@]}" --envelope B --shares sh/st3-m1-B.shares --shares sh/st3-m3-B.shares --out minutes3-B.txt --json
expect_rc 0 "open st3 B with m1 and m3"
cp "$W/out" open3-B.json
printf '# open st3 B: %s\n' "$(summary open3-B.json)"
check "3: bidder1's B whose list says bidder2 (#2) is receipt_invalid, still bidder1's ($(verdict open3-B.json 2): $(jq -r '.bids[] | select(.seq == 2) | .detail' open3-B.json))" \
  test "$(verdict open3-B.json 2)" = "receipt_invalid CN=bidder1, C=IR"
check "3: bidder2's B (#4) is opened, not superseded by the misattributed one ($(verdict open3-B.json 4))" test "$(verdict open3-B.json 4)" = "opened CN=bidder2, C=IR"
check "3: the minutes of st3 B do not name bidder2 for #2" bash -c "grep -q 'receipt #2 — CN=bidder1, C=IR' minutes3-B.txt && ! grep -q 'receipt #2 — CN=bidder2' minutes3-B.txt"

# ---------------------------------------------------------------------------------------------
# 5. a closing list for FID (deadline a day away) signed by the portal's key, timestamped now, its
# JSON (from TID's real list) saying it closed after the deadline, its one entry stf's receipt
run "$TSIGN" tender verify-receipt "${TRF[@]}" --package pk/FA.pkg --json pk/FA.rcpt
expect_rc 0 "the other tender's receipt verifies"
FTIME=$(jq -r .time "$W/out")
FSHA=$(sha tender-f.p7s)
LEAF=$( (printf '\0'; cat pk/FA.rcpt) | sha256sum | cut -d' ' -f1)
jq --arg t $FID --arg d "$FSHA" --arg c "$(date -u -d "$FDEADLINE 1 hour" +%Y-%m-%dT%H:%M:%SZ)" --arg time "$FTIME" \
  --arg p "$(sha pk/FA.pkg)" --arg r "$(sha pk/FA.rcpt)" --arg l "$LEAF" \
  '.tender = $t | .descriptor_sha256 = $d | .closed_at = $c | .tree_size = 1 | .root = $l |
   .entries = [{seq: 1, envelope: "A", bidder: "CN=bidder2, C=IR", time: $time, package_sha256: $p, receipt_sha256: $r, leaf_hash: $l}]' \
  list.json >early.json
check "5: the early list's JSON: $FID, closed_at $(jq -r .closed_at early.json) after the deadline $FDEADLINE, one entry" \
  test "$(jq -r '"\(.format) \(.tender) \(.tree_size)"' early.json)" = "tsign-tender-list-1 $FID 1"
run "$TSIGN" sign --key portal.key --cert portal.crt --attached --tsa "$TSAURL" --out early.p7s early.json
expect_rc 0 "5: the portal's key signs the early list, with a signature timestamp"
check "5: OpenSSL verifies the early list's signature" openssl cms -verify -inform DER -in early.p7s -CAfile root.crt -purpose any -binary -out /dev/null
run "$TSIGN" tender verify-list "${TRF[@]}" early.p7s
expect_rc 1 "5: verify-list: a list timestamped before the deadline is refused"
expect_err_contains "before the deadline" "5: ... 'before the deadline'"
run "$TSIGN" tender verify-list "${TRF[@]}" --receipt pk/FA.rcpt early.p7s
expect_rc 1 "5: verify-list --receipt with the early list is refused"
run "$TSIGN" tender unseal "${TRF[@]}" --state stf --list early.p7s --to session.crt --envelope A --key m1.key --cert m1.crt --out sh/early-m1-A.shares
expect_rc 1 "5: unseal with the early list is refused"
expect_err_contains "before the deadline" "5: ... 'before the deadline'"
expect_absent sh/early-m1-A.shares "5: ... no share set"
run "$TSIGN" tender open "${TRF[@]}" --state stf --list early.p7s --key session.key --cert session.crt --envelope A \
  --out minutes-early.txt --extract exEarly
expect_rc 1 "5: open with the early list is refused"
expect_err_contains "before the deadline" "5: ... 'before the deadline'"
expect_absent minutes-early.txt "5: ... no minutes"
expect_absent exEarly "5: ... nothing extracted"

kill "$TSAPID"; wait "$TSAPID"; TRC=$?; TSAPID=""
check "the TSA stops on SIGTERM (exit $TRC)" test "$TRC" = 0
sanitizer_check tsa.log "tsa serve"
printf '# the test took %d s\n' $(( $(date +%s) - T_START ))
finish
