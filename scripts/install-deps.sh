#!/usr/bin/env bash
# Installs, on Debian 12 as root, whatever tsign needs to build, test and run its demo.
# Does nothing (and needs no network) when everything is already there.
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  openssl libssl-dev libp11-dev p11-kit libp11-kit-dev
  libcli11-dev libyaml-cpp-dev nlohmann-json3-dev doctest-dev
  softhsm2 opensc gnutls-bin libnss3-tools jq time sqlite3 libsqlite3-dev libcurl4-openssl-dev curl python3 faketime
  clang libclang-rt-14-dev clang-format-14 clang-tidy-14
  libboost1.81-dev libgfshare-dev libgfshare-bin python3-asn1crypto
  libqpdf-dev qpdf libharfbuzz-dev zlib1g-dev fonts-noto-core fonts-dejavu-core poppler-utils
  default-jdk-headless libpdfbox2-java libbcpkix-java libbcprov-java libcommons-logging-java
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root (or: sudo $0)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
