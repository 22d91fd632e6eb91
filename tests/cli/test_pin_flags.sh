#!/usr/bin/env bash
# PIN retry flags (count low, final try, locked) and a token pulled out during signing.
# SoftHSM2 never reports final-try or locked and cannot be unplugged, so these faults come
# from tests/p11shim, a PKCS#11 module that forwards to SoftHSM2 and keeps a retry counter.
source "$(dirname "$0")/lib.sh"
: "${P11SHIM:?set P11SHIM to the p11shim module}"
cd "$W"
new_token member1
export PIN=123456 WRONG=999999
run "$TSIGN" token keygen --token member1 --label sign --type ec-p256 --pin-source env:PIN
expect_rc 0 "key on the real token"

export TSIGN_PKCS11_MODULE="$P11SHIM" P11SHIM_TARGET="$SOFTHSM_MODULE" P11SHIM_STATE="$W/pinstate" P11SHIM_MAX_TRIES=3
KEY="pkcs11:token=member1;object=sign"
sign() { run "$TSIGN" csr --key "$KEY" --subject /CN=x --out "$W/$1.csr" "${@:2}"; }

sign ok1 --pin-source env:PIN
expect_rc 0 "signing through the shim"
check "shim CSR verifies" openssl req -in ok1.csr -inform DER -verify -noout

sign w1 --pin-source env:WRONG
expect_rc 4 "first wrong PIN"
expect_err_contains "wrong PIN (count low" "count-low flag reported"
sign w2 --pin-source env:WRONG
expect_rc 4 "second wrong PIN"
expect_err_contains "final try" "final-try flag reported"
expect_err_contains "--allow-final-pin-try" "hint names --allow-final-pin-try"
check "the token counted 2 failures" test "$(cat pinstate)" = 2

run "$TSIGN" token list
expect_out_contains "FINAL TRY" "token list shows the final try"
run "$TSIGN" token list --json
check "JSON final-try flag" test "$(jq -r '.slots[] | select(.label=="member1") | .flags.user_pin_final_try' out)" = true

sign r1 --pin-source env:PIN
expect_rc 4 "no PIN sent on the final try without --allow-final-pin-try"
expect_err_contains "refusing to send a PIN" "refusal wording"
expect_one_line_error "final-try refusal"
check "no PIN reached the token" test "$(cat pinstate)" = 2
expect_absent r1.csr "nothing written on refusal"

sign ok2 --pin-source env:PIN --allow-final-pin-try
expect_rc 0 "right PIN on the final try with --allow-final-pin-try"
check "counter reset by the right PIN" test "$(cat pinstate)" = 0

echo 2 >pinstate
sign w3 --pin-source env:WRONG --allow-final-pin-try
expect_rc 4 "wrong PIN on the final try"
expect_err_contains "locked" "the lock is reported"
sign w4 --pin-source env:PIN
expect_rc 4 "locked token"
expect_err_contains "the user PIN is locked" "locked wording"
expect_err_contains "security officer" "locked hint"
check "no PIN sent to a locked token" test "$(cat pinstate)" = 3

# the token is pulled out when the key is about to sign
echo 0 >pinstate
P11SHIM_REMOVE_AFTER=0 run "$TSIGN" csr --key "$KEY" --subject /CN=x --pin-source env:PIN --out "$W/gone.csr"
expect_rc 4 "token removed while signing"
expect_err_contains "removed" "removal wording"
expect_one_line_error "token removed"
expect_absent gone.csr "nothing written when the token disappears"

finish
