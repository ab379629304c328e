#!/usr/bin/env bash
# Builds the container image of `flotilla serve` with podman, from nothing a registry serves:
#   1. a base image: a minimal Debian root filesystem made by mmdebstrap from Debian's packages
#      (the C library, libstdc++, OpenSSL, libcrypt for password hashes, tzdata, CA certificates,
#      tini as PID 1, busybox for the healthcheck), `podman import`ed as
#      localhost/flotilla-base:<hash of this script>, so it is made once and then reused;
#   2. a self-contained `dotnet publish` of the CLI for linux-x64, redone only when the sources
#      changed (in .build/server-image, apart from the build's own bin/ and obj/);
#   3. `podman build` of deploy/Containerfile on that base (its layer cache makes a rebuild of
#      unchanged files a no-op).
# Usage: scripts/build-server-image.sh [--tag IMAGE] [--cache DIR] [--refresh-base]
#   --refresh-base makes the base again (e.g. for Debian's security updates) even if it is there.
# Prints the image's tag on standard output and what it does on standard error. Needs root (or
# what mmdebstrap's root mode needs), podman and mmdebstrap: scripts/setup.sh installs them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tag="localhost/flotilla-server:latest"
cache="$root/.build/server-image"
suite="bookworm"
refresh_base=0

while (($# > 0)); do
  case "$1" in
    --tag) tag="${2:?--tag needs an image name}"; shift 2 ;;
    --cache) cache="${2:?--cache needs a directory}"; shift 2 ;;
    --refresh-base) refresh_base=1; shift ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-server-image: unknown argument $1 (known: --tag IMAGE, --cache DIR, --refresh-base)" >&2; exit 2 ;;
  esac
done

for tool in podman mmdebstrap dotnet; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build-server-image: $tool is not installed; run scripts/setup.sh (as root) first" >&2
    exit 2
  fi
done

mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"
# One build at a time per cache: two test runs side by side share the base and the publish.
exec 9>"$cache/.lock"
flock 9

# The packages of the base; their dependencies come along. No ICU: the CLI is built with
# InvariantGlobalization. No shell beyond busybox's, no package manager in the image.
packages=(libc6 libgcc-s1 libstdc++6 libssl3 zlib1g libcrypt1 tzdata ca-certificates tini busybox-static)
# The user the server runs as; /data belongs to it.
uid=10001

