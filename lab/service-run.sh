#!@bb@ sh
# Lab service @name@ on @host@ (@kind@ on port @port@, configured health: @health@).
bb=@bb@
here=$($bb dirname "$($bb dirname "$0")")
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
