#!@bb@ sh
# Lab service @name@ on @host@ (@kind@ on port @port@, configured health: @health@).
bb=@bb@
here=$($bb dirname "$($bb dirname "$0")")
# A service that takes time to start (a database recovering, a JVM): ready only afterwards, and
# switch-to-configuration waits for the ready file ($LAB_READY), as systemd waits for a start job.
if [ "@startup@" -gt 0 ]; then
  $bb sleep "@startup@"
fi
[ -n "${LAB_READY:-}" ] && $bb touch "$LAB_READY"
case "@health@" in
  crash)
    echo "@name@: exiting at start (lab health: crash)" >&2
    exit 1 ;;
  unhealthy)
    if [ "@kind@" = unit ]; then
      echo "@name@: failing (lab health: unhealthy)" >&2
      exit 1
    fi
    if [ "@kind@" = tcp ]; then
      # Alive but not listening: connections are refused.
      exec $bb sleep 2147483647
    fi ;;
esac
if [ "@kind@" = unit ]; then
  # A unit that only has to run: systemctl is-active answers for it.
  exec $bb sleep 2147483647
fi
exec $bb nc -ll -p @port@ -e "$here/handler"
