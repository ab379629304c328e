#!@bb@ sh
# systemd-run for a lab host whose configuration says "init": "systemd": runs the command as a
# transient unit, detached from the caller (the SSH session), as systemd-run without --wait or
# --pty does. Records the unit in /run/lab/units/UNIT.{cmd,pid} (what `systemctl status` would
# show). With /run/lab/faults/unit-dies, the unit is killed before its command runs. Only the options Flotilla and people commonly pass are understood; others are refused,
# so a new option in the product shows up in the lab tests.
bb=@bb@
unit=
while [ $# -gt 0 ]; do
  case "$1" in
    --unit=*) unit=${1#--unit=} ;;
    -u | --unit) shift; unit=${1:-} ;;
    --setenv=*) export "${1#--setenv=}" ;;
    -E | --setenv) shift; export "${1:-}" ;;
    -q | --quiet | --collect | -G | --no-block) ;;
    -p | --property) shift ;;
    --property=* | --description=*) ;;
    --) shift; break ;;
    -*) echo "systemd-run (lab): option $1 is not supported" >&2; exit 1 ;;
    *) break ;;
  esac
  shift
done
[ $# -gt 0 ] || { echo "systemd-run: a command is needed" >&2; exit 1; }
[ -d /run/systemd/system ] || { echo "System has not been booted with systemd as init system (PID 1). Can't operate." >&2; exit 1; }
unit=${unit:-run-u$$}
$bb mkdir -p /run/lab/units
if [ -e "/run/lab/units/$unit.cmd" ]; then
  echo "Failed to start transient service unit: Unit $unit.service was already loaded or has a fragment file." >&2
  exit 1
fi
echo "$*" > "/run/lab/units/$unit.cmd"
if [ -e /run/lab/faults/unit-dies ]; then
  # Lab fault: the unit is killed as it starts (the OOM killer, say), before its command runs.
  $bb setsid $bb sh -c 'kill -KILL $$' < /dev/null > /dev/null 2>&1 &
else
  $bb setsid "$@" < /dev/null > /dev/null 2>&1 &
fi
echo $! > "/run/lab/units/$unit.pid"
