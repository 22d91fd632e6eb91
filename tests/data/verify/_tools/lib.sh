# shellcheck shell=bash disable=SC2034,SC2120
# Helpers for the make.sh of every verify-corpus case (tests/data/verify/<case>/make.sh).
# TEST ONLY: every key is made fresh in a temporary folder ($K) and thrown away; only the public
# inputs (certificates, CRLs, OCSP responses, signatures, rosters, policies) are committed.
#
# A make.sh does:   source "$(dirname "$0")/../_tools/lib.sh"   then builds its inputs in the case
# folder (it is the working directory). Outputs of a previous run are removed first; make.sh,
# case.txt and expected.json are written by hand and kept.
#
# Needs: openssl (3.0+), faketime, curl, Debian's python3-asn1crypto (/usr/bin/python3), and
# $TSIGN (a tsign binary, default `tsign`) for the cases made with `tsign sign/extend/tsa serve`.
set -euo pipefail
CASE=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${TSIGN:=tsign}"
PY=/usr/bin/python3
CMS="$PY $TOOLS/cms.py"
SDBUILD="$PY $TOOLS/sdbuild.py"   # a SignedData built from scratch with adversarial attributes
CRLPATCH="$PY $TOOLS/crlpatch.py" # set the reasonCode / invalidityDate of a CRL's entries
K=$(mktemp -d /tmp/verify-corpus-XXXXXX)
PIDS=()
_cleanup() {
  local p
  # each server runs in its own session (setsid): stop the whole group (faketime and its child)
  for p in "${PIDS[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$K"
}
trap _cleanup EXIT
cd "$CASE"
find . -mindepth 1 -maxdepth 1 ! -name make.sh ! -name case.txt ! -name expected.json -exec rm -rf {} +
export TSIGN_OFFLINE=1 TSIGN_CACHE_DIR="$K/cache"
unset TSIGN_CONFIG

ORG="شهرداری نمونه (TEST ONLY)"
VALID_FROM=20050101000000Z   # every certificate meant to be valid: 2005-01-01 ..
VALID_TO=20491231235959Z     # .. 2049-12-31 (CAs to 2050-12-31)
CA_TO=20501231235959Z
OID_TS=1.2.840.113549.1.9.16.2.14          # id-aa-signatureTimeStampToken
OID_ATS3=0.4.0.1733.2.4                    # id-aa-ets-archiveTimestampV3
OID_REVVALUES=1.2.840.113549.1.9.16.2.24   # id-aa-ets-revocationValues
OID_CERTVALUES=1.2.840.113549.1.9.16.2.23  # id-aa-ets-certValues
OID_DOCSIGNING=1.3.6.1.5.5.7.3.36          # id-kp-documentSigning (RFC 9336)

# doc [FILE]: the signed document (Persian minutes, UTF-8)
doc() {
  printf 'صورتجلسه گشایش پاکات مناقصه شماره ۱۴۰۵-۱۲ (TEST ONLY)\nحاضران: اعضای کمیسیون مناقصه\n' >"${1:-doc.txt}"
}

# ft WHEN CMD...: runs CMD with the clock starting at WHEN ("YYYY-MM-DD HH:MM:SS", UTC); WHEN empty: now
ft() {
  local when=$1; shift
  if [ -n "$when" ]; then TZ=UTC faketime -f "@$when" "$@"; else "$@"; fi
}

# mkkey FILE ALG: p256 p224 p384 rsa512 rsa1024 rsa2048 rsa3072 ed25519 ed448 dsa1024 dsa2048
mkkey() {
  case $2 in
    p*) openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:P-${2#p}" -pkeyopt ec_param_enc:named_curve -out "$1" ;;
    rsa*) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2#rsa}" -out "$1" 2>/dev/null ;;
    ed25519) openssl genpkey -algorithm ED25519 -out "$1" ;;
    ed448) openssl genpkey -algorithm ED448 -out "$1" ;;
    dsa*)
      local q=256; [ "${2#dsa}" -le 1024 ] && q=160
      openssl genpkey -genparam -algorithm DSA -pkeyopt "dsa_paramgen_bits:${2#dsa}" -pkeyopt "dsa_paramgen_q_bits:$q" -out "$1.param" 2>/dev/null
      openssl genpkey -paramfile "$1.param" -out "$1" ;;
    *) echo "mkkey: unknown algorithm $2" >&2; return 1 ;;
  esac
}

