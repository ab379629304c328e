#!@bb@ sh
# activate of a lab darwin-like system, as nix-darwin's: run as root, it activates the system
# (here: starts, restarts and stops the host's lab services) and links /run/current-system to it.
# With checkActivation=1 (darwin-rebuild check) it only checks: it says what it would do.
# Every run is recorded in /nix/var/lab/activations, so tests see which activation ran.
bb=@bb@
self=$($bb readlink -f "$($bb dirname "$0")")
if [ "$($bb id -u)" != 0 ]; then
  echo "error: activate must be run as root" >&2
  exit 2
fi
$bb mkdir -p /nix/var/lab
if [ "${checkActivation:-0}" = 1 ]; then
  echo "check $self" >> /nix/var/lab/activations
  "$self/libexec/lab-activate" dry-activate
  echo ok >&2
  exit 0
fi
echo "activate $self" >> /nix/var/lab/activations
exec "$self/libexec/lab-activate" test
