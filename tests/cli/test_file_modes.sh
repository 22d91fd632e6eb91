#!/usr/bin/env bash
# Private state whatever the umask, and key files under a modern KDF:
# - under umask 000, `ca init` makes the CA folder and its subfolders 0700, the key 0600, the
#   database 0600, and nothing group- or world-writable (nobody else can swap a profile); the TSA's
#   new state folder is 0700 and tsa.db 0600; batch output folders are not world-writable;
# - encrypted key files use PBES2 with scrypt (openssl asn1parse shows id-scrypt with N=16384, r=8,
#   p=5), `openssl pkey` decrypts them with the passphrase, and keys encrypted the old way (PBKDF2,
#   2,048 iterations) still load.
source "$(dirname "$0")/lib.sh"
cd "$W"
export P=pass-phrase-1

umask 000
run "$TSIGN" ca init --dir ca --subject "/CN=Root/C=IR" --key-type ec-p256 --pin-source env:P
expect_rc 0 "ca init under umask 000"
check "CA folder is 0700" test "$(stat -c %a ca)" = 700
check "certs/ is 0700" test "$(stat -c %a ca/certs)" = 700
check "profiles/ is 0700" test "$(stat -c %a ca/profiles)" = 700
check "CA key is 0600" test "$(stat -c %a ca/ca.key)" = 600
check "CA database is 0600" test "$(stat -c %a ca/ca.db)" = 600
check "no profile is group- or world-writable" test -z "$(find ca/profiles -perm /022 -print)"
check "nothing in the CA folder is group- or world-writable" test -z "$(find ca -perm /022 -print)"

# A CA folder the user made beforehand (mode 0777 here) is narrowed to 0700.
mkdir -m 0777 ca2
run "$TSIGN" ca init --dir ca2 --subject "/CN=Root 2/C=IR" --key-type ec-p256 --pin-source env:P
expect_rc 0 "ca init into an existing 0777 folder"
check "the existing folder is narrowed to 0700" test "$(stat -c %a ca2)" = 700

# The TSA's new state folder.
"$TSIGN" key gen --type ec-p256 --out tsa.key >/dev/null 2>&1
"$TSIGN" csr --key tsa.key --subject "/CN=TSA/C=IR" --out tsa.csr
"$TSIGN" ca issue --dir ca --csr tsa.csr --profile tsa --pem --out tsa.crt --pin-source env:P
check "issuance still writes under umask 000" test -s tsa.crt
PORT=$(free_ports 2)
"$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:$PORT --state tsa-state 2>tsa.log & TSA_PID=$!
trap 'kill $TSA_PID 2>/dev/null; rm -rf "$W"' EXIT
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
check "TSA state folder is 0700" test "$(stat -c %a tsa-state)" = 700
check "tsa.db is 0600" test "$(stat -c %a tsa-state/tsa.db)" = 600
kill $TSA_PID 2>/dev/null; wait $TSA_PID 2>/dev/null

# Batch output folders (signatures are public, but nobody else may replace them).
"$TSIGN" key gen --type ec-p256 --out signer.key >/dev/null 2>&1
"$TSIGN" csr --key signer.key --subject "/CN=Signer/C=IR" --out signer.csr
"$TSIGN" ca issue --dir ca --csr signer.csr --profile signer --pem --out signer.crt --pin-source env:P
mkdir -p in/sub && echo one >in/a.txt && echo two >in/sub/b.txt
run "$TSIGN" batch --key signer.key --cert signer.crt --out-dir batch-out/signed --jobs 1 in
expect_rc 0 "batch under umask 000"
check "no batch output folder is world-writable" test -z "$(find batch-out -type d -perm /022 -print)"
umask 022

# --- the KDF ---
run "$TSIGN" key gen --type rsa2048 --out enc.pem --pem --encrypt --pin-source env:P
expect_rc 0 "encrypted key"
openssl asn1parse -in enc.pem >asn1.txt 2>&1
check "PBES2" grep -q "PBES2" asn1.txt
check "scrypt (id-scrypt, 1.3.6.1.4.1.11591.4.11)" grep -qE "OBJECT +:(id-)?scrypt$" asn1.txt
check "a 16-byte salt" grep -qE "OCTET STRING +\[HEX DUMP\]:[0-9A-F]{32}$" asn1.txt
check "scrypt N = 16384 (0x4000)" grep -q "INTEGER *:4000$" asn1.txt
check "scrypt r = 8" grep -q "INTEGER *:08$" asn1.txt
check "scrypt p = 5" grep -q "INTEGER *:05$" asn1.txt
check "AES-256-CBC" grep -q "aes-256-cbc" asn1.txt
check "the CA key uses scrypt too" grep -qE "OBJECT +:(id-)?scrypt$" <(openssl asn1parse -in ca/ca.key)
check "openssl pkey decrypts it with the passphrase" openssl pkey -in enc.pem -passin env:P -noout
check_not "openssl pkey refuses a wrong passphrase" openssl pkey -in enc.pem -passin pass:wrong -noout
run "$TSIGN" csr --key enc.pem --pin-source env:P --subject "/CN=New key/C=IR" --pem --out new.csr
expect_rc 0 "tsign opens its scrypt key"
check "and its CSR verifies" openssl req -in new.csr -verify -noout
run "$TSIGN" key gen --type ec-p256 --out enc.der --encrypt --pin-source env:P
check "DER keys use scrypt too" grep -qE "OBJECT +:(id-)?scrypt$" <(openssl asn1parse -inform DER -in enc.der)
check "openssl pkey decrypts the DER key" openssl pkey -inform DER -in enc.der -passin env:P -noout

# Keys encrypted the old way (OpenSSL's default PBKDF2, 2,048 iterations) still load.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out old-plain.pem 2>/dev/null
openssl pkcs8 -topk8 -in old-plain.pem -v2 aes-256-cbc -iter 2048 -passout env:P -out old.pem
check "the old key is PBKDF2" grep -q "PBKDF2" <(openssl asn1parse -in old.pem)
run "$TSIGN" csr --key old.pem --pin-source env:P --subject "/CN=Old key/C=IR" --pem --out old.csr
expect_rc 0 "a PBKDF2-2048 key still opens"
check "and its CSR verifies" openssl req -in old.csr -verify -noout

finish
