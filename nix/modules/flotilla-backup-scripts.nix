# The bodies of the scheduled backup services of flotilla-backups.nix, one per tool. Constant
# text: the module puts the service's settings before them as shell variables (service, results,
# repository, password_file, stop, start, before, after, keep) and its paths as the positional
# parameters (restic: its --exclude= options first, then "--"). POSIX sh; NixOS runs a unit's
# script with -e, so it turns that off and checks every step itself.
let
  common = ''
    set +e
    umask 077
    step=starting failure= snapshot= size= verified=false note= removed=0
    time=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    log=$(mktemp) || exit 1
    trap 'rm -f "$log"' EXIT
    trap 'fail "stopped by a signal while $step"' TERM INT HUP

    # A command's output goes to the journal and stays in $log for the message; $status is its exit code.
    run() { "$@" >"$log" 2>&1; status=$?; cat "$log"; return "$status"; }
    last() { tail -n "$1" "$log" | tr '\n' ' ' | sed 's/ *$//'; }
    fail() { [ -n "$failure" ] || failure=$1; echo "$1" >&2; }
    ok() { [ -z "$failure" ]; }

    stop_units() {
      [ -n "$stop" ] || return 0
      step="stopping $stop"
      echo "$step"
      for unit in $stop; do
        run systemctl stop "$unit" || { fail "stopping $unit failed (exit $status): $(last 2)"; return 0; }
      done
    }

    start_units() {
      [ -n "$start" ] || return 0
      step="starting $start"
      echo "$step"
      for unit in $start; do
        run systemctl start "$unit" || fail "starting $unit again failed (exit $status): $(last 2)"
      done
    }

    # $1 before or after, $2 the command (run by sh -c).
    hook() {
      [ -n "$2" ] && ok || return 0
      step="running its $1 hook"
      run /bin/sh -c "$2" || fail "its $1 hook exited with $status: $(last 2)"
    }

    json() { printf '"%s"' "$(printf '%s' "$1" | tr '\n\r\t' '   ' | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
    optional() { if [ -n "$1" ]; then json "$1"; else printf null; fi; }

    # RESULTS/SERVICE.json, written beside it and renamed into place. The last good backup (a
    # verified snapshot) is this one's, or carried over from the file this one replaces.
    report() {
      if ok; then
        message="snapshot $snapshot verified ($note)"
        [ -z "$keep" ] || message="$message; retention removed $removed older verified snapshot(s)"
      else
        message=$failure
      fi
      file="$results/$service.json"
      if [ "$verified" = true ]; then
        last_good=$time last_good_snapshot=$snapshot
      else
        last_good=$(sed -n 's/^  "lastGood": "\([^"]*\)",$/\1/p' "$file" 2>/dev/null)
        last_good_snapshot=$(sed -n 's/^  "lastGoodSnapshot": "\([^"]*\)"$/\1/p' "$file" 2>/dev/null)
      fi
      succeeded=false
      ok && succeeded=true
      mkdir -p -m 0755 "$results" || return 1
      tmp=$(mktemp "$results/.$service.json.XXXXXX") || return 1
      {
        printf '{\n'
        printf '  "service": %s,\n' "$(json "$service")"
        printf '  "tool": %s,\n' "$(json "$tool")"
        printf '  "time": "%s",\n' "$time"
        printf '  "succeeded": %s,\n' "$succeeded"
        printf '  "snapshot": %s,\n' "$(optional "$snapshot")"
        printf '  "verified": %s,\n' "$verified"
        printf '  "size": %s,\n' "$(if [ -n "$size" ]; then echo "$size"; else echo null; fi)"
        printf '  "message": %s,\n' "$(json "$message")"
        printf '  "lastGood": %s,\n' "$(optional "$last_good")"
        printf '  "lastGoodSnapshot": %s\n' "$(optional "$last_good_snapshot")"
        printf '}\n'
      } >"$tmp" && chmod 0644 "$tmp" && mv -f "$tmp" "$file" || { rm -f "$tmp"; return 1; }
    }

    finish() {
      report || echo "writing $results/$service.json failed" >&2
      if ok; then echo "$message"; exit 0; fi
      echo "$message" >&2
      exit 1
    }
  '';
in
{
  restic = common + ''
    tool=restic
    export RESTIC_REPOSITORY="$repository" RESTIC_PASSWORD_FILE="$password_file"
    stop_units
    hook before "$before"
    if ok; then
      step="opening the repository"
      time=$(date -u +%Y-%m-%dT%H:%M:%SZ)
      restic cat config >/dev/null 2>&1 || run restic init || fail "restic init of $repository failed (exit $status): $(last 2)"
    fi
    if ok; then
      step="taking the snapshot"
      if run restic backup --json --tag flotilla --tag "service=$service" "$@"; then
        summary=$(grep '"message_type":"summary"' "$log" | tail -n 1)
        snapshot=$(printf '%s' "$summary" | sed -n 's/.*"snapshot_id":"\([0-9a-f]\{8\}\).*/\1/p')
        size=$(printf '%s' "$summary" | sed -n 's/.*"total_bytes_processed":\([0-9]*\).*/\1/p')
        [ -n "$snapshot" ] || fail "restic backup printed no snapshot: $(last 2)"
      else
        fail "restic backup failed (exit $status): $(last 3)"
      fi
    fi
    hook after "$after"
    start_units
    if ok; then
      step="verifying snapshot $snapshot"
      if ! run restic check; then
        fail "snapshot $snapshot was not verified, so no retention was applied: restic check failed: $(last 2)"
      else
        line=$(restic ls --json "$snapshot" 2>/dev/null | grep '"type":"file"' | head -n 1)
        if [ -z "$line" ]; then
          note="restic check passed; the snapshot holds no file to restore"
        else
          path=$(printf '%s' "$line" | sed 's/.*"path":"\([^"]*\)".*/\1/')
          want=$(printf '%s' "$line" | sed 's/.*"size":\([0-9]*\).*/\1/')
          scratch=$(mktemp -d)
          if ! run restic restore "$snapshot" --target "$scratch" --include "$path"; then
            fail "snapshot $snapshot was not verified, so no retention was applied: the test restore of $path failed: $(last 2)"
          else
            got=$(stat -c %s "$scratch$path" 2>/dev/null || echo no)
            if [ "$got" = "$want" ]; then
              note="restic check passed and $path ($want bytes) restored"
            else
              fail "snapshot $snapshot was not verified, so no retention was applied: the test restore of $path has $got bytes, not $want"
            fi
          fi
          rm -rf "$scratch"
        fi
        if ok; then
          if run restic tag --add verified "$snapshot"; then
            verified=true
            # A tag makes a new snapshot (another id) in place of the old: the newest verified one.
            tagged=$(restic snapshots --json --tag "service=$service,verified" 2>/dev/null | grep -o '"short_id":"[0-9a-f]*"' | tail -n 1 | sed 's/.*:"\(.*\)"/\1/')
            [ -z "$tagged" ] || snapshot=$tagged
          else
            fail "snapshot $snapshot passed its checks but tagging it verified failed (exit $status): $(last 2)"
          fi
        fi
      fi
    fi
    if ok && [ -n "$keep" ]; then
      step="applying retention"
      count() { restic snapshots --json --tag "service=$service" 2>/dev/null | grep -o '"short_id"' | wc -l; }
      had=$(count)
      # $keep is --keep-PERIOD N pairs: split on purpose.
      if run restic forget --prune --tag "service=$service,verified" $keep; then
        removed=$((had - $(count)))
      else
        fail "snapshot $snapshot is verified; applying retention failed (exit $status): $(last 2)"
      fi
    fi
    finish
  '';

  # Kopia (not installable where Flotilla is tested: its invocations are recorded there). Its
  # configuration is RESULTS/kopia/SERVICE.config; a repository that is a path is connected (or
  # created) on the first run, any other must be connected once by hand with that file.
  kopia = common + ''
    tool=kopia
    [ "$1" = -- ] && shift
    config_file="$results/kopia/$service.config"
    mkdir -p "$results/kopia"
    export KOPIA_CHECK_FOR_UPDATES=false
    KOPIA_PASSWORD=$(cat "$password_file") || fail "the password file $password_file cannot be read"
    export KOPIA_PASSWORD
    kopia() { command kopia --config-file="$config_file" "$@"; }
    stop_units
    hook before "$before"
    if ok; then
      step="connecting to the repository"
      time=$(date -u +%Y-%m-%dT%H:%M:%SZ)
      if ! kopia repository status >/dev/null 2>&1; then
        case $repository in
          /*) run kopia repository connect filesystem --path="$repository" || run kopia repository create filesystem --path="$repository" \
                || fail "kopia could neither connect to nor create the repository $repository (exit $status): $(last 2)" ;;
          *) fail "kopia is not connected to $repository: connect it once with kopia --config-file=$config_file repository connect ..." ;;
        esac
      fi
    fi
    if ok; then
      step="taking the snapshot"
      if run kopia snapshot create --json --description="flotilla service=$service" "$@"; then
        snapshot=$(grep -o '"id": *"[^"]*"' "$log" | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/')
        [ -n "$snapshot" ] || fail "kopia snapshot create printed no snapshot: $(last 2)"
      else
        fail "kopia snapshot create failed (exit $status): $(last 3)"
      fi
    fi
    hook after "$after"
    start_units
    if ok; then
      step="verifying snapshot $snapshot"
      for path; do set -- "$@" "--sources=$path"; shift; done
      if run kopia snapshot verify --verify-files-percent=10 "$@"; then
        verified=true
        note="kopia snapshot verify passed, 10% of the files read back"
      else
        fail "snapshot $snapshot was not verified: kopia snapshot verify failed (exit $status): $(last 2)"
      fi
    fi
    keep=
    finish
  '';
}
