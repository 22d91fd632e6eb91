#!/usr/bin/env bash
# PAdES attacks from the hostile review (F1..F13), each rebuilt here from the example minute with
# tests/tools/pdf_attacks.py and the sample PKI (certs-sample/), each with its exact verdict:
#   F1  an attached CMS (a genuine signature over another file) transplanted into /Contents
#   F2  page 1 inside an object stream with an indirect /First, /First redefined after signing
#   F3  /AcroForm pointed at page 1's object, page 1 redefined as the signed /AcroForm
#   F4  a 20-digit integer in a signed content stream's dictionary (qpdf cannot hold it): exit 3
#   F5  an XObject's number redefined at generation 1, or freed
#   F6  a markup annotation with /T (an author, not a field name) given another appearance
#   F7  annotations claiming /FT /Sig: an unsigned page-covering widget, a FreeText, a widget with /AA
#   F8  a certification with P=3, then a font's /FontDescriptor (glyph program) swapped
#   F9  a DSS stream that is a double-Flate bomb (1 GiB): quick, bounded memory
#   F10 1000 signature fields sharing the signature's /V: findings on the copies, quick, and a
#       report that grows linearly with them
#   F11 signing a PDF with that 20-digit integer: refused, nothing written
#   F12 signing a PDF with bytes before %PDF-: refused, nothing written
#   F13 a field already named Signature1 (non-terminal, or terminal): the new field gets another name
# and those of the second review (A1..A7), each not valid with pdf_modified_after_signing (A2: exit 3):
#   A1  trailer /Info -> a missing object (poppler rebuilds its xref) and hidden object bodies in a stream
#   A2  an object stream listing page 1 twice (forged, then the signed page): refused
#   A3  a P=1 certified form field drawn from /DA and /DR: /DR's font swapped (Type 3), or /DA changed
#   A4  an object freed by a type-0 entry of a cross-reference stream
#   A5  a reference in the signed page to an undefined object, defined after signing
#   A6  an empty signature field (P=2 certification) given an appearance without /V
#   A7  trailer /Info pointed to a new object
# with a control that the new checks leave legitimate updates alone: an xref-stream PDF signed three
# times by tsign, then once by PDFBox (tests/tools/PdfBoxSign.java), valid without modifications.
# Where a reader shows the attack (pdftotext, pdftoppm), that is checked too, so that each verdict
# is about a real change.
source "$(dirname "$0")/lib.sh"
cd "$W"
export SAMPLE_PASS=tsign-sample
S=$TSIGN_SOURCE/certs-sample
ATTACK=(python3 "$TSIGN_SOURCE/tests/tools/pdf_attacks.py")
V=("$TSIGN" verify --json --trust "$S/root.crt.pem")
cp "$TSIGN_SOURCE/examples/tender-minute.pdf" minute.pdf
PAY="PAY 9,999,999,999 RIAL"
LIMIT=10  # seconds for F9 and F10 (the sanitizer build is several times slower)
[ "${TSIGN_SANITIZE:-OFF}" = ON ] && LIMIT=60

signer() { echo --key "$S/signer-$1.key.pem" --cert "$S/signer-$1.crt.pem" --pin-source env:SAMPLE_PASS --chain "$S/intermediate.crt.pem"; }
sign() {  # sign WHO IN OUT [OPTION...]: tsign sign into OUT (a new file)
  local who=$1 in=$2 out=$3; shift 3
  # shellcheck disable=SC2046
  run "$TSIGN" sign $(signer "$who") "$@" --out "$out" "$in"
}
craft() {  # craft KIND IN OUT [ARG...]
  check "crafted: $1 $2 -> $3${4:+ ($4)}" "${ATTACK[@]}" "$@"
}
jcheck() { check "$1" jq -e "$2" "$W/out"; }
# finding N CODE WHAT: signature N of the last verify report is not valid and has the finding CODE
finding() { jcheck "$3: signature $1: finding $2" "(.signatures[$1 - 1].valid | not) and ([.signatures[$1 - 1].findings[].code] | index(\"$2\") != null)"; }
# verified FILE WHAT: the control, before the attack: tsign says VALID
verified() {
  run "${V[@]}" "$1"
  expect_rc 0 "$2: tsign verify (before the attack)"
}
# refused FILE WHAT: verify says the input cannot be read (exit 3), in one line
refused() {
  run "${V[@]}" "$1"
  expect_rc 3 "$2: verify refuses the file"
  expect_one_line_error "$2"
}
shows() { pdftotext "$1" - 2>/dev/null | grep -qF -- "$2"; }
render() { pdftoppm -r 20 -f 1 -l 1 "$1" "${1%.pdf}" 2>/dev/null; }
# renders_differently A.pdf B.pdf WHAT: poppler draws page 1 of B differently from A
renders_differently() {
  render "$1" && render "$2"
  check_not "$3: poppler draws page 1 differently" cmp -s "${1%.pdf}-1.ppm" "${2%.pdf}-1.ppm"
}
pdfsig_valid() { pdfsig "$1" 2>/dev/null | grep -q "Signature Validation: Signature is Valid."; }
# mods N REGEX WHAT: a modification of signature N (last verify report) matches REGEX
mods() { jcheck "$3: signature $1: the modifications name it ('$2')" ".signatures[$1 - 1].modifications | map(test(\"$2\")) | any"; }
# pdfobj FILE KEY: page 1's KEY (object, or contents: its first content stream) as an object number
pdfobj() { qpdf --json --json-key=pages "$1" | jq -r ".pages[0].$2 | if type == \"array\" then .[0] else . end | split(\" \")[0]"; }

