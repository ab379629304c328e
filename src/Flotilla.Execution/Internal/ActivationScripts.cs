namespace Flotilla.Execution.Internal;

/// <summary>
/// The shell scripts an activation runs on the target. They are constants: every value reaches
/// them as a positional argument through <see cref="RemoteShell.Script"/>. They need only a POSIX sh,
/// coreutils and nix-env (plus setsid or systemd-run where they exist, nohup where not), so they
/// run on NixOS, on macOS and on any machine with Nix.
/// </summary>
internal static class ActivationScripts
{
    /// <summary>
    /// Finds a platform's profile and current system; the start of <see cref="Watchdog"/>,
    /// <see cref="Current"/> and the status script. Expects <c>$platform</c>; sets <c>profile</c>
    /// and defines <c>current</c>. A home-manager profile is where home-manager puts it:
    /// <c>${XDG_STATE_HOME:-~/.local/state}/nix/profiles/home-manager</c>, else
    /// <c>/nix/var/nix/profiles/per-user/$USER/home-manager</c> (made in the first when neither
    /// directory exists). Its current generation is what the profile links to; a system's is
    /// <c>/run/current-system</c> (NixOS's and nix-darwin's <c>activate</c> both link it).
    /// </summary>
    public const string Profiles = """
        case $platform in
          home-manager)
            state=${XDG_STATE_HOME:-$HOME/.local/state}
            if [ -d "$state/nix/profiles" ]; then profiles=$state/nix/profiles
            elif [ -d "/nix/var/nix/profiles/per-user/${USER:-$(id -un)}" ]; then profiles=/nix/var/nix/profiles/per-user/${USER:-$(id -un)}
            else profiles=$state/nix/profiles; fi
            profile=$profiles/home-manager
            current() { readlink -f "$profile" 2>/dev/null; } ;;
          *)
            profile=/nix/var/nix/profiles/system
            current() { readlink -f /run/current-system 2>/dev/null; } ;;
        esac
        """;

    /// <summary>Over ssh: $1 platform. Prints the system (or home-manager generation) the host runs now, or nothing.</summary>
    public const string Current = "platform=$1\n" + Profiles + "\ncurrent\n";

