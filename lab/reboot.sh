#!/bin/sh
# Reboots a lab host from inside it, as `systemctl reboot` asks: `sh reboot.sh HOSTDIR`, started
# detached (setsid) by the host's systemctl. Like the lab's reboot fault: every other process of
# the host (everything in its network namespace) is killed, the host gets a new boot id, and this
# process becomes the new init: boot.sh in a fresh mount namespace without the old /run, /nix and
# boot id mounts, which activates the default generation and starts sshd.
set -u
dir=$1
exec < /dev/null >> "$dir/console.log" 2>&1
# Let the session that asked for the reboot return first.
sleep 0.3
echo "reboot: requested from inside the host"
net=$(readlink /proc/self/ns/net)
i=0
while [ $i -lt 100 ]; do
  left=0
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [ "$pid" = "$$" ] && continue
    [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$net" ] || continue
    # A zombie is gone already (the machine's init may reap it late).
    read -r _ _ st _ < "$p/stat" 2>/dev/null || continue
    [ "$st" = Z ] && continue
    kill -KILL "$pid" 2>/dev/null && left=1
  done
  [ $left = 0 ] && break
  sleep 0.05
  i=$((i + 1))
done
cat /proc/sys/kernel/random/uuid > "$dir/boot_id.new" && mv -f "$dir/boot_id.new" "$dir/boot_id"
exec unshare -m -u --propagation private /bin/sh -c '
  for m in /proc/sys/kernel/random/boot_id /etc/nix /etc/passwd /etc/group /root /run /nix; do
    umount -l "$m" 2>/dev/null
  done
  exec /bin/sh "$1" "$2" 0' reboot "${0%/*}/boot.sh" "$dir"
