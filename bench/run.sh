#!/usr/bin/env bash
# Runs Flotilla's benchmarks: bench/run.sh [plan|deploy|exec|containers|control-plane|control-plane-flood|event-stream|all] [options...]
# deploy and exec bring up labs (root) and compare Flotilla with a sequential nix copy loop,
# parallel-ssh and Ansible, so this script installs those (not scripts/setup.sh: the product
# does not need them). It builds the CLI as ./flotilla does and measures that built process.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
which="${1:-all}"
shift || true

if [[ "$which" == deploy || "$which" == exec || "$which" == containers || "$which" == all ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench: the deploy and exec benchmarks make labs and need root" >&2
    exit 1
  fi
  # pssh: parallel-ssh; python3 on the targets for Ansible (lab hosts share this machine's /usr).
  packages=(pssh ansible python3)
  missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if ((${#missing[@]} > 0)); then
    echo "bench: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # Builds the CLI when its sources changed (and runs scripts/setup.sh then).
  ./flotilla --version >/dev/null
fi

if [[ "$which" == control-plane || "$which" == control-plane-flood || "$which" == event-stream || "$which" == all ]]; then
  # The server is measured as users run it: the built CLI's `flotilla serve`.
  ./flotilla --version >/dev/null
  # 5,000 agents hold 5,000 sockets in this process and 5,000 in the server's: raise the limit
  # both inherit (root may raise the hard limit; others get what the hard limit allows).
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi

dotnet build bench/Flotilla.Bench -c Release --nologo -v quiet -o .build/bench >/dev/null
bench() { dotnet .build/bench/Flotilla.Bench.dll "$@"; }
case "$which" in
  all) bench plan "$@"; bench deploy "$@"; bench exec "$@"; bench containers; bench control-plane; bench control-plane-flood; bench event-stream ;;
  plan|deploy|exec|containers|control-plane|control-plane-flood|event-stream) bench "$which" "$@" ;;
  *) echo "bench/run.sh: unknown benchmark \"$which\"; available: plan, deploy, exec, containers, control-plane, control-plane-flood, event-stream, all" >&2; exit 2 ;;
esac
