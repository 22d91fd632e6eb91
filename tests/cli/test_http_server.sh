#!/usr/bin/env bash
# Issue 13: the event-driven HTTP core behind `tsa serve` and `ocsp serve` (contract: flags, limits,
# statuses, /healthz, /metrics, access log, drain). Keep-alive and pipelining; 431, 413 (also for a
# 50 MiB chunked body, with the RSS bounded), 400 for request smuggling shapes and control bytes;
# slow-loris (408 at the absolute header deadline), half-open and idle floods leave the server
# answering; eviction of the oldest idle and 503 at the connection limit; pre-signed OCSP with
# consistent caching headers, GET decoded once, revocations from another process within 1 s, nonces;
# every response verified by openssl; SIGTERM under load drains and exits 0; a second server on a
# port in use exits 5. Raw-socket probes: tests/tools/http_probe.py. Runs in well under 90 s.
source "$(dirname "$0")/lib.sh"
PROBE=(/usr/bin/python3 "$(cd "$(dirname "$0")/../tools" && pwd)/http_probe.py")
cd "$W"
export P=http-test-pass
"$TSIGN" ca init --dir root --subject "/CN=Root/C=IR" --key-type ec-p256 --pin-source env:P 2>/dev/null
"$TSIGN" ca init --dir sub --subject "/CN=Sub/C=IR" --key-type ec-p256 --pin-source env:P --parent root --parent-pin-source env:P 2>/dev/null
for n in tsa good late; do
  "$TSIGN" key gen --type ec-p256 --out $n.key >/dev/null 2>&1
  "$TSIGN" csr --key $n.key --subject "/CN=$n/C=IR" --out $n.csr
  prof=signer; [ $n = tsa ] && prof=tsa
  "$TSIGN" ca issue --dir sub --csr $n.csr --profile $prof --pem --out $n.crt --pin-source env:P
done
cat sub/ca.crt.pem >chain.pem
printf 'صورتجلسه\n' >doc.txt
openssl ts -query -data doc.txt -sha256 -cert -out q.tsq 2>/dev/null
printf 'ok\n' >ok.txt

