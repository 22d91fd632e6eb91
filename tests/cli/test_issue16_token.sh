#!/usr/bin/env bash
# Issue 16, token chores: `token import-cert` without --id finds the key by its public key;
# `token keys` says which keys have their certificate on the token; `sign` with a token key and
# no --chain takes the issuer certificates from the token (or warns that verifiers need them).
source "$(dirname "$0")/lib.sh"
cd "$W"
export PIN=123456
new_token member1
new_token member2
DOC=$TSIGN_SOURCE/examples/tender-minute.txt
PDF=$TSIGN_SOURCE/examples/tender-minute.pdf

# a root, an intermediate and a member's key on the token (openssl: an independent CA)
cat >ext.cnf <<'EOF'
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -subj '/CN=Issue16 Root' -days 30 \
  -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign -out root.crt 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout inter.key -subj '/CN=Issue16 Intermediate' -out inter.csr 2>/dev/null
openssl x509 -req -in inter.csr -CA root.crt -CAkey root.key -CAcreateserial -days 30 -extfile ext.cnf -extensions ca -out inter.crt 2>/dev/null

run "$TSIGN" token keygen --token member1 --label other --type ec-p256 --pin-source env:PIN --json
expect_rc 0 "keygen: a second key (the import must not pick it)"
run "$TSIGN" token keygen --token member1 --label sign --type ec-p256 --pin-source env:PIN --json
expect_rc 0 "keygen: the member's signing key"
ID=$(jq -r .id out)
run "$TSIGN" csr --key "pkcs11:token=member1;object=sign" --pin-source env:PIN --subject "/CN=Ali Rezaei/O=Issue16" --out sign.csr
expect_rc 0 "CSR with the token key"
openssl x509 -req -in sign.csr -inform DER -CA inter.crt -CAkey inter.key -CAcreateserial -days 30 -extfile ext.cnf -extensions leaf -out sign.crt 2>/dev/null
check "openssl issued the member certificate" test -s sign.crt

# --- token keys before the import: no certificate ---
run "$TSIGN" token keys --token member1 --pin-source env:PIN --json
expect_rc 0 "token keys --json"
check "JSON: the signing key has no certificate yet" \
  test "$(jq -r --arg id "$ID" '.objects[] | select(.kind=="private-key" and .id==$id) | .has_certificate' out)" = false
run "$TSIGN" token keys --token member1 --pin-source env:PIN
expect_out_contains "certificate: none on the token" "human: a key without a certificate says so"

# --- import-cert without --id ---
run "$TSIGN" token import-cert --token member1 --label sign-cert --pin-source env:PIN --json sign.crt
expect_rc 0 "import-cert without --id"
check "the certificate got the id of the matching key" test "$(jq -r .id out)" = "$ID"
pkcs11-tool --module "$SOFTHSM_MODULE" --token-label member1 --list-objects --type cert 2>/dev/null >p11.txt
check "pkcs11-tool: the certificate has the key's id" grep -qi "ID: *$ID" p11.txt
# an end-entity certificate whose key is on no token: exit 4, one line, nothing stored
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout stranger.key -subj '/CN=Stranger' -out stranger.csr 2>/dev/null
openssl x509 -req -in stranger.csr -CA inter.crt -CAkey inter.key -CAcreateserial -days 30 -extfile ext.cnf -extensions leaf -out stranger.crt 2>/dev/null
run "$TSIGN" token import-cert --token member1 --label stranger --pin-source env:PIN stranger.crt
expect_rc 4 "import-cert without --id, no key matches"
expect_err_contains "no key on token 'member1' has its public key" "no-matching-key wording"
expect_err_contains "hint: " "no-matching-key hint"
expect_one_line_error "no matching key"
check "nothing stored for the refused certificate" test "$(pkcs11-tool --module "$SOFTHSM_MODULE" --token-label member1 --list-objects --type cert 2>/dev/null | grep -c 'Certificate Object')" = 1

# --- token keys after the import ---
run "$TSIGN" token keys --token member1 --pin-source env:PIN --json
expect_rc 0 "token keys --json after the import"
check "JSON: the signing key has its certificate" \
  test "$(jq -r --arg id "$ID" '.objects[] | select(.kind=="private-key" and .id==$id) | .has_certificate' out)" = true
check "JSON: with the certificate's subject" \
  test "$(jq -r --arg id "$ID" '.objects[] | select(.kind=="private-key" and .id==$id) | .certificate.subject' out)" = "CN=Ali Rezaei, O=Issue16"
check "JSON: the other key has none" \
  test "$(jq -r '.objects[] | select(.kind=="private-key" and .label=="other") | .has_certificate' out)" = false
run "$TSIGN" token keys --token member1 --pin-source env:PIN
expect_out_contains "certificate: 'sign-cert' CN=Ali Rezaei, O=Issue16" "human: the key shows its certificate"

