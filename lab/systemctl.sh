#!@bb@ sh
# The lab's systemctl: answers is-active, is-failed, is-enabled, status, show, start, stop, restart, reset-failed, mask, unmask and list-units for the host's lab
# services (units are the service names, with or without ".service"), and reboot: the host's
# init (boot.sh) leaves /run/lab/reboot, which reboots the host the way the lab's reboot fault
# does, detached, so the session that asked can end first.
bb=@bb@
# A process counts as running unless it is gone or a zombie: on the lab's machine, orphans are
# reparented to an init that may reap them late, and kill -0 succeeds on a zombie.
alive() {
  [ -r "/proc/$1/stat" ] || return 1
  read -r _ _ st _ < "/proc/$1/stat" 2>/dev/null || return 1
  [ "$st" != Z ]
}
state=/run/lab/services
quiet=0
command=
units=
for argument; do
  case "$argument" in
    -q | --quiet) quiet=1 ;;
    -*) ;;
    *) if [ -z "$command" ]; then command=$argument; else units="$units $argument"; fi ;;
  esac
done

unit_state() {
  n=${1%.service}
  if [ -f "$state/$n/pid" ] && alive "$($bb cat "$state/$n/pid")"; then
    echo active
  elif [ -e "/run/current-system/services/$n" ] || [ -d "$state/$n" ]; then
    echo failed
  else
    echo inactive
  fi
}

case "$command" in
  is-active | is-failed | status)
    [ -n "$units" ] || { echo "systemctl $command: name a unit" >&2; exit 1; }
    rc=3
    [ "$command" = is-failed ] && rc=1
    all=0
    for u in $units; do
      s=$(unit_state "$u")
      [ "$quiet" = 1 ] || { if [ "$command" = status ]; then echo "${u%.service}.service - lab service: $s"; else echo "$s"; fi; }
      case "$command:$s" in is-active:active | status:active | is-failed:failed) ;; *) all=1 ;; esac
    done
    [ $all = 0 ] && exit 0
    exit $rc ;;
  restart | start | stop)
    # As switch-to-configuration starts and stops services: the service's process group is
    # stopped (TERM, then KILL after 3 s) and its run script started again, detached.
    [ -n "$units" ] || { echo "systemctl $command: name a unit" >&2; exit 1; }
    for u in $units; do
      n=${u%.service}
      [ -e "/run/current-system/services/$n" ] || { echo "Failed to $command $n.service: Unit $n.service not found." >&2; exit 5; }
      if [ "$command" != stop ] && [ -e "$state/$n/masked" ]; then
        echo "Failed to $command $n.service: Unit $n.service is masked." >&2
        exit 1
      fi
      # A unit that hit its start limit (a container that kept dying) is refused until reset-failed, as systemd does.
      if [ "$command" != stop ] && [ "$($bb cat "$state/$n/restarts" 2>/dev/null || echo 0)" -ge 5 ] && [ "$(unit_state "$n")" = failed ]; then
        echo "Job for $n.service failed. Start request repeated too quickly (start-limit-hit): systemctl reset-failed $n.service first" >&2
        exit 1
      fi
      if [ "$command" != start ] && [ -f "$state/$n/pid" ]; then
        pid=$($bb cat "$state/$n/pid")
        $bb kill -TERM -"$pid" 2>/dev/null
        i=0
        while [ $i -lt 30 ] && alive "$pid"; do $bb usleep 100000; i=$((i + 1)); done
        $bb kill -KILL -"$pid" 2>/dev/null
      fi
      [ "$command" = stop ] && continue
      $bb mkdir -p "$state/$n"
      spec=$($bb readlink -f "/run/current-system/services/$n")
      echo "$spec" > "$state/$n/spec"
      $bb setsid "$spec/bin/run" < /dev/null >> "$state/$n/log" 2>&1 &
      echo $! > "$state/$n/pid"
    done ;;
  show)
    # systemd's blocks of Key=value lines, one per unit, separated by a blank line (--property is
    # answered whole: these are the properties Flotilla asks for).
    first=1
    for u in $units; do
      s=$(unit_state "$u")
      n=${u%.service}
      [ $first = 1 ] || echo
      first=0
      load=loaded
      [ "$s" = inactive ] && [ ! -e "/run/current-system/services/$n" ] && load=not-found
      case "$s" in active) sub=running ;; failed) sub=failed ;; *) sub=dead ;; esac
      restarts=$($bb cat "$state/$n/restarts" 2>/dev/null || echo 0)
      printf 'Id=%s.service\nLoadState=%s\nActiveState=%s\nSubState=%s\nNRestarts=%s\nActiveEnterTimestamp=\n' "$n" "$load" "$s" "$sub" "$restarts"
    done ;;
  mask | unmask)
    # Runtime masks only (NixOS's units are in the store): mask --now stops the unit too.
    for u in $units; do
      n=${u%.service}
      [ -e "/run/current-system/services/$n" ] || { echo "Failed to $command unit: Unit $n.service does not exist." >&2; exit 1; }
      $bb mkdir -p "$state/$n"
      if [ "$command" = mask ]; then
        $bb touch "$state/$n/masked"
        echo "Created symlink /run/systemd/system/$n.service -> /dev/null."
        case " $* " in *" --now "*) "$0" stop "$n" ;; esac
      else
        $bb rm -f "$state/$n/masked"
        echo "Removed \"/run/systemd/system/$n.service\"."
      fi
    done ;;
  is-enabled)
    rc=1
    for u in $units; do
      n=${u%.service}
      if [ -e "$state/$n/masked" ]; then echo masked-runtime
      elif [ ! -e "/run/current-system/services/$n" ]; then echo "Failed to get unit file state for $n.service: No such file or directory" >&2; continue
      elif [ -e "/run/current-system/services/$n/no-autostart" ]; then echo disabled
      else echo enabled; rc=0; fi
    done
    exit $rc ;;
  reset-failed)
    # Forgets a failed unit's restarts, so it may be started again.
    for u in $units; do n=${u%.service}; [ -f "$state/$n/restarts" ] && echo 0 > "$state/$n/restarts"; done
    exit 0 ;;
  list-units | "")
    for l in /run/current-system/services/*; do
      [ -e "$l" ] || continue
      n=${l##*/}
      echo "$n.service $(unit_state "$n")"
    done ;;
  reboot)
    [ -x /run/lab/reboot ] || { echo "systemctl reboot: this lab host has no /run/lab/reboot (boot it with the lab's boot.sh)" >&2; exit 1; }
    $bb setsid /run/lab/reboot < /dev/null > /dev/null 2>&1 &
    echo "rebooting"
    exit 0 ;;
  *)
    echo "systemctl $command: not supported in the Flotilla lab" >&2
    exit 1 ;;
esac
