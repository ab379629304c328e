#!/usr/bin/env bash
# Installs what is needed, builds everything with warnings as errors, and runs every test.
# Lab tests (network namespaces, sshd, nix) run when FLOTILLA_LAB_TESTS=1, as CI sets it; there
# they fail, never skip, when the lab cannot be created.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/setup.sh
dotnet build Flotilla.slnx -c Release --nologo -v quiet

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
# The browser tests save each dashboard page at desktop and phone width here.
export FLOTILLA_SCREENSHOTS="$results/screenshots"
status=0
dotnet test Flotilla.slnx -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" 2>&1 | tee "$results/console.log" || status=$?

# One closing line a person (and CI) can read: the sum over every test project.
passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  counters="$(grep -o '<Counters [^>]*' "$trx" | head -n 1)"
  count() { local v; v="$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters")"; echo "${v:-0}"; }
  passed=$((passed + $(count passed)))
  failed=$((failed + $(count failed) + $(count error) + $(count timeout)))
  skipped=$((skipped + $(count notExecuted)))
done
# The failed tests by name, so the last lines of a CI log say which ones.
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  grep -o '<UnitTestResult [^>]*outcome="\(Failed\|Error\|Timeout\)"[^>]*' "$trx" \
    | sed -n 's/.* testName="\([^"]*\)".*/failed: \1/p' || true
done
# And why: each failure's message, its first 8 and last 12 lines when longer, since a CI log keeps
# only its tail (an assertion's own words often come after the output it quotes), and where it
# failed: the first source line of its stack trace.
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  awk '
    function show(   i) {
      print "why " name ":"
      for (i = 1; i <= count; i++) {
        if (count > 20 && i == 9) { print "  [" (count - 20) " lines left out]"; i = count - 12; continue }
        print "  " lines[i]
      }
    }
    /<UnitTestResult / { failing = ($0 ~ /outcome="(Failed|Error|Timeout)"/); if (failing) { name = $0; sub(/.* testName="/, "", name); sub(/".*/, "", name) } }
    failing && /<Message>/ { inside = 1; count = 0 }
    inside { line = $0; sub(/.*<Message>/, "", line); sub(/<\/Message>.*/, "", line); lines[++count] = line }
    inside && /<\/Message>/ { inside = 0; show(); where = 1 }
    where && / in .*:line [0-9]+/ { line = $0; sub(/.* in /, "", line); sub(/<\/StackTrace>.*/, "", line); print "  at " line; where = 0; failing = 0 }
    where && /<\/StackTrace>/ { where = 0; failing = 0 }
  ' "$trx" || true
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
