#!/usr/bin/env bash
# Keys on a real SoftHSM2 token: generation (never extractable), CSRs checked by openssl,
# certificate import, module selection, PIN sources and token errors.
source "$(dirname "$0")/lib.sh"
cd "$W"
new_token member1
new_token member2 654321
export PIN=123456 WRONG=000000

run "$TSIGN" token list
expect_rc 0 "token list"
expect_out_contains "member1" "token list shows the label"
run "$TSIGN" token list --json
expect_rc 0 "token list --json"
check "JSON lists both tokens" test "$(jq '[.slots[] | select(.label=="member1" or .label=="member2")] | length' out)" = 2
check "JSON has PIN flags" test "$(jq -r '.slots[] | select(.label=="member1") | .flags.user_pin_locked' out)" = false

# --- key generation on the token ---
run "$TSIGN" token keygen --token member1 --label sign --type ec-p256 --pin-source env:PIN --json
expect_rc 0 "token keygen ec-p256"
cp out keygen.json
check "generated key is sensitive" test "$(jq -r .sensitive keygen.json)" = true
check "generated key is not extractable" test "$(jq -r .extractable keygen.json)" = false
ID=$(jq -r .id keygen.json)
run "$TSIGN" token keygen --token member1 --label rsa --type rsa2048 --id 0102 --pin-source env:PIN
expect_rc 0 "token keygen rsa2048 with --id"
run "$TSIGN" token keygen --token member1 --label sign --type ec-p256 --pin-source env:PIN
expect_rc 2 "duplicate label refused"
run "$TSIGN" token keygen --token member1 --label p384 --type ec-p384 --pin-source env:PIN
expect_rc 0 "token keygen ec-p384"

# independent: pkcs11-tool sees the keys and cannot read the private values
check "pkcs11-tool lists the key" grep -q "label:.*sign" <(pkcs11-tool --module "$SOFTHSM_MODULE" --token-label member1 --login --pin "$PIN" --list-objects --type privkey 2>/dev/null)
pkcs11-tool --module "$SOFTHSM_MODULE" --token-label member1 --login --pin "$PIN" --list-objects --type privkey 2>/dev/null | grep -A4 "label: *sign$" >access.txt
check "pkcs11-tool: the key is sensitive" grep -q "Access:.* sensitive" access.txt
check "pkcs11-tool: the key is never extractable" grep -q "Access:.*never extractable" access.txt
pkcs11-tool --module "$SOFTHSM_MODULE" --token-label member1 --login --pin "$PIN" --read-object --type privkey --label sign -o extracted.der >/dev/null 2>&1
expect_absent extracted.der "pkcs11-tool cannot export the private key"

run "$TSIGN" token keys --token member1 --pin-source env:PIN --json
expect_rc 0 "token keys"
check "three private keys listed" test "$(jq '[.objects[] | select(.kind=="private-key")] | length' out)" = 3

# --- CSRs signed on the token ---
for obj in sign rsa p384; do
  run "$TSIGN" csr --key "pkcs11:token=member1;object=$obj" --pin-source env:PIN --subject "/CN=علی رضایی/O=شهرداری تهران/C=IR" --out "$obj.csr"
  expect_rc 0 "csr with token key $obj"
  check "openssl req -verify accepts the token CSR ($obj)" openssl req -in "$obj.csr" -inform DER -verify -noout
  subj=$(openssl req -in "$obj.csr" -inform DER -noout -subject -nameopt utf8 2>/dev/null)
  if [ "$subj" = "subject=CN=علی رضایی, O=شهرداری تهران, C=IR" ]; then ok "Persian subject ($obj)"; else fail "subject ($obj): $subj"; fi
done
run "$TSIGN" csr --key "pkcs11:token=member1;object=rsa" --pin-source env:PIN --subject /CN=pss --pss --pem --out pss.csr
expect_rc 0 "RSA-PSS CSR on the token"
check "openssl verifies the token RSA-PSS CSR" openssl req -in pss.csr -verify -noout
# id= addressing (percent-encoded bytes), pin-source and module-path in the URI
run env -u TSIGN_PKCS11_MODULE "$TSIGN" csr --key "pkcs11:token=member1;id=%01%02?module-path=$SOFTHSM_MODULE&pin-source=env:PIN" --subject /CN=byid --pem --out byid.csr
expect_rc 0 "key by id with module-path and pin-source in the URI"
check "the id-addressed CSR is the RSA key" grep -q "rsaEncryption" <(openssl req -in byid.csr -noout -text)
# PIN from a file and from a descriptor
printf '%s\n' "$PIN" >pin.txt
run "$TSIGN" csr --key "pkcs11:token=member1;object=sign" --pin-source file:pin.txt --subject /CN=f --out f.csr
expect_rc 0 "PIN from file:"
run "$TSIGN" csr --key "pkcs11:token=member1;object=sign" --pin-source fd:3 --subject /CN=fd --out fd.csr 3<pin.txt
expect_rc 0 "PIN from fd:"
# the system's p11-kit proxy (softhsm2 registers itself there) when nothing else is configured
run env -u TSIGN_PKCS11_MODULE "$TSIGN" csr --key "pkcs11:token=member1;object=sign" --pin-source env:PIN --subject /CN=proxy --out proxy.csr
expect_rc 0 "default module: p11-kit proxy"
check "proxy CSR verifies" openssl req -in proxy.csr -inform DER -verify -noout
# the config file
mkdir -p cfg && printf 'pkcs11_module: %s\n' "$SOFTHSM_MODULE" >cfg/config.yaml
run env -u TSIGN_PKCS11_MODULE TSIGN_CONFIG=cfg/config.yaml "$TSIGN" token list --json
expect_rc 0 "module from the config file"
check "config module used" test "$(jq -r .module out)" = "$SOFTHSM_MODULE"

