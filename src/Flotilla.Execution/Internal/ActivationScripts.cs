namespace Flotilla.Execution.Internal;

/// <summary>
/// The shell scripts an activation runs on the target. They are constants: every value reaches
/// them as a positional argument through <see cref="RemoteShell.Script"/>. They need only what
/// NixOS ships (sh, coreutils, nix-env, setsid or systemd-run).
/// </summary>
internal static class ActivationScripts
{
    /// <summary>
    /// Runs detached on the target: $1 dir, $2 system (or empty for mode rollback), $3 goal,
    /// $4 confirm timeout in seconds, $5 mode (set | rollback). Sets the profile, runs
    /// switch-to-configuration, writes <c>status</c> (its exit code), then waits for
    /// <c>confirm</c>; a failed activation, a <c>rollback</c> request or no confirmation in time
    /// re-activates the previous generation and deletes the new one. Writes <c>outcome</c>:
    /// confirmed | rolled-back | rollback-failed | superseded. Goal switch activates with
    /// <c>test</c> and makes the system the boot default only once confirmed, so a host that
    /// reboots before the confirmation boots the previous generation. Before it confirms or rolls
    /// back it checks that the host still runs what it activated (<c>/run/current-system</c> and,
    /// for switch and boot, the profile's generation): when another activation has replaced it
    /// since (another run, a person's <c>nixos-rebuild</c>), confirming would make this system the
    /// boot default under the other and rolling back would undo the other, so it does neither:
    /// it writes <c>superseded</c> (what runs now: the system, then the profile's link) and the
    /// outcome superseded, and deletes its own generation when that is not the profile's current one.
    /// </summary>
    public const string Watchdog = """
        dir=$1 system=$2 goal=$3 timeout=$4 mode=$5
        profile=/nix/var/nix/profiles/system
        exec >>"$dir/log" 2>&1 </dev/null
        echo $$ > "$dir/pid"
        put() { printf '%s\n' "$2" > "$dir/$1.tmp" && mv -f "$dir/$1.tmp" "$dir/$1"; }
        generation() { g=${1#system-}; printf '%s' "${g%-link}"; }
        previous_link=$(readlink "$profile" 2>/dev/null)
        previous_system=$(readlink -f /run/current-system 2>/dev/null)
        new_link=
        rollback() {
          echo "flotilla: rolling back: $1"
          rc=0
          if [ -n "$new_link" ] && [ -n "$previous_link" ] && [ "$new_link" != "$previous_link" ]; then
            nix-env -p "$profile" --switch-generation "$(generation "$previous_link")" || rc=1
            if [ "$mode" = set ]; then
              nix-env -p "$profile" --delete-generations "$(generation "$new_link")" || rc=1
            fi
          fi
          case $goal in
            switch|boot) back=$(readlink -f "$profile") ;;
            *) back=$previous_system ;;
          esac
          if [ -n "$back" ]; then "$back/bin/switch-to-configuration" "$goal" || rc=1; fi
          if [ $rc = 0 ]; then put outcome rolled-back; else put outcome rollback-failed; fi
          exit 1
        }
        case $goal in
          switch|boot)
            if [ "$mode" = rollback ]; then
              nix-env -p "$profile" --rollback || { put status 1; put outcome failed; exit 1; }
            else
              nix-env -p "$profile" --set "$system" || { put status 1; put outcome failed; exit 1; }
            fi
            new_link=$(readlink "$profile")
            system=$(readlink -f "$profile") ;;
        esac
        # What runs now is not what this activation set: another activation came after it.
        superseded() {
          now_system=$(readlink -f /run/current-system 2>/dev/null)
          now_link=
          case $goal in
            switch|boot) now_link=$(readlink "$profile" 2>/dev/null)
                         [ "$(readlink -f "$profile" 2>/dev/null)" != "$system" ] && return 0 ;;
          esac
          [ "$goal" = boot ] && return 1
          [ "$now_system" != "$system" ]
        }
        give_way() {
          echo "flotilla: superseded: this host now runs ${now_system:-nothing} (profile ${now_link:-unchanged}), not $system that this activation set"
          echo "flotilla: $1, but another activation replaced this one: not confirming, not making it the boot default, not rolling back"
          if [ "$mode" = set ] && [ -n "$new_link" ] && [ "$now_link" != "$new_link" ]; then
            nix-env -p "$profile" --delete-generations "$(generation "$new_link")" || true
          fi
          put superseded "$now_system $now_link"
          put outcome superseded
          exit 1
        }
        run_goal=$goal
        [ "$goal" = switch ] && run_goal=test
        echo "flotilla: switch-to-configuration $run_goal of $system (previous: ${previous_link:-none})"
        "$system/bin/switch-to-configuration" "$run_goal"
        rc=$?
        put status "$rc"
        [ "$rc" = 0 ] || rollback "switch-to-configuration $run_goal exited with $rc"
        case $goal in boot|dry-activate) put outcome confirmed; exit 0 ;; esac
        deadline=$(( $(date +%s) + timeout ))
        while [ "$(date +%s)" -lt "$deadline" ]; do
          if [ -e "$dir/confirm" ]; then
            superseded && give_way "asked to confirm"
            if [ "$goal" = switch ]; then
              echo "flotilla: confirmed; switch-to-configuration boot of $system"
              "$system/bin/switch-to-configuration" boot || rollback "switch-to-configuration boot exited with $?"
            fi
            put outcome confirmed
            exit 0
          fi
          if [ -e "$dir/rollback" ]; then
            superseded && give_way "asked to roll back"
            rollback "the orchestrator asked for it"
          fi
          sleep 0.2
        done
        superseded && give_way "not confirmed within ${timeout}s"
        rollback "not confirmed within ${timeout}s"
        """;

