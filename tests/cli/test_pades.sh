#!/usr/bin/env bash
# PAdES end to end: a tender minute (examples/tender-minute.pdf) signed and co-signed by five
# commission members (RSA PKCS#1 v1.5, RSA-PSS, ECDSA, a SoftHSM2 token key; B-B and B-T), each
# step checked by poppler's pdfsig, Apache PDFBox (tests/tools/PdfBoxVerify.java) and qpdf --check;
# B-LT / B-LTA with a CA hierarchy whose OCSP responders, CRLs and TSA run here on 127.0.0.1;
# DocMDP certification; signatures made by PDFBox (tests/tools/PdfBoxSign.java) verified and
# co-signed; hostile files (tests/tools/pdf_attacks.py: shadow content, swapped page, a page-covering
# unsigned signature field, ByteRange gap, data after the CMS, truncation, altered bytes) each
# rejected with its finding code; the exact signed revision extracted; a visible Persian
# appearance rendered by poppler; encrypted, hybrid-reference and xref-stream PDFs; rosters; the
# same signer twice.
source "$(dirname "$0")/lib.sh"
cd "$W"
export CA_PASS=ca-passphrase PIN=123456
P1=$(free_ports 3); P2=$((P1 + 1)); P3=$((P1 + 2))
net() { TSIGN_OFFLINE= "$@"; }
TOOLS=$TSIGN_SOURCE/tests/tools
ATTACK=(python3 "$TOOLS/pdf_attacks.py")
CP=$(bash "$TOOLS/java.sh" "$W/java") || { fail "tests/tools/java.sh: cannot compile the PDFBox tools"; finish; }

# --- the CA hierarchy, the members' keys (Persian names), OCSP / CRL / TSA servers ------------
"$TSIGN" ca init --dir root --subject "/CN=Root PAdES/C=IR" --key-type ec-p256 --pin-source env:CA_PASS \
    --crl-url "http://127.0.0.1:$P1/crl" 2>/dev/null
"$TSIGN" ca init --dir sub --subject "/CN=Sub PAdES/C=IR" --key-type ec-p256 --pin-source env:CA_PASS --parent root \
    --parent-pin-source env:CA_PASS --ocsp-url "http://127.0.0.1:$P2/" --crl-url "http://127.0.0.1:$P2/crl" 2>/dev/null
