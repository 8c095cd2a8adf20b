#!/usr/bin/env bash
# Installs the Debian 12 packages the build and tests need; idempotent: only
# missing packages are fetched, and apt-get update runs only when needed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git openssl
  clang libclang-rt-14-dev          # fuzz preset (libFuzzer, ASan, UBSan)
  libssl-dev                        # OpenSSL 3: RSA, X.509, reference crypto
  libipsec-mb-dev                   # Intel IPsec-MB 1.3: batched AES/HMAC
  librocksdb-dev                    # RocksDB 7.8: the AC store
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev                # test vectors, tool output
  libcli11-dev                      # rcasctl command line
  libpcap-dev                       # rcasctl decode of capture files
  liburing-dev                      # liburing 2.3: the image service's io_uring servers
  libcpptoml-dev                    # rcas-cassd config (TOML, header-only)
  libdpdk-dev                       # DPDK 22.11: the poll-mode dataplane (and its vdev PMDs)
  ethtool iproute2                  # DPDK fleet test: veth offloads off, network namespaces
  valgrind                          # constant-time check of the RSA kernel
  gnuplot-nox                       # rcas-loadgen --plot
  jq                                # perf/storm.sh reads the benchmark and loadgen JSON
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
