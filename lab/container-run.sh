#!@bb@ sh
# Lab container service @name@: runs its container as NixOS's podman-NAME.service does, attached
# (`podman run --rm --replace ...`): the service is running while the container is, and stopping
# the service (TERM to its process group) stops the container. The arguments come one per line
# from the closure's podman-args; no shell parses them. The lab's configured health of the
# service (@health@), when it is not healthy, reaches the stand-in image as LAB_HEALTH.
#
# As systemd does for these units (Restart=on-failure, or NixOS's always; StartLimitBurst=5): a
# container that ends with an error is run again after a second, at most 5 times since the unit
# was started; then the unit stays failed. The count is the unit's NRestarts (lab systemctl show).
# The lab fault `crashing` (the file /run/lab/container-faults/NAME) makes every run exit at start.
bb=@bb@
here=$($bb dirname "$($bb dirname "$0")")
unit=/run/lab/services/@name@
$bb mkdir -p "$unit"
echo 0 > "$unit/restarts"
[ -n "${LAB_READY:-}" ] && $bb touch "$LAB_READY"
set --
while IFS= read -r argument; do set -- "$@" "$argument"; done < "$here/podman-args"
shift
container=
for argument; do
  case "$argument" in --name=*) container=${argument#--name=} ;; esac
done
# The host directories its volumes bind (not its secrets' files), made as the tmpfiles rules of a
# NixOS configuration that declares such a volume make them (doomlab's `d /var/lib/homebridge`,
# the Dagger module's dataDir): podman refuses a bind mount whose source does not exist.
while IFS= read -r directory; do
  [ -n "$directory" ] && [ ! -e "$directory" ] && $bb mkdir -p "$directory"
done < "$here/directories"
# Stopping the unit (TERM to its group) stops podman run too: then the unit ends, no restart.
trap 'exit 0' TERM INT
restarts=0
while :; do
  # As NixOS's podman-NAME.service does in its preStart: the container of that name goes first
  # (its ports with it), so a restart never races the container it replaces.
  [ -n "$container" ] && { podman rm -f "$container" >/dev/null 2>&1 || true; }
  health=@health@
  [ -n "$container" ] && [ -e "/run/lab/container-faults/$container" ] && health=crash
  # Only a configured fault overrides the image's own health (a new image may bring its own).
  if [ "$health" != healthy ]; then
    podman run -e LAB_HEALTH=$health "$@"
  else
    podman run "$@"
  fi
  code=$?
  [ $code -eq 0 ] && exit 0
  if [ $restarts -ge 5 ]; then
    echo "@name@: start request repeated too quickly, refusing to start (lab StartLimitBurst=5)" >&2
    exit $code
  fi
  restarts=$((restarts + 1))
  echo $restarts > "$unit/restarts"
  $bb sleep 1
done