issue() {  # issue NAME KEYTYPE CN [PROFILE]: NAME.key (PEM), NAME.crt (PEM) issued by sub
  "$TSIGN" key gen --type "$2" --pem --out "$1.key" >/dev/null 2>&1
  "$TSIGN" csr --key "$1.key" --subject "/CN=$3/C=IR" --out "$1.csr"
  "$TSIGN" ca issue --dir sub --csr "$1.csr" --profile "${4:-signer}" --days 30 --pem --out "$1.crt" --pin-source env:CA_PASS
}
issue ali rsa2048 "علی رضایی"      # RSA PKCS#1 v1.5
issue sara rsa2048 "سارا احمدی"    # RSA-PSS
issue maryam ec-p256 "مریم کریمی"  # ECDSA
issue neda ec-p256 "ندا حسینی"     # ECDSA, B-T
issue tsa ec-p256 "TSA PAdES" tsa
# Reza's key lives on a token: generated there, its CSR signed there, the certificate stored beside it
new_token reza
"$TSIGN" token keygen --token reza --label sign --type ec-p256 --pin-source env:PIN --json >keygen.json
"$TSIGN" csr --key "pkcs11:token=reza;object=sign" --pin-source env:PIN --subject "/CN=رضا محمدی/C=IR" --out reza.csr
"$TSIGN" ca issue --dir sub --csr reza.csr --profile signer --days 30 --pem --out reza.crt --pin-source env:CA_PASS
run "$TSIGN" token import-cert --token reza --label sign --id "$(jq -r .id keygen.json)" --pin-source env:PIN reza.crt
expect_rc 0 "the token member's certificate stored on the token"
cat sub/ca.crt.pem root/ca.crt.pem >chain.pem
key() {  # key NAME: the signing options of a member
  case $1 in
    reza) echo --key "pkcs11:token=reza;object=sign" --pin-source env:PIN --chain sub/ca.crt.pem ;;
    *) echo --key "$1.key" --cert "$1.crt" --chain sub/ca.crt.pem ;;
  esac
}
PIDS=()
wait_port() { for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$1/${2:-}" && return 0; sleep 0.1; done; return 1; }
"$TSIGN" ocsp serve --dir root --listen "127.0.0.1:$P1" --pin-source env:CA_PASS 2>root.log & PIDS+=($!)
"$TSIGN" ocsp serve --dir sub --listen "127.0.0.1:$P2" --pin-source env:CA_PASS 2>sub.log & PIDS+=($!)
"$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen "127.0.0.1:$P3" --state tsa-state 2>tsa.log & PIDS+=($!)
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
check "servers start" bash -c "$(declare -f wait_port); wait_port $P1 crl && wait_port $P2 crl && wait_port $P3"
TSA=http://127.0.0.1:$P3/
cp "$TSIGN_SOURCE/examples/tender-minute.pdf" minute.pdf
V=("$TSIGN" verify --json --trust root/ca.crt.pem)

# --- independent checkers ---------------------------------------------------------------------
# pdfsig_valid FILE N [TS]: poppler lists N signatures, and N - TS of them are CAdES / PKCS#7
# signatures that it says "Signature is Valid." of (this poppler does not verify ETSI.RFC3161
# document timestamps: "Signature Type: unknown")
pdfsig_valid() {
  pdfsig "$1" 2>/dev/null | python3 -c '
import sys
blocks = sys.stdin.read().split("Signature #")[1:]
n, ts = int(sys.argv[1]), int(sys.argv[2])
cms = [b for b in blocks if "Signature Type: ETSI.CAdES.detached" in b or "Signature Type: adbe.pkcs7" in b]
bad = [b for b in cms if "Signature Validation: Signature is Valid." not in b]
print("%d signatures (expected %d), %d CMS (expected %d), %d not valid" % (len(blocks), n, len(cms), n - ts, len(bad)))
sys.exit(0 if len(blocks) == n and len(cms) == n - ts and not bad else 1)' "$2" "${3:-0}"
}
# independent FILE N WHAT [TS]: pdfsig, PDFBox and qpdf --check accept FILE with N signatures
# (TS of them document timestamps)
independent() {
  if [ ! -s "$1" ]; then fail "$3: $1 was not written: nothing to check"; return; fi
  check "$3: pdfsig says every signature is valid ($2${4:+, $4 document timestamps unchecked})" pdfsig_valid "$1" "$2" "${4:-0}"
  check "$3: PDFBox verifies $2 signatures" java -cp "$CP" PdfBoxVerify "$1" --expect "$2"
  check "$3: qpdf --check" qpdf --check "$1"
}
# jcheck DESCRIPTION JQ_EXPR: on the last verify's JSON ($W/out)
jcheck() { check "$1" jq -e "$2" "$W/out"; }
# finding N CODE: signature N of the last verify report has the finding CODE
finding() { jcheck "signature $1: finding $2" "(.signatures[$1 - 1].valid | not) and ([.signatures[$1 - 1].findings[].code] | index(\"$2\") != null)"; }
size() { stat -c %s "$1"; }

# --- 1, 2: five members in turn, in place; every earlier revision unchanged ------------------
mkdir chain && cp minute.pdf chain/doc.pdf && chmod 640 chain/doc.pdf && ln chain/doc.pdf link.pdf
inode=$(stat -c %i chain/doc.pdf)
MEMBERS=(ali sara maryam reza neda)
EXTRA=("" "--pss --tsa $TSA" "--appearance 1/40,40,280,120" "--tsa $TSA" "--tsa $TSA")
LEVEL=(B-B B-T B-B B-T B-T)
ALG=(SHA256withRSA SHA256withRSASSA-PSS SHA256withECDSA SHA256withECDSA SHA256withECDSA)
cp chain/doc.pdf rev0.pdf
for i in 1 2 3 4 5; do
  m=${MEMBERS[$((i - 1))]}
  cmd=sign; [ "$i" -gt 1 ] && cmd=cosign
  # shellcheck disable=SC2046,SC2086
  run "$TSIGN" $cmd $(key "$m") ${EXTRA[$((i - 1))]} chain/doc.pdf
  expect_rc 0 "$cmd #$i ($m, ${LEVEL[$((i - 1))]}${EXTRA[$((i - 1))]:+, ${EXTRA[$((i - 1))]%% *}}) in place"
  cp chain/doc.pdf "rev$i.pdf"
  prev=rev$((i - 1)).pdf
  check "#$i: revision $((i - 1)) kept byte for byte ($(size "$prev") bytes)" cmp -n "$(size "$prev")" "$prev" "rev$i.pdf"
  check "#$i: the file grew" test "$(size "rev$i.pdf")" -gt "$(size "$prev")"
  independent "rev$i.pdf" "$i" "#$i"
  java -cp "$CP" PdfBoxVerify "rev$i.pdf" >pdfbox.out 2>&1
  ts=no; [ "${LEVEL[$((i - 1))]}" = B-T ] && ts=yes
  check "#$i: PDFBox sees ${ALG[$((i - 1))]}, signature timestamp: $ts, in the new signature" \
    grep -q "^sig $((i - 1)): OK .*alg=${ALG[$((i - 1))]} ts=$ts " pdfbox.out
  run "${V[@]}" "rev$i.pdf"
  expect_rc 0 "#$i: tsign verify"
  jcheck "#$i: valid, $i signatures, $((i + 1)) revisions" ".valid and (.signatures | length) == $i and .revisions == $((i + 1)) and .format == \"pades\""
  jcheck "#$i: the new signature: field Signature$i, approval, ETSI.CAdES.detached, ${LEVEL[$((i - 1))]}, covers the whole file" \
    ".signatures[$i - 1] | .field == \"Signature$i\" and .kind == \"approval\" and .sub_filter == \"ETSI.CAdES.detached\" and .level == \"${LEVEL[$((i - 1))]}\" and .covers_whole_document and .valid"
  jcheck "#$i: every earlier signature names Signature$i among the changes after it, none covers the whole file" \
    "[.signatures[] | select(.index < $i) | ((.changes_after | map(test(\"Signature$i\")) | any) and (.covers_whole_document | not))] | all"
  jcheck "#$i: no modifications, no findings" "[.signatures[] | (.modifications | length) + (.findings | length)] | add == 0"
  jcheck "#$i: ByteRange of the new signature ends at the end of the file" \
    ".signatures[$i - 1].byte_range | .[0] == 0 and .[2] + .[3] == $(size "rev$i.pdf")"
done
cp out five.json
check "subjects in UTF-8 (Persian names, the token member's from the token's certificate)" \
  test "$(jq -r '[.signers[].subject | sub(", C=IR$"; "")] | join("|")' five.json)" = "CN=علی رضایی|CN=سارا احمدی|CN=مریم کریمی|CN=رضا محمدی|CN=ندا حسینی"
check "in place: the file was replaced (a new inode), not rewritten" test "$(stat -c %i chain/doc.pdf)" != "$inode"
check "in place: a hard link to the original still holds the unsigned bytes" cmp link.pdf minute.pdf
check "in place: the mode (0640) is kept" test "$(stat -c %a chain/doc.pdf)" = 640
check "in place: no temporary file left beside it" test "$(ls -A chain)" = doc.pdf

# --out to an existing file
printf 'keep me\n' >exists.pdf
# shellcheck disable=SC2046
run "$TSIGN" sign $(key maryam) --out exists.pdf minute.pdf
expect_rc 3 "sign --out to an existing file without --force"
check "the existing file is unchanged" test "$(cat exists.pdf)" = "keep me"
expect_err_contains "exists.pdf" "the error names the file"
cp rev1.pdf in.pdf
# shellcheck disable=SC2046
run "$TSIGN" cosign $(key maryam) --out exists.pdf in.pdf
expect_rc 3 "cosign --out to an existing file without --force"
check "the existing file is unchanged (cosign)" test "$(cat exists.pdf)" = "keep me"
check "the input is unchanged (cosign)" cmp in.pdf rev1.pdf
# shellcheck disable=SC2046
run "$TSIGN" sign $(key maryam) --out exists.pdf --force minute.pdf
expect_rc 0 "sign --out an existing file with --force"
check "--force: replaced by the signed PDF" java -cp "$CP" PdfBoxVerify exists.pdf --expect 1

# --- 11: the same signer twice ---------------------------------------------------------------
cp rev2.pdf twice.pdf
# shellcheck disable=SC2046
run "$TSIGN" cosign $(key ali) twice.pdf
expect_rc 3 "Ali signs a second time: refused"
expect_one_line_error "same signer"
check "nothing written" cmp twice.pdf rev2.pdf
# shellcheck disable=SC2046
run "$TSIGN" cosign $(key ali) --out twice-out.pdf rev2.pdf
expect_rc 3 "the same with --out"
expect_absent twice-out.pdf "no output"
# shellcheck disable=SC2046
run "$TSIGN" cosign $(key ali) --allow-same-signer twice.pdf
expect_rc 0 "--allow-same-signer"
run "${V[@]}" twice.pdf
expect_rc 0 "three signatures, two by Ali: valid"
jcheck "Ali twice in the report" '[.signers[].subject | test("علی")] == [true, false, true]'

# --- 7: the exact revision a signature signed -------------------------------------------------
run "${V[@]}" --extract-revision 1 --extract r1.pdf rev5.pdf
expect_rc 0 "verify --extract-revision 1"
n1=$(jq -r '.signatures[0].byte_range | .[2] + .[3]' "$W/out")
check "the extract is the first $n1 bytes (byte_range[2] + byte_range[3]) of the file" cmp r1.pdf <(head -c "$n1" rev5.pdf)
check "... which is revision 1 as written by the first signing" cmp r1.pdf rev1.pdf
run "${V[@]}" r1.pdf
expect_rc 0 "the extracted revision verifies"
jcheck "one signature, covering the whole (extracted) document" '(.signatures | length) == 1 and .signatures[0].covers_whole_document and .signatures[0].valid'
run "${V[@]}" --extract-revision 3 rev5.pdf
expect_rc 0 "--extract-revision 3 without --extract"
check "default name SIG.rev3.pdf, the bytes of revision 3" cmp rev5.pdf.rev3.pdf rev3.pdf
run "${V[@]}" --extract-revision 3 rev5.pdf
expect_rc 3 "--extract-revision to an existing file without --force"
run "${V[@]}" --extract-revision 6 --extract r6.pdf rev5.pdf
expect_rc 2 "--extract-revision 6 of 5 signatures: usage error"
expect_absent r6.pdf "nothing written"

# --- 10: a roster made from the members' certificates ----------------------------------------
run "$TSIGN" roster make --quorum 4 --name "کمیسیون مناقصه" --out roster.yaml ali.crt sara.crt maryam.crt reza.crt neda.crt
expect_rc 0 "roster make (5 members, quorum 4)"
run "${V[@]}" --roster roster.yaml rev5.pdf
expect_rc 0 "five members signed: roster satisfied"
jcheck "roster satisfied, 5 signed" '.roster.satisfied and (.roster.signed | length) == 5'
run "${V[@]}" --roster roster.yaml rev3.pdf
expect_rc 1 "three members signed: quorum not met"
jcheck "quorum_met false, the signatures themselves valid" '(.roster.quorum_met | not) and ([.signatures[].valid] | all) and (.valid | not)'

# --- 3: B-LT and B-LTA -------------------------------------------------------------------------
# shellcheck disable=SC2046
run "$TSIGN" sign $(key neda) --tsa "$TSA" --out bt.pdf minute.pdf
expect_rc 0 "B-T signature for LT"
# shellcheck disable=SC2046
run "$TSIGN" cosign $(key reza) --tsa "$TSA" bt.pdf
expect_rc 0 "B-T co-signature (token)"
# shellcheck disable=SC2046
run net "$TSIGN" extend --level lt --trust root/ca.crt.pem --out lt-bb.pdf rev1.pdf
expect_rc 2 "extend --level lt on a B-B signature: refused (a PDF signature cannot gain a timestamp later)"
expect_absent lt-bb.pdf "nothing written"
run "$TSIGN" extend --level lt --trust root/ca.crt.pem --out lt.pdf bt.pdf
expect_rc 5 "extend --level lt with fetching off"
expect_absent lt.pdf "nothing written"
run net "$TSIGN" extend --level lt --trust root/ca.crt.pem --out lt.pdf bt.pdf
expect_rc 0 "extend --level lt (OCSP for the signers and the TSA, the root's CRL for the intermediate)"
check "LT: the B-T file's bytes kept" cmp -n "$(size bt.pdf)" bt.pdf lt.pdf
run "${V[@]}" --revocation require lt.pdf
expect_rc 0 "LT verifies offline with --revocation require"
jcheck "LT: both B-LT, revocation good, DSS with certificates, CRLs and OCSP responses" \
  '.valid and ([.signatures[] | .level == "B-LT" and .revocation == "good"] | all) and .dss.certificates > 0 and .dss.crls > 0 and .dss.ocsps > 0'
jcheck "LT: the DSS is an allowed change after each signature" '([.signatures[].changes_after | map(test("DSS")) | any] | all) and ([.signatures[].modifications | length] | add == 0)'
run "${V[@]}" --revocation require bt.pdf
expect_rc 1 "the B-T file offline with --revocation require: not valid (nothing embedded)"
independent lt.pdf 2 "LT"
java -cp "$CP" PdfBoxVerify lt.pdf >pdfbox.out 2>&1
check "PDFBox parses the DSS" grep -qE "^dss=yes certs=[1-9][0-9]* crls=[1-9][0-9]* ocsps=[1-9]" pdfbox.out
run net "$TSIGN" extend --level lta --trust root/ca.crt.pem --tsa "$TSA" --out lta.pdf lt.pdf
expect_rc 0 "extend --level lta"
check "LTA: the LT file's bytes kept" cmp -n "$(size lt.pdf)" lt.pdf lta.pdf
run "${V[@]}" --revocation require lta.pdf
expect_rc 0 "LTA verifies offline"
jcheck "LTA: signature 3 is a valid document timestamp (ETSI.RFC3161), 1 and 2 are B-LTA" \
  '.valid and (.signatures[2] | .kind == "document-timestamp" and .sub_filter == "ETSI.RFC3161" and .valid) and ([.signatures[0,1].level] == ["B-LTA", "B-LTA"])'
jcheck "LTA: signers[] leaves the document timestamp out" '(.signers | length) == 2'
independent lta.pdf 3 "LTA" 1
run net "$TSIGN" extend --level lta --trust root/ca.crt.pem --tsa "$TSA" --out lta2.pdf lta.pdf
expect_rc 0 "extend --level lta again: renewal"
run "${V[@]}" --revocation require lta2.pdf
expect_rc 0 "renewed LTA verifies offline"
jcheck "renewed: two valid document timestamps, all valid, no modifications" \
  '.valid and ([.signatures[] | select(.kind == "document-timestamp") | .valid] == [true, true]) and ([.signatures[].modifications | length] | add == 0)'
independent lta2.pdf 4 "LTA renewed" 2

# --- 4: DocMDP ---------------------------------------------------------------------------------
# shellcheck disable=SC2046
run "$TSIGN" sign $(key ali) --certify 2 --out c2.pdf minute.pdf
expect_rc 0 "certify P=2"
# shellcheck disable=SC2046
run "$TSIGN" cosign $(key maryam) c2.pdf
expect_rc 0 "co-sign a P=2 document"
run "${V[@]}" c2.pdf
expect_rc 0 "P=2 + approval: valid"
jcheck "certification P=2 then approval, both valid" \
  '[.signatures[] | [.kind, .docmdp, .valid]] == [["certification", 2, true], ["approval", null, true]]'
independent c2.pdf 2 "P=2"
# shellcheck disable=SC2046
run "$TSIGN" cosign $(key neda) --certify 2 --out c2c.pdf c2.pdf
expect_rc 2 "a second certification: refused"
expect_absent c2c.pdf "nothing written"
# shellcheck disable=SC2046
run "$TSIGN" sign $(key ali) --certify 1 --tsa "$TSA" --out c1.pdf minute.pdf
expect_rc 0 "certify P=1 (B-T)"
cp c1.pdf c1-orig.pdf
# shellcheck disable=SC2046
run "$TSIGN" cosign $(key maryam) c1.pdf
expect_rc 3 "co-signing a P=1 document: refused"
expect_one_line_error "P=1"
check "nothing written (in place)" cmp c1.pdf c1-orig.pdf
# shellcheck disable=SC2046
run "$TSIGN" cosign $(key maryam) --out c1x.pdf c1.pdf
expect_rc 3 "co-signing a P=1 document with --out: refused"
expect_absent c1x.pdf "nothing written (--out)"
check "PDFBox appends a signature to the P=1 document" \
  java -cp "$CP" PdfBoxSign c1.pdf c1-pdfbox.pdf maryam.key maryam.crt sub/ca.crt.pem
run "${V[@]}" c1-pdfbox.pdf
expect_rc 1 "P=1 + a later signature: not valid"
finding 1 pdf_docmdp_violation
jcheck "the PDFBox signature itself is valid" '.signatures[1].valid'
jcheck "the certification's modifications name the added signature" '.signatures[0].modifications | map(test("signature")) | any'
run net "$TSIGN" extend --level lta --trust root/ca.crt.pem --tsa "$TSA" --out c1-lta.pdf c1.pdf
expect_rc 0 "LTA on a P=1 document (DSS and document timestamps are allowed)"
run "${V[@]}" --revocation require c1-lta.pdf
expect_rc 0 "P=1 + DSS + document timestamp: valid"
jcheck "certification P=1 B-LTA, document timestamp valid" \
  '[.signatures[] | [.kind, .docmdp, .valid]] == [["certification", 1, true], ["document-timestamp", null, true]] and .signatures[0].level == "B-LTA"'
independent c1-lta.pdf 2 "P=1 LTA" 1

# --- 5: signatures made by PDFBox -------------------------------------------------------------
check "PDFBox signs: ETSI.CAdES.detached, RSA" java -cp "$CP" PdfBoxSign minute.pdf pb-rsa.pdf ali.key ali.crt sub/ca.crt.pem
check "PDFBox signs: adbe.pkcs7.detached, ECDSA" java -cp "$CP" PdfBoxSign minute.pdf pb-ec.pdf maryam.key maryam.crt sub/ca.crt.pem --subfilter adbe.pkcs7.detached
run "${V[@]}" pb-rsa.pdf
expect_rc 0 "tsign verifies the PDFBox CAdES (RSA) signature"
jcheck "ETSI.CAdES.detached, Ali, valid" '.signatures[0] | .sub_filter == "ETSI.CAdES.detached" and (.subject | test("علی")) and .valid'
run "${V[@]}" pb-ec.pdf
expect_rc 0 "tsign verifies the PDFBox PKCS#7 (ECDSA) signature"
jcheck "adbe.pkcs7.detached, Maryam, valid" '.signatures[0] | .sub_filter == "adbe.pkcs7.detached" and (.subject | test("مریم")) and .valid'
cp pb-rsa.pdf pb-co.pdf
# shellcheck disable=SC2046
run "$TSIGN" cosign $(key reza) pb-co.pdf
expect_rc 0 "tsign co-signs the PDFBox-signed file (token key)"
check "the PDFBox revision kept" cmp -n "$(size pb-rsa.pdf)" pb-rsa.pdf pb-co.pdf
run "${V[@]}" pb-co.pdf
expect_rc 0 "both valid in tsign"
jcheck "PDFBox's then tsign's, both valid, no modifications" \
  '[.signatures[] | .valid] == [true, true] and (.signatures[0].changes_after | map(test("Signature")) | any) and ([.signatures[].modifications | length] | add == 0)'
independent pb-co.pdf 2 "PDFBox + tsign"
check "PDFBox co-signs a tsign-signed file (visible box)" java -cp "$CP" PdfBoxSign rev2.pdf rev2-pb.pdf maryam.key maryam.crt sub/ca.crt.pem --visible
run "${V[@]}" rev2-pb.pdf
expect_rc 0 "tsign's two signatures and PDFBox's: valid"
jcheck "three valid signatures, the PDFBox one named in the changes after tsign's, no modifications" \
  '[.signatures[].valid] == [true, true, true] and ([.signatures[0,1].changes_after | map(test("signature field was added")) | any] | all) and ([.signatures[].modifications | length] | add == 0)'
# PDFBox B-T (its own offline TSA, our TSA key) and a PDFBox document timestamp; then tsign's LT
check "PDFBox signs B-T" java -cp "$CP" PdfBoxSign minute.pdf pb-bt.pdf neda.key neda.crt sub/ca.crt.pem --tsa-key tsa.key --tsa-cert tsa.crt
check "PDFBox adds a document timestamp" java -cp "$CP" PdfBoxSign pb-bt.pdf pb-dts.pdf tsa.key tsa.crt sub/ca.crt.pem --doc-timestamp
run "${V[@]}" pb-dts.pdf
expect_rc 0 "tsign verifies PDFBox's B-T signature and document timestamp"
jcheck "B-T approval + valid document timestamp" \
  '[.signatures[] | [.kind, .valid]] == [["approval", true], ["document-timestamp", true]] and .signatures[0].level == "B-T"'
run net "$TSIGN" extend --level lt --trust root/ca.crt.pem --out pb-lt.pdf pb-dts.pdf
expect_rc 0 "extend --level lt on the PDFBox-timestamped file"
run "${V[@]}" --revocation require pb-lt.pdf
expect_rc 0 "... verifies offline with --revocation require"
independent pb-lt.pdf 2 "PDFBox B-T + document timestamp + tsign LT" 1

# --- 6: attacks --------------------------------------------------------------------------------
attack() {  # attack KIND FILE: pdf_attacks.py KIND rev2.pdf FILE
  check "crafted: $1" "${ATTACK[@]}" "$1" rev2.pdf "$2"
}
pdftoppm -r 30 -f 1 -l 1 rev2.pdf page-signed
# (a) shadow: page 1's content stream redefined in a later update
attack content a-content.pdf
pdftoppm -r 30 -f 1 -l 1 a-content.pdf page-content 2>/dev/null  # poppler: "Unknown font tag" (no /F1 on the page)
check_not "(a) the page renders differently" cmp -s page-signed-1.ppm page-content-1.ppm
check "(a) pdfsig still says both signatures are valid" pdfsig_valid a-content.pdf 2
run "${V[@]}" a-content.pdf
expect_rc 1 "(a) a content stream redefined after signing: not valid"
finding 1 pdf_modified_after_signing
finding 2 pdf_modified_after_signing
content_obj=$(qpdf --show-pages rev2.pdf | awk '/content:/ {getline; print $1; exit}')
jcheck "(a) the modifications name page 1's content stream (object $content_obj)" \
  "[.signatures[].modifications | map(test(\"object $content_obj 0 .*page content\")) | any] | all"
# (d) the page tree points to another page object
attack swap-page a-swap.pdf
check "(d) pdfsig still says both signatures are valid" pdfsig_valid a-swap.pdf 2
check "(d) a reader shows the swapped page" bash -c "pdftotext a-swap.pdf - | grep -q 'SWAPPED PAGE' && ! pdftotext a-swap.pdf - | grep -q 'کمیسیون'"
run "${V[@]}" a-swap.pdf
expect_rc 1 "(d) the signed page swapped for another: not valid"
finding 1 pdf_modified_after_signing
finding 2 pdf_modified_after_signing
jcheck "(d) the modifications name the page tree" '.signatures[0].modifications | map(test("page tree")) | any'
# (h) "sneaky signature": an unsigned signature field added after signing, whose widget's
# appearance covers the page with other text
attack sneaky a-sneaky.pdf
pdftoppm -r 30 -f 1 -l 1 a-sneaky.pdf page-sneaky
check_not "(h) the page renders differently" cmp -s page-signed-1.ppm page-sneaky-1.ppm
run "${V[@]}" a-sneaky.pdf
expect_rc 1 "(h) a page-covering unsigned signature field added after signing: not valid"
finding 1 pdf_modified_after_signing
# (b) a gap in the ByteRange
attack gap a-gap.pdf
run "${V[@]}" a-gap.pdf
expect_rc 1 "(b) ByteRange with a gap"
finding 2 pdf_byte_range_invalid
check_not "(b) PDFBox rejects it too" java -cp "$CP" PdfBoxVerify a-gap.pdf --expect 2
# (c) data after the CMS inside /Contents
attack pad a-pad.pdf
run "${V[@]}" a-pad.pdf
expect_rc 1 "(c) non-zero data after the CMS in /Contents"
finding 2 pdf_contents_extra_data
jcheck "(c) signature 1 stays valid" '.signatures[0].valid'
# (g) one byte changed inside the signed ranges
attack flip a-flip.pdf
run "${V[@]}" a-flip.pdf
expect_rc 1 "(g) one byte changed inside the signed data"
jcheck "(g) both signatures: hash_mismatch or signature_invalid" \
  '[.signatures[] | (.valid | not) and ([.findings[].code] | index("hash_mismatch") != null or index("signature_invalid") != null)] == [true, true]'
# (f) truncated inside the last update
head -c "$(($(size rev2.pdf) - 200))" rev2.pdf >a-trunc.pdf
run "${V[@]}" a-trunc.pdf
expect_rc 3 "(f) truncated inside its last update: input error"
expect_one_line_error "(f) truncated"
expect_err_contains "truncated" "(f) the error says truncated"
run "${V[@]}" --extract-revision 1 --extract a-trunc.rev1.pdf a-trunc.pdf
expect_rc 3 "(f) --extract-revision on the truncated file"
expect_absent a-trunc.rev1.pdf "(f) nothing extracted"
# shellcheck disable=SC2046
run "$TSIGN" cosign $(key maryam) --out a-trunc-signed.pdf a-trunc.pdf
expect_rc 3 "(f) co-signing the truncated file"
expect_absent a-trunc-signed.pdf "(f) nothing signed"
# (e) DocMDP P=1 + another signature: above (pdf_docmdp_violation)

# --- 8: a visible appearance with the signer's Persian name ------------------------------------
# shellcheck disable=SC2046
run "$TSIGN" sign $(key ali) --appearance 1/300,40,560,120 --reason "تأیید صورتجلسه" --out app.pdf minute.pdf
expect_rc 0 "sign with --appearance 1/300,40,560,120"
# 50 dpi: the box is x 208..389, y 501..557 pixels from the top left (595 x 842 points)
box=(-r 50 -f 1 -l 1 -x 208 -y 501 -W 181 -H 56)
pdftoppm "${box[@]}" minute.pdf box-unsigned && pdftoppm "${box[@]}" app.pdf box-signed
check_not "the box region renders differently from the unsigned page" cmp -s box-unsigned-1.ppm box-signed-1.ppm
rest=(-r 50 -f 1 -l 1 -x 0 -y 0 -W 413 -H 480)
pdftoppm "${rest[@]}" minute.pdf top-unsigned && pdftoppm "${rest[@]}" app.pdf top-signed
check "the rest of the page renders the same" cmp top-unsigned-1.ppm top-signed-1.ppm
run "${V[@]}" app.pdf
expect_rc 0 "the visible signature verifies"
day=$(jq -r '.signatures[0].claimed_time[0:10]' "$W/out")
pdftotext "${box[@]}" app.pdf box.txt 2>/dev/null
check "pdftotext finds the signer's name (علی رضایی) in the box" grep -qF "علی رضایی" box.txt
check "... and the signing day in UTC ($day)" grep -qF "$day" box.txt
independent app.pdf 1 "visible signature"

# --- 9: input that is not a plain PDF -----------------------------------------------------------
run "${V[@]}" minute.pdf
expect_rc 1 "verify an unsigned PDF: not valid"
jcheck "no signatures" '(.signatures | length) == 0 and (.valid | not)'
printf 'not a PDF at all\n' >plain.txt
# shellcheck disable=SC2046
run "$TSIGN" sign $(key ali) --format pades --out plain-signed.pdf plain.txt
expect_rc 3 "sign --format pades on a text file"
expect_one_line_error "not a PDF (sign)"
expect_absent plain-signed.pdf "nothing written"
run "${V[@]}" --format pades plain.txt
expect_rc 3 "verify --format pades on a text file"
expect_one_line_error "not a PDF (verify)"
qpdf --encrypt user owner 256 -- rev1.pdf enc.pdf
qpdf --encrypt "" owner 256 -- rev1.pdf enc-open.pdf  # opens without a password
run "${V[@]}" enc-open.pdf
expect_rc 3 "verify an encrypted PDF (empty user password)"
expect_one_line_error "encrypted, empty user password (verify)"
expect_err_contains "encrypted" "the error says encrypted (empty user password)"
# shellcheck disable=SC2046
run "$TSIGN" cosign $(key maryam) --out enc-signed.pdf enc.pdf
expect_rc 3 "co-sign an encrypted PDF"
expect_one_line_error "encrypted (sign)"
expect_err_contains "encrypted" "the error says encrypted"
expect_absent enc-signed.pdf "nothing written"
cp enc.pdf enc-copy.pdf
# shellcheck disable=SC2046
run "$TSIGN" sign $(key maryam) enc-copy.pdf
expect_rc 3 "sign an encrypted PDF in place"
check "unchanged" cmp enc.pdf enc-copy.pdf
run "${V[@]}" enc.pdf
expect_rc 3 "verify an encrypted PDF"
expect_one_line_error "encrypted (verify)"
check "crafted: hybrid-reference file (trailer /XRefStm)" "${ATTACK[@]}" hybrid rev1.pdf hybrid.pdf
check "qpdf accepts the hybrid file" qpdf --check hybrid.pdf
# shellcheck disable=SC2046
run "$TSIGN" cosign $(key maryam) --out hybrid-signed.pdf hybrid.pdf
expect_rc 3 "co-sign a hybrid-reference PDF"
expect_err_contains "hybrid" "the error says hybrid"
expect_absent hybrid-signed.pdf "nothing written"
run "${V[@]}" hybrid.pdf
expect_rc 3 "verify a hybrid-reference PDF"
expect_one_line_error "hybrid (verify)"
check "crafted: a hybrid-reference section under one more classic update" "${ATTACK[@]}" hybrid rev1.pdf hybrid-deep.pdf deep
run "${V[@]}" hybrid-deep.pdf
expect_rc 3 "verify a PDF with a hybrid-reference section that is not the last"
expect_err_contains "hybrid" "the error says hybrid (earlier section)"
# shellcheck disable=SC2046
run "$TSIGN" cosign $(key maryam) --out hybrid-deep-signed.pdf hybrid-deep.pdf
expect_rc 3 "co-sign a PDF with a hybrid-reference section that is not the last"
expect_absent hybrid-deep-signed.pdf "nothing written"
qpdf --object-streams=generate minute.pdf xs.pdf
check "the xref-stream input has no classic table" bash -c "! grep -aq '^xref' xs.pdf && grep -aq '/XRef' xs.pdf"
# shellcheck disable=SC2046
run "$TSIGN" sign $(key sara) --pss --out xs1.pdf xs.pdf
expect_rc 0 "sign a PDF with cross-reference and object streams"
# shellcheck disable=SC2046
run "$TSIGN" cosign $(key reza) --tsa "$TSA" --out xs2.pdf xs1.pdf
expect_rc 0 "co-sign it (token, B-T)"
check "xref streams: earlier bytes kept" cmp -n "$(size xs1.pdf)" xs1.pdf xs2.pdf
run "${V[@]}" xs2.pdf
expect_rc 0 "the xref-stream PDF verifies"
jcheck "two valid signatures, no modifications" '[.signatures[].valid] == [true, true] and ([.signatures[].modifications | length] | add == 0)'
independent xs2.pdf 2 "xref streams"
# PDFBox's update of a file with cross-reference streams leaves a trailer /Size above the highest
# object number + 1 (qpdf warns): harmless, and such files must verify
check "PDFBox signs the xref-stream PDF" java -cp "$CP" PdfBoxSign xs.pdf xs-pb.pdf ali.key ali.crt sub/ca.crt.pem
run "${V[@]}" xs-pb.pdf
expect_rc 0 "tsign verifies PDFBox's signature on the xref-stream PDF"
# shellcheck disable=SC2046
run "$TSIGN" cosign $(key sara) --out xs-pb2.pdf xs-pb.pdf
expect_rc 0 "and co-signs it"
independent xs-pb2.pdf 2 "PDFBox then tsign on xref streams"
finish
