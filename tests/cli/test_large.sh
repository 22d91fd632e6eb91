#!/usr/bin/env bash
# A 2 GiB document signs and verifies in a stream: peak memory under 64 MiB (GNU time's maximum
# resident set size). The RSS bound is not checked in the sanitizer build (ASan's shadow memory).
source "$(dirname "$0")/lib.sh"
cd "$W"
bash "$TSIGN_SOURCE/certs-sample/make-sample.sh" "$W/s" >/dev/null
S=$W/s
export SAMPLE_PASS=tsign-sample
truncate -s 2G big.bin
printf 'end of a large document\n' >>big.bin
/usr/bin/time -f %M -o sign.rss "$TSIGN" sign --key "$S/signer-ali-rezaei.key.pem" --cert "$S/signer-ali-rezaei.crt.pem" \
  --pin-source env:SAMPLE_PASS --chain "$S/intermediate.crt.pem" big.bin >/dev/null 2>&1
RC=$?; expect_rc 0 "sign a 2 GiB document"
check "openssl verifies the 2 GiB signature" openssl cms -verify -binary -inform DER -in big.bin.p7s -content big.bin -CAfile "$S/root.crt.pem" -out /dev/null
/usr/bin/time -f %M -o verify.rss "$TSIGN" verify --trust "$S/root.crt.pem" big.bin.p7s big.bin >/dev/null 2>&1
RC=$?; expect_rc 0 "verify a 2 GiB document"
if [ "${TSIGN_SANITIZE:-OFF}" = ON ]; then
  ok "peak memory not checked under the sanitizers (sign $(cat sign.rss) KiB, verify $(cat verify.rss) KiB)"
else
  check "signing peak memory under 64 MiB ($(cat sign.rss) KiB)" test "$(cat sign.rss)" -lt 65536
  check "verifying peak memory under 64 MiB ($(cat verify.rss) KiB)" test "$(cat verify.rss)" -lt 65536
fi
printf 'x' | dd of=big.bin bs=1 seek=1000000000 conv=notrunc 2>/dev/null
run "$TSIGN" verify --trust "$S/root.crt.pem" big.bin.p7s big.bin
expect_rc 1 "one changed byte in the middle of 2 GiB is found"
finish