    /// <summary>
    /// Runs detached on the target: $1 dir, $2 system (or empty for mode rollback), $3 goal,
    /// $4 confirm timeout in seconds, $5 mode (set | rollback), $6 platform (nixos | darwin |
    /// home-manager). Activates the platform's way, writes <c>status</c> (the activation's exit
    /// code), then waits for <c>confirm</c>; a failed activation, a <c>rollback</c> request or no
    /// confirmation in time puts the profile back on its previous generation, deletes the new one
    /// and activates the previous system again. Writes <c>outcome</c>: confirmed | rolled-back |
    /// rollback-failed | superseded. The new system becomes what a reboot starts only once confirmed:
    /// <list type="bullet">
    /// <item>nixos: the profile is set, <c>switch-to-configuration test</c>, and <c>boot</c> once confirmed.</item>
    /// <item>darwin (as darwin-rebuild): the system's <c>activate-user</c> (unless it is nix-darwin's
    /// deprecated stub) then <c>activate</c>; the profile, which nix-darwin's activate-system daemon
    /// starts at boot, is set once confirmed. dry-activate is darwin-rebuild check
    /// (<c>checkActivation=1</c>).</item>
    /// <item>home-manager (as home-manager switch): the user's home-manager profile is set, then the
    /// generation's <c>activate --driver-version 1</c>; a generation without <c>gen-version</c> (older
    /// home-manager) sets the profile itself from its plain <c>activate</c>. dry-activate is
    /// <c>DRY_RUN=1</c>. There is no boot default.</item>
    /// </list>
    /// Before it confirms or rolls back it checks that the host still runs what it activated (the
    /// platform's current system and, when it set the profile, the profile's generation): when
    /// another activation has replaced it since (another run, a person's <c>nixos-rebuild</c>),
    /// confirming would make this system the boot default under the other and rolling back would
    /// undo the other, so it does neither: it writes <c>superseded</c> (what runs now: the system,
    /// then the profile's link) and the outcome superseded, and deletes its own generation when
    /// that is not the profile's current one.
    /// Portable POSIX sh: it ignores SIGHUP, since on macOS it is started with nohup.
    /// </summary>
    public const string Watchdog = """
        dir=$1 system=$2 goal=$3 timeout=$4 mode=$5 platform=${6:-nixos}
        trap '' HUP
        exec >>"$dir/log" 2>&1 </dev/null
        echo $$ > "$dir/pid"
        put() { printf '%s\n' "$2" > "$dir/$1.tmp" && mv -f "$dir/$1.tmp" "$dir/$1"; }
        """ + "\n" + Profiles + "\n" + """
        generation() { g=${1##*/}; g=${g#"${profile##*/}"-}; printf '%s' "${g%-link}"; }
        # One activation of system $1 with goal $2 (switch and test activate now, boot only sets the boot default, dry-activate prints).
        activate() {
          case $platform in
            nixos) "$1/bin/switch-to-configuration" "$2" ;;
            darwin)
              if [ "$2" = dry-activate ]; then checkActivation=1 "$1/activate"; return; fi
              if [ -x "$1/activate-user" ] && ! grep -q '^# nix-darwin: deprecated$' "$1/activate-user"; then
                "$1/activate-user" || return
              fi
              "$1/activate" ;;
            home-manager)
              if [ "$2" = dry-activate ]; then DRY_RUN=1 "$1/activate"; return; fi
              if [ -e "$1/gen-version" ]; then "$1/activate" --driver-version 1; else "$1/activate"; fi ;;
            *) echo "flotilla: unknown platform $platform"; return 100 ;;
          esac
        }
        # What "activate" runs for a platform's goal, for the log.
        describe() {
          case $platform in
            nixos) printf 'switch-to-configuration %s' "$1" ;;
            darwin) [ "$1" = dry-activate ] && printf 'checkActivation=1 activate' || printf 'activate-user, activate' ;;
            *) [ "$1" = dry-activate ] && printf 'DRY_RUN=1 activate' || printf 'activate' ;;
          esac
        }
        previous_link=$(readlink "$profile" 2>/dev/null)
        previous_system=$(current)
        new_link=
        rollback() {
          echo "flotilla: rolling back: $1"
          rc=0
          [ "$platform" = home-manager ] && new_link=$(readlink "$profile" 2>/dev/null)
          if [ -n "$new_link" ] && [ -n "$previous_link" ] && [ "$new_link" != "$previous_link" ]; then
            nix-env -p "$profile" --switch-generation "$(generation "$previous_link")" || rc=1
            if [ "$mode" = set ]; then
              nix-env -p "$profile" --delete-generations "$(generation "$new_link")" || rc=1
            fi
          fi
          back=$previous_system
          case $platform/$goal in nixos/switch|nixos/boot) back=$(readlink -f "$profile") ;; esac
          if [ -n "$back" ]; then
            echo "flotilla: $(describe "$goal") of $back"
            activate "$back" "$goal" || rc=1
          else
            echo "flotilla: there is no previous generation to go back to"
            rc=1
          fi
          if [ $rc = 0 ]; then put outcome rolled-back; else put outcome rollback-failed; fi
          exit 1
        }
        if [ "$mode" = rollback ]; then
          nix-env -p "$profile" --rollback || { put status 1; put outcome failed; exit 1; }
          new_link=$(readlink "$profile")
          system=$(readlink -f "$profile")
        else
          case $platform/$goal in
            nixos/switch|nixos/boot) set_profile=1 ;;
            home-manager/switch) [ -e "$system/gen-version" ] && set_profile=1 ;;
          esac
          if [ -n "${set_profile:-}" ]; then
            mkdir -p "${profile%/*}"
            nix-env -p "$profile" --set "$system" || { put status 1; put outcome failed; exit 1; }
            new_link=$(readlink "$profile")
          fi
        fi
        # What runs now is not what this activation set: another activation came after it.
        superseded() {
          now_system=$(current)
          now_link=
          if [ -n "$new_link" ]; then
            now_link=$(readlink "$profile" 2>/dev/null)
            [ "$(readlink -f "$profile" 2>/dev/null)" != "$system" ] && return 0
          fi
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
        echo "flotilla: $(describe "$run_goal") of $system (previous: ${previous_link:-none})"
        activate "$system" "$run_goal"
        rc=$?
        put status "$rc"
        [ "$rc" = 0 ] || rollback "$(describe "$run_goal") exited with $rc"
        case $goal in boot|dry-activate) put outcome confirmed; exit 0 ;; esac
        deadline=$(( $(date +%s) + timeout ))
        while [ "$(date +%s)" -lt "$deadline" ]; do
          if [ -e "$dir/confirm" ]; then
            superseded && give_way "asked to confirm"
            if [ "$goal" = switch ]; then
              case $platform in
                nixos)
                  echo "flotilla: confirmed; switch-to-configuration boot of $system"
                  "$system/bin/switch-to-configuration" boot || rollback "switch-to-configuration boot exited with $?" ;;
                darwin)
                  if [ "$mode" = set ]; then
                    echo "flotilla: confirmed; $system is the system profile (what the Mac starts at boot)"
                    nix-env -p "$profile" --set "$system" || rollback "setting the system profile exited with $?"
                  fi ;;
              esac
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
    /// A relative activation directory (a home-manager host's, whose user cannot write /run) is
    /// under the login user's home.
    /// </summary>
    private const string ResolveDirectory = """
        case $dir in /*) ;; *) dir=$HOME/$dir ;; esac
        """;

    /// <summary>
    /// Over ssh: $1 dir, $2 watchdog script, then the watchdog's arguments ($7 is the platform).
    /// Starts the watchdog detached from the session (systemd-run on systemd NixOS hosts, else
    /// setsid; on darwin, and where there is no setsid, nohup: macOS has neither), waits until the
    /// activation has finished (and, when it failed, until the rollback has), printing the log as
    /// it grows, then a last line <c>flotilla-activation STATUS OUTCOME</c>.
    /// </summary>
    public const string Launch = """
        umask 077
        dir=$1
        platform=${7:-nixos}
        """ + "\n" + ResolveDirectory + "\n" + """
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
        if [ "$platform" = nixos ] && [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then
          systemd-run --quiet --collect --unit="flotilla-activate-${dir##*/}" --setenv=PATH="$PATH" \
            "$(command -v sh)" "$dir/watchdog.sh" "$dir" "$@" || exit 100
        elif [ "$platform" != darwin ] && command -v setsid >/dev/null 2>&1; then
          setsid sh "$dir/watchdog.sh" "$dir" "$@" </dev/null >/dev/null 2>&1 &
          pid=$!
        else
          nohup sh "$dir/watchdog.sh" "$dir" "$@" </dev/null >/dev/null 2>&1 &
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
        """ + "\n" + ResolveDirectory + "\n" + """
        [ -d "$dir" ] || { echo "flotilla-activation - unknown"; exit 0; }
        [ -e "$dir/outcome" ] || : > "$dir/$2"
        i=0
        while [ ! -e "$dir/outcome" ] && [ $i -lt $(( $3 * 5 )) ]; do sleep 0.2; i=$((i + 1)); done
        cat "$dir/log"
        echo "flotilla-activation - $(cat "$dir/outcome" 2>/dev/null || echo pending)"
        """;
}