# profile NAME: the X.509v3 extensions of a profile (openssl config lines)
profile() {
  case $1 in
    root) printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n' ;;
    ca) printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' ;;
    signer) printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' "$OID_DOCSIGNING" ;;
    tsa) printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' ;;
    ocsp) printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\nnoCheck=ignored\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' ;;
    *) echo "profile: unknown $1" >&2; return 1 ;;
  esac
}

_ca_db() {  # _ca_db NAME: an `openssl ca` database and configuration for the CA NAME
  local d=$K/ca-$1
  mkdir -p "$d/new"
  : >"$d/index.txt"
  openssl rand -hex 8 | sed 's/^./1/' >"$d/serial"
  echo 01 >"$d/crlnumber"
  cat >"$d/ca.cnf" <<CNF
[ca]
default_ca = d
[d]
dir = $d
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
default_md = sha256
policy = p
unique_subject = no
email_in_dn = no
utf8 = yes
string_mask = utf8only
[p]
[req]
distinguished_name = dn
utf8 = yes
string_mask = utf8only
prompt = no
[dn]
CNF
}

# issue NAME SUBJECT ALG PROFILE ISSUER: a certificate $K/NAME.pem for the key $K/NAME.key (made
# unless it exists), issued by ISSUER (a CA made by issue before) or self-signed (ISSUER "-").
# Environment: START, END (YYYYMMDDHHMMSSZ; default 2005-01-01 .. 2049-12-31, CAs to 2050-12-31),
# MD (signature digest, default sha256), EXT (extension lines instead of the profile's),
# MULTI=1 (the subject has multi-valued RDNs, `+`), SIGOPT (space-separated `openssl ca -sigopt`
# values, e.g. "rsa_padding_mode:pss rsa_mgf1_md:sha1"). CA profiles (root, ca) get a database.
issue() {
  local name=$1 subj=$2 alg=$3 prof=$4 issuer=$5
  local start=${START:-$VALID_FROM} end=${END:-}
  case $prof in root | ca) [ -z "$end" ] && end=$CA_TO; _ca_db "$name" ;; esac
  [ -z "$end" ] && end=$VALID_TO
  [ -f "$K/$name.key" ] || mkkey "$K/$name.key" "$alg"
  { printf '[x]\n'; if [ -n "${EXT:-}" ]; then printf '%s\n' "$EXT"; else profile "$prof"; fi; } >"$K/$name.ext"
  local multi=(); [ -n "${MULTI:-}" ] && multi=(-multivalue-rdn)
  local cadir=$K/ca-$issuer cacert=$K/$issuer.pem cakey=$K/$issuer.key sign=()
  if [ "$issuer" = - ]; then cadir=$K/ca-$name; cakey=$K/$name.key; sign=(-selfsign); else sign=(-cert "$cacert"); fi
  openssl req -new -utf8 -config "$cadir/ca.cnf" -key "$K/$name.key" "${multi[@]}" -subj "$subj" -out "$K/$name.csr"
  local md=(); [ -n "${MD:-}" ] && md=(-md "$MD")
  case $alg in ed25519 | ed448) [ "$issuer" = - ] && md=() ;; esac
  local o sigopt=(); for o in ${SIGOPT:-}; do sigopt+=(-sigopt "$o"); done
  openssl ca -batch -notext -config "$cadir/ca.cnf" "${sign[@]}" -keyfile "$cakey" -in "$K/$name.csr" \
    -startdate "$start" -enddate "$end" "${md[@]}" "${sigopt[@]}" -extfile "$K/$name.ext" -extensions x -preserveDN \
    "${multi[@]}" -out "$K/$name.pem" 2>"$K/ca.log" || { cat "$K/ca.log" >&2; return 1; }
}

