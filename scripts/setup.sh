#!/usr/bin/env bash
# Installs everything Flotilla needs on a fresh Debian machine. Idempotent: installs only what
# is missing, runs apt-get update at most once, restores NuGet packages.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(nix-bin openssh-server openssh-client iproute2 git curl procps psmisc busybox-static
  postgresql util-linux tzdata)
# Login and dashboard: tools that make crypt(3) hashes and read QR codes (Flotilla.Security's
# tests check against them), Debian's Chromium and fonts for the browser tests.
packages+=(whois apache2-utils openssl zbar-tools chromium fonts-liberation)
# Shell completion is tested in each shell it supports.
packages+=(bash zsh fish)
# The live run view is tested in a real terminal: tmux.
packages+=(tmux)
# Container services run with podman (and runc: crun fails on this kernel's cgroups); the lab
# keeps its images in Debian's docker-registry.
packages+=(podman runc docker-registry)
# The server's container image is built from a Debian root filesystem made by mmdebstrap
# (scripts/build-server-image.sh).
packages+=(mmdebstrap)
# Container secrets are age-encrypted files, decrypted by the real age; services are backed up
# with the real restic.
packages+=(age restic)
# scripts/update-nuget-deps.sh (the flake's nix/deps.json, written and checked) reads the restore with jq.
packages+=(jq)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]}; run this script as root (or install them)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is not installed; install it (https://learn.microsoft.com/dotnet/core/install/linux-debian) and run this again" >&2
  exit 1
fi

# Nix from Debian runs single-user as root; flakes are enabled per command by Flotilla.
# Nix run as root builds as the nixbld group's users (its default build-users-group); Debian
# makes them in nix-setup-systemd, which needs systemd, so they are made here as it would.
if [[ $(id -u) -eq 0 ]]; then
  mkdir -p /nix/var/nix/profiles /nix/var/nix/gcroots
  if ! getent group nixbld >/dev/null; then
    echo "setup: creating the nixbld group and its build users" >&2
    groupadd --force --system nixbld
  fi
  for n in $(seq 1 10); do
    id "nixbld$n" >/dev/null 2>&1 || useradd --system --comment "Nix build user $n" --home-dir /var/empty \
      --gid nixbld --groups nixbld --no-user-group --shell /usr/sbin/nologin "nixbld$n"
  done
fi

dotnet restore "$root/Flotilla.slnx" --nologo -v quiet >&2
echo "setup: ready" >&2
