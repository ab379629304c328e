#!/usr/bin/env bash
# Writes nix/deps.json, the NuGet packages the flake's package (nix/package.nix, nixpkgs'
# buildDotnetModule) restores: every package in the restore of src/Flotilla.Cli (its project
# references included), as nixpkgs' nuget-to-json writes them ([{pname, version, hash}], hash the
# SRI sha256 of the .nupkg file). The hashes are computed from the .nupkg files the restore left in
# the local package folder. Runtime, apphost and targeting packs are not listed: nixpkgs' .NET SDK
# brings them (as it does for nuget-to-json, which leaves the SDK's packages out).
#
#   scripts/update-nuget-deps.sh            restore, then write nix/deps.json
#   scripts/update-nuget-deps.sh --check    restore, then fail (exit 1) saying what differs when
#                                           nix/deps.json is not what it would write
# Options for tests and odd set-ups: --no-restore (use the assets file as it is), --assets FILE
# (a project.assets.json other than src/Flotilla.Cli/obj's), --deps FILE (instead of nix/deps.json).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="$root/src/Flotilla.Cli/Flotilla.Cli.csproj"
assets="$root/src/Flotilla.Cli/obj/project.assets.json"
deps="$root/nix/deps.json"
check=false
restore=true

while (($# > 0)); do
  case "$1" in
    --check) check=true ;;
    --no-restore) restore=false ;;
    --assets) assets="$2"; restore=false; shift ;;
    --deps) deps="$2"; shift ;;
    *) echo "update-nuget-deps: unknown argument $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
  shift
done

for tool in jq nix; do
  command -v "$tool" >/dev/null 2>&1 || { echo "update-nuget-deps: $tool is not installed; run scripts/setup.sh" >&2; exit 2; }
done

if $restore; then
  dotnet restore "$project" --nologo -v quiet >&2
fi

if [[ ! -f "$assets" ]]; then
  echo "update-nuget-deps: $assets does not exist; restore first (dotnet restore $project)" >&2
  exit 2
fi

# The packages the restore resolved ("Id/Version" keys of type package), sorted as nuget-to-json
# sorts them (lower-case id, then version), with where the restore put each one.
listed="$(jq -r '
  (.packageFolders | keys[0]) as $folder
  | .libraries | to_entries[] | select(.value.type == "package")
  | (.key | split("/")) as $name
  | [$name[0], $name[1], $folder + .value.path, (.value.path | split("/") | "\(.[0]).\(.[1]).nupkg")]
  | @tsv' "$assets" | LC_ALL=C sort -f -t $'\t' -k1,1 -k2,2)"

# Names and versions first: a package added to the restore (Directory.Packages.props and a
# PackageReference) is reported even before it is in the local package folder.
if $check; then
  if [[ ! -f "$deps" ]]; then
    echo "update-nuget-deps: $deps does not exist; run scripts/update-nuget-deps.sh to write it" >&2
    exit 1
  fi
  wanted="$(cut -f1,2 <<<"$listed" | tr '\t' ' ' | LC_ALL=C sort)"
  have="$(jq -r '.[] | "\(.pname) \(.version)"' "$deps" | LC_ALL=C sort)"
  missing="$(LC_ALL=C comm -23 <(echo "$wanted") <(echo "$have"))"
  stale="$(LC_ALL=C comm -13 <(echo "$wanted") <(echo "$have"))"
  if [[ -n "$missing" || -n "$stale" ]]; then
    [[ -z "$missing" ]] || echo "update-nuget-deps: restored but not in $deps: $(paste -sd, <<<"$missing" | sed 's/,/, /g')" >&2
    [[ -z "$stale" ]] || echo "update-nuget-deps: in $deps but no longer restored: $(paste -sd, <<<"$stale" | sed 's/,/, /g')" >&2
    echo "update-nuget-deps: the flake's NuGet dependencies are out of date; run scripts/update-nuget-deps.sh and commit nix/deps.json" >&2
    exit 1
  fi
fi

entries=()
while IFS=$'\t' read -r id version directory nupkg; do
  file="$directory/$nupkg"
  if [[ -z "$nupkg" || ! -f "$file" ]]; then
    echo "update-nuget-deps: $id $version: no .nupkg in $directory; restore again (dotnet restore $project)" >&2
    exit 2
  fi
  hash="$(nix --extra-experimental-features nix-command hash file --type sha256 --sri "$file")"
  entries+=("$(jq -cn --arg pname "$id" --arg version "$version" --arg hash "$hash" '{pname: $pname, version: $version, hash: $hash}')")
done <<<"$listed"

generated="$(printf '%s\n' "${entries[@]}" | jq -s '.')"

if $check; then
  changed="$(jq -rn --argjson a "$generated" --argjson b "$(cat "$deps")" '
    ($b | map({key: "\(.pname) \(.version)", value: .hash}) | from_entries) as $old
    | $a[] | select($old["\(.pname) \(.version)"] != .hash) | "\(.pname) \(.version) (\($old["\(.pname) \(.version)"]) there, \(.hash) restored)"')"
  if [[ -n "$changed" ]]; then
    echo "update-nuget-deps: hashes in $deps differ from the restored packages: $(paste -sd';' <<<"$changed" | sed 's/;/; /g')" >&2
    echo "update-nuget-deps: run scripts/update-nuget-deps.sh and commit nix/deps.json" >&2
    exit 1
  fi
  echo "update-nuget-deps: $deps lists the $(jq length <<<"$generated") packages the restore uses" >&2
  exit 0
fi

printf '%s\n' "$generated" >"$deps"
echo "update-nuget-deps: wrote $deps ($(jq length <<<"$generated") packages)" >&2