# --- F1: an attached CMS in /Contents --------------------------------------------------------
printf 'unrelated memo signed by Ali\n' >memo.txt
# shellcheck disable=SC2046
run "$TSIGN" sign $(signer ali-rezaei) --attached --out memo.p7m memo.txt
expect_rc 0 "F1: Ali signs an unrelated memo (attached CAdES)"
run "$TSIGN" verify --trust "$S/root.crt.pem" memo.p7m
expect_rc 0 "F1: the memo's signature is genuine"
craft swap-page minute.pdf f1-forged.pdf
sign sara-ahmadi f1-forged.pdf f1-sara.pdf
expect_rc 0 "F1: the attacker (Sara) signs the forged page"
verified f1-sara.pdf "F1"
craft attached f1-sara.pdf F1.pdf memo.p7m
check "F1: a reader shows the forged page" shows F1.pdf "SWAPPED PAGE"
run "${V[@]}" F1.pdf
expect_rc 1 "F1: Ali's attached CMS in /Contents: not valid"
finding 1 signature_invalid "F1"

# --- F2: object stream with an indirect /First ------------------------------------------------
craft objstm-prep minute.pdf f2-prep.pdf
sign ali-rezaei f2-prep.pdf f2-signed.pdf
expect_rc 0 "F2: sign the prepared file"
verified f2-signed.pdf "F2"
check_not "F2: the signed page does not show '$PAY'" shows f2-signed.pdf "$PAY"
craft objstm-first f2-signed.pdf F2.pdf
check "F2: after /First changed a reader shows '$PAY'" shows F2.pdf "$PAY"
run "${V[@]}" F2.pdf
expect_rc 1 "F2: /First of the object stream redefined: not valid"
finding 1 pdf_modified_after_signing "F2"

# --- F3: /AcroForm pointed at the page object ------------------------------------------------
craft acroform-prep minute.pdf f3-prep.pdf
sign ali-rezaei f3-prep.pdf f3-signed.pdf
expect_rc 0 "F3: sign the prepared file"
verified f3-signed.pdf "F3"
check_not "F3: the signed page does not show '$PAY'" shows f3-signed.pdf "$PAY"
craft acroform-page f3-signed.pdf F3.pdf
check "F3: after the swap a reader shows '$PAY'" shows F3.pdf "$PAY"
run "${V[@]}" F3.pdf
expect_rc 1 "F3: /AcroForm -> page object, page := signed /AcroForm: not valid"
finding 1 pdf_modified_after_signing "F3"