# --- sign without --chain: the issuer is not on the token yet -> one warning ---
run "$TSIGN" sign --key "pkcs11:token=member1;object=sign" --pin-source env:PIN --out warn.p7s "$DOC"
expect_rc 0 "sign without --chain, issuer not on the token"
check "exactly one warning line" test "$(grep -c '^tsign: warning: ' err)" = 1
expect_err_contains "verifiers will need that intermediate certificate" "warning says what verifiers need"
expect_err_contains "--chain FILE" "warning names --chain"
expect_err_contains "import the CA certificate on the token" "warning names the token import"
run "$TSIGN" verify --trust root.crt warn.p7s "$DOC"
expect_rc 1 "without the intermediate the signature does not verify with --trust root only"

# --- the intermediate on the token: sign finds it ---
run "$TSIGN" token import-cert --token member1 --label inter --pin-source env:PIN --json inter.crt
expect_rc 0 "import the intermediate without --id (a CA certificate, no key on the token)"
SKI=$(openssl x509 -in inter.crt -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' :' | tr 'A-F' 'a-f')
check "it is stored under its subject key identifier ($SKI)" test "$(jq -r .id out)" = "$SKI"
run "$TSIGN" sign --key "pkcs11:token=member1;object=sign" --pin-source env:PIN --out chain.p7s "$DOC"
expect_rc 0 "sign without --chain, intermediate on the token"
if grep -q "warning" err; then fail "no warning when the issuer is on the token: $(cat err)"; else ok "no warning when the issuer is on the token"; fi
run "$TSIGN" verify --trust root.crt chain.p7s "$DOC"
expect_rc 0 "verify --trust root.crt (no --untrusted) passes"
check "openssl cms -verify -CAfile root passes" openssl cms -verify -binary -inform DER -in chain.p7s -content "$DOC" -CAfile root.crt -purpose any -out /dev/null
openssl cms -cmsout -print -inform DER -in chain.p7s >chain.txt 2>/dev/null
check "the intermediate is embedded" grep -q "subject: CN=Issue16 Intermediate" chain.txt
if grep -q "subject: CN=Issue16 Root" chain.txt; then fail "the root was embedded"; else ok "the root is not embedded"; fi
# the root on the token too: still not embedded
run "$TSIGN" token import-cert --token member1 --label root --id ff02 --pin-source env:PIN root.crt
expect_rc 0 "import the root"
run "$TSIGN" sign --key "pkcs11:token=member1;object=sign" --pin-source env:PIN --attached --out att.p7m "$DOC"
expect_rc 0 "attached signature with the root on the token"
check "two certificates: signer and intermediate" test "$(openssl cms -cmsout -print -inform DER -in att.p7m 2>/dev/null | grep -c 'subject: ')" = 2
check "openssl verifies the attached signature" openssl cms -verify -inform DER -in att.p7m -CAfile root.crt -purpose any -out /dev/null
# --chain given: it wins, the token is not searched
run "$TSIGN" sign --key "pkcs11:token=member1;object=sign" --pin-source env:PIN --chain root.crt --out given.p7s "$DOC"
expect_rc 0 "sign with --chain"
if openssl cms -cmsout -print -inform DER -in given.p7s 2>/dev/null | grep -q "subject: CN=Issue16 Intermediate"; then
  fail "--chain given: the token's intermediate was added"; else ok "--chain given: only what --chain says"; fi

# --- PDF (PAdES) without --chain ---
cp "$PDF" minute.pdf
run "$TSIGN" sign --key "pkcs11:token=member1;object=sign" --pin-source env:PIN --out signed.pdf minute.pdf
expect_rc 0 "PDF signed without --chain"
run "$TSIGN" verify --trust root.crt signed.pdf
expect_rc 0 "PDF verifies with --trust root.crt only"

# --- a file key is not affected: no warning ---
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out file.key 2>/dev/null
openssl req -new -key file.key -subj /CN=File -out file.csr 2>/dev/null
openssl x509 -req -in file.csr -CA inter.crt -CAkey inter.key -CAcreateserial -days 30 -extfile ext.cnf -extensions leaf -out file.crt 2>/dev/null
run "$TSIGN" sign --key file.key --cert file.crt --out file.p7s "$DOC"
expect_rc 0 "file key sign"
if grep -q "warning" err; then fail "file key: unexpected warning: $(cat err)"; else ok "file key: no token warning"; fi
# co-signing with the token key adds the intermediate from the token too
run "$TSIGN" cosign --key "pkcs11:token=member1;object=sign" --pin-source env:PIN --signature file.p7s --content "$DOC" --out both.p7s
expect_rc 0 "cosign with the token key, no --chain"
run "$TSIGN" verify --trust root.crt both.p7s "$DOC"
expect_rc 0 "both signers verify with --trust root.crt only (the intermediate came from the token)"
check "openssl verifies both signers" openssl cms -verify -binary -inform DER -in both.p7s -content "$DOC" -CAfile root.crt -purpose any -out /dev/null

finish
