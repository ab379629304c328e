#!@bb@ sh
# switch-to-configuration for a Flotilla lab host: starts, restarts and stops the host's lab
# services and moves /run/current-system, like NixOS's script of the same name.
#   switch        activate now and make this system the one booted next
#   boot          make this system the one booted next, activate nothing
#   test          activate now; the next boot still uses the previous default
#   dry-activate  print what switch or test would do
set -u
bb=@bb@
# A process counts as running unless it is gone or a zombie: on the lab's machine, orphans are
# reparented to an init that may reap them late, and kill -0 succeeds on a zombie.
alive() {
  [ -r "/proc/$1/stat" ] || return 1
  read -r _ _ st _ < "/proc/$1/stat" 2>/dev/null || return 1
  [ "$st" != Z ]
}
self=$($bb readlink -f "$($bb dirname "$0")/..")
goal=${1:-}
state=/run/lab/services
faults=/run/lab/faults
boot_entry=/nix/var/lab/default-system
# What the activation links to itself: /run/current-system, or nothing (LAB_CURRENT empty: a
# home-manager generation is no system).
current_link=${LAB_CURRENT-/run/current-system}

case "$goal" in
  switch | boot | test | dry-activate) ;;
  *) echo "usage: $0 switch|boot|test|dry-activate" >&2; exit 100 ;;
esac

if [ "$goal" != dry-activate ] && [ -e "$faults/activation-fails" ]; then
  [ -e "$faults/activation-fails.keep" ] || $bb rm -f "$faults/activation-fails"
  echo "switch-to-configuration: activating $self failed (lab fault activation-fails)" >&2
  exit 1
fi

running() {
  [ -f "$state/$1/pid" ] && alive "$($bb cat "$state/$1/pid")"
}

to_stop=
to_start=
to_restart=
if [ -d "$state" ]; then
  for d in "$state"/*; do
    [ -d "$d" ] || continue
    n=${d##*/}
    [ -e "$self/services/$n" ] || to_stop="$to_stop $n"
  done
fi
for l in "$self"/services/*; do
  [ -e "$l" ] || continue
  n=${l##*/}
  spec=$($bb readlink -f "$l")
  if running "$n"; then
    [ "$($bb cat "$state/$n/spec")" = "$spec" ] || to_restart="$to_restart $n"
  elif [ ! -e "$spec/no-autostart" ] && [ ! -e "$state/$n/masked" ]; then
    # As systemd: a unit nothing wants (a container without autoStart) and a masked unit are not started.
    to_start="$to_start $n"
  fi
done

if [ "$goal" = dry-activate ]; then
  echo "would activate $self"
  for n in $to_stop; do echo "would stop service $n"; done
  for n in $to_restart; do echo "would restart service $n"; done
  for n in $to_start; do echo "would start service $n"; done
  exit 0
fi

if [ "$goal" = switch ] || [ "$goal" = boot ]; then
  $bb mkdir -p "${boot_entry%/*}"
  $bb ln -sfn "$self" "$boot_entry"
fi
if [ "$goal" = boot ]; then
  echo "$self will be activated at the next boot"
  exit 0
fi

started=
stop() {
  if [ -f "$state/$1/pid" ]; then
    pid=$($bb cat "$state/$1/pid")
    $bb kill -TERM -"$pid" 2>/dev/null
    i=0
    while [ $i -lt 30 ] && alive "$pid"; do $bb usleep 100000; i=$((i + 1)); done
    $bb kill -KILL -"$pid" 2>/dev/null
  fi
}

start() {
  $bb mkdir -p "$state/$1"
  spec=$($bb readlink -f "$self/services/$1")
  echo "$spec" > "$state/$1/spec"
  $bb rm -f "$state/$1/ready"
  LAB_READY="$state/$1/ready" $bb setsid "$spec/bin/run" < /dev/null >> "$state/$1/log" 2>&1 &
  echo $! > "$state/$1/pid"
  started="$started $1"
}

# Like systemd's start jobs: services that take time to start are waited for, all at once, for
# their startup time and 10 s more; one that exits meanwhile is not waited for.
wait_started() {
  for n in $started; do
    spec=$($bb cat "$state/$n/spec")
    seconds=$($bb cat "$spec/startup" 2>/dev/null || echo 0)
    [ "$seconds" -gt 0 ] || continue
    i=0
    limit=$(((seconds + 10) * 10))
    while [ $i -lt $limit ] && [ ! -e "$state/$n/ready" ] && alive "$($bb cat "$state/$n/pid")"; do
      $bb usleep 100000
      i=$((i + 1))
    done
    # Ready means listening, for a service with a port: it writes its ready file just before it execs its server.
    [ -f "$spec/port" ] || continue
    hex=$(printf '%04X' "$($bb cat "$spec/port")")
    while [ $i -lt $limit ] && ! $bb grep -qE ":$hex [0-9A-F]+:0000 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null && alive "$($bb cat "$state/$n/pid")"; do
      $bb usleep 100000
      i=$((i + 1))
    done
  done
}

$bb mkdir -p "$state"
if [ -n "$current_link" ]; then
  $bb ln -sfn "$self" "$current_link"
  if [ "$($bb cat "$self/init" 2>/dev/null)" = systemd ]; then
    $bb mkdir -p /run/systemd/system
  else
    $bb rm -rf /run/systemd/system
  fi
fi
for n in $to_stop; do echo "stopping service $n"; stop "$n"; $bb rm -rf "$state/$n"; done
for n in $to_restart; do echo "restarting service $n"; stop "$n"; start "$n"; done
for n in $to_start; do echo "starting service $n"; start "$n"; done
wait_started
echo "activated $self"