# --- F4 / F11: an integer qpdf cannot hold in a content stream's dictionary ---------------------
craft bigint minute.pdf f4-prep.pdf
check "F4: a reader still shows the minute" shows f4-prep.pdf "کمیسیون"
# F11: tsign refuses to sign it (it used to sign a page without its content)
sign ali-rezaei f4-prep.pdf f11-signed.pdf
expect_rc 3 "F11: sign a PDF whose content stream has a 20-digit integer"
expect_one_line_error "F11"
expect_err_contains "99999999999999999999" "F11: the error names the integer"
expect_absent f11-signed.pdf "F11: nothing written"
# F4: signed by another signer (openssl cms); the raw signer's output is checked on a clean file first
craft sign-raw minute.pdf raw-ok.pdf "$S/signer-ali-rezaei.key.pem" "$S/signer-ali-rezaei.crt.pem" "$S/intermediate.crt.pem" SAMPLE_PASS
verified raw-ok.pdf "F4: the openssl-made signature on the clean minute"
craft sign-raw f4-prep.pdf f4-signed.pdf "$S/signer-ali-rezaei.key.pem" "$S/signer-ali-rezaei.crt.pem" "$S/intermediate.crt.pem" SAMPLE_PASS
check "F4: pdfsig says the signature over the integer is valid" pdfsig_valid f4-signed.pdf
refused f4-signed.pdf "F4: signed revision with the integer"
craft bigint-forge f4-signed.pdf F4.pdf
check "F4: after the update a reader shows '$PAY'" shows F4.pdf "$PAY"
refused F4.pdf "F4: content stream with the integer redefined after signing"
expect_err_contains "F4.pdf" "F4: the error names the file"

# --- F5: an object redefined at generation 1, or freed ----------------------------------------
craft overlay-prep minute.pdf f5-prep.pdf
sign ali-rezaei f5-prep.pdf f5-signed.pdf
expect_rc 0 "F5: sign the page with its red box"
verified f5-signed.pdf "F5"
craft gen1 f5-signed.pdf F5-gen1.pdf
renders_differently f5-signed.pdf F5-gen1.pdf "F5 (generation 1)"
run "${V[@]}" F5-gen1.pdf
expect_rc 1 "F5: the XObject's number redefined at generation 1: not valid"
finding 1 pdf_modified_after_signing "F5 (generation 1)"
craft free f5-signed.pdf F5-free.pdf  # (poppler rebuilds its xref when a needed object is free: it still draws the box)
run "${V[@]}" F5-free.pdf
expect_rc 1 "F5: the XObject's number freed: not valid"
finding 1 pdf_modified_after_signing "F5 (freed)"

# --- F6: a markup annotation with /T gets another appearance -----------------------------------
craft stamp-prep minute.pdf f6-prep.pdf
sign ali-rezaei f6-prep.pdf f6-signed.pdf
expect_rc 0 "F6: sign the page with its (empty) Stamp annotation"
verified f6-signed.pdf "F6"
craft stamp-ap f6-signed.pdf F6.pdf
renders_differently f6-signed.pdf F6.pdf "F6"
run "${V[@]}" F6.pdf
expect_rc 1 "F6: the Stamp annotation's appearance replaced (approval signature): not valid"
finding 1 pdf_modified_after_signing "F6"

# --- F7: annotations that claim /FT /Sig ---------------------------------------------------------
sign ali-rezaei minute.pdf s1.pdf
expect_rc 0 "sign the minute"
verified s1.pdf "F7, F9, F10"
for kind in widget freetext aa; do
  craft sig-annot s1.pdf "F7-$kind.pdf" "$kind"
  [ "$kind" = aa ] || renders_differently s1.pdf "F7-$kind.pdf" "F7 ($kind)"
  run "${V[@]}" "F7-$kind.pdf"
  expect_rc 1 "F7: a /FT /Sig annotation ($kind) added after signing: not valid"
  finding 1 pdf_modified_after_signing "F7 ($kind)"
done

# --- F8: P=3 certification, a font's descriptor swapped ----------------------------------------
sign ali-rezaei minute.pdf f8-cert3.pdf --certify 3
expect_rc 0 "F8: certify with P=3"
verified f8-cert3.pdf "F8"
craft font-descriptor f8-cert3.pdf F8.pdf
renders_differently f8-cert3.pdf F8.pdf "F8"
run "${V[@]}" F8.pdf
expect_rc 1 "F8: a font's /FontDescriptor swapped under P=3: not valid"
finding 1 pdf_modified_after_signing "F8"

# --- F9: DSS double-Flate bomb -------------------------------------------------------------------
craft dss-bomb s1.pdf F9.pdf 1024
check "F9: the file is small ($(stat -c %s F9.pdf) bytes)" test "$(stat -c %s F9.pdf)" -lt 100000
check "F9: its DSS stream decodes to 1 GiB" python3 - F9.pdf <<'PY'
import re, sys, zlib
b = open(sys.argv[1], "rb").read()
m = re.search(rb"/Filter \[/FlateDecode /FlateDecode\] /Length (\d+) >>\nstream\n", b)
inner = zlib.decompress(b[m.end():m.end() + int(m.group(1))])
d, n = zlib.decompressobj(), 0
n += len(d.decompress(inner, 1 << 26))
while d.unconsumed_tail:
    n += len(d.decompress(d.unconsumed_tail, 1 << 26))
