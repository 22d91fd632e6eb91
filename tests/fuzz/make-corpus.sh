#!/usr/bin/env bash
# Regenerates the fuzzers' fixtures (tests/fuzz/fixtures/) and seed corpora (tests/fuzz/corpus/TARGET/)
# from the test data, the conformance suites and the sample PKI. Run from anywhere; commit the result.
# Seeds are small on purpose: what the fuzzers find that adds coverage is added by bench/fuzz.sh
# (minimised with -merge=1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
v=$src/tests/data/verify
c=$src/tests/data/conformance
fx=$here/fixtures
cp_=$here/corpus
rm -rf "$fx" "$cp_"
tmp0=$(mktemp -d)
mkdir -p "$fx" "$cp_"
seed() {  # seed TARGET FILE [NAME]
  mkdir -p "$cp_/$1"
  local name=${3:-$(basename "$(dirname "$2")")-$(basename "$2")}
  cp "$2" "$cp_/$1/$name"
}

# --- CMS verification: every signature of the verification corpus and RFC 4134's SignedData
cp "$v/crypto-ed25519-signer/doc.txt" "$fx/doc.txt"
: >"$fx/verify-trust.pem"
for d in "$v"/*/; do
  [ -f "$d/sig.p7s" ] || continue
  seed cms_verify "$d/sig.p7s"
  cmp -s "$d/doc.txt" "$fx/doc.txt" 2>/dev/null && seed cms_verify_detached "$d/sig.p7s"
done
# Anchors of a few cases that reach deep (LT, LTA, timestamps, revocation): every anchor has the
# same name, and OpenSSL tries each one, so a long list slows every verification down.
for k in evidence-lt-valid evidence-lta-valid evidence-ts-two-valid revoc-signer-revoked-after-ts \
         tsacomp-tsa-ca-cacompromise-after-ocsp time-bt-valid struct-countersignature roster-quorum-met crypto-ed25519-signer; do
  [ -f "$v/$k/trust.pem" ] && cat "$v/$k/trust.pem" >>"$fx/verify-trust.pem"
done
for f in 4.1 4.2 4.3 4.4 4.5 4.6 4.7 4.10 4.11; do seed cms_verify "$c/rfc4134-cms/$f.bin"; done
seed cms_verify "$c/rfc4134-cms/4.8.eml"
cat "$src/certs-sample/root.crt.pem" >>"$fx/verify-trust.pem"

# --- archive timestamps: the LTA signatures
for d in "$v"/evidence-lta-*/ "$v"/extend-*/; do [ -f "$d/sig.p7s" ] && seed ats "$d/sig.p7s"; done