# revoke CA CERT [REASON] [WHEN]: adds CERT to CA's database as revoked (openssl ca -revoke), with
# reason REASON (none: no reason code) at WHEN ("YYYY-MM-DD HH:MM:SS", default now)
revoke() {
  local r=(); [ -n "${3:-}" ] && r=(-crl_reason "$3")
  ft "${4:-}" openssl ca -batch -config "$K/ca-$1/ca.cnf" -cert "$K/$1.pem" -keyfile "$K/$1.key" -revoke "$2" "${r[@]}" 2>/dev/null
}

# crl CA OUT [THIS_UPDATE] [NEXT_UPDATE] [MD]: a PEM CRL of CA (times YYYYMMDDHHMMSSZ; default now .. 2049-12-31)
crl() {
  local last=(); [ -n "${3:-}" ] && last=(-crl_lastupdate "$3")
  openssl ca -batch -config "$K/ca-$1/ca.cnf" -cert "$K/$1.pem" -keyfile "$K/$1.key" -gencrl "${last[@]}" \
    -crl_nextupdate "${4:-$VALID_TO}" -md "${5:-sha256}" -out "$2" 2>/dev/null
}

# ocsp CA CERT OUT [MD] [WHEN]: a DER OCSP response about CERT signed by CA itself (status from CA's
# database), thisUpdate WHEN (default now), nextUpdate about 2049-12-31, signature digest MD
ocsp() {
  local when=${5:-} now days
  now=$(date -u -d "${when:-now}" +%s)
  days=$(( ($(date -u -d '2049-12-31' +%s) - now) / 86400 ))
  openssl ocsp -issuer "$K/$1.pem" -cert "$2" -no_nonce -reqout "$K/ocsp-req.der" 2>/dev/null
  ft "$when" openssl ocsp -index "$K/ca-$1/index.txt" -rsigner "$K/$1.pem" -rkey "$K/$1.key" -CA "$K/$1.pem" \
    -reqin "$K/ocsp-req.der" -respout "$3" -ndays "$days" -rmd "${4:-sha256}" >/dev/null 2>&1
}

# sign CERT KEY OUT [openssl cms options...]: a CAdES signature by openssl cms -sign of doc.txt.
# Environment: SIGNTIME ("YYYY-MM-DD HH:MM:SS": the claimed signing-time), DIGEST (default
# sha256), CHAIN (a PEM file of certificates to embed), DOC (default doc.txt)
sign() {
  local cert=$1 key=$2 out=$3; shift 3
  local chain=(); [ -n "${CHAIN:-}" ] && chain=(-certfile "$CHAIN")
  ft "${SIGNTIME:-}" openssl cms -sign -cades -binary -md "${DIGEST:-sha256}" -outform DER -signer "$cert" \
    -inkey "$key" "${chain[@]}" -in "${DOC:-doc.txt}" -out "$out" "$@"
}

# tstoken SIG TOKEN TSA [WHEN] [IMPRINT_MD]: an RFC 3161 token made by `openssl ts -reply` with the
# TSA's key ($K/TSA.key, $K/TSA.pem) over SIG's first SignerInfo signature value (SIGIDX: another),
# genTime WHEN (default now), message imprint IMPRINT_MD (default sha256). TSA_CHAIN: a PEM file of certificates
# to put in the token besides the TSA's. DATA: a file to timestamp instead of the signature value.
# TS_ACCURACY: the TSTInfo accuracy (`openssl ts` syntax, default secs:1; e.g. secs:31536000).
tstoken() {
  local sig=$1 token=$2 tsa=$3 when=${4:-} imd=${5:-sha256} data
  data=${DATA:-$K/sigvalue.bin}
  [ -n "${DATA:-}" ] || $CMS sigvalue "$sig" "$data" --idx "${SIGIDX:-0}"
  mkdir -p "$K/ts-$tsa"
  [ -f "$K/ts-$tsa/serial" ] || openssl rand -hex 8 | sed 's/^./1/' >"$K/ts-$tsa/serial"
  local certs=""
  if [ -n "${TSA_CHAIN:-}" ]; then cat "$TSA_CHAIN" >"$K/ts-$tsa/certs.pem"; certs="certs = $K/ts-$tsa/certs.pem"; fi
  cat >"$K/ts-$tsa/ts.cnf" <<CNF
[tsa]
default_tsa = t
[t]
serial = $K/ts-$tsa/serial
crypto_device = builtin
signer_cert = $K/$tsa.pem
$certs
signer_key = $K/$tsa.key
signer_digest = ${TSA_DIGEST:-sha256}
default_policy = 1.3.6.1.4.1.57264.99.1
digests = md5, sha1, sha224, sha256, sha384, sha512
accuracy = ${TS_ACCURACY:-secs:1}
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF
  openssl ts -query -data "$data" "-$imd" -cert -out "$K/ts-query.tsq" 2>/dev/null
  ft "$when" openssl ts -reply -config "$K/ts-$tsa/ts.cnf" -queryfile "$K/ts-query.tsq" -token_out -out "$token" 2>"$K/ts.log" ||
    { cat "$K/ts.log" >&2; return 1; }
}

