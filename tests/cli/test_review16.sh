#!/usr/bin/env bash
# The sixteenth review's findings as regression checks (the reviewer's repro scripts, made exact).
# F1  `tsa serve --chain`: the token's certificates are a SET OF and must be in DER order (sorted
#     by their encodings). OpenSSL writes them in insertion order (the TSA's first); whenever the
#     TSA certificate's encoding is longer than the intermediate's (asserted, so the test keeps
#     proving the case), that order is not DER and `extend --level lta` refused the signature
#     (exit 3 "the TSA's token is not in DER"). Two PKIs: P-256 with short names, and a P-384
#     intermediate with long names.
# F8  A CRL that lists the signer as revoked before the proven time (directly, or through an
#     invalidityDate) is not overridden by an OCSP "revoked" answer with a later date; the OCSP
#     answer's own invalidityDate counts too.
# F9  `ca revoke --date` in the future is refused (exit 2); a verifier does not believe a
#     revocation date later than the CRL's own thisUpdate: a hand-signed CRL (thisUpdate before
#     the signature's timestamp, revocation date 9999-12-31) makes that signature NOT valid; so
#     does an OCSP answer made before the signature that dates the revocation 2049.
# F10 A batch run without --csv removes an earlier run's batch-report.csv.
# F11 batch with a token key and no --chain embeds the issuer from the token, as sign does.
source "$(dirname "$0")/lib.sh"
cd "$W"
export P=pass1234 PIN=123456
P1=$(free_ports 5); P2=$((P1 + 1)); P3=$((P1 + 2)); P4=$((P1 + 3)); P5=$((P1 + 4))
net() { TSIGN_OFFLINE= "$@"; }
# jtrue FILE [JQ-ARGS] EXPR: a non-empty JSON file where EXPR holds (else the first signer's verdict, for the failure line)
jtrue() {
  local f=$1; shift
  [ -s "$f" ] && jq -e "$@" "$f" >/dev/null && return 0
  jq -c 'if .signers then .signers[0] | {valid, level, revocation, revocation_time, revocation_reason, timestamp_time, validation_time,
    indication, sub_indication, codes: [.findings[].code], warnings} else . end' "$f" 2>/dev/null | head -c 600
  return 1
}
epoch() { date -u -d "$1" +%s; }
der_len() { openssl x509 -in "$1" -outform DER | wc -c; }
subj() { openssl x509 -in "$1" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'; }
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
wait_port() { for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$1/${2:-}" && return 0; sleep 0.1; done; return 1; }

# --- set-up: two PKIs whose TSA runs with --chain (F1), one plain TSA (F8, F9) ------------------
f1_pki() {  # f1_pki DIR SUB-SUBJECT SUB-KEYTYPE OCSP-PORT
  mkdir -p "$1" && (
    cd "$1" || exit 1
    "$TSIGN" ca init --dir root --subject "/CN=Root/C=IR" --key-type ec-p256 --pin-source env:P --crl-url "http://127.0.0.1:$4/none" >/dev/null 2>&1
    "$TSIGN" ca init --dir sub --subject "$2" --key-type "$3" --pin-source env:P --parent root --parent-pin-source env:P \
      --crl-url "http://127.0.0.1:$4/crl" --ocsp-url "http://127.0.0.1:$4/" >/dev/null 2>&1
    for n in tsa ali; do
      "$TSIGN" key gen --type ec-p256 --out $n.key >/dev/null 2>&1
      "$TSIGN" csr --key $n.key --subject "/CN=$n/C=IR" --out $n.csr
    done
    "$TSIGN" ca issue --dir sub --csr tsa.csr --profile tsa --pem --out tsa.crt --pin-source env:P >/dev/null 2>&1
    "$TSIGN" ca issue --dir sub --csr ali.csr --pem --out ali.crt --pin-source env:P >/dev/null 2>&1
    "$TSIGN" ca crl --dir root --out root.crl --pin-source env:P >/dev/null 2>&1
    echo doc >doc.txt
  )
}
f1_pki a "/CN=Sub/C=IR" ec-p256 "$P1"
f1_pki b "/CN=A much longer intermediate CA name for the sorting test/O=Some Organisation With A Long Name/C=IR" ec-p384 "$P3"
"$TSIGN" ca init --dir troot --subject "/CN=TSA Root" --key-type ec-p256 --pin-source env:P >/dev/null 2>&1
"$TSIGN" key gen --type ec-p256 --out tsa.key >/dev/null 2>&1
"$TSIGN" csr --key tsa.key --subject "/CN=TSA" --out tsa.csr
"$TSIGN" ca issue --dir troot --csr tsa.csr --profile tsa --pem --out tsa.crt --pin-source env:P >/dev/null 2>&1
"$TSIGN" ca crl --dir troot --out troot.crl --pin-source env:P >/dev/null 2>&1

(cd a && exec "$TSIGN" ocsp serve --dir sub --listen 127.0.0.1:$P1 --pin-source env:P 2>ocsp.log) & PIDS+=($!)
(cd a && exec "$TSIGN" tsa serve --key tsa.key --cert tsa.crt --chain sub/chain.pem --listen 127.0.0.1:$P2 --state st 2>tsa.log) & PIDS+=($!)
(cd b && exec "$TSIGN" ocsp serve --dir sub --listen 127.0.0.1:$P3 --pin-source env:P 2>ocsp.log) & PIDS+=($!)
(cd b && exec "$TSIGN" tsa serve --key tsa.key --cert tsa.crt --chain sub/chain.pem --listen 127.0.0.1:$P4 --state st 2>tsa.log) & PIDS+=($!)
"$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:$P5 --state tsa-state 2>tsa.log & PIDS+=($!)
check "servers start" bash -c "$(declare -f wait_port); wait_port $P1 crl && wait_port $P2 && wait_port $P3 crl && wait_port $P4 && wait_port $P5"

# --- F1: tsa serve --chain tokens are DER; extend --level lta works with that TSA ----------------
f1_case() {  # f1_case DIR TSA-PORT WHAT
  local d=$1 tsa=http://127.0.0.1:$2/ what=$3
  local lt ls
  lt=$(der_len "$d/tsa.crt"); ls=$(der_len "$d/sub/ca.crt.pem")
  check "F1 $what: the TSA certificate ($lt bytes) is longer than the intermediate ($ls bytes): insertion order is not DER order" \
    test "$lt" -gt "$ls"
  run net "$TSIGN" sign --key "$d/ali.key" --cert "$d/ali.crt" --tsa "$tsa" --out "$d/bt.p7s" "$d/doc.txt"
  expect_rc 0 "F1 $what: sign B-T with the chained TSA"
  run net "$TSIGN" timestamp --tsa "$tsa" --out "$d/doc.tsr" "$d/doc.txt"
  expect_rc 0 "F1 $what: timestamp from the chained TSA"
  openssl ts -reply -in "$d/doc.tsr" -token_out -out "$d/tok.der" 2>/dev/null
  openssl cms -cmsout -inform DER -in "$d/tok.der" -outform DER -out "$d/tok.reenc.der" 2>/dev/null
  check "F1 $what: the token is DER (openssl cms re-encodes it to the same bytes)" cmp "$d/tok.der" "$d/tok.reenc.der"
  # the certificates as the token carries them: the intermediate's, then the TSA's (shorter first)
  openssl pkcs7 -inform DER -in "$d/tok.der" -print_certs 2>/dev/null |
    awk -v p="$d/tokcert" '/BEGIN CERT/{n++; on=1} on{print >>(p n ".pem")} /END CERT/{on=0; close(p n ".pem")}'
  local subjects="" lens="" i
  for i in 1 2 3; do
    [ -f "$d/tokcert$i.pem" ] || continue
    subjects+="$(subj "$d/tokcert$i.pem")|"
    lens+="$(der_len "$d/tokcert$i.pem") "
  done
  check "F1 $what: the token carries the intermediate, then the TSA's certificate ($subjects; $lens bytes)" \
    test "$subjects" = "$(subj "$d/sub/ca.crt.pem")|$(subj "$d/tsa.crt")|"
  run net "$TSIGN" extend --level lta --trust "$d/root/ca.crt.pem" --untrusted "$d/sub/ca.crt.pem" --crl "$d/root.crl" \
    --tsa "$tsa" --content "$d/doc.txt" --out "$d/lta.p7s" "$d/bt.p7s"
  expect_rc 0 "F1 $what: extend --level lta with the chained TSA"
  run "$TSIGN" verify --json --trust "$d/root/ca.crt.pem" --revocation off "$d/lta.p7s" "$d/doc.txt"
  expect_rc 0 "F1 $what: the B-LTA signature verifies"
  check "F1 $what: level B-LTA with one archive timestamp" jtrue "$W/out" '.signers[0].level == "B-LTA" and (.signers[0].archive_timestamps | length) == 1'
  cat "$d/root/ca.crt.pem" "$d/sub/ca.crt.pem" >"$d/cas.pem"  # openssl cms takes intermediates only from the signature
  check "F1 $what: openssl cms accepts the B-LTA signature" openssl cms -verify -binary -inform DER -in "$d/lta.p7s" -content "$d/doc.txt" \
    -CAfile "$d/cas.pem" -purpose any -out /dev/null
}
f1_case a "$P2" "P-256, short names"
f1_case b "$P4" "P-384 intermediate, long names"

# --- F8: an OCSP "revoked later" answer does not cancel an earlier CRL revocation ---------------
mkdir -p ca/newcerts; : >ca/index.txt; echo 'unique_subject = no' >ca/index.txt.attr; echo 1000 >ca/serial; echo 1000 >ca/crlnumber
cat >ca.cnf <<CNF
[ca]
default_ca = X
[X]
dir = $W/ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $W/x.crt
private_key = $W/x.key
default_md = sha256
default_days = 30
default_crl_days = 7
policy = pol
[pol]
commonName = supplied
[leaf]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
[crlext]
authorityKeyIdentifier=keyid
CNF
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout x.key -subj "/CN=X Root" -days 60 \
  -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign -out x.crt 2>/dev/null
for n in s thief; do  # s: serial 1000 (F8), thief: serial 1001 (F9)
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $n.key -subj "/CN=Signer $n" -out $n.csr 2>/dev/null
  openssl ca -batch -config ca.cnf -extensions leaf -in $n.csr -out $n.crt >/dev/null 2>&1
done
check "F8 set-up: openssl ca issued serials 1000 and 1001" test "$(openssl x509 -in s.crt -noout -serial)$(openssl x509 -in thief.crt -noout -serial)" = "serial=1000serial=1001"
grep -P '\t1001\t' ca/index.txt >ca/index9.txt  # F9's OCSP answer is about 1001
sed -i '/\t1001\t/d' ca/index.txt  # F8's CRLs and OCSP answers are about 1000 only
echo "the contract" >doc.txt
run net "$TSIGN" sign --key s.key --cert s.crt --tsa "http://127.0.0.1:$P5/" --out bt.p7s doc.txt
expect_rc 0 "F8: sign B-T"
"$TSIGN" verify --trust x.crt --trust troot/ca.crt.pem --revocation off --json bt.p7s doc.txt >bt.json
TS=$(jq -r '.signers[0].timestamp_time' bt.json)
ts=$(epoch "$(jq -r '.signers[0].validation_time' bt.json)")  # the proven time: the token's time + its accuracy
check "F8: proven time of signing $TS (validation time $(jq -r '.signers[0].validation_time' bt.json))" \
  test "$ts" -ge "$(epoch "$TS")"
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
openssl ocsp -issuer x.crt -cert s.crt -no_nonce -reqout s.req 2>/dev/null
state() {  # state NAME REVINFO: CRL NAME.crl and OCSP response NAME.ors from an index with that revocation of 1000
  awk -F'\t' -v OFS='\t' -v r="$2" '{$1="R"; $3=r; print}' ca/index.txt >ca/i && mv ca/i ca/index.txt
  openssl ca -config ca.cnf -gencrl -crlexts crlext -out "$1.crl.pem" 2>/dev/null
  openssl crl -in "$1.crl.pem" -outform DER -out "$1.crl"
  openssl ocsp -index ca/index.txt -rsigner x.crt -rkey x.key -CA x.crt -reqin s.req -respout "$1.ors" -ndays 3 2>/dev/null
}
V() { run "$TSIGN" verify --trust x.crt --trust troot/ca.crt.pem --crl troot.crl --revocation require --json "$@" bt.p7s doc.txt; }
REVOKED='.valid == false and .signers[0].revocation == "revoked" and .signers[0].indication == "TOTAL_FAILED" and .signers[0].sub_indication == "REVOKED"
  and ([.signers[0].findings[] | select(.code == "revoked" and .depth == 0)] | length) == 1'
not_valid() {  # not_valid WHAT REASON: the last verify says revoked (REASON), not valid
  expect_rc 1 "$1: not valid"
  check "$1: revocation revoked, TOTAL_FAILED/REVOKED, finding 'revoked' at depth 0" jtrue "$W/out" "$REVOKED"
  check "$1: revocation_reason $2" jtrue "$W/out" --arg r "$2" '.signers[0].revocation_reason == $r'
}
# All CRLs and OCSP answers below are made more than 3 s after the proven time, so that their
# thisUpdate is after it (a revocation date later than the evidence's thisUpdate counts as that
# thisUpdate, F9): a revocation dated after the proof is then believed.
while [ "$(date +%s)" -le $((ts + 3)) ]; do sleep 0.2; done
# (a) revoked 30 s after the proof, but the key compromised (invalidityDate) one day before it
state inv "$(date -u -d @$((ts + 30)) +%y%m%d%H%M%SZ),keyTime,$(date -u -d @$((ts - 86400)) +%Y%m%d%H%M%SZ)"
check "F8 (a): openssl sees the CRL entry's invalidityDate" bash -c "openssl crl -inform DER -in inv.crl -noout -text | grep -q 'Invalidity Date'"
check "F8 (a): openssl sees the OCSP answer revoked, with an invalidityDate" bash -c \
  "openssl ocsp -respin inv.ors -resp_text -noverify | grep -q 'Revocation Time' && openssl ocsp -respin inv.ors -resp_text -noverify | grep -q 'Invalidity Date'"
V --crl inv.crl
not_valid "F8 (a) CRL with an invalidityDate before the proof" keyCompromise
V --ocsp-response inv.ors
not_valid "F8 (a) OCSP answer with an invalidityDate before the proof" keyCompromise
V --crl inv.crl --ocsp-response inv.ors
not_valid "F8 (a) both" keyCompromise
# (b) CRL: keyCompromise 2 minutes before the proof; OCSP: superseded 2 s after it
state early "$(date -u -d @$((ts - 120)) +%y%m%d%H%M%SZ),keyCompromise"
state late "$(date -u -d @$((ts + 2)) +%y%m%d%H%M%SZ),superseded"
for ev in "--ocsp-response late.ors" "--crl late.crl"; do
  V $ev
  expect_rc 0 "F8 (b) control: $ev alone ('revoked after the proof'): valid"
  check "F8 (b) control: $ev: revoked_after_proof, revocation_time $(iso $((ts + 2))) after timestamp_time $TS, superseded" jtrue "$W/out" \
    --arg t "$(iso $((ts + 2)))" --arg ts "$TS" '.valid == true and .signers[0].revocation == "revoked_after_proof" and .signers[0].revocation_time == $t
     and .signers[0].timestamp_time == $ts and $t > $ts and .signers[0].revocation_reason == "superseded" and .signers[0].indication == "TOTAL_PASSED"'
done
for ev in "--crl early.crl" "--crl early.crl --ocsp-response late.ors"; do
  V $ev
  not_valid "F8 (b) $ev" keyCompromise
  check "F8 (b) $ev: revocation_time $(iso $((ts - 120))) (the CRL's), before timestamp_time $TS, no 'after the proven time' warning" jtrue "$W/out" \
    --arg t "$(iso $((ts - 120)))" --arg ts "$TS" '.signers[0].revocation_time == $t and .signers[0].timestamp_time == $ts and $t < $ts
     and ([.signers[0].warnings[] | select(test("after the proven time"))] | length) == 0'
done

# --- F9: future revocation dates ---------------------------------------------------------------
"$TSIGN" key gen --type ec-p256 --out k9.key >/dev/null 2>&1
"$TSIGN" csr --key k9.key --subject "/CN=k9" --out k9.csr
"$TSIGN" ca issue --dir troot --csr k9.csr --pem --out k9.crt --pin-source env:P >/dev/null 2>&1
S9=$(openssl x509 -in k9.crt -noout -serial | cut -d= -f2)
run "$TSIGN" ca revoke --dir troot --serial "$S9" --reason keyCompromise --date 2099-01-01 --pin-source env:P
expect_rc 2 "F9: ca revoke --date 2099-01-01 is refused"
expect_one_line_error "F9: ca revoke --date in the future"
expect_err_contains "invalid revocation date 2099-01-01T00:00:00Z: it is in the future" "F9: the error names the date"
run "$TSIGN" ca list --dir troot --status revoked --json
check "F9: nothing was revoked" jtrue "$W/out" '[.certificates[] | select(.serial == "'"$S9"'")] | length == 0'
YESTERDAY=$(date -u -d '-1 day' +%Y-%m-%d)
run "$TSIGN" ca revoke --dir troot --serial "$S9" --reason keyCompromise --date "$YESTERDAY" --pin-source env:P
expect_rc 0 "F9: ca revoke --date $YESTERDAY (the past) is accepted"
"$TSIGN" ca crl --dir troot --out troot9.crl --pin-source env:P >/dev/null 2>&1
check "F9: openssl reads the CRL's revocation date as $YESTERDAY 00:00:00" bash -c \
  "openssl crl -inform DER -in troot9.crl -noout -text | tr -s ' ' | grep -q 'Revocation Date: $(date -u -d "$YESTERDAY" '+%b %e 00:00:00 %Y GMT' | tr -s ' ')'"

# a CRL signed by hand, as the reviewer's rev/far.crl: thisUpdate an hour ago, the thief's
# certificate (serial 1001) revoked (keyCompromise) on 9999-12-31 (GeneralizedTime)
far_crl() {  # far_crl OUT THISUPDATE NEXTUPDATE REVOCATIONDATE (GeneralizedTime)
  cat >tbs.cnf <<CNF
asn1 = SEQUENCE:tbs
[tbs]
version = INTEGER:1
sigalg = SEQUENCE:sigalg
issuer = SEQUENCE:issuer
thisUpdate = UTCTIME:$2
nextUpdate = UTCTIME:$3
revoked = SEQUENCE:revoked
exts = EXPLICIT:0,SEQUENCE:crlexts
[sigalg]
oid = OID:ecdsa-with-SHA256
[issuer]
rdn = SET:rdn
[rdn]
atv = SEQUENCE:cn
[cn]
oid = OID:commonName
value = UTF8:X Root
[revoked]
entry = SEQUENCE:entry
[entry]
serial = INTEGER:0x1001
date = GENTIME:$4
exts = SEQUENCE:entryexts
[entryexts]
reason = SEQUENCE:reason
[reason]
oid = OID:CRLReason
value = FORMAT:HEX,OCTETSTRING:0A0101
[crlexts]
number = SEQUENCE:crlnumber
[crlnumber]
oid = OID:crlNumber
value = FORMAT:HEX,OCTETSTRING:020109
CNF
  openssl asn1parse -genconf tbs.cnf -out tbs.der -noout &&
    openssl dgst -sha256 -sign x.key -out tbs.sig tbs.der &&
    python3 - tbs.der tbs.sig "$1" <<'PY'
import sys
def tlv(tag, body):
    n = len(body)
    ln = bytes([n]) if n < 128 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + ln + body
tbs, sig = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
alg = tlv(0x30, bytes.fromhex("06082a8648ce3d040302"))
open(sys.argv[3], "wb").write(tlv(0x30, tbs + alg + tlv(0x03, b"\x00" + sig)))
PY
}
far_crl far.crl "$(date -u -d '-1 hour' +%y%m%d%H%M%SZ)" "$(date -u -d '+7 days' +%y%m%d%H%M%SZ)" 99991231235959Z
check "F9: openssl verifies the hand-signed CRL with X Root's key" openssl crl -inform DER -in far.crl -CAfile x.crt -noout
check "F9: openssl reads revocation date 9999-12-31 for serial 1001 (keyCompromise)" bash -c \
  "openssl crl -inform DER -in far.crl -noout -text | tr -s ' ' | grep -A4 'Serial Number: 1001' | grep -q 'Revocation Date: Dec 31 23:59:59 9999 GMT' &&
   openssl crl -inform DER -in far.crl -noout -text | grep -q 'Key Compromise'"
# an OCSP answer made now (before the signature) that dates the revocation 2049-12-31
awk -F'\t' -v OFS='\t' '{$1="R"; $3="491231235959Z,keyCompromise"; print}' ca/index9.txt >ca/i && mv ca/i ca/index9.txt
openssl ocsp -issuer x.crt -cert thief.crt -no_nonce -reqout t9.req 2>/dev/null
openssl ocsp -index ca/index9.txt -rsigner x.crt -rkey x.key -CA x.crt -reqin t9.req -respout far.ors -ndays 3 2>/dev/null
check "F9: openssl reads the OCSP answer: revoked, Revocation Time Dec 31 23:59:59 2049" bash -c \
  "openssl ocsp -respin far.ors -resp_text -noverify | tr -s ' ' | grep -q 'Revocation Time: Dec 31 23:59:59 2049 GMT'"
echo "signed with the compromised key, after its revocation" >doc9.txt
run net "$TSIGN" sign --key thief.key --cert thief.crt --tsa "http://127.0.0.1:$P5/" --out doc9.p7s doc9.txt
expect_rc 0 "F9: sign B-T with the thief's key (timestamped now, after the CRL's thisUpdate)"
run "$TSIGN" verify --trust x.crt --trust troot/ca.crt.pem --crl troot.crl --crl far.crl --revocation require --json doc9.p7s doc9.txt
expect_rc 1 "F9: a revocation date after the CRL's thisUpdate is not believed: NOT valid"
check "F9: revocation revoked, TOTAL_FAILED/REVOKED, finding 'revoked' at depth 0" jtrue "$W/out" \
  '.valid == false and .signers[0].revocation == "revoked" and .signers[0].indication == "TOTAL_FAILED" and .signers[0].sub_indication == "REVOKED"
   and ([.signers[0].findings[] | select(.code == "revoked" and .depth == 0)] | length) == 1'
check "F9: no 'revoked after the proven time' warning" jtrue "$W/out" '[.signers[0].warnings[] | select(test("after the proven time"))] | length == 0'
run "$TSIGN" verify --trust x.crt --trust troot/ca.crt.pem --crl troot.crl --ocsp-response far.ors --revocation require --json doc9.p7s doc9.txt
expect_rc 1 "F9: a revocation time after the OCSP answer's thisUpdate is not believed: NOT valid"
check "F9 OCSP: revocation revoked (keyCompromise), TOTAL_FAILED/REVOKED, finding 'revoked' at depth 0" jtrue "$W/out" "$REVOKED"' and .signers[0].revocation_reason == "keyCompromise"'
check "F9 OCSP: no 'revoked after the proven time' warning" jtrue "$W/out" '[.signers[0].warnings[] | select(test("after the proven time"))] | length == 0'

# --- F11: batch with a token key takes the issuer from the token, as sign does ------------------
new_token m1
"$TSIGN" ca init --dir r11 --subject "/CN=Root11" --key-type ec-p256 --pin-source env:P --crl-url http://127.0.0.1:1/crl >/dev/null 2>&1
"$TSIGN" ca init --dir s11 --subject "/CN=Sub11" --key-type ec-p256 --pin-source env:P --parent r11 --parent-pin-source env:P >/dev/null 2>&1
"$TSIGN" token keygen --token m1 --label sign --type ec-p256 --pin-source env:PIN >/dev/null
"$TSIGN" csr --key "pkcs11:token=m1;object=sign" --pin-source env:PIN --subject "/CN=Clerk" --out c11.csr
"$TSIGN" ca issue --dir s11 --csr c11.csr --pem --out c11.crt --pin-source env:P >/dev/null 2>&1
"$TSIGN" token import-cert --token m1 --label sign --pin-source env:PIN c11.crt >/dev/null
"$TSIGN" token import-cert --token m1 --label sub --pin-source env:PIN s11/ca.crt.pem >/dev/null
echo doc >d11.txt; mkdir in11; cp d11.txt in11/
certs_in() { openssl pkcs7 -inform DER -in "$1" -print_certs 2>/dev/null | grep '^subject=' | sed 's/^subject=//; s/ //g' | sort | tr '\n' '|'; }
run "$TSIGN" sign --key "pkcs11:token=m1;object=sign" --pin-source env:PIN --out sign11.p7s d11.txt
expect_rc 0 "F11: sign with the token key, no --chain"
check "F11: sign embeds the signer and the issuer from the token" test "$(certs_in sign11.p7s)" = "CN=Clerk|CN=Sub11|"
run "$TSIGN" batch --key "pkcs11:token=m1;object=sign" --pin-source env:PIN --out-dir out11 in11
expect_rc 0 "F11: batch with the token key, no --chain"
check "F11: batch embeds the signer and the issuer from the token" test "$(certs_in out11/d11.txt.p7s)" = "CN=Clerk|CN=Sub11|"
check "F11: batch prints no warning (the issuer was found)" bash -c "! grep -qi warning '$W/err'"
run "$TSIGN" verify --trust r11/ca.crt.pem --revocation off --json out11/d11.txt.p7s d11.txt
expect_rc 0 "F11: the batch output verifies with --trust ROOT only"
check "F11: chain Clerk > Sub11 > Root11" jtrue "$W/out" '.signers[0].chain == ["CN=Clerk", "CN=Sub11", "CN=Root11"]'
check "F11: openssl cms accepts the batch output with the root only" openssl cms -verify -binary -inform DER -in out11/d11.txt.p7s \
  -content d11.txt -CAfile r11/ca.crt.pem -purpose any -out /dev/null

# --- F10: a run without --csv removes the earlier run's batch-report.csv ------------------------
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout clerk.key -subj /CN=clerk -days 5 \
  -addext keyUsage=critical,digitalSignature,nonRepudiation -out clerk.crt 2>/dev/null
mkdir in1 in2; for i in 1 2 3; do echo "a$i" >in1/a$i.txt; echo "b$i" >in2/b$i.txt; done
run "$TSIGN" batch --key clerk.key --cert clerk.crt --out-dir out10 --csv --quiet in1
expect_rc 0 "F10: batch --csv (in1)"
check "F10: the CSV lists in1's 3 inputs" test "$(grep -c 'a[123]\.txt' out10/batch-report.csv)" -eq 3
run "$TSIGN" batch --key clerk.key --cert clerk.crt --out-dir out10 --quiet in2
expect_rc 0 "F10: batch without --csv (in2) into the same folder"
check "F10: the JSON report describes the second run (in2, ended)" jtrue out10/batch-report.json \
  '.run.state == "ended" and ([.entries[].input | select(test("b[123]\\.txt$"))] | length) == 3 and ([.entries[].input | select(test("a[123]\\.txt$"))] | length) == 0'
expect_absent out10/batch-report.csv "F10: the first run's batch-report.csv is gone"
run "$TSIGN" batch --key clerk.key --cert clerk.crt --out-dir out10 --csv --quiet --force in2
expect_rc 0 "F10: batch --csv again"
check "F10: the new CSV lists in2's inputs only" test "$(grep -c 'b[123]\.txt' out10/batch-report.csv) $(grep -c 'a[123]\.txt' out10/batch-report.csv)" = "3 0"

finish
