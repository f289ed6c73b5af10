#!/usr/bin/env bash
# Builds the collection tarball into build/dist, checks that it holds what a user needs and nothing else,
# and runs galaxy-importer on it (offline, without its Docker-based ansible-test step), failing on any
# warning or error it prints. Expects the gate tools on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
dist="$PWD/build/dist"
rm -rf "$dist"
mkdir -p "$dist"
ansible-galaxy collection build --output-path "$dist" . >/dev/null
tarball="$(ls "$dist"/akops-authentik-*.tar.gz)"
listing="$dist/contents.txt"
tar -tzf "$tarball" | sed 's,/$,,' | sort >"$listing"

status=0
# Anything a developer has but a user does not need.
forbidden='^(tests|build|\.ci|\.git|\.venv[^/]*|\.pytest_cache|\.hypothesis|\.cache|changelogs/fragments)(/|$)|(^|/)__pycache__(/|$)|\.pyc$|\.tar\.gz$|^(Makefile|pytest\.ini|\.gitignore|\.ansible-lint|\.yamllint)$'
if grep -E "$forbidden" "$listing"; then
  echo "the tarball holds the files above, which users do not need" >&2
  status=1
fi
required="MANIFEST.json FILES.json README.md meta/runtime.yml meta/execution-environment.yml requirements.txt
bindep.txt changelogs/changelog.yaml awx/credential_type.yml plugins/doc_fragments/authentik.py"
for module in plugins/modules/*.py plugins/module_utils/*.py; do required="$required $module"; done
for path in $required; do
  grep -qx "$path" "$listing" || { echo "missing from the tarball: $path" >&2; status=1; }
done

report="$dist/importer"
mkdir -p "$report"
(cd "$report" && python -m galaxy_importer.main "$tarball" >log.txt 2>&1) || status=1
if grep -E '^(WARNING|ERROR)' "$report/log.txt"; then
  echo "galaxy-importer reported the problems above" >&2
  status=1
fi
[ "$status" = 0 ] && echo "tarball $(basename "$tarball"): $(wc -l <"$listing") entries, galaxy-importer clean"
exit "$status"