# --- a key that wants its PIN for every signature (CKA_ALWAYS_AUTHENTICATE) ---
run "$TSIGN" token keygen --token member1 --label every --type ec-p256 --always-authenticate --pin-source env:PIN --json
expect_rc 0 "keygen with --always-authenticate"
check "key is marked always-authenticate" test "$(jq -r .always_authenticate out)" = true
run "$TSIGN" csr --key "pkcs11:token=member1;object=every" --pin-source env:PIN --subject /CN=every --out every.csr
expect_rc 0 "signing with an always-authenticate key"
check "always-authenticate CSR verifies" openssl req -in every.csr -inform DER -verify -noout

# --- certificates: issue with openssl, import next to the key, use it ---
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -subj '/CN=Test CA' -days 30 -out ca.crt 2>/dev/null
openssl x509 -req -in sign.csr -inform DER -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -out sign.crt 2>/dev/null
openssl x509 -req -in rsa.csr -inform DER -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -out rsa.crt 2>/dev/null
run "$TSIGN" token import-cert --token member1 --label sign --id 0102 --pin-source env:PIN sign.crt
expect_rc 4 "certificate of another key refused"
run "$TSIGN" token import-cert --token member1 --label sign --id "$ID" --pin-source env:PIN sign.crt
expect_rc 0 "import-cert"
check "pkcs11-tool sees the certificate" grep -q "Certificate Object" <(pkcs11-tool --module "$SOFTHSM_MODULE" --token-label member1 --list-objects --type cert 2>/dev/null)
run "$TSIGN" token keys --token member1 --pin-source env:PIN --json
check "token keys lists the certificate with its UTF-8 subject" test "$(jq -r '.objects[] | select(.kind=="certificate") | .subject' out)" = "CN=علی رضایی, O=شهرداری تهران, C=IR"
run "$TSIGN" token import-cert --token member1 --label sign2 --id "$ID" --pin-source env:PIN sign.crt
expect_rc 2 "second certificate with the same id refused"
run "$TSIGN" csr --key "pkcs11:token=member1;object=sign" --cert rsa.crt --pin-source env:PIN --subject /CN=x --out mm.csr
expect_rc 4 "token key with a certificate of another key"
expect_err_contains "does not match" "token mismatch wording"
expect_absent mm.csr "nothing written on token key/cert mismatch"
run "$TSIGN" csr --key "pkcs11:token=member1;object=sign" --cert sign.crt --pin-source env:PIN --subject /CN=x --out m.csr
expect_rc 0 "token key with its own certificate"

# --- token errors ---
run "$TSIGN" csr --key "pkcs11:token=member1;object=sign" --pin-source env:WRONG --subject /CN=x --out wrong.csr
expect_rc 4 "wrong PIN"
expect_err_contains "wrong PIN" "wrong PIN wording"
expect_err_contains "count low" "remaining-tries flag reported"
expect_one_line_error "wrong PIN"
expect_absent wrong.csr "nothing written after a wrong PIN"
run "$TSIGN" csr --key "pkcs11:token=absent;object=sign" --pin-source env:PIN --subject /CN=x --out absent.csr
expect_rc 4 "absent token"
expect_err_contains "no such token" "absent token wording"
expect_absent absent.csr "nothing written for an absent token"
run "$TSIGN" csr --key "pkcs11:token=member1;object=nosuch" --pin-source env:PIN --subject /CN=x
expect_rc 4 "key not found"
run "$TSIGN" csr --key "pkcs11:token=member2" --pin-source env:PIN --subject /CN=x
expect_rc 4 "wrong PIN on the other token"
run "$TSIGN" csr --key "pkcs11:token=member1;object=sign;pin-value=123456" --subject /CN=x
expect_rc 2 "pin-value in a URI refused"
if grep -q 123456 err; then fail "the PIN was echoed"; else ok "the PIN is not echoed"; fi
run "$TSIGN" token list --pkcs11-module /nonexistent/module.so
expect_rc 4 "missing module"
run "$TSIGN" token keys --token member1 </dev/null
expect_rc 4 "no PIN source and no terminal"
expect_err_contains "--pin-source" "hint on how to give the PIN"

finish
