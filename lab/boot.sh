#!/bin/sh
# Boots one lab host. Runs as `ip netns exec NS unshare -m -u --propagation private sh boot.sh DIR
# DELAY`: gives the host its own /nix (DIR/root/nix), /run (a tmpfs) and boot id, activates the
# default system as NixOS's stage 2 would, starts sshd after DELAY seconds and then stays as the
# process that holds the host's namespaces.
set -u
dir=$1
sshd_delay=${2:-0}
exec < /dev/null >> "$dir/console.log" 2>&1
echo "$$" > "$dir/init.pid"
echo "booting, boot id $(cat "$dir/boot_id")"
mount --make-rprivate /
mount --bind "$dir/root/nix" /nix || exit 1
mount -t tmpfs -o mode=755,size=64m lab-run /run || exit 1
mount --bind "$dir/boot_id" /proc/sys/kernel/random/boot_id || exit 1
mkdir -p "$dir/home" && mount --bind "$dir/home" /root || exit 1
# The host's own /etc/nix: the machine's nix.conf (if any) and two lines. A lab host has no
# internet: its Nix asks no binary cache (a copy with substitutes on the destination would
# otherwise wait for cache.nixos.org to time out). And it builds without Nix's sandbox: the host's
# /proc has its boot id mounted over a file, so the kernel refuses the sandbox a fresh /proc
# ("mounting /proc: Operation not permitted") once build users make Nix sandbox.
mkdir -p "$dir/etc-nix" /etc/nix || exit 1
{ [ -f /etc/nix/nix.conf ] && cat /etc/nix/nix.conf; echo "substituters ="; echo "sandbox = false"; } > "$dir/etc-nix/nix.conf"
mount --bind "$dir/etc-nix" /etc/nix || exit 1
mkdir -p /run/sshd /run/lab/faults /run/lab/services /nix/var/nix/profiles /nix/var/lab
# nixos (the default), darwin or home-manager: how the host's system or generation is activated.
platform=$(cat "$dir/platform" 2>/dev/null || echo nixos)
# A home-manager host's user exists only in the host's own /etc/passwd ("NAME UID HOME" in DIR/user).
# It owns the host's Nix store, as in a single-user install, and the lab's service and fault state.
if [ -f "$dir/user" ]; then
  read -r user uid home < "$dir/user"
  mount --bind "$dir/passwd" /etc/passwd || exit 1
  mount --bind "$dir/group" /etc/group || exit 1
  mkdir -p "$home"
  chown -R "$uid:$uid" /nix "$home" /run/lab/faults /run/lab/services || exit 1
fi
as_user() {
  if [ -z "${uid:-}" ]; then
    env -i HOME=/root USER=root LOGNAME=root PATH=/usr/local/bin:/usr/bin:/bin "$@"
  else
    setpriv --reuid "$uid" --regid "$uid" --clear-groups \
      env -i HOME="$home" USER="$user" LOGNAME="$user" PATH=/usr/local/bin:/usr/bin:/bin "$@"
  fi
}
if [ -d "$dir/containers" ]; then
  # A host that runs containers: its own podman storage and configuration (registries.conf sends
  # the inventory's registries to the lab's), and the cgroup hierarchies that `ip netns exec`'s
  # fresh /sys lacks (runc needs them).
  mkdir -p "$dir/containers/storage" /var/lib/containers /etc/containers || exit 1
  mount --bind "$dir/containers/storage" /var/lib/containers || exit 1
  mount --bind "$dir/containers/etc" /etc/containers || exit 1
  if ! grep -q ' /sys/fs/cgroup[/ ]' /proc/self/mountinfo; then
    if [ "$(grep -vc '^0::' /proc/self/cgroup)" = 0 ]; then
      mount -t cgroup2 lab-cgroup2 /sys/fs/cgroup || echo "boot: cgroup2 not mounted"
    else
      mount -t tmpfs -o mode=755 lab-cgroup /sys/fs/cgroup || exit 1
      while IFS=: read -r id controllers path; do
        case "$controllers" in
          "") ;; # hybrid: runc uses the v1 hierarchies
          name=*) mkdir -p "/sys/fs/cgroup/${controllers#name=}" && mount -t cgroup -o "none,$controllers" cgroup "/sys/fs/cgroup/${controllers#name=}" ;;
          *) mkdir -p "/sys/fs/cgroup/$controllers" && mount -t cgroup -o "$controllers" cgroup "/sys/fs/cgroup/$controllers" ;;
        esac || echo "boot: cgroup $controllers not mounted"
      done < /proc/self/cgroup
    fi
  fi
  # Containers whose restart policy says so start at boot, as podman-restart.service does.
  podman start --all --filter restart-policy=always >/dev/null 2>&1 &