sys.exit(0 if n == 1 << 30 else 1)
PY
run /usr/bin/time -f "%e %M" -o f9.time timeout 120 "${V[@]}" F9.pdf
read -r f9_s f9_kb < <(tail -n 1 f9.time)  # GNU time puts "Command exited with non-zero status N" first
[[ "${f9_s:-}" =~ ^[0-9.]+$ && "${f9_kb:-}" =~ ^[0-9]+$ ]] || { f9_s=999; f9_kb=999999999; }
check "F9: verify refuses the file (exit 3, got $RC)" test "$RC" -eq 3
expect_one_line_error "F9"
expect_err_contains "decodes to more than 16 MiB" "F9: the error names the decoding limit"
if [ "${TSIGN_SANITIZE:-OFF}" = ON ]; then
  ok "F9: peak memory not checked under the sanitizers (${f9_kb} KB)"
else
  check "F9: peak memory ${f9_kb} KB < 300000 KB" test "$f9_kb" -lt 300000
fi
check "F9: done in ${f9_s} s < $LIMIT s" awk -v s="$f9_s" -v l="$LIMIT" 'BEGIN { exit !(s < l) }'

# the same limit for object streams (64 MiB, all of them together)
craft objstm-bomb s1.pdf OSB.pdf
check "object-stream bomb: the file is small ($(stat -c %s OSB.pdf) bytes)" test "$(stat -c %s OSB.pdf)" -lt 200000
refused OSB.pdf "an object stream that decodes to 80 MiB"
expect_err_contains "decodes to more than 64 MiB" "object-stream bomb: the error names the decoding limit"
# shellcheck disable=SC2046
run "$TSIGN" sign $(signer sara-ahmadi) --out OSB-signed.pdf OSB.pdf
expect_rc 3 "object-stream bomb: signing refuses it"
expect_absent OSB-signed.pdf "object-stream bomb: nothing written"

# --- F10: many fields sharing one /V --------------------------------------------------------------
craft shared-v s1.pdf F10.pdf 1000
run /usr/bin/time -f "%e %M" -o f10.time timeout 300 "${V[@]}" F10.pdf
read -r f10_s _ < <(tail -n 1 f10.time)
[[ "${f10_s:-}" =~ ^[0-9.]+$ ]] || f10_s=999
expect_rc 1 "F10: 1000 more fields with the signature's /V: not valid"
jcheck "F10: 1001 signatures reported" '.signatures | length == 1001'
jcheck "F10: each copy (2..1001): not valid, pdf_byte_range_invalid" \
  '[.signatures[1:][] | (.valid | not) and ([.findings[].code] | index("pdf_byte_range_invalid") != null)] | length == 1000 and all'
check "F10: done in ${f10_s} s < $LIMIT s" awk -v s="$f10_s" -v l="$LIMIT" 'BEGIN { exit !(s < l) }'
# A copy is a few KB of report (~4.5 MB for all); a copy that is analysed again lists every other
# field as a change after it: N^2 entries (1000 -> ~50 MB of JSON, 2000 -> 200 MB, 1.5 GB of memory).
f10_json=$(stat -c %s "$W/out")
check "F10: the report grows linearly with the fields (${f10_json} bytes < 10 MB)" test "$f10_json" -lt 10000000

# --- F12: bytes before %PDF- ----------------------------------------------------------------------
{ for _ in $(seq 1 20); do printf 'GARBAGE'; done; printf '\n'; cat minute.pdf; } >garbage.pdf
check "F12: poppler reads the file with the bytes before its header" shows garbage.pdf "کمیسیون"
sign ali-rezaei garbage.pdf f12-signed.pdf
expect_rc 3 "F12: sign a PDF with bytes before %PDF-"
expect_one_line_error "F12 (sign)"
expect_absent f12-signed.pdf "F12: nothing written"
{ printf 'GARBAGE\n'; cat s1.pdf; } >f12-verify.pdf
refused f12-verify.pdf "F12: a signed PDF with bytes before %PDF-"