# --- info: one of every kind
for f in "$src"/certs-sample/root.crt.pem "$src"/certs-sample/tsa.crt.pem "$src"/certs-sample/signer-ali-rezaei.key.pem \
         "$c"/rfc4134-cms/*.cer "$c"/rfc4134-cms/*.crl "$c"/rfc4134-cms/4.2.bin "$c"/rfc4134-cms/AlicePrivRSASign.pri \
         "$c"/rfc3161-tsp/test_tsa/request.der "$c"/rfc3161-tsp/test_tsa/response.tsr "$c"/ocsp-openssl/ND1.ors \
         "$v"/revoc-signer-revoked-crl/inter.crl.pem; do
  seed describe "$f"
done

# --- certificates: PKITS end certificates and the sample PKI
for f in "$c"/pkits/certs/*.crt; do n=$(basename "$f"); case "$n" in *EE*|*Test*) seed certificate "$f";; esac; done 2>/dev/null || true
for f in "$src"/certs-sample/*.crt.pem "$c"/rfc4134-cms/*.cer; do seed certificate "$f"; done

# --- CRLs: the signer of tests/data/verify/revoc-signer-revoked-crl, its CRLs, PKITS and RFC 4134 CRLs
d=$v/revoc-signer-revoked-crl
: >"$fx/crl-untrusted.pem"
for n in 1 2; do  # the end certificate and its CA, in whatever order the message holds them
  openssl pkcs7 -inform DER -in "$d/sig.p7s" -print_certs | awk -v n=$n '/BEGIN/{k++} k==n' >"$tmp0/c.pem"
  if openssl x509 -in "$tmp0/c.pem" -noout -ext basicConstraints 2>/dev/null | grep -q CA:TRUE; then cat "$tmp0/c.pem" >>"$fx/crl-untrusted.pem"
  else cp "$tmp0/c.pem" "$fx/crl-signer.pem"; fi
done
cp "$d/trust.pem" "$fx/crl-trust.pem"
cp "$d/root.crl.pem" "$fx/crl-root.pem"
seed crl "$d/inter.crl.pem"
for f in "$v"/*/crl.pem; do seed crl "$f"; done
n=0; for f in "$c"/pkits/crls/*; do [ $((n++)) -lt 40 ] && seed crl "$f"; done
for f in "$c"/rfc4134-cms/*.crl; do seed crl "$f"; done

# --- OCSP responses about tests/data/verify/revoc-ocsp-good-require's signer
d=$v/revoc-ocsp-good-require
openssl pkcs7 -inform DER -in "$d/sig.p7s" -print_certs | awk '/BEGIN/{n++} n==1' >"$fx/ocsp-cert.pem"
cp "$d/trust.pem" "$fx/ocsp-issuer.pem"  # two levels: the root issued the signer
cp "$d/trust.pem" "$fx/ocsp-trust.pem"
for f in "$v"/*/ocsp.der "$v"/*/*-ocsp.der "$c"/ocsp-openssl/*.ors; do seed ocsp_response "$f"; done

# --- timestamps over "hello": the RFC 3161 fixtures, and tokens of the sample TSA
: >"$fx/tsp-trust.pem"; : >"$fx/tsp-untrusted.pem"
for t in sigstage test_tsa sigstore.mock; do
  awk '/BEGIN/{n++} {print > ("'"$fx"'/tsp-part-" n ".pem")}' "$c/rfc3161-tsp/$t/ts_chain.pem"
  last=$(ls "$fx"/tsp-part-*.pem | sort -V | tail -1)
  cat "$last" >>"$fx/tsp-trust.pem"
  cat "$c/rfc3161-tsp/$t/ts_chain.pem" >>"$fx/tsp-untrusted.pem"
  rm -f "$fx"/tsp-part-*.pem
  for f in "$c/rfc3161-tsp/$t"/*.tsr; do [ -f "$f" ] && seed timestamp_verify "$f" "$t-$(basename "$f")"; done
  for f in "$c/rfc3161-tsp/$t"/*.der; do [ -f "$f" ] && seed tsa_request "$f" "$t-$(basename "$f")"; done
done
cat "$src/certs-sample/root.crt.pem" >>"$fx/tsp-trust.pem"
cat "$src/certs-sample/intermediate.crt.pem" >>"$fx/tsp-untrusted.pem"
tmp=$(mktemp -d); trap 'rm -rf "$tmp" "$tmp0"' EXIT
printf hello >"$tmp/hello"
printf 'tsign-sample' >"$tmp/pass"
cat >"$tmp/tsa.cnf" <<CNF
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = $tmp/serial
signer_digest = sha256
default_policy = 1.3.6.1.4.1.57264.1.1
digests = sha256, sha384, sha512
accuracy = secs:1
ess_cert_id_alg = sha256
CNF
echo 01 >"$tmp/serial"
for alg in sha256 sha384 sha512; do
  openssl ts -query -data "$tmp/hello" -$alg -cert -out "$tmp/q-$alg.tsq" 2>/dev/null
  openssl ts -query -data "$tmp/hello" -$alg -no_nonce -out "$tmp/qn-$alg.tsq" 2>/dev/null
  seed tsa_request "$tmp/q-$alg.tsq" "sample-$alg.tsq"
  seed tsa_request "$tmp/qn-$alg.tsq" "sample-$alg-no-nonce.tsq"
  openssl ts -reply -config "$tmp/tsa.cnf" -queryfile "$tmp/q-$alg.tsq" -signer "$src/certs-sample/tsa.crt.pem" \
    -inkey "$src/certs-sample/tsa.key.pem" -passin "file:$tmp/pass" -chain "$src/certs-sample/intermediate.crt.pem" \
    -out "$tmp/r-$alg.tsr" 2>/dev/null
  seed timestamp_verify "$tmp/r-$alg.tsr" "sample-$alg.tsr"
  openssl ts -reply -in "$tmp/r-$alg.tsr" -token_out -out "$tmp/t-$alg.tst" 2>/dev/null
  seed timestamp_verify "$tmp/t-$alg.tst" "sample-$alg.tst"
done
seed describe "$tmp/r-sha256.tsr" "sample.tsr"
seed describe "$tmp/q-sha256.tsq" "sample.tsq"

# --- OCSP requests: to the harness's CA (fixed key and subject, see fuzz_ca_common.hpp), POST bodies and GET targets
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$fx/ca-key.pem" 2>/dev/null
TSIGN_FUZZ_PASS=fuzz-passphrase "${TSIGN:-$src/build/cli/tsign}" ca init --dir "$tmp/fuzzca" --subject "/CN=Fuzz CA/O=tsign fuzzing" \
  --key "$fx/ca-key.pem" --pin-source env:TSIGN_FUZZ_PASS >/dev/null 2>&1
for serial in 0x01 0x7f3a9c 0x00ff00ff00ff00ff00ff00ff00ff00ff; do
  openssl ocsp -issuer "$tmp/fuzzca/ca.crt.pem" -serial "$serial" -reqout "$tmp/q.ocq" -no_nonce 2>/dev/null
  seed ocsp_request "$tmp/q.ocq" "fuzzca-$serial.ocq"
  printf '/ocsp/%s' "$(base64 -w0 "$tmp/q.ocq" | sed 's/+/%2B/g; s,/,%2F,g; s/=/%3D/g')" >"$cp_/ocsp_request/fuzzca-$serial.get"
done
for f in "$src"/certs-sample/signer-*.crt.pem; do
  n=$(basename "$f" .crt.pem)
  openssl ocsp -issuer "$src/certs-sample/intermediate.crt.pem" -cert "$f" -reqout "$tmp/$n.ocq" -no_nonce 2>/dev/null
  seed ocsp_request "$tmp/$n.ocq" "$n.ocq"
done
openssl ocsp -issuer "$src/certs-sample/intermediate.crt.pem" -cert "$src/certs-sample/tsa.crt.pem" \
  -cert "$src/certs-sample/ocsp.crt.pem" -reqout "$tmp/two.ocq" 2>/dev/null
seed ocsp_request "$tmp/two.ocq" "two-with-nonce.ocq"
seed describe "$tmp/two.ocq" "two-with-nonce.ocq"

# --- CSRs (and the fixture request of the CA YAML harness)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/k1" -subj "/CN=Fuzz Member/O=tsign" \
  -addext "subjectAltName=email:member@example.org" -out "$fx/request.csr" 2>/dev/null
seed csr "$fx/request.csr" "ec-p256-san.csr"
openssl req -new -newkey rsa:2048 -nodes -keyout "$tmp/k2" -subj "/CN=Fuzz RSA/O=tsign/C=IR" -outform DER -out "$tmp/rsa.der" 2>/dev/null
seed csr "$tmp/rsa.der" "rsa2048.der"
openssl req -new -newkey ed25519 -nodes -keyout "$tmp/k3" -subj "/CN=Fuzz Ed/serialNumber=42" \
  -addext "extendedKeyUsage=timeStamping" -addext "keyUsage=digitalSignature" -out "$tmp/ed.csr" 2>/dev/null
seed csr "$tmp/ed.csr" "ed25519-eku.csr"
seed describe "$fx/request.csr" "request.csr"

# --- YAML: rosters, policies, CA profiles and config
for f in "$v"/*/roster.yaml; do seed roster "$f"; done
[ -d "$src/examples" ] && for f in "$src"/examples/*roster*.yaml; do [ -f "$f" ] && seed roster "$f" "example-$(basename "$f")"; done
for f in "$v"/*/policy.yaml "$src"/tests/conformance/legacy-policy.yaml; do seed policy "$f"; done
"${TSIGN:-$src/build/cli/tsign}" policy show >"$tmp/builtin.yaml" && seed policy "$tmp/builtin.yaml" "builtin.yaml"
mkdir -p "$cp_/ca_yaml"
ca=$tmp/ca
TSIGN_FUZZ_PASS=fuzz-passphrase "${TSIGN:-$src/build/cli/tsign}" ca init --dir "$ca" --subject /CN=Seed --key-type ec-p256 \
  --pin-source env:TSIGN_FUZZ_PASS --crl-url http://127.0.0.1/ca.crl --ocsp-url http://127.0.0.1/ocsp >/dev/null
{ printf '\x00'; cat "$ca/config.yaml"; } >"$cp_/ca_yaml/config.yaml"
for p in "$ca"/profiles/*.yaml; do { printf '\x01'; cat "$p"; } >"$cp_/ca_yaml/profile-$(basename "$p")"; done

# --- PKCS#11 URIs and PIN sources
mkdir -p "$cp_/pkcs11_uri" "$cp_/pin_source"
i=0
for u in 'pkcs11:token=member1;object=sign;type=private' \
         'pkcs11:model=SoftHSM%20v2;manufacturer=SoftHSM%20project;serial=1234;token=a%2Fb;id=%01%02;object=k?pin-source=file:/run/pin&module-path=/usr/lib/softhsm/libsofthsm2.so' \
         'pkcs11:slot-id=3;slot-description=x;type=cert' 'pkcs11:' 'pkcs11:id=%ff%00?module-name=softhsm2' \
         'pkcs11:token=%E2%80%AE%D8%B9%D9%84%DB%8C;library-version=1.2'; do
  printf '%s' "$u" >"$cp_/pkcs11_uri/seed-$((i++))"
done
i=0
for s in prompt env:TSIGN_PIN file:/run/pin 'file:///run/pin' fd:3 env: fd:x; do printf '%s' "$s" >"$cp_/pin_source/seed-$((i++))"; done

# --- the HTTP server core: requests as clients send them
mkdir -p "$cp_/http_server"
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' >"$cp_/http_server/healthz"
printf 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /ab HTTP/1.1\r\nHost: x\r\n\r\nPOST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc' >"$cp_/http_server/pipeline"
printf 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' >"$cp_/http_server/chunked"
printf 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello' >"$cp_/http_server/dup_cl"
printf 'POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody' >"$cp_/http_server/expect"
printf 'GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n' >"$cp_/http_server/http10"
printf 'GET /odd HTTP/1.1\r\nX-Forget: 1\r\n\r\n' >"$cp_/http_server/forget"
printf 'GET http://x/abs HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n 0\r\n\r\n' >"$cp_/http_server/absolute_fold"

# one file per seed, no duplicates
for t in "$cp_"/*/; do
  (cd "$t" && md5sum * | sort | awk 'seen[$1]++ {print $2}' | xargs -r rm -f)
done
du -sh "$fx" "$cp_"
for t in "$cp_"/*/; do printf '%-22s %s\n' "$(basename "$t")" "$(ls "$t" | wc -l)"; done
