#!/usr/bin/env bash
# Commission rosters: members are identified structurally (certificate, public key, subject +
# issuer compared as X.509 names), never as display text. A certificate from the same CA whose O is
# "X, CN=علی رضایی" is not علی رضایی; each person counts once; the roster file is strictly typed and
# every file it names is read with a size limit. `tsign roster make` / `roster check`.
source "$(dirname "$0")/lib.sh"
cd "$W"
bash "$TSIGN_SOURCE/certs-sample/make-sample.sh" "$W/s" >/dev/null
S=$W/s
export SAMPLE_PASS=tsign-sample
printf 'صورتجلسه جلسه بازگشایی پاکات مناقصه شماره ۱۴۰۵-۱۲\nحاضران: اعضای کمیسیون\n' >minutes.txt
TRUST=(--trust "$S/root.crt.pem" --untrusted "$S/intermediate.crt.pem")
key() { echo --key "$S/signer-$1.key.pem" --cert "$S/signer-$1.crt.pem" --pin-source env:SAMPLE_PASS; }
ORG="شهرداری نمونه (TEST ONLY)"
ALI="CN=علی رضایی, OU=کمیسیون مناقصه, O=$ORG, C=IR"
ALI_SLASH="/CN=علی رضایی/OU=کمیسیون مناقصه/O=$ORG/C=IR"
INTER="CN=مرکز صدور گواهی میانی نمونه, O=$ORG, C=IR"
INTER_SLASH="/CN=مرکز صدور گواهی میانی نمونه/O=$ORG/C=IR"
spki() { openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1; }
ALI_SPKI=$(spki "$S/signer-ali-rezaei.crt.pem")
SARA_SPKI=$(spki "$S/signer-sara-ahmadi.crt.pem")
utf8_ok() { python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8")' <"$1"; }

# --- signatures: Ali alone; Ali, Sara and Maryam; Sara and Maryam ---
# shellcheck disable=SC2046
"$TSIGN" sign $(key ali-rezaei) --chain "$S/intermediate.crt.pem" --out one.p7s minutes.txt 2>/dev/null
# shellcheck disable=SC2046
"$TSIGN" cosign --signature one.p7s --content minutes.txt $(key sara-ahmadi) --out two.p7s 2>/dev/null
# shellcheck disable=SC2046
"$TSIGN" cosign --signature two.p7s --content minutes.txt $(key maryam-karimi) --out three.p7s 2>/dev/null
# shellcheck disable=SC2046
"$TSIGN" sign $(key sara-ahmadi) --chain "$S/intermediate.crt.pem" --out sm.p7s minutes.txt 2>/dev/null
# shellcheck disable=SC2046
"$TSIGN" cosign --signature sm.p7s --content minutes.txt $(key maryam-karimi) 2>/dev/null
run "$TSIGN" verify "${TRUST[@]}" three.p7s minutes.txt
expect_rc 0 "three members signed (no roster)"

# --- the spoof: same intermediate, O = "X, CN=علی رضایی", no CN ---
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n' >signer.ext
issue() {  # issue NAME SUBJECT [CA_CERT CA_KEY]
  openssl req -new -utf8 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
  if [ $# -gt 2 ]; then
    openssl x509 -req -in "$1.csr" -CA "$3" -CAkey "$4" -set_serial "0x$(openssl rand -hex 8)" -days 30 -extfile signer.ext -out "$1.crt" 2>/dev/null
  else
    openssl x509 -req -in "$1.csr" -CA "$S/intermediate.crt.pem" -CAkey "$S/intermediate.key.pem" -passin env:SAMPLE_PASS \
      -set_serial "0x$(openssl rand -hex 8)" -days 30 -extfile signer.ext -out "$1.crt" 2>/dev/null
  fi
}
issue spoof "/O=X, CN=علی رضایی/OU=کمیسیون مناقصه/O=$ORG/C=IR"
check "the spoof certificate has no CN" test -z "$(openssl x509 -in spoof.crt -noout -subject -nameopt multiline | grep commonName)"
"$TSIGN" sign --key spoof.key --cert spoof.crt --chain "$S/intermediate.crt.pem" --out spoof.p7s minutes.txt 2>/dev/null
# shellcheck disable=SC2046
"$TSIGN" cosign --signature spoof.p7s --content minutes.txt $(key sara-ahmadi) 2>/dev/null
run "$TSIGN" verify "${TRUST[@]}" --json spoof.p7s minutes.txt
expect_rc 0 "the spoof's signature itself is valid (same CA)"
check "its subject shows the escaped comma" test "$(jq -r '.signers[0].subject' out)" = "O=X\\, CN=علی رضایی, OU=کمیسیون مناقصه, O=$ORG, C=IR"

roster2() {  # roster2 FILE ALI_LINES: Ali (as given) and Sara (by public key), quorum 2
  printf 'commission: "کمیسیون مناقصه ۱۴۰۵-۱۲"\nquorum: 2\nmembers:\n  - name: علی رضایی\n%s\n  - name: سارا احمدی\n    spki_sha256: %s\n' "$2" "$SARA_SPKI" >"$1"
}
roster2 r-subject.yaml "    subject: \"$ALI\"
    issuer: \"$INTER\""
roster2 r-slash.yaml "    subject: \"$ALI_SLASH\"
    issuer: \"$INTER_SLASH\""
roster2 r-cert.yaml "    certificate: s/signer-ali-rezaei.crt.pem"
roster2 r-spki.yaml "    spki_sha256: $ALI_SPKI"
for r in r-subject r-slash r-cert r-spki; do
  run "$TSIGN" verify "${TRUST[@]}" --roster $r.yaml --json spoof.p7s minutes.txt
  expect_rc 1 "$r: the spoof does not count for Ali"
  check "$r: the spoof is an outsider" test "$(jq -r '.roster.outside_roster[0]' out)" = "O=X\\, CN=علی رضایی, OU=کمیسیون مناقصه, O=$ORG, C=IR"
  check "$r: quorum not met" test "$(jq -r '[.roster.quorum_met, .roster.satisfied, .valid] | join(",")' out)" = "false,false,false"
  check "$r: not_in_roster finding" test "$(jq -r '.signers[0].findings[0] | "\(.code),\(.scope)"' out)" = "not_in_roster,roster"
  check "$r: the spoof's own verdict is unchanged" test "$(jq -r '.signers[0].indication' out)" = TOTAL_PASSED
  run "$TSIGN" verify "${TRUST[@]}" --roster $r.yaml --json two.p7s minutes.txt
  expect_rc 0 "$r: the real Ali counts"
  check "$r: Ali and Sara signed" test "$(jq -c '.roster.signed' out)" = '["علی رضایی","سارا احمدی"]'
  check "$r: member signers" test "$(jq -c '[.roster.members[].signers]' out)" = '[[0],[1]]'
done
check "the report gives the roster's SHA-256" test "$(jq -r .roster.sha256 out)" = "$(sha256sum r-spki.yaml | cut -d' ' -f1)"

# a member whose subject is O=X, CN=علی رضایی, ... prints as the spoof used to: the spoof is still an outsider
issue ali-x "/O=X/CN=علی رضایی/OU=کمیسیون مناقصه/O=$ORG/C=IR"
roster2 r-x.yaml "    subject: \"O=X, CN=علی رضایی, OU=کمیسیون مناقصه, O=$ORG, C=IR\"
    issuer: \"$INTER\""
run "$TSIGN" verify "${TRUST[@]}" --roster r-x.yaml --json spoof.p7s minutes.txt
expect_rc 1 "a value with ', CN=' is not two attributes"
check "outsider" test "$(jq -r '.roster.outside_roster | length' out)" = 1
"$TSIGN" sign --key ali-x.key --cert ali-x.crt --chain "$S/intermediate.crt.pem" --out x.p7s minutes.txt 2>/dev/null
# shellcheck disable=SC2046
"$TSIGN" cosign --signature x.p7s --content minutes.txt $(key sara-ahmadi) 2>/dev/null
run "$TSIGN" verify "${TRUST[@]}" --roster r-x.yaml --json x.p7s minutes.txt
expect_rc 0 "the member O=X, CN=... counts"

# the same subject from another CA is not the member named by subject + issuer
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other-ca.key -subj "/CN=Other CA" -days 30 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out other-ca.crt 2>/dev/null
issue other-ali "$ALI_SLASH" other-ca.crt other-ca.key
"$TSIGN" sign --key other-ali.key --cert other-ali.crt --out other.p7s minutes.txt 2>/dev/null
# shellcheck disable=SC2046
"$TSIGN" cosign --signature other.p7s --content minutes.txt $(key sara-ahmadi) 2>/dev/null
run "$TSIGN" verify "${TRUST[@]}" --trust other-ca.crt --json other.p7s minutes.txt
expect_rc 0 "the other CA's Ali is a valid signer when its CA is trusted"
for r in r-subject r-slash r-cert r-spki; do
  run "$TSIGN" verify "${TRUST[@]}" --trust other-ca.crt --roster $r.yaml --json other.p7s minutes.txt
  expect_rc 1 "$r: the same subject from another CA is an outsider"
  check "$r: named" test "$(jq -r '.roster.outside_roster[0]' out)" = "$ALI"
done

# --- each person counts once ---
# shellcheck disable=SC2046
"$TSIGN" cosign --signature one.p7s --content minutes.txt $(key ali-rezaei) --allow-same-signer --out ali-twice.p7s 2>/dev/null
run "$TSIGN" verify "${TRUST[@]}" --roster r-spki.yaml --json ali-twice.p7s minutes.txt
expect_rc 1 "one member signing twice does not make a quorum of 2"
check "Ali's two signatures, one member" test "$(jq -c '[.roster.signed, .roster.members[0].signers, .roster.quorum_met]' out)" = '[["علی رضایی"],[0,1],false]'
check "both signatures are valid" test "$(jq -r '[.signers[].valid] | join(",")' out)" = "true,true"

# --- required members ---
cat >r-req.yaml <<YAML
commission: "کمیسیون مناقصه ۱۴۰۵-۱۲"
quorum: 2
members:
  - name: علی رضایی
    spki_sha256: $ALI_SPKI
    required: true
  - name: سارا احمدی
    certificate: s/signer-sara-ahmadi.crt.pem
  - name: مریم کریمی
    subject: "CN=مریم کریمی, OU=امور مالی, O=$ORG, C=IR"
    issuer: "$INTER"
YAML
run "$TSIGN" verify "${TRUST[@]}" --roster r-req.yaml --json sm.p7s minutes.txt
expect_rc 1 "quorum met but a required member missing"
check "required_missing" test "$(jq -c '[.roster.quorum_met, .roster.required_met, .roster.required_missing, .roster.required]' out)" = '[true,false,["علی رضایی"],["علی رضایی"]]'
run "$TSIGN" verify "${TRUST[@]}" --roster r-req.yaml sm.p7s minutes.txt
expect_out_contains "not signed: علی رضایی (required)" "human report names the required member"
expect_out_contains "NOT MET, missing: علی رضایی" "human report: required not met"
run "$TSIGN" verify "${TRUST[@]}" --roster r-req.yaml --json three.p7s minutes.txt
expect_rc 0 "all three signed"
check "satisfied" test "$(jq -r '.roster.satisfied' out)" = true
check "JSON roster keys" test "$(jq -c '.roster | keys_unsorted' out)" = '["commission","sha256","quorum","signed","not_signed","outside_roster","quorum_met","required","required_missing","required_met","satisfied","members"]'
check "JSON member keys" test "$(jq -c '.roster.members[0] | keys_unsorted' out)" = '["name","required","signed","signers"]'

# --- rosters that are refused: exit 3, one line naming the problem ---
refused() {  # refused DESCRIPTION TEXT_IN_ERROR: the roster in bad.yaml
  run "$TSIGN" verify "${TRUST[@]}" --roster bad.yaml three.p7s minutes.txt
  expect_rc 3 "$1"
  expect_one_line_error "$1"
  expect_err_contains "$2" "$1: the error says '$2'"
  run "$TSIGN" roster check bad.yaml
  expect_rc 3 "roster check: $1"
}
member() { printf '  - name: %s\n    %s\n' "$1" "$2"; }
{ echo "quorum: 1"; echo "members:"; member a "certificate: s/signer-ali-rezaei.crt.pem"; member b "spki_sha256: $ALI_SPKI"; } >bad.yaml
refused "the same person by certificate and by public key" "member 1 (a) and member 2 (b) can identify the same signer (the same public key)"
{ echo "members:"; member a "certificate: s/signer-ali-rezaei.crt.pem"; member b "certificate: $S/signer-ali-rezaei.crt.pem"; } >bad.yaml
refused "the same certificate twice" "the same certificate"
{ echo "members:"; member a "subject: \"$ALI\""; member b "subject: \"$ALI_SLASH\""; printf '    issuer: "%s"\n' "$INTER"; } >bad.yaml
refused "subject alone and subject + issuer" "can identify the same signer (the same subject"
{ echo "members:"; member a "certificate: s/signer-ali-rezaei.crt.pem"; member b "subject: \"$ALI\""; printf '    issuer: "%s"\n' "$INTER_SLASH"; } >bad.yaml
refused "a certificate and its subject + issuer" "the same subject and issuer"
{ echo "members:"; member a "spki_sha256: $ALI_SPKI"; member b "spki_sha256: ${ALI_SPKI^^}"; } >bad.yaml
refused "the same public key twice (hex case)" "the same public key"
for q in 0 -1 3 abc 1.5 '"2x"' '[1, 2]' '{a: 1}' '""'; do
  { echo "quorum: $q"; echo "members:"; member a "spki_sha256: $ALI_SPKI"; member b "spki_sha256: $SARA_SPKI"; } >bad.yaml
  refused "quorum $q" "quorum must be an integer from 1 to 2"
done
{ echo "quorom: 1"; echo "members:"; member a "spki_sha256: $ALI_SPKI"; } >bad.yaml
refused "a misspelt top-level key" "unknown key 'quorom'"
{ echo "members:"; member a "certifcate: s/signer-ali-rezaei.crt.pem"; } >bad.yaml
refused "a misspelt member key" "member 1 (a): unknown key 'certifcate'"
{ echo "members:"; member a "certificate: /dev/zero"; } >bad.yaml
refused "certificate: /dev/zero" "cannot read certificate '/dev/zero': not a regular file"
head -c 1048577 /dev/zero >big.pem
{ echo "members:"; member a "certificate: big.pem"; } >bad.yaml
refused "a certificate file over 1 MiB" "larger than 1 MiB"
{ echo "members:"; member a "certificate: missing.pem"; } >bad.yaml
refused "a missing certificate file" "no such file"
{ echo "members:"; member a "certificate: minutes.txt"; } >bad.yaml
refused "a file that is not a certificate" "not a certificate"
{ echo "members:"; member a "certificate: s/chain.pem"; } >bad.yaml
refused "a bundle of certificates" "holds 2 certificates"
{ echo "members:"; member a "certificate: [a.pem, b.pem]"; } >bad.yaml
refused "a list where a file is expected" "member 1 (a): certificate must be text, not a list"
{ echo "members:"; member '[x, y]' "spki_sha256: $ALI_SPKI"; } >bad.yaml
refused "a list as a name" "member 1: name must be text, not a list"
{ echo "members:"; member a "spki_sha256: $ALI_SPKI"; echo "    required: yes"; } >bad.yaml
refused "required: yes" "required must be true or false"
{ echo "members:"; member a "spki_sha256: abcd"; } >bad.yaml
refused "a short spki_sha256" "spki_sha256 must be 64 hex digits"
{ echo "members:"; member a "subject: \"O=X, CN=a;b\""; } >bad.yaml
refused "a subject that does not parse" "member 1 (a): invalid subject 'O=X, CN=a;b'"
{ echo "members:"; member a "subject: \"$ALI\""; echo "    spki_sha256: $ALI_SPKI"; } >bad.yaml
refused "two identities in one member" "give only one of certificate, spki_sha256 and subject"
{ echo "members:"; member a "issuer: \"$INTER\""; } >bad.yaml
refused "a member without identity" "has no identity"
{ echo "members:"; member a "spki_sha256: $ALI_SPKI"; echo "members:"; } >bad.yaml
refused "a key given twice" "'members' is given twice"
echo "members: {a: 1}" >bad.yaml
refused "members not a list" "members must be a list"
echo "members: []" >bad.yaml
refused "no members" "it lists no members"
: >bad.yaml
refused "an empty roster" "it is empty"
printf 'members: [\n' >bad.yaml
refused "not YAML" "not valid YAML"
{ echo "members:"; member a "spki_sha256: $ALI_SPKI"; printf '# %*s\n' 1048576 x; } >bad.yaml
refused "a roster over 1 MiB" "larger than 1 MiB"
run "$TSIGN" verify "${TRUST[@]}" --roster /dev/zero three.p7s minutes.txt
expect_rc 3 "a roster that is a device"
expect_err_contains "not a regular file" "a device roster is refused before reading"
mkfifo fifo.yaml
run timeout 10 "$TSIGN" verify "${TRUST[@]}" --roster fifo.yaml three.p7s minutes.txt
expect_rc 3 "a FIFO roster is refused without blocking"
run "$TSIGN" verify "${TRUST[@]}" --roster missing.yaml three.p7s minutes.txt
expect_rc 3 "a missing roster"

# --- tsign roster make / check ---
run "$TSIGN" roster make --quorum 3 --name "کمیسیون مناقصه ۱۴۰۵-۱۲" --required "$S/signer-ali-rezaei.crt.pem" --out made.yaml \
  "$S/signer-sara-ahmadi.crt.pem" "$S/signer-maryam-karimi.crt.pem"
expect_rc 0 "roster make (by public key)"
check "spki pins written" test "$(grep -c 'spki_sha256: ' made.yaml)" = 3
check "Ali's public key" grep -q "spki_sha256: $ALI_SPKI" made.yaml
check "subject and issuer comments" grep -qF "  # subject: $ALI" made.yaml
check "names from the CN" grep -qF 'name: "مریم کریمی"' made.yaml
run "$TSIGN" roster check made.yaml
expect_rc 0 "roster check accepts what make wrote"
expect_out_contains "quorum:   3 of 3 members" "check shows the quorum"
expect_out_contains "required: علی رضایی" "check shows the required member"
run "$TSIGN" roster check --json made.yaml
expect_rc 0 "roster check --json"
check "check JSON" test "$(jq -c '[.commission, .quorum, .required, [.members[].by], .members[2].name]' out)" = \
  '["کمیسیون مناقصه ۱۴۰۵-۱۲",3,["علی رضایی"],["spki_sha256","spki_sha256","spki_sha256"],"علی رضایی"]'
run "$TSIGN" verify "${TRUST[@]}" --roster made.yaml --json three.p7s minutes.txt
expect_rc 0 "the made roster verifies the three members' signature"
check "three distinct members" test "$(jq -r '.roster.signed | length' out)" = 3
run "$TSIGN" verify "${TRUST[@]}" --roster made.yaml --json two.p7s minutes.txt
expect_rc 1 "two of three: quorum 3 not met"
mkdir -p rosters
for by in certificate subject; do
  run "$TSIGN" roster make --quorum 3 --by $by --out rosters/$by.yaml "$S/signer-ali-rezaei.crt.pem" "$S/signer-sara-ahmadi.crt.pem" "$S/signer-maryam-karimi.crt.pem"
  expect_rc 0 "roster make --by $by"
  run "$TSIGN" roster check rosters/$by.yaml
  expect_rc 0 "roster check (--by $by)"
  run "$TSIGN" verify "${TRUST[@]}" --roster rosters/$by.yaml --json three.p7s minutes.txt
  expect_rc 0 "verify with the roster made --by $by"
  run "$TSIGN" verify "${TRUST[@]}" --roster rosters/$by.yaml --json spoof.p7s minutes.txt
  expect_rc 1 "--by $by: the spoof is an outsider"
done
check "--by certificate: paths relative to the roster" grep -q 'certificate: "../s/signer-ali-rezaei.crt.pem"' rosters/certificate.yaml
check "--by subject: comma form" grep -qF "subject: \"$ALI\"" rosters/subject.yaml
run "$TSIGN" roster make --quorum 1 --by subject --out spoof.yaml spoof.crt
expect_rc 0 "roster make --by subject for the spoof's certificate"
check "its subject is written escaped" grep -qF 'subject: "O=X\\, CN=علی رضایی' spoof.yaml
run "$TSIGN" verify "${TRUST[@]}" --roster spoof.yaml --json one.p7s minutes.txt
expect_rc 1 "a roster naming the spoof does not accept the real Ali"
run "$TSIGN" roster make --quorum 3 --out made.yaml "$S/signer-sara-ahmadi.crt.pem"
expect_rc 2 "quorum above the members"
expect_one_line_error "quorum above the members"
run "$TSIGN" roster make --quorum 1 --out made.yaml "$S/signer-sara-ahmadi.crt.pem"
expect_rc 3 "an existing roster is not overwritten"
run "$TSIGN" roster make --quorum 1 --force --out made.yaml "$S/signer-sara-ahmadi.crt.pem"
expect_rc 0 "--force replaces it"
run "$TSIGN" roster make --quorum 1 --out dup.yaml "$S/signer-sara-ahmadi.crt.pem" "$S/signer-sara-ahmadi.crt.pem"
expect_rc 3 "the same certificate twice"
expect_err_contains "are the same member" "make names the duplicate"
expect_absent dup.yaml "nothing written"
run "$TSIGN" roster make --quorum 1 --out nothing.yaml
expect_rc 2 "no certificates"
run "$TSIGN" roster make --quorum 1 --out - "$S/signer-sara-ahmadi.crt.pem"
expect_rc 0 "roster make to stdout"
check "stdout holds the roster" grep -q "spki_sha256: $SARA_SPKI" out
for h in "roster" "roster make" "roster check"; do
  # shellcheck disable=SC2086
  run "$TSIGN" $h --help
  check "$h --help has EXAMPLES and EXIT CODES" grep -q "EXIT CODES" out
done

# --- JSON is valid UTF-8, even for a name value that has no UTF-8 form ---
issue badutf "/CN=QQQQ/O=$ORG/C=IR"
openssl x509 -in badutf.crt -outform DER -out badutf.der
# the CN becomes a BIT STRING holding FF FE 51 (OpenSSL reads it; it has no UTF-8 form)
python3 -c 'import sys; p = sys.argv[1]; d = open(p, "rb").read(); assert d.count(b"\x0c\x04QQQQ") == 1; open(p, "wb").write(d.replace(b"\x0c\x04QQQQ", b"\x03\x04\x00\xff\xfeQ"))' badutf.der
openssl cms -sign -binary -in minutes.txt -signer <(openssl x509 -inform DER -in badutf.der) -inkey badutf.key -outform DER -out badutf.p7s 2>/dev/null
run "$TSIGN" verify "${TRUST[@]}" --roster r-spki.yaml --json badutf.p7s minutes.txt
expect_rc 1 "a signer whose CN has no UTF-8 form: not valid (altered certificate), an outsider"
check "the JSON report is valid UTF-8" utf8_ok out
check "jq reads it" jq -e . out
check "bytes that are not UTF-8 are \\XX escapes" test "$(jq -r '.signers[0].subject' out)" = "CN=\\FF\\FEQ, O=$ORG, C=IR"
check "the outsider is named the same way" test "$(jq -r '.roster.outside_roster[0]' out)" = "CN=\\FF\\FEQ, O=$ORG, C=IR"
for f in spoof.p7s three.p7s; do
  run "$TSIGN" verify "${TRUST[@]}" --roster r-req.yaml --json $f minutes.txt
  check "JSON of $f with a roster is valid UTF-8" utf8_ok out
done
run "$TSIGN" info --json spoof.crt
check "info shows the spoof's subject escaped" test "$(jq -r '.subject' out)" = "O=X\\, CN=علی رضایی, OU=کمیسیون مناقصه, O=$ORG, C=IR"
finish
