#!/usr/bin/env bash
# Seeds every fuzz target's corpus (fuzz/corpus/<target>/) from the rule fixtures.
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../tests/fixtures
corpus=corpus

seed() { # target, file, [prefix byte as \xNN]
  local dir="$corpus/$1" name
  mkdir -p "$dir"
  name=$(printf '%s' "$2" | cksum | cut -d' ' -f1)
  { if [ -n "${3:-}" ]; then printf "$3"; fi; cat "$2"; } > "$dir/seed-$name"
}

while IFS= read -r -d '' file; do
  case "$file" in
    *.tsx) seed engine_tsx "$file"; seed document "$file"; seed suppress "$file" '\x01' ;;
    *.ts) seed engine_typescript "$file"; seed engine_tsx "$file"; seed document "$file"
      seed suppress "$file" '\x00' ;;
    *.js|*.mjs|*.cjs) seed engine_javascript "$file"; seed document "$file"
      seed suppress "$file" '\x02' ;;
    *.py) seed engine_python "$file"; seed document "$file"; seed suppress "$file" '\x03' ;;
    */Dockerfile*|*.Dockerfile) seed engine_dockerfile "$file"; seed document "$file"
      seed suppress "$file" '\x04' ;;
    */preflight.toml|*/.preflight.toml) seed config "$file" '\x00' ;;
    */pyproject.toml) seed config "$file" '\x02' ;;
  esac
done < <(find "$fixtures" -type f -size -64k -print0)

# A project: every file of one fixture case, as NUL-separated "path\ncontents" records.
mkdir -p "$corpus/project"
while IFS= read -r -d '' case; do
  out="$corpus/project/seed-$(printf '%s' "$case" | cksum | cut -d' ' -f1)"
  first=1
  : > "$out"
  while IFS= read -r -d '' file; do
    [ "$first" = 1 ] || printf '\0' >> "$out"
    first=0
    printf '%s\n' "${file#"$case"/}" >> "$out"
    tr -d '\0' < "$file" >> "$out"
  done < <(find "$case" -type f -size -16k -print0 | sort -z | head -z -n 12)
done < <(find "$fixtures" -mindepth 2 -maxdepth 2 -type d -print0)

for dir in "$corpus"/*; do
  echo "$(basename "$dir"): $(find "$dir" -type f | wc -l) seeds"
done