# add_ts SIG TOKEN [--append] [--idx N]: puts the token into SIG as a signature-timestamp (in place)
add_ts() {
  local sig=$1 token=$2; shift 2
  $CMS add-ts "$sig" "$token" "$K/add-ts.p7s" "$@"
  mv "$K/add-ts.p7s" "$sig"
}

# tsa_serve TSA [WHEN]: runs `tsign tsa serve` with $K/TSA.key and $K/TSA.pem (clock starting at WHEN)
# on a free port; sets TSA_URL. Stopped when make.sh ends.
tsa_serve() {
  local port
  port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local cmd=("$TSIGN" tsa serve --key "$K/$1.key" --cert "$K/$1.pem" --listen "127.0.0.1:$port" --state "$K/tsa-state-$1-$port")
  [ -n "${2:-}" ] && cmd=(env TZ=UTC faketime -f "@$2" "${cmd[@]}")
  setsid "${cmd[@]}" 2>"$K/tsa-$1.log" &
  PIDS+=($!)
  TSA_URL=http://127.0.0.1:$port/
  local _
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && return 0; sleep 0.1; done
  cat "$K/tsa-$1.log" >&2
  return 1
}

# write_args ARG...: the verify arguments, one per line
write_args() { printf '%s\n' "$@" >args; }

# write_command ARG...: the whole tsign command line of a case that does not run `verify --json
# ARGS` (e.g. extend, timestamp verify), one argument per line; the case has no args file
write_command() { printf '%s\n' "$@" >"command"; }

# pem OUT FILE...: the PEM certificates of FILEs concatenated
pem() { local out=$1; shift; cat "$@" >"$out"; }

# std_pki: root (EC P-256, self-signed) -> intermediate "inter" -> signer "ali" (documentSigning),
# trust.pem = the root, $K/chain.pem = the intermediate (embed it with CHAIN=$K/chain.pem)
ROOT_SUBJ="/CN=مرکز صدور گواهی ریشه آزمون/O=$ORG/C=IR"
INTER_SUBJ="/CN=مرکز صدور گواهی میانی آزمون/O=$ORG/C=IR"
ALI_SUBJ="/CN=علی رضایی/OU=کمیسیون مناقصه/O=$ORG/C=IR"
SARA_SUBJ="/CN=سارا احمدی/OU=کمیسیون مناقصه/O=$ORG/C=IR"
MARYAM_SUBJ="/CN=مریم کریمی/OU=امور مالی/O=$ORG/C=IR"
TSA_SUBJ="/CN=سرویس مهر زمانی آزمون/O=$ORG/C=IR"
std_pki() {
  std_ca
  issue ali "$ALI_SUBJ" p256 signer inter
}
# std_ca: the root and the intermediate of std_pki, without a signer
std_ca() {
  issue root "$ROOT_SUBJ" p256 root -
  issue inter "$INTER_SUBJ" p256 ca root
  cp "$K/root.pem" trust.pem
  cp "$K/inter.pem" "$K/chain.pem"
}

# two_level_pki: root (EC P-256) -> signer "ali" and TSA "tsa": one CRL (the root's) covers both
two_level_pki() {
  issue root "$ROOT_SUBJ" p256 root -
  issue ali "$ALI_SUBJ" p256 signer root
  issue tsa "$TSA_SUBJ" p256 tsa root
  cp "$K/root.pem" trust.pem
}