# --- F13: the field name Signature1 already taken ------------------------------------------------
for kind in kids dup; do
  craft field-name minute.pdf "f13-$kind.pdf" "$kind"
  sign ali-rezaei "f13-$kind.pdf" "F13-$kind.pdf"
  expect_rc 0 "F13: sign beside a field Signature1 ($kind)"
  run "${V[@]}" "F13-$kind.pdf"
  expect_rc 0 "F13 ($kind): verify"
  jcheck "F13 ($kind): the new field is not named Signature1" '.signatures | length == 1 and .[0].valid and .[0].field != "Signature1"'
  check "F13 ($kind): pdfsig says the signature is valid" pdfsig_valid "F13-$kind.pdf"
  check "F13 ($kind): qpdf --check" qpdf --check "F13-$kind.pdf"
done

# ============ the second review (A1..A7) ============
# --- A1: trailer /Info -> a missing object, hidden object bodies --------------------------------
a1_content=$(pdfobj s1.pdf contents)
craft hidden-bodies s1.pdf A1.pdf
check_not "A1: the signed page does not show '$PAY'" shows s1.pdf "$PAY"
check "A1: poppler rebuilds its xref and shows '$PAY' from the hidden body" shows A1.pdf "$PAY"
run "${V[@]}" A1.pdf
expect_rc 1 "A1: /Info -> 9999 0 R, other bodies for the page content hidden in a stream: not valid"
finding 1 pdf_modified_after_signing "A1"
mods 1 "an object body for $a1_content 0" "A1 (the hidden body of page 1's content stream)"
craft hidden-bodies-xref s1.pdf A1x.pdf
check "A1x: the fake section inside the stream points at the hidden body" python3 -c "
import re,sys; b=open('A1x.pdf','rb').read(); m=re.search(rb'xref\n$a1_content 1\n(\d{10}) 00000 n', b)
sys.exit(0 if m and b[int(m.group(1)):].startswith(b'$a1_content 0 obj') else 1)"
run "${V[@]}" A1x.pdf
expect_rc 1 "A1x: hidden bodies 'listed' by a fake section inside a stream: still not valid"
mods 1 "an object body for $a1_content 0" "A1x (a section outside the /Prev chain lists nothing)"

# --- A2: an object stream listing page 1 twice ---------------------------------------------------
a2_page=$(pdfobj s1.pdf object)
craft objstm-dup s1.pdf A2.pdf
check "A2: a reader shows '$PAY' (the first copy)" shows A2.pdf "$PAY"
refused A2.pdf "A2: an object stream listing page object $a2_page twice"
expect_err_contains "lists object $a2_page twice" "A2: the error says the object stream lists object $a2_page twice"

# --- A3: a P=1 certified form drawn from /DA and /DR ---------------------------------------------
craft form-prep minute.pdf a3-form.pdf
sign ali-rezaei a3-form.pdf a3-c1.pdf --certify 1
expect_rc 0 "A3: certify (P=1) the form with a text field without an appearance"
verified a3-c1.pdf "A3"
check "A3: a reader draws the field from /DA and /DR (1,000,000 RIAL)" shows a3-c1.pdf "1,000,000 RIAL"
declare -A a3_what=([t3]="/DR /Helv replaced by a Type 3 font ('1' drawn as '9')" [da]="/DA made white")
declare -A a3_mods=([t3]="/DR|default resources" [da]="/DA")
for kind in t3 da; do
  craft form-default a3-c1.pdf "A3-$kind.pdf" "$kind"
  renders_differently a3-c1.pdf "A3-$kind.pdf" "A3 ($kind)"
  run "${V[@]}" "A3-$kind.pdf"
  expect_rc 1 "A3: ${a3_what[$kind]} under P=1: not valid"
  finding 1 pdf_modified_after_signing "A3 ($kind)"
  mods 1 "${a3_mods[$kind]}" "A3 ($kind)"
done

# --- A4: an object freed by a cross-reference stream ---------------------------------------------
craft free f5-signed.pdf A4.pdf xs
check "A4: the update is a cross-reference stream" bash -c "tail -c 400 A4.pdf | grep -aq '/Type /XRef'"
renders_differently f5-signed.pdf A4.pdf "A4"
run "${V[@]}" A4.pdf
expect_rc 1 "A4: /Ov freed by a type-0 entry of a cross-reference stream: not valid"
finding 1 pdf_modified_after_signing "A4"
mods 1 "freed" "A4"

