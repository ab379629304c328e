#!/bin/sh
# The entrypoint of the lab's stand-in images (busybox only, no Nix): serves every port in
# $LAB_PORTS the way lab services do. HTTP ports ($LAB_KIND http, the default) answer any path
# with 200 while healthy, 500 while unhealthy ($LAB_HEALTH, /data/lab-unhealthy, or the file /tmp/lab-unhealthy that
# the lab's container-unhealthy fault writes), 200 after 5 s while slow; TCP ports answer a line.
# $LAB_HEALTH crash exits at start (a container that keeps dying). Run as `serve.sh` (start) or
# `serve.sh handle` (one connection, from nc -e).
if [ "${1:-}" = handle ]; then
  cr=$(printf '\r')
  health=${LAB_HEALTH:-healthy}
  [ -e /tmp/lab-unhealthy ] && health=unhealthy
  # Bad data makes it unhealthy too: a volume mounted at /data holding lab-unhealthy (a restore
  # of a snapshot that should not have been restored).
  [ -e /data/lab-unhealthy ] && health=unhealthy
  if [ "${LAB_KIND:-http}" = tcp ]; then
    echo "${LAB_NAME:-container} version ${LAB_VERSION:-1}"
    exit 0
  fi
  read -r request
  n=0
  while [ $n -lt 100 ] && read -r header; do
    case "$header" in "" | "$cr") break ;; esac
    n=$((n + 1))
  done
  case "$health" in
    slow) sleep 5; status="200 OK" ;;
    unhealthy) status="500 Internal Server Error" ;;
    *) status="200 OK" ;;
  esac
  body="${LAB_NAME:-container} version ${LAB_VERSION:-1}: $health"
  printf 'HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s\n' \
    "$status" $((${#body} + 1)) "$body"
  exit 0
fi
echo "${LAB_NAME:-container} version ${LAB_VERSION:-1} starting (health ${LAB_HEALTH:-healthy}, ports ${LAB_PORTS:-none})"
if [ "${LAB_HEALTH:-healthy}" = crash ]; then
  echo "${LAB_NAME:-container}: exiting at start (lab health: crash)" >&2
  exit 1
fi
trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM INT
for port in ${LAB_PORTS:-}; do
  nc -ll -p "$port" -e /bin/sh /lab/serve.sh handle &
done
# Nothing to serve still runs, as a worker container would.
while :; do sleep 3600 & wait $!; done
