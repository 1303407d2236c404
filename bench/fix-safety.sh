#!/usr/bin/env bash
# Applies every fix Preflight has (safe and unsafe) to a scratch copy of each corpus
# (bench/corpus.sh), then checks that no changed file gained a syntax error and that fixing
# a second time changes nothing. Prints one line per corpus and the totals.
#
#   bash bench/fix-safety.sh [CORPUS...]      # default: every corpus in bench/.corpora
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpora="$repo/bench/.corpora"
[ -d "$corpora" ] || { echo "no corpora: run bash bench/corpus.sh first" >&2; exit 2; }
cargo build --release -q -p preflight --bin preflight --example reparse --manifest-path "$repo/Cargo.toml"
preflight="$repo/target/release/preflight"
reparse="$repo/target/release/examples/reparse"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

hashes() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }

names=("$@")
[ ${#names[@]} -gt 0 ] || mapfile -t names < <(ls "$corpora")
total_files=0 total_fixes=0 total_changed=0 failures=0
printf '%-16s %8s %8s %8s %8s %s\n' corpus files fixable fixed changed "re-parse / second run"
for name in "${names[@]}"; do
  before="$scratch/$name.before" work="$scratch/$name"
  cp -r "$corpora/$name" "$before"
  cp -r "$corpora/$name" "$work"
  files=$(cd "$work" && "$preflight" check --no-cache . --format json --fail-on error 2>/dev/null \
    | python3 -c 'import json,sys; d=json.load(sys.stdin)["diagnostics"]; print(len({x["path"] for x in d}), sum(x["fixable"] for x in d))') || true
  read -r with_findings fixable <<<"$files"
  summary=$(cd "$work" && "$preflight" check --no-cache . --fix --unsafe-fixes --fail-on error 2>&1 | grep -E '^Fixed ' || true)
  fixed=$(grep -oE '[0-9]+' <<<"${summary:-Fixed 0}" | head -1)
  { diff <(hashes "$before") <(hashes "$work") || true; } | awk '/^>/ {print $3}' | sed 's|^\./||' | sort -u > "$scratch/changed"
  changed=$(wc -l < "$scratch/changed")
  while read -r path; do
    [ -f "$before/$path" ] && printf '%s\t%s\n' "$before/$path" "$work/$path"
  done < "$scratch/changed" > "$scratch/pairs"
  verdict="ok"
  if ! "$reparse" < "$scratch/pairs" > "$scratch/reparse.out"; then
    verdict="NEW SYNTAX ERRORS"; failures=$((failures + 1)); cat "$scratch/reparse.out" >&2
  fi
  hashes "$work" > "$scratch/once"
  (cd "$work" && "$preflight" check --no-cache . --fix --unsafe-fixes --fail-on error > /dev/null 2>&1 || true)
  if ! diff -q "$scratch/once" <(hashes "$work") > /dev/null; then
    verdict="$verdict, SECOND RUN CHANGED FILES"; failures=$((failures + 1))
    diff "$scratch/once" <(hashes "$work") >&2 || true
  else
    verdict="$verdict / unchanged"
  fi
  printf '%-16s %8s %8s %8s %8s %s\n' "$name" "$with_findings" "$fixable" "$fixed" "$changed" "$verdict"
  total_files=$((total_files + with_findings)) total_fixes=$((total_fixes + fixed))
  total_changed=$((total_changed + changed))
  rm -rf "$before" "$work"
done
echo "total: $total_files files with findings, $total_fixes fixes applied, $total_changed files changed, $failures failures"
[ "$failures" -eq 0 ]