# --- A5: a dangling reference in the signed page, defined after signing -------------------------
craft dangle-prep minute.pdf a5-prep.pdf
sign ali-rezaei a5-prep.pdf a5-signed.pdf
expect_rc 0 "A5: sign the page whose /Contents refers to an undefined object"
verified a5-signed.pdf "A5"
check_not "A5: the signed page does not show '$PAY'" shows a5-signed.pdf "$PAY"
craft dangle-define a5-signed.pdf A5.pdf
check "A5: with the object defined a reader shows '$PAY'" shows A5.pdf "$PAY"
run "${V[@]}" A5.pdf
expect_rc 1 "A5: the undefined object defined after signing: not valid"
finding 1 pdf_modified_after_signing "A5"
mods 1 "did not exist when signed" "A5"

# --- A6: an empty signature field given an appearance, unsigned (P=2) ---------------------------
craft empty-sig-prep minute.pdf a6-prep.pdf
sign ali-rezaei a6-prep.pdf a6-c2.pdf --certify 2
expect_rc 0 "A6: certify (P=2) the minute with an empty signature field"
verified a6-c2.pdf "A6"
check_not "A6: the certified page does not show '$PAY'" shows a6-c2.pdf "$PAY"
craft empty-sig-ap a6-c2.pdf A6.pdf
check "A6: with the appearance a reader shows '$PAY - APPROVED'" shows A6.pdf "$PAY - APPROVED"
run "${V[@]}" A6.pdf
expect_rc 1 "A6: the empty signature field given an /AP and no /V under P=2: not valid"
finding 1 pdf_modified_after_signing "A6"
mods 1 "signature field" "A6"

# --- A7: trailer /Info pointed to a new object ---------------------------------------------------
craft info s1.pdf A7.pdf
check_not "A7: the signed document's title does not show '$PAY'" bash -c "pdfinfo s1.pdf | grep -qF '$PAY'"
check "A7: pdfinfo shows the new title ('$PAY')" bash -c "pdfinfo A7.pdf | grep -q '^Title: .*$PAY'"
run "${V[@]}" A7.pdf
expect_rc 1 "A7: /Info pointed to a new object: not valid"
finding 1 pdf_modified_after_signing "A7"
mods 1 "/Info" "A7"

# --- control: legitimate updates are not flagged (xref streams, tsign x3, then PDFBox) ----------
qpdf --object-streams=generate minute.pdf xs.pdf
check "control: the xref-stream input has no classic table" bash -c "! grep -aq '^xref' xs.pdf && grep -aq '/XRef' xs.pdf"
sign ali-rezaei xs.pdf xs1.pdf
expect_rc 0 "control: tsign signs the xref-stream PDF (Ali)"
sign maryam-karimi xs1.pdf xs2.pdf
expect_rc 0 "control: tsign signs it again (Maryam)"
sign sara-ahmadi xs2.pdf xs3.pdf
expect_rc 0 "control: tsign signs it a third time (Sara)"
run "${V[@]}" xs3.pdf
expect_rc 0 "control: three tsign signatures on xref streams: valid"
jcheck "control (tsign x3): three valid signatures, no modifications, no findings" \
  '([.signatures[].valid] == [true, true, true]) and ([.signatures[] | (.modifications | length) + (.findings | length)] | add == 0)'
if CP=$(bash "$TSIGN_SOURCE/tests/tools/java.sh" "$W/java"); then
  # PDFBox's cross-reference stream has no entry for itself (and /Size above the highest number + 1)
  check "control: PDFBox co-signs it (Ali, visible)" java -cp "$CP" PdfBoxSign xs3.pdf xs4.pdf "$S/signer-ali-rezaei.key.pem" \
    "$S/signer-ali-rezaei.crt.pem" "$S/intermediate.crt.pem" --pass-env SAMPLE_PASS --visible
else
  fail "tests/tools/java.sh: cannot compile the PDFBox tools"
fi
check "control: pdfsig says the four signatures are valid" bash -c "[ \"\$(pdfsig xs4.pdf 2>/dev/null | grep -c 'Signature is Valid')\" = 4 ]"
run "${V[@]}" xs4.pdf
expect_rc 0 "control: tsign x3, then PDFBox, on xref streams: valid"
jcheck "control (tsign x3 + PDFBox): four valid signatures" '[.signatures[].valid] == [true, true, true, true]'
jcheck "control (tsign x3 + PDFBox): no modifications, no findings" \
  '[.signatures[] | (.modifications | length) + (.findings | length)] | add == 0'

finish