    /// <summary>
    /// Over ssh: $1 dir, $2 watchdog script, then the watchdog's arguments. Starts the watchdog
    /// detached from the session (systemd-run on systemd hosts, else setsid), waits until
    /// switch-to-configuration has finished (and, when it failed, until the rollback has), printing
    /// the log as it grows, then a last line <c>flotilla-activation STATUS OUTCOME</c>.
    /// </summary>
    public const string Launch = """
        umask 077
        dir=$1
        # One activation at a time: one still waiting for its confirmation (its orchestrator was
        # killed, say) is rolled back first, so its watchdog cannot undo this one later.
        for other in "${dir%/*}"/*; do
          [ "$other" != "$dir" ] && [ -e "$other/watchdog.sh" ] && [ ! -e "$other/outcome" ] || continue
          echo "flotilla: rolling back the unconfirmed activation ${other##*/} first"
          : > "$other/rollback"
          i=0
          while [ ! -e "$other/outcome" ] && [ $i -lt 1500 ]; do
            pid=$(cat "$other/pid" 2>/dev/null)
            [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && break
            sleep 0.2; i=$((i + 1))
          done
        done
        mkdir -p "$dir" || exit 100
        printf '%s\n' "$2" > "$dir/watchdog.sh" || exit 100
        shift 2
        if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then
          systemd-run --quiet --collect --unit="flotilla-activate-${dir##*/}" --setenv=PATH="$PATH" \
            "$(command -v sh)" "$dir/watchdog.sh" "$dir" "$@" || exit 100
        else
          setsid sh "$dir/watchdog.sh" "$dir" "$@" </dev/null >/dev/null 2>&1 &
          pid=$!
        fi
        printed=0
        follow() {
          [ -e "$dir/log" ] || return 0
          size=$(wc -c < "$dir/log")
          if [ "$size" -gt "$printed" ]; then
            tail -c +$((printed + 1)) "$dir/log" | head -c $((size - printed))
            printed=$size
          fi
        }
        # Gone, or a zombie that nobody has reaped yet (kill -0 succeeds on those).
        alive() {
          if [ -r "/proc/$1/stat" ]; then
            read -r _ _ st _ < "/proc/$1/stat" 2>/dev/null || return 1
            [ "$st" != Z ]
          else
            kill -0 "$1" 2>/dev/null
          fi
        }
        # A unit started by systemd-run is not our child: the watchdog's own pid file says which process it is.
        unstarted=0
        while [ ! -e "$dir/status" ] && [ ! -e "$dir/outcome" ]; do
          follow
          [ -n "${pid:-}" ] || { [ -s "$dir/pid" ] && pid=$(cat "$dir/pid"); }
          if [ -n "${pid:-}" ] && ! alive "$pid"; then
            sleep 0.2
            [ -e "$dir/status" ] || [ -e "$dir/outcome" ] || { follow; echo; echo "flotilla-activation none died"; exit 0; }
          fi
          if [ -z "${pid:-}" ]; then
            unstarted=$((unstarted + 1))
            # systemd-run returns once the unit started, and the watchdog's pid is its first write: 10 s is ample.
            [ "$unstarted" -lt 50 ] || { follow; echo; echo "flotilla-activation none died"; exit 0; }
          fi
          sleep 0.2
        done
        status=$(cat "$dir/status" 2>/dev/null)
        if [ "$status" != 0 ]; then
          while [ ! -e "$dir/outcome" ]; do follow; sleep 0.2; done
        fi
        follow
        echo
        echo "flotilla-activation ${status:-none} $(cat "$dir/outcome" 2>/dev/null || echo pending)"
        """;

    /// <summary>
    /// Over ssh: $1 dir, $2 marker (confirm | rollback), $3 seconds to wait. Writes the marker, waits
    /// for the watchdog's outcome, prints the log lines the watchdog wrote since activation and a last
    /// line <c>flotilla-activation - OUTCOME</c>.
    /// </summary>
    public const string Signal = """
        dir=$1
        [ -d "$dir" ] || { echo "flotilla-activation - unknown"; exit 0; }
        [ -e "$dir/outcome" ] || : > "$dir/$2"
        i=0
        while [ ! -e "$dir/outcome" ] && [ $i -lt $(( $3 * 5 )) ]; do sleep 0.2; i=$((i + 1)); done
        cat "$dir/log"
        echo "flotilla-activation - $(cat "$dir/outcome" 2>/dev/null || echo pending)"
        """;
}
