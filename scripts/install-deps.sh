#!/usr/bin/env bash
# Install exactly the Debian 12 packages the appliance needs to build, run and
# test. Idempotent: when every package is present it only runs dpkg-query and
# exits (well under a second), so `make run` / `make test` can call it always.
set -euo pipefail

BUILD=(build-essential cmake pkg-config ccache
       libboost-dev libboost-system-dev libssl-dev libreadline-dev
       libssh-dev libsnmp-dev libsqlite3-dev libcrypt-dev doctest-dev nlohmann-json3-dev)
RUNTIME=(openssl snmpd sqlite3 iptables iproute2 chrony rsyslog)
TEST=(expect openssh-client snmp curl mandoc procps)

# Only `make fuzz` (--fuzz) needs these: libFuzzer ships in libclang-rt-14-dev,
# which clang-14 merely recommends, so --no-install-recommends would skip it.
FUZZ=(clang libclang-rt-14-dev)

# Only `make bench` (--bench) needs these: the proxies sentryd is compared with
# and the load generator (scripts/bench-proxy.sh). apt may start the packaged
# nginx/haproxy services on a systemd host; the bench never uses them (it runs
# its own copies as the current user on free ports).
BENCH=(nginx-light haproxy wrk util-linux)

want=("${BUILD[@]}" "${RUNTIME[@]}" "${TEST[@]}")
case "${1:-}" in
    --fuzz) want+=("${FUZZ[@]}") ;;
    --bench) want+=("${BENCH[@]}") ;;
esac
missing=()
for p in "${want[@]}"; do
    # "install ok installed" is the only status that means usable.
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
