#!/bin/sh
# trace.dat read natively versus trace-cmd report, on the same file in the same run.
# Usage: bench/tracedat/run.sh FILE.dat...   (needs trace-cmd; run from the repository root)
# Prints wall seconds and peak RSS of: trace-cmd report alone (> /dev/null), trace-cmd report to
# a text file then `memforensics analyze` of the text (what users did before), and
# `memforensics analyze FILE.dat` (native). memforensics runs from its TypeScript sources through
# tsx (about 1 s of start-up included in its figures).
set -eu
T=$(mktemp -d)
run() { # label, command...
  label=$1; shift
  /usr/bin/time -f "%e %M" -o "$T/time" "$@" > /dev/null 2> "$T/err" || true
  set -- $(cat "$T/time")
  printf '| %s | %s | %d |\n' "$label" "$1" $(( $2 / 1024 ))
}
for f in "$@"; do
  echo "## $f ($(du -m "$f" | cut -f1) MiB, $(uptime | sed 's/.*load average: //') load)"
  echo '| variant | wall s | peak RSS MiB |'
  echo '|---|---:|---:|'
  run 'trace-cmd report -i X.dat > /dev/null' trace-cmd report -i "$f"
  run 'trace-cmd report -i X.dat > X.txt' sh -c "trace-cmd report -i '$f' > '$T/x.txt'"
  run 'memforensics analyze X.txt --json' npx tsx src/cli/main.ts analyze "$T/x.txt" --json
  run '**memforensics analyze X.dat --json**' npx tsx src/cli/main.ts analyze "$f" --json
  echo "text: $(du -m "$T/x.txt" | cut -f1) MiB"
  rm -f "$T/x.txt"
done
rm -rf "$T"
