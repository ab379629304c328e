#!@bb@ sh
# activate of a lab home-manager generation, as home-manager's: run as the user @user@ (it checks
# USER, as home-manager does), it starts, restarts and stops the user's lab services and records
# the run in ~/.local/state/lab/activations. Called with --driver-version 1, the caller manages the
# home-manager profile; without it (driver version 0, the legacy behaviour) it links this
# generation into the user's home-manager profile itself. DRY_RUN=1 only says what it would do.
bb=@bb@
self=$($bb readlink -f "$($bb dirname "$0")")
driver=0
while [ $# -gt 0 ]; do
  case $1 in
    --driver-version) driver=$2; shift 2 ;;
    *) echo "$0: unknown option '$1'" >&2; exit 1 ;;
  esac
done
if [ "${USER:-}" != "@user@" ]; then
  echo "Error: USER is set to \"${USER:-}\" but we expect \"@user@\"" >&2
  exit 1
fi
state=${XDG_STATE_HOME:-$HOME/.local/state}
$bb mkdir -p "$state/lab"
if [ -n "${DRY_RUN:-}" ]; then
  echo "dry-run $self as $($bb id -un)" >> "$state/lab/activations"
  export LAB_CURRENT=
  exec "$self/libexec/lab-activate" dry-activate
fi
echo "activate $self driver $driver as $($bb id -un)" >> "$state/lab/activations"
if [ "$driver" = 0 ]; then
  if [ -d "$state/nix/profiles" ]; then profiles=$state/nix/profiles
  elif [ -d "/nix/var/nix/profiles/per-user/$USER" ]; then profiles=/nix/var/nix/profiles/per-user/$USER
  else $bb mkdir -p "$state/nix/profiles"; profiles=$state/nix/profiles; fi
  if [ "$($bb readlink -f "$profiles/home-manager")" != "$self" ]; then
    echo "Creating profile generation"
    nix-env --profile "$profiles/home-manager" --set "$self" || exit 1
  fi
fi
$bb mkdir -p "$state/home-manager/gcroots"
$bb ln -sfn "$self" "$state/home-manager/gcroots/current-home"
export LAB_CURRENT=
exec "$self/libexec/lab-activate" test
