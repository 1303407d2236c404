#!/usr/bin/env bash
# Downloads real codebases from the package registries into bench/.corpora (ignored by git),
# for reviewing rules on real code and for throughput measurements.
#
#   bash bench/corpus.sh            # download what is missing
#   bash bench/corpus.sh --list     # print the corpus folders
#
# Then, for example:
#   cargo build --release -p preflight
#   target/release/preflight check --format json bench/.corpora/django > /tmp/django.json
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.corpora"
mkdir -p "$root"

# name  registry  package==version
corpora=(
  "django         pypi  django==5.2.19"
  "flask          pypi  flask==3.1.2"
  "fastapi        pypi  fastapi==0.121.3"
  "starlette      pypi  starlette==0.50.0"
  "httpx          pypi  httpx==0.28.1"
  "requests       pypi  requests==2.32.5"
  "sentry-sdk     pypi  sentry-sdk==2.45.0"
  "mlflow-skinny  pypi  mlflow-skinny==3.6.0"
  "effect         npm   effect@3.19.6"
  "rxjs           npm   rxjs@7.8.2"
  "express        npm   express@5.1.0"
  "parse-server   npm   parse-server@8.4.0"
  "verdaccio      npm   verdaccio@6.10.4"
  "ghost          npm   ghost@6.65.0"
  "nestjs-core    npm   @nestjs/core@12.5.1"
  "axios          npm   axios@1.21.1"
)

if [[ "${1:-}" == "--list" ]]; then
  for entry in "${corpora[@]}"; do
    read -r name _ _ <<<"$entry"
    echo "$root/$name"
  done
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for entry in "${corpora[@]}"; do
  read -r name registry spec <<<"$entry"
  dest="$root/$name"
  if [[ -d "$dest" ]]; then
    continue
  fi
  echo "fetching $spec" >&2
  work="$tmp/$name"
  mkdir -p "$work"
  case "$registry" in
    pypi)
      if ! python3 -m pip download --quiet --no-deps --no-binary :all: --dest "$work" "$spec" 2>/dev/null; then
        # Some projects publish no source distribution of the version; take the wheel.
        python3 -m pip download --quiet --no-deps --only-binary :all: --dest "$work" "$spec"
      fi
      archive="$(ls "$work")"
      mkdir -p "$dest"
      case "$archive" in
        *.tar.gz) tar -xzf "$work/$archive" -C "$dest" --strip-components=1 ;;
        *.whl | *.zip) python3 -m zipfile -e "$work/$archive" "$dest" ;;
      esac
      ;;
    npm)
      (cd "$work" && npm pack --silent "$spec" >/dev/null)
      mkdir -p "$dest"
      tar -xzf "$work"/*.tgz -C "$dest" --strip-components=1
      ;;
  esac
done
echo "corpora in $root" >&2
