#!/usr/bin/env bash
# RFC 4134 "Examples of S/MIME Messages" (tests/data/conformance/rfc4134-cms): every SignedData sample
# that OpenSSL verifies must verify with tsign too, and the extracted content must be ExContent.bin.
# The samples date from 2005 (SHA-1, 1024-bit keys), so they need --allow-weak-algorithms; without
# it tsign must refuse them as CRYPTO_CONSTRAINTS_FAILURE_NO_POE (accepted until 2009/2010, nothing proves
# an earlier time).
# 4.6 is the expected failure OpenSSL shares: Diane's DSA key inherits its parameters from Carl's.
source "$(dirname "$0")/lib.sh"
C=$TSIGN_SOURCE/tests/data/conformance/rfc4134-cms
[ -f "$C/expected.tsv" ] || { echo "RFC 4134 data not found at $C"; exit 1; }
V=("$TSIGN" verify --allow-weak-algorithms --trust "$C/CarlRSASelf.cer" --trust "$C/CarlDSSSelf.cer"
   --untrusted "$C/AliceRSASignByCarl.cer" --untrusted "$C/AliceDSSSignByCarlNoInherit.cer" --untrusted "$C/DianeDSSSignByCarlInherit.cer")
while IFS='|' read -r sample file kind signers detached expected openssl notes; do
  [[ "$sample" == \#* || "$sample" == sample ]] && continue
  [ "$expected" = "n/a" ] && continue
  args=("${V[@]}" --json)
  [ "$sample" = 4.3 ] && args+=(--content "$C/ExContent.bin")
  extract=()
  case $file in *.bin) [ "$sample" != 4.3 ] && [ "$sample" != 4.11 ] && extract=(--extract "$W/$sample.out") ;; 4.9.eml) ;; esac  # 4.9: the content is a MIME entity, canonicalised; only the signature is checked
  run "${args[@]}" "${extract[@]}" "$C/$file"
  if [ "$openssl" = valid ]; then
    expect_rc 0 "RFC 4134 $sample ($kind) verifies as OpenSSL does"
    if [ ${#extract[@]} -gt 0 ]; then check "RFC 4134 $sample: extracted content is ExContent.bin" cmp "$W/$sample.out" "$C/ExContent.bin"; fi
  elif [ "$expected" = invalid ]; then
    expect_rc 1 "RFC 4134 $sample ($kind) is rejected"
  else
    # valid by the RFC, not verifiable by OpenSSL: tsign must not crash and must not call it valid
    if [ "$RC" -eq 1 ]; then ok "RFC 4134 $sample: expected failure shared with OpenSSL ($notes)"; else fail "RFC 4134 $sample: exit $RC"; fi
  fi
done < <(tr '\t' '|' <"$C/expected.tsv")
# the same samples without --allow-weak-algorithms: SHA-1 and 1024-bit keys are refused
run "$TSIGN" verify --trust "$C/CarlRSASelf.cer" --untrusted "$C/AliceRSASignByCarl.cer" --json "$C/4.2.bin"
expect_rc 1 "SHA-1 / RSA-1024 sample refused by default"
check "CRYPTO_CONSTRAINTS_FAILURE_NO_POE" test "$(jq -r '.signers[0].sub_indication' "$W/out")" = CRYPTO_CONSTRAINTS_FAILURE_NO_POE
finish