# spki_sha256 CERT: hex SHA-256 of the certificate's DER SubjectPublicKeyInfo (a roster's spki_sha256)
spki_sha256() {
  openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1
}

# roster_pki: std_pki plus the members sara and maryam; their certificates as ali.pem, sara.pem and
# maryam.pem in the case folder (a roster names them by file)
roster_pki() {
  std_pki
  issue sara "$SARA_SUBJ" p256 signer inter
  issue maryam "$MARYAM_SUBJ" p256 signer inter
  cp "$K/ali.pem" ali.pem
  cp "$K/sara.pem" sara.pem
  cp "$K/maryam.pem" maryam.pem
}
# the RFC 4514 (comma) forms of the names above, as tsign prints them
ALI_RFC="CN=علی رضایی, OU=کمیسیون مناقصه, O=$ORG, C=IR"
INTER_RFC="CN=مرکز صدور گواهی میانی آزمون, O=$ORG, C=IR"

# tstoken_resign TOKEN_IN TOKEN_OUT NAME: the TSTInfo of TOKEN_IN signed again by $K/NAME.key /
# $K/NAME.pem with `openssl cms -sign` (eContentType id-ct-TSTInfo, ESS signing-certificate-v2):
# a well-formed token from a certificate that `openssl ts -reply` would refuse (no timeStamping EKU)
tstoken_resign() {
  $CMS tstinfo "$1" "$K/tstinfo.der"
  openssl cms -sign -binary -nodetach -cades -nosmimecap -md sha256 -econtent_type 1.2.840.113549.1.9.16.1.4 \
    -signer "$K/$3.pem" -inkey "$K/$3.key" -in "$K/tstinfo.der" -outform DER -out "$2"
}

# make_lt / make_lta: two_level_pki, the root's CRL (crl.pem) and sig.p7s made by tsign: sign,
# extend --level t (tsign tsa serve), extend --level lt (--crl crl.pem, nothing fetched), and for
# make_lta extend --level lta (archive-time-stamp-v3)
make_lt() {
  two_level_pki
  doc
  crl root crl.pem
  "$TSIGN" sign --key "$K/ali.key" --cert "$K/ali.pem" --out sig.p7s doc.txt >/dev/null
  tsa_serve tsa
  "$TSIGN" extend --level t --tsa "$TSA_URL" sig.p7s >/dev/null
  "$TSIGN" extend --level lt --trust trust.pem --crl crl.pem sig.p7s >/dev/null
}
make_lta() {
  make_lt
  "$TSIGN" extend --level lta --trust trust.pem --crl crl.pem --tsa "$TSA_URL" --content doc.txt sig.p7s >/dev/null
}

# ext_signer NAME CERTEDIT_ARGS...: a signer certificate $K/NAME.pem (subject ALI_SUBJ) issued by
# "root" with only basicConstraints, subjectKeyIdentifier and authorityKeyIdentifier, then
# re-issued by _tools/certedit.py with the raw extensions CERTEDIT_ARGS appended (--add
# OID:CRIT:HEXVALUE; duplicates and undecodable values allowed) and signed again with the root's key
ext_signer() {
  local n=$1; shift
  EXT='basicConstraints=critical,CA:FALSE
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid' issue "$n-base" "$ALI_SUBJ" p256 signer root
  cp "$K/$n-base.key" "$K/$n.key"
  $PY "$TOOLS/certedit.py" "$K/$n-base.pem" "$K/$n.pem" --cakey "$K/root.key" "$@"
}
# raw extension values (hex DER) for ext_signer
OID_KU=2.5.29.15
OID_EKU=2.5.29.37
KU_DS_NR=030206c0   # BIT STRING digitalSignature, nonRepudiation
KU_DS=03020780      # BIT STRING digitalSignature
KU_KE=03020520      # BIT STRING keyEncipherment
EKU_DS=300a06082b06010505070324   # SEQUENCE { id-kp-documentSigning }
EKU_SA=300a06082b06010505070301   # SEQUENCE { id-kp-serverAuth }
EKU_TS=300a06082b06010505070308   # SEQUENCE { id-kp-timeStamping }