PORT=$(free_ports 2)
TP=$PORT; OP=$((PORT + 1))
T=http://127.0.0.1:$TP; O=http://127.0.0.1:$OP
LIMITS=(--header-timeout 2 --body-timeout 2 --drain-timeout 3 --log-format json)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$W"' EXIT
wait_up() { for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$1/healthz" && return 0; sleep 0.1; done; return 1; }
alive() { [ -e "/proc/$1" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
is() {  # is DESCRIPTION GOT WANT
  if [ "$2" = "$3" ]; then ok "$1 ($2)"; else fail "$1: expected '$3', got '$2'"; fi
}
matches() {  # matches DESCRIPTION GOT ERE
  if [[ "$2" =~ $3 ]]; then ok "$1 ($2)"; else fail "$1: '$2' does not match /$3/"; fi
}
le() {  # le DESCRIPTION A B: both numbers, A <= B
  if [[ "$2" =~ ^-?[0-9.]+$ && "$3" =~ ^-?[0-9.]+$ ]] && awk -v a="$2" -v b="$3" 'BEGIN { exit !(a + 0 <= b + 0) }'
  then ok "$1 ($2 <= $3)"; else fail "$1: not $2 <= $3"; fi
}
header() { tr -d '\r' <"$1" | sed -n "s/^$2: *//Ip" | tail -1; }  # header FILE NAME
kb() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }   # kb PID VmRSS|VmHWM
probe() { timeout 40 "${PROBE[@]}" "$@" 2>&1 | tail -1; }
TS_VERIFY=()  # replies to check with openssl ts -verify at the end: "REPLY QUERY"
OCSP_VERIFY=()  # OCSP responses to check with openssl ocsp at the end

# ======================= TSA =======================
"$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:$TP --state st --max-connections 50 "${LIMITS[@]}" 2>tsa.log &
TSA=$!; PIDS+=($TSA)
check "tsa serve starts with the limits of the contract" wait_up $TP

code=$(curl -s -o hz.body -w '%{http_code} %{content_type}' $T/healthz)
matches "TSA GET /healthz: 200 text/plain" "$code" '^200 text/plain'
check "TSA /healthz body is 'ok\\n'" cmp -s hz.body ok.txt
is "DELETE /healthz: 405" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE $T/healthz)" 405

# keep-alive: curl reuses one connection for three POSTs; each reply verifies
got=$(curl -s -H 'Content-Type: application/timestamp-query' --data-binary @q.tsq -w '%{http_code}:%{num_connects} ' \
  $T/ -o k1.tsr $T/ -o k2.tsr $T/ -o k3.tsr)
is "three TSA POSTs on one kept-alive connection (code:new connections)" "$got" "200:1 200:0 200:0 "
TS_VERIFY+=("k1.tsr q.tsq" "k2.tsr q.tsq" "k3.tsr q.tsq")
is "10 requests on one connection" "$(probe keepalive 127.0.0.1 $TP -n 10)" "ok 10"
is "3 pipelined requests answered in order" "$(probe pipeline 127.0.0.1 $TP)" "ok 200 200 200"
printf 'GET /healthz HTTP/1.0\r\n\r\n' >h10.bin
is "HTTP/1.0 closes after the answer" "$(probe raw 127.0.0.1 $TP @h10.bin)" "200 eof"
printf 'GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n' >h10k.bin
is "HTTP/1.0 with Connection: keep-alive stays open" "$(probe raw 127.0.0.1 $TP @h10k.bin)" "200 open"

# limits and malformed requests: exact status, then the connection is closed
{ printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: '; head -c 9000 /dev/zero | tr '\0' a; printf '\r\n\r\n'; } >bighead.bin
is "a 9 KB header: 431 and close" "$(probe raw 127.0.0.1 $TP @bighead.bin)" "431 eof"
{ for i in $(seq 1 2000); do printf 'X-%d: a\r\n' "$i"; done; } >lines.txt
{ printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n'; cat lines.txt; printf '\r\n'; } >manylines.bin
is "2000 short header lines (> 8192 bytes): 431 and close" "$(probe raw 127.0.0.1 $TP @manylines.bin)" "431 eof"
{ printf 'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/timestamp-query\r\nContent-Length: 100000\r\n\r\n'; head -c 1000 /dev/zero; } >bigcl.bin
is "Content-Length above --max-request: 413 and close" "$(probe raw 127.0.0.1 $TP @bigcl.bin)" "413 eof"
rss0=$(kb $TSA VmRSS 2>/dev/null); hwm0=$(kb $TSA VmHWM 2>/dev/null)
matches "a 50 MiB chunked body: 413" "$(probe chunked 127.0.0.1 $TP $((50 * 1024 * 1024)))" '^413 sent='
rss1=$(kb $TSA VmRSS 2>/dev/null); hwm1=$(kb $TSA VmHWM 2>/dev/null)
le "RSS after the chunked body grew by less than 64 MiB (kB)" "$(( ${rss1:-999999} - ${rss0:-0} ))" 65536
if [ -z "$rss0" ] || [ -z "$rss1" ]; then fail "the TSA is not running: no RSS to measure"
elif [ "$hwm1" -gt "$hwm0" ]; then
  le "peak RSS while the chunked body came in, above the RSS before (kB)" "$(( hwm1 - ${rss0:-0} ))" 65536
else ok "the chunked body did not raise the peak RSS"; fi
printf 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello' >dupcl.bin
is "duplicate Content-Length (same value): 400 and close" "$(probe raw 127.0.0.1 $TP @dupcl.bin)" "400 eof"
printf 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!' >dupcl2.bin
is "duplicate Content-Length (different values): 400 and close" "$(probe raw 127.0.0.1 $TP @dupcl2.bin)" "400 eof"
printf 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5x\r\n\r\nhello' >badcl.bin
is "an invalid Content-Length: 400 and close" "$(probe raw 127.0.0.1 $TP @badcl.bin)" "400 eof"
printf 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' >clte.bin
is "Content-Length and Transfer-Encoding together: 400 and close" "$(probe raw 127.0.0.1 $TP @clte.bin)" "400 eof"
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n' >nul.bin
is "a NUL byte in a header: 400 and close" "$(probe raw 127.0.0.1 $TP @nul.bin)" "400 eof"
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\001b\r\n\r\n' >ctl.bin
is "a control byte (0x01) in a header: 400 and close" "$(probe raw 127.0.0.1 $TP @ctl.bin)" "400 eof"
# RFC 9112 framing and target rules (from the hostile review)
printf 'GET /healthz HTTP/1.1\r\n\r\n' >nohost.bin
is "HTTP/1.1 without Host: 400" "$(probe raw 127.0.0.1 $TP @nohost.bin)" "400 eof"
printf 'GET http://127.0.0.1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' >absform.bin
is "an absolute-form target is routed by its path: 200" "$(probe raw 127.0.0.1 $TP @absform.bin)" "200 open"
printf 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n' >gzipte.bin
is "Transfer-Encoding: gzip, chunked: 501" "$(probe raw 127.0.0.1 $TP @gzipte.bin)" "501 eof"
printf 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' >te10.bin
is "Transfer-Encoding in HTTP/1.0: 400" "$(probe raw 127.0.0.1 $TP @te10.bin)" "400 eof"
printf 'GET /x"_200_5_0.1ms_tsa HTTP/1.1\r\nHost: x\r\n\r\n' >quote.bin
probe raw 127.0.0.1 $TP @quote.bin >/dev/null
head -c 4096 /dev/urandom >random.bin
matches "4 KiB of random bytes: 400 or closed" "$(probe raw 127.0.0.1 $TP @random.bin)" '^(400 eof|closed)$'
is "after all that the TSA still answers" "$(curl -s -o /dev/null -w '%{http_code}' $T/healthz)" 200
# an empty body is not a TimeStampReq: an RFC 3161 rejection (badDataFormat), never a 500
is "an empty TSA body: 200" "$(curl -s -o empty.tsr -w '%{http_code}' -H 'Content-Type: application/timestamp-query' --data-binary @/dev/null $T/)" 200
check "an empty TSA body: an RFC 3161 rejection" sh -c "openssl ts -reply -in empty.tsr -text 2>/dev/null | grep -q 'Status: Rejected'"

# slow clients: the header deadline is absolute (a trickle does not extend it); none delays others
got=$(probe trickle 127.0.0.1 $TP --interval 0.5 --max 8)
is "a trickled head gets 408" "${got% *}" 408
t=${got#* }; [ "${got% *}" = 408 ] || t="no 408"
le "... 2 s (--header-timeout) after its first byte, with slack (s)" "$t" 3.5
le "... not before that deadline (1.5 s <= elapsed)" 1.5 "$t"
got=$(probe slowloris 127.0.0.1 $TP 10 8)
matches "10 slow-loris clients: 50 requests answered, p99 < 1000 ms" "$got" '^p50=[0-9.]+ p99=[0-9.]+ failed=0 '

# the connection limit (50): the oldest idle goes first; with none idle, 503 + Connection: close
got=$(probe idleflood 127.0.0.1 $TP 60)
matches "60 kept-alive idle connections: a new client is served" "$got" '^new=200 '
matches "... the oldest idle (about 11) were closed, oldest first; the newest kept" "$got" 'closed=(1[0-9]|[2-5][0-9]) oldest_first=yes newest=open$'
got=$(probe idleflood 127.0.0.1 $TP 60 --fresh)
matches "60 connections that send nothing: a new client is served, the oldest closed first" "$got" '^new=200 closed=(1[0-9]|[2-5][0-9]) oldest_first=yes newest=open$'
v=$("${PROBE[@]}" metrics 127.0.0.1 $TP tsign_http_connections_evicted_total)
le "tsign_http_connections_evicted_total > 0 ($v)" 1 "$v"
matches "55 connections with a body pending (none idle): a new client gets 503 + Connection: close" \
  "$(probe full 127.0.0.1 $TP 55)" '^503 close '
sleep 0.3  # the server sees those 55 clients leave
v=$("${PROBE[@]}" metrics 127.0.0.1 $TP tsign_http_connections_refused_total)
le "tsign_http_connections_refused_total > 0 ($v)" 1 "$v"
is "the TSA answers after the floods" "$(curl -s -o /dev/null -w '%{http_code}' $T/healthz)" 200

# /metrics
PROM_TYPE='^text/plain; ?version=0\.0\.4(; ?charset=utf-8)?$'  # charset: Prometheus' own exposition adds it
matches "TSA /metrics content type" "$(curl -s -o /dev/null -w '%{content_type}' $T/metrics)" "$PROM_TYPE"
"${PROBE[@]}" metrics 127.0.0.1 $TP >tsa.names 2>&1; rc=$?
check "TSA /metrics parses as Prometheus text: $(head -1 tsa.names)" test "$rc" = 0
COMMON_NAMES=(tsign_http_requests_total tsign_http_request_duration_seconds_bucket tsign_http_request_duration_seconds_sum
  tsign_http_request_duration_seconds_count tsign_http_open_connections tsign_http_connections_total
  tsign_http_connections_evicted_total tsign_http_connections_refused_total tsign_signing_queue_depth)
TSA_NAMES=(tsign_tsa_archive_commit_seconds_bucket tsign_tsa_archive_commit_seconds_sum tsign_tsa_archive_commit_seconds_count
  tsign_tsa_tokens_total tsign_tsa_archive_failures_total)
OCSP_NAMES=(tsign_ocsp_cache_entries tsign_ocsp_cache_age_seconds tsign_ocsp_signatures_total)
missing=$(for n in "${COMMON_NAMES[@]}" "${TSA_NAMES[@]}"; do grep -qx "$n" tsa.names || printf '%s ' "$n"; done)
is "TSA /metrics has every name of the contract (missing)" "${missing:-none}" none
extra=$(for n in "${OCSP_NAMES[@]}"; do grep -qx "$n" tsa.names && printf '%s ' "$n"; done)
is "TSA /metrics (parsed) has no OCSP-only names" "$rc:$extra" "0:"
le "tsign_tsa_tokens_total counts the 3 tokens" 3 "$("${PROBE[@]}" metrics 127.0.0.1 $TP tsign_tsa_tokens_total)"
le "requests_total{route=tsa,status=200} >= 3" 3 "$("${PROBE[@]}" metrics 127.0.0.1 $TP tsign_http_requests_total route=tsa status=200)"
le "requests_total{route=healthz,status=200} >= 1" 1 "$("${PROBE[@]}" metrics 127.0.0.1 $TP tsign_http_requests_total route=healthz status=200)"

# the JSON access log: one object per request
id=logprobe-$RANDOM$RANDOM
code=$(curl -s -o /dev/null -w '%{http_code}' $T/$id)
curl -s -o json.tsr -H 'Content-Type: application/timestamp-query' --data-binary @q.tsq $T/; TS_VERIFY+=("json.tsr q.tsq")
for _ in $(seq 1 20); do grep -q "$id" tsa.log && break; sleep 0.1; done
is "one access-log line for the request" "$(grep -c "$id" tsa.log)" 1
line=$(grep "$id" tsa.log | head -1); [ -n "$line" ] || line='"no line"'
check "it is a JSON object with the fields of the contract" jq -e --argjson code "$code" '
  (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$")) and (.remote | test("^127\\.0\\.0\\.1:[0-9]+$"))
  and .method == "GET" and (.target | endswith("'"$id"'")) and .status == $code and (.bytes | type == "number")
  and (.ms | type == "number") and (.route | IN("ocsp","tsa","crl","healthz","metrics","other"))' <<<"$line"
json_lines() {  # json_lines LOG: "BAD TOTAL" over the lines that start with '{' (BAD: not a JSON object)
  grep '^{' "$1" | jq -rR 'try (fromjson | type) catch "bad"' | awk '{ t++ } $0 != "object" { b++ } END { print b + 0, t + 0 }'
}
matches "the TSA log has JSON lines and every one parses (bad total)" "$(json_lines tsa.log)" '^0 [1-9][0-9]*$'
check "a POST line: route tsa, status 200, bytes > 0" bash -c "grep '^{' tsa.log | jq -se 'any(.[]; .route == \"tsa\" and .method == \"POST\" and .status == 200 and .bytes > 0)'"

# numeric flags out of range are usage errors, before anything starts
for bad in "--idle-timeout inf" "--header-timeout 1e10" "--drain-timeout nan" "--max-request -1" "--max-connections -1" \
           "--workers 4294967295" "--io-threads 100000" "--listen :$((TP + 7))"; do
  run timeout 5 "$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:$((TP + 7)) --state st3 $bad
  expect_rc 2 "tsa serve $bad"
done
# a second TSA on the same address
run timeout 5 "$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:$TP --state st2
expect_rc 5 "a second tsa serve on a port in use"
expect_err_contains "address in use" "... says 'address in use'"
expect_one_line_error "a second tsa serve"

# ======================= OCSP =======================
"$TSIGN" ocsp serve --dir sub --listen 127.0.0.1:$OP --pin-source env:P "${LIMITS[@]}" 2>ocsp.log &
OCSP=$!; PIDS+=($OCSP)
check "ocsp serve starts with the limits of the contract" wait_up $OP
code=$(curl -s -o ohz.body -w '%{http_code} %{content_type}' $O/healthz)
matches "OCSP GET /healthz: 200 text/plain" "$code" '^200 text/plain'
check "OCSP /healthz body is 'ok\\n'" cmp -s ohz.body ok.txt
is "OCSP: 3 pipelined requests answered in order" "$(probe pipeline 127.0.0.1 $OP)" "ok 200 200 200"

# a nonce: signed live, echoed (openssl ocsp checks it)
openssl ocsp -issuer sub/ca.crt.pem -cert good.crt -url $O/ -CAfile root/ca.crt.pem -verify_other sub/ca.crt.pem \
  -reqout nonce.req -respout nonce.der -resp_text >nonce.out 2>&1
check "a request with a nonce: good, verified" grep -q "good.crt: good" nonce.out
check "... and openssl found its nonce in the response" bash -c "grep -q 'Response verify OK' nonce.out && ! grep -qi 'WARNING.*nonce' nonce.out"
check "... the response carries an OCSP Nonce" grep -q "OCSP Nonce" nonce.out
OCSP_VERIFY+=(nonce.der)

# without a nonce: pre-signed, the same bytes each time; POST has no caching headers
openssl ocsp -issuer sub/ca.crt.pem -cert good.crt -no_nonce -reqout good.req
code=$(curl -s -D post.head -o post1.der -w '%{http_code}' -H 'Content-Type: application/ocsp-request' --data-binary @good.req $O/)
curl -s -o post2.der -H 'Content-Type: application/ocsp-request' --data-binary @good.req $O/
check "two POSTs without a nonce get the same pre-signed bytes" cmp -s post1.der post2.der
is "a POST response (200) carries no caching headers" "$code:$(grep -ciE '^(etag|expires|last-modified|cache-control):' post.head 2>/dev/null)" 200:0
OCSP_VERIFY+=(post1.der post2.der)

# GET: caching headers that agree with the response
enc=$(base64 -w0 good.req | sed 's/+/%2B/g; s#/#%2F#g; s/=/%3D/g')
now=$(date +%s)
code=$(curl -s -D get.head -o get.der -w '%{http_code}' "$O/$enc")
is "GET: 200" "$code" 200
OCSP_VERIFY+=(get.der)
check "GET and POST give the same pre-signed response" cmp -s get.der post1.der
openssl ocsp -respin get.der -resp_text -noverify >get.txt 2>&1
epoch() { [ -n "$1" ] && date -ud "$1" +%s 2>/dev/null || echo "no $2"; }  # epoch DATE WHAT
this=$(epoch "$(sed -n 's/^ *This Update: //p' get.txt | head -1)" thisUpdate)
next=$(epoch "$(sed -n 's/^ *Next Update: //p' get.txt | head -1)" nextUpdate)
cc=$(header get.head Cache-Control); etag=$(header get.head ETag)
lm=$(header get.head Last-Modified); ex=$(header get.head Expires)
matches "Cache-Control" "$cc" '^max-age=[0-9]+, public, no-transform, must-revalidate$'
DATE_RE='^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$'
matches "Last-Modified is an HTTP-date" "$lm" "$DATE_RE"
matches "Expires is an HTTP-date" "$ex" "$DATE_RE"
is "Last-Modified = thisUpdate (epoch s)" "$(epoch "$lm" Last-Modified)" "$this"
is "Expires = nextUpdate (epoch s)" "$(epoch "$ex" Expires)" "$next"
age=$(sed -n 's/^max-age=\([0-9]*\),.*/\1/p' <<<"$cc")
if [[ "$age" =~ ^[0-9]+$ && "$next" =~ ^[0-9]+$ ]]; then d=$(( age - (next - now) )); d=${d#-}; else d="no max-age or nextUpdate"; fi
le "max-age within 3 s of nextUpdate - now (max-age $age)" "$d" 3
is "ETag is the quoted sha-256 of the body" "$(tr 'A-F' 'a-f' <<<"$etag")" "\"$(sha256sum get.der | cut -d' ' -f1)\""
is "If-None-Match with that ETag: 304 without a body" "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -H "If-None-Match: $etag" "$O/$enc")" "304 0"
is "If-None-Match with another ETag: 200" "$(curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: "00"' "$O/$enc")" 200

# the GET target is percent-decoded exactly once: every byte escaped once works, escaped twice does not
once=$(base64 -w0 good.req | od -An -tx1 -v | tr -d ' \n' | tr 'a-f' 'A-F' | sed 's/\(..\)/%\1/g')
twice=${once//%/%25}
curl -s -o once.der "$O/$once"
check "every byte of the GET path percent-encoded once: good" grep -q "Cert Status: good" <(openssl ocsp -respin once.der -resp_text -noverify 2>&1)
curl -s -o twice.der "$O/$twice"
check "a GET path encoded twice (%252F...) is malformedRequest" grep -q "malformedrequest" <(openssl ocsp -respin twice.der -resp_text 2>&1)

# a revocation by another process is served within 1 s
openssl ocsp -issuer sub/ca.crt.pem -cert late.crt -no_nonce -reqout late.req
curl -s -o late0.der -H 'Content-Type: application/ocsp-request' --data-binary @late.req $O/
check "late.crt is good before" grep -q "Cert Status: good" <(openssl ocsp -respin late0.der -resp_text -noverify 2>&1)
"$TSIGN" ca revoke --dir sub --serial "$(openssl x509 -in late.crt -noout -serial | cut -d= -f2)" --reason keyCompromise 2>/dev/null
t0=$(date +%s%N); seen=""
for i in $(seq 1 30); do
  curl -s -o late.der -H 'Content-Type: application/ocsp-request' --data-binary @late.req $O/
  if openssl ocsp -respin late.der -resp_text -noverify 2>/dev/null | grep -q "Cert Status: revoked"; then seen=$(( ($(date +%s%N) - t0) / 1000000 )); break; fi
  sleep 0.1
done
le "the revocation by 'tsign ca revoke' is served within 1 s (ms)" "${seen:-never}" 1000
OCSP_VERIFY+=(late0.der late.der)
enc=$(base64 -w0 late.req | sed 's/+/%2B/g; s#/#%2F#g; s/=/%3D/g')
curl -s -o lateget.der "$O/$enc"; OCSP_VERIFY+=(lateget.der)
check "... and by GET" grep -q "Cert Status: revoked" <(openssl ocsp -respin lateget.der -resp_text -noverify 2>&1)

# a serial never issued: "unknown", signed once and then kept (a flood costs one signature per serial)
openssl ocsp -issuer sub/ca.crt.pem -serial 0x5EED0FF00D -no_nonce -reqout unk.req 2>/dev/null
curl -s -o unk1.der -H 'Content-Type: application/ocsp-request' --data-binary @unk.req $O/
s1=$("${PROBE[@]}" metrics 127.0.0.1 $OP tsign_ocsp_signatures_total)
curl -s -o unk2.der -H 'Content-Type: application/ocsp-request' --data-binary @unk.req $O/
s2=$("${PROBE[@]}" metrics 127.0.0.1 $OP tsign_ocsp_signatures_total)
check "a serial never issued: unknown" grep -q "Cert Status: unknown" <(openssl ocsp -respin unk2.der -resp_text -noverify 2>&1)
is "... asked again: no new signature" "$s2" "$s1"
curl -s -D unkget.h -o unkget.der "$O/$(base64 -w0 unk.req | sed 's/+/%2B/g; s#/#%2F#g; s/=/%3D/g')"
is "... by GET: not cacheable by HTTP caches" "$(header unkget.h Cache-Control)" "no-store"
OCSP_VERIFY+=(unk1.der unk2.der)

# 300 half-open clients do not delay normal requests
got=$(probe halfopen 127.0.0.1 $OP 300 --post good.req --ctype application/ocsp-request)
matches "300 half-open clients: 50 OCSP POSTs answered, p99 < 1000 ms" "$got" '^p50=[0-9.]+ p99=[0-9.]+ failed=0 held=300 '

# /metrics
matches "OCSP /metrics content type" "$(curl -s -o /dev/null -w '%{content_type}' $O/metrics)" "$PROM_TYPE"
"${PROBE[@]}" metrics 127.0.0.1 $OP >ocsp.names 2>&1; rc=$?
check "OCSP /metrics parses as Prometheus text: $(head -1 ocsp.names)" test "$rc" = 0
missing=$(for n in "${COMMON_NAMES[@]}" "${OCSP_NAMES[@]}"; do grep -qx "$n" ocsp.names || printf '%s ' "$n"; done)
is "OCSP /metrics has every name of the contract (missing)" "${missing:-none}" none
extra=$(for n in "${TSA_NAMES[@]}"; do grep -qx "$n" ocsp.names && printf '%s ' "$n"; done)
is "OCSP /metrics (parsed) has no TSA-only names" "$rc:$extra" "0:"
le "tsign_ocsp_cache_entries >= 2" 2 "$("${PROBE[@]}" metrics 127.0.0.1 $OP tsign_ocsp_cache_entries)"
le "tsign_ocsp_signatures_total >= 2" 2 "$("${PROBE[@]}" metrics 127.0.0.1 $OP tsign_ocsp_signatures_total)"
le "requests_total{route=ocsp,status=200} >= 5" 5 "$("${PROBE[@]}" metrics 127.0.0.1 $OP tsign_http_requests_total route=ocsp status=200)"
matches "the OCSP log has JSON lines and every one parses (bad total)" "$(json_lines ocsp.log)" '^0 [1-9][0-9]*$'
check "OCSP access log: POST and GET lines with route ocsp" bash -c "grep '^{' ocsp.log | jq -se 'any(.[]; .route == \"ocsp\" and .method == \"POST\") and any(.[]; .route == \"ocsp\" and .method == \"GET\" and .status == 304)'"

run timeout 5 "$TSIGN" ocsp serve --dir sub --listen 127.0.0.1:$OP --pin-source env:P
expect_rc 5 "a second ocsp serve on a port in use"
expect_err_contains "address in use" "... says 'address in use'"
expect_one_line_error "a second ocsp serve"

# every response verifies with openssl
for f in "${OCSP_VERIFY[@]}"; do
  check "openssl ocsp verifies $f" bash -c "openssl ocsp -respin $f -issuer sub/ca.crt.pem -CAfile root/ca.crt.pem -verify_other sub/ca.crt.pem -no_nonce 2>&1 | grep -q 'Response verify OK'"
done
check "openssl ocsp checks the nonce of nonce.der against its request" bash -c "openssl ocsp -reqin nonce.req -respin nonce.der -CAfile root/ca.crt.pem -verify_other sub/ca.crt.pem 2>&1 | grep -q 'Response verify OK'"
for pair in "${TS_VERIFY[@]}"; do
  set -- $pair
  check "openssl ts -verify accepts $1" openssl ts -verify -in "$1" -queryfile "$2" -CAfile root/ca.crt.pem -untrusted chain.pem
done

# SIGTERM under load: stop accepting, finish in flight, exit 0 within --drain-timeout (3 s) + 2 s
drain() {  # drain NAME PID CURL-ARGS...
  local name=$1 pid=$2 loops=() i; shift 2
  if ! alive "$pid"; then fail "$name: not running before the SIGTERM test"; return; fi
  rm -f stop
  for i in 1 2 3 4; do
    (for _ in $(seq 1 3000); do [ -e stop ] && break; curl -s -o /dev/null -w '%{http_code}\n' --max-time 3 "$@"; done >codes.$name.$i) &
    loops+=($!); PIDS+=($!)
  done
  sleep 1
  kill -TERM "$pid"; local t0; t0=$(date +%s%N)
  for i in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then fail "$name: still running 5 s after SIGTERM under load"; kill -9 "$pid"; wait "$pid" 2>/dev/null
  else wait "$pid"; is "$name: SIGTERM under load, exit code" "$?" 0
    le "$name: ... exited within 5 s (ms)" $(( ($(date +%s%N) - t0) / 1000000 )) 5000; fi
  touch stop; wait "${loops[@]}"
  is "$name: clients during the drain got 200 or no connection" "$(cat codes.$name.* | sort -u | grep -vxE '200|000' | tr '\n' ' ')" ""
  le "$name: the load was real (200s before SIGTERM)" 4 "$(cat codes.$name.* | grep -cx 200)"
}
drain tsa $TSA -H 'Content-Type: application/timestamp-query' --data-binary @q.tsq $T/
drain ocsp $OCSP -H 'Content-Type: application/ocsp-request' --data-binary @good.req $O/
sanitizer_check tsa.log "tsa serve"
sanitizer_check ocsp.log "ocsp serve"
finish
