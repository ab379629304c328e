#!@bb@ sh
# Lab container service @name@: runs its container as NixOS's podman-NAME.service does, attached
# (`podman run --rm --replace ...`): the service is running while the container is, and stopping
# the service (TERM to its process group) stops the container. The arguments come one per line
# from the closure's podman-args; no shell parses them. The lab's configured health of the
# service (@health@), when it is not healthy, reaches the stand-in image as LAB_HEALTH.
bb=@bb@
here=$($bb dirname "$($bb dirname "$0")")
[ -n "${LAB_READY:-}" ] && $bb touch "$LAB_READY"
set --
while IFS= read -r argument; do set -- "$@" "$argument"; done < "$here/podman-args"
shift
# As NixOS's podman-NAME.service does in its preStart: the container of that name goes first (its
# ports with it), so a restart never races the container it replaces.
for argument; do
  case "$argument" in --name=*) podman rm -f "${argument#--name=}" >/dev/null 2>&1 || true ;; esac
done
# Only a configured fault overrides the image's own health (a new image may bring its own).
if [ "@health@" != healthy ]; then
  exec podman run -e LAB_HEALTH=@health@ "$@"
fi
exec podman run "$@"
