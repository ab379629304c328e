#!@bb@ sh
# Answers one HTTP request for lab service @name@ (any path). The health follows the service's
# configuration (@health@) unless a fault marker in /run/lab/faults says unhealthy.
bb=@bb@
cr=$($bb printf '\r')
read -r request
n=0
while [ $n -lt 100 ] && read -r header; do
  case "$header" in "" | "$cr") break ;; esac
  n=$((n + 1))
done
health=@health@
if [ -e /run/lab/faults/unhealthy ] || [ -e /run/lab/faults/unhealthy-@name@ ]; then health=unhealthy; fi
case "$health" in
  slow) $bb sleep 5; status="200 OK" ;;
  unhealthy) status="500 Internal Server Error" ;;
  *) status="200 OK" ;;
esac
body="@name@ on @host@ version @version@: $health"
$bb printf 'HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s\n' \
  "$status" $((${#body} + 1)) "$body"