make_base_rootfs() {
  local dir="$1"
  # --variant=extract unpacks the packages without running their maintainer scripts (there is
  # no dpkg or shell in the tree to run them); what those scripts would do is done below.
  # A mirror that stalls fails the download after a minute, tried three times, not a CI run.
  mmdebstrap --quiet --mode=root --variant=extract --include="$(IFS=,; echo "${packages[*]}")" \
    --aptopt='Acquire::Retries "3"' --aptopt='Acquire::http::Timeout "60"' "$suite" "$dir" >&2
  rm -rf "$dir"/usr/share/doc "$dir"/usr/share/man "$dir"/usr/share/info "$dir"/usr/share/lintian "$dir"/usr/share/locale \
    "$dir"/var/cache/apt "$dir"/var/lib/apt/lists "$dir"/etc/apt "$dir"/var/log/*
  # busybox's applets (sh, wget for the healthcheck, ls, cat ...) where a shell user looks for them.
  local applet
  for applet in $("$dir/bin/busybox" --list); do
    [[ -e "$dir/bin/$applet" ]] || ln -s busybox "$dir/bin/$applet"
  done
  # What ca-certificates' postinst would make: the bundle OpenSSL reads.
  mkdir -p "$dir/etc/ssl/certs"
  cat "$dir"/usr/share/ca-certificates/mozilla/*.crt >"$dir/etc/ssl/certs/ca-certificates.crt"
  ln -sf /usr/share/zoneinfo/Etc/UTC "$dir/etc/localtime"
  printf 'root:x:0:0:root:/root:/bin/sh\nflotilla:x:%s:%s:Flotilla server:/data:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' "$uid" "$uid" >"$dir/etc/passwd"
  printf 'root:x:0:\nflotilla:x:%s:\nnogroup:x:65534:\n' "$uid" >"$dir/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$dir/etc/nsswitch.conf"
  mkdir -p "$dir/tmp" "$dir/root" "$dir/data" "$dir/run/secrets"
  chmod 1777 "$dir/tmp"
  chmod 0700 "$dir/root" "$dir/data"
  chown "$uid:$uid" "$dir/data"
}

# The base's name says what made it: this script (its package list and the steps above).
base_key="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"
base="localhost/flotilla-base:$suite-$base_key"
if ((refresh_base)) && podman image exists "$base"; then
  podman rmi "$base" >/dev/null 2>&1 || podman untag "$base" "$base" >/dev/null
fi
if podman image exists "$base"; then
  echo "build-server-image: base image $base is there" >&2
else
  echo "build-server-image: making the base root filesystem ($suite: ${packages[*]})" >&2
  work="$(mktemp -d "$cache/base.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  make_base_rootfs "$work/rootfs"
  tar -C "$work/rootfs" --numeric-owner -cf "$work/rootfs.tar" .
  podman import --quiet --message "Debian $suite (mmdebstrap --variant=extract) for flotilla serve" \
    --change "ENV PATH=/usr/local/bin:/usr/bin:/bin" "$work/rootfs.tar" "$base" >/dev/null
  rm -rf "$work"
  trap - EXIT
  echo "build-server-image: imported $base" >&2
  # Bases made by earlier versions of this script, unless an image still stands on them.
  for stale_base in $(podman images --format '{{.Repository}}:{{.Tag}}' --filter reference='localhost/flotilla-base'); do
    [[ "$stale_base" == "$base" ]] || podman rmi "$stale_base" >/dev/null 2>&1 || true
  done
fi

# The self-contained publish, redone when a source file is newer than the last one.
publish="$cache/context/flotilla"
stamp="$cache/publish.stamp"
stale() {
  [[ ! -f "$stamp" ]] && return 0
  [[ -n "$(find "$root/src" "$root/Directory.Build.props" "$root/Directory.Packages.props" "$root/global.json" "$root/lab" \
      -newer "$stamp" -type f \( -name '*.cs' -o -name '*.cshtml' -o -name '*.csproj' -o -name '*.props' -o -name '*.json' -o -name '*.nix' -o -name '*.sh' -o -name '*.css' -o -name '*.js' \) \
      -not -path '*/obj/*' -not -path '*/bin/*' -print -quit 2>/dev/null)" ]]
}
if stale; then
  echo "build-server-image: publishing the CLI (self-contained, linux-x64)" >&2
  rm -rf "$publish" "$stamp"
  log="$cache/publish.log"
  # --artifacts-path keeps this build's bin/ and obj/ (a restore for linux-x64) apart from the
  # worktree's, so a test run that calls this script does not change what it runs from.
  if ! dotnet publish "$root/src/Flotilla.Cli/Flotilla.Cli.csproj" -c Release -r linux-x64 --self-contained true \
      --artifacts-path "$cache/artifacts" -p:DebugType=none -o "$publish" --nologo -v quiet >"$log" 2>&1; then
    grep -E "error" "$log" >&2 || cat "$log" >&2
    echo "build-server-image: dotnet publish failed (full log: $log)" >&2
    exit 1
  fi
  touch "$stamp"
else
  echo "build-server-image: the publish in $publish is current" >&2
fi

echo "build-server-image: building $tag" >&2
# Docker's image format: OCI's has no HEALTHCHECK. Nothing in the Containerfile runs a command,
# so no runtime is needed to build it.
podman build --quiet --format docker --file "$root/deploy/Containerfile" --build-arg "BASE=$base" \
  --tag "$tag" "$cache/context" >&2
echo "$tag"