fi
# `systemctl reboot` (and `reboot`) on the host run this: reboot.sh, beside this script, does
# what the lab's reboot fault does, from inside the host.
printf '#!/bin/sh\nexec /bin/sh %s %s\n' "${0%/*}/reboot.sh" "$dir" > /run/lab/reboot
chmod +x /run/lab/reboot
case $platform in
  home-manager)
    # Not a system: the user's home-manager generation is activated again (as a login starts the
    # user's agents); the first boot activates the initial generation the legacy way, so that it
    # links itself into the user's home-manager profile, as a first `home-manager switch` does.
    hostname "$(cat "$dir/hostname")"
    profile=$(as_user sh -c 'for p in "$HOME/.local/state/nix/profiles/home-manager" "/nix/var/nix/profiles/per-user/$USER/home-manager"; do [ -e "$p" ] && { echo "$p"; break; }; done')
    if [ -z "$profile" ]; then
      as_user "$(cat "$dir/initial-system")/activate" || echo "boot: activating the initial home-manager generation failed"
    else
      as_user "$profile/activate" --driver-version 1 || echo "boot: activating $profile failed"
    fi ;;
  darwin)
    # A Mac boots what its system profile names (nix-darwin's activate-system daemon reads the
    # profile's systemConfig); the lab runs that system's activate.
    if [ ! -e /nix/var/nix/profiles/system ]; then
      nix-env -p /nix/var/nix/profiles/system --set "$(cat "$dir/initial-system")" || exit 1
    fi
    system=$(cat /nix/var/nix/profiles/system/systemConfig)
    hostname "$(cat "$system/hostname")"
    "$system/activate" || echo "boot: activating $system failed" ;;
  *)
    if [ ! -e /nix/var/nix/profiles/system ]; then
      # First boot: install the initial system as generation 1 and make it the boot default.
      nix-env -p /nix/var/nix/profiles/system --set "$(cat "$dir/initial-system")" || exit 1
      ln -sfn "$(readlink -f /nix/var/nix/profiles/system)" /nix/var/lab/default-system
    fi
    if [ -e /nix/var/lab/default-system ]; then
      system=$(readlink -f /nix/var/lab/default-system)
    else
      system=$(readlink -f /nix/var/nix/profiles/system)
    fi
    hostname "$(cat "$system/hostname")"
    ln -sfn "$system" /run/booted-system
    "$system/bin/switch-to-configuration" test || echo "boot: activating $system failed" ;;
esac
# Programs the host starts at every boot, as systemd starts enabled units (Lab.InstallBootUnitAsync:
# a test's agent): DIR/units/NAME, each detached, its output in DIR/units/NAME.log.
for unit in "$dir"/units/*; do
  case $unit in *.log) continue ;; esac
  [ -x "$unit" ] && setsid "$unit" < /dev/null >> "$unit.log" 2>&1 &
done
[ "$sshd_delay" = 0 ] || sleep "$sshd_delay"
if [ -e "$dir/boot-hangs" ]; then
  # The lab fault boot-hangs: the host never comes back (no sshd) until healed.
  echo "boot: hangs (lab fault boot-hangs)"
  exec sleep infinity
fi
/usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log" || echo "boot: sshd did not start"
exec sleep infinity
