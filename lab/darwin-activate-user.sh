#!@bb@ sh
# activate-user of a lab darwin-like system, as nix-darwin's before 25.05: the part of the
# activation that runs as the user (darwin-rebuild ran it before activate). It only records that
# it ran, and as whom, in /nix/var/lab/activations.
bb=@bb@
self=$($bb readlink -f "$($bb dirname "$0")")
$bb mkdir -p /nix/var/lab
echo "activate-user $self as $($bb id -un)" >> /nix/var/lab/activations
