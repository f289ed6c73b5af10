#!/usr/bin/env bash
# Checks the execution environment definition offline: ansible-builder introspects the collection as built
# into build/dist (its meta/execution-environment.yml, requirements.txt, bindep.txt) and must find its Python
# and system requirements; then ansible-builder validates that file and docs/execution-environment.yml (the
# example for users) and writes their build contexts.
# Expects the gate tools on PATH and the tarball from tests/gates/galaxy_check.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$PWD/build/ee"
rm -rf "$work"
mkdir -p "$work/collections"
tarball="$(ls build/dist/akops-authentik-*.tar.gz)"
ANSIBLE_COLLECTIONS_PATH="$work/collections" ansible-galaxy collection install --offline --force -p "$work/collections" "$tarball" >/dev/null

ansible-builder introspect --sanitize "$work/collections" >"$work/introspect.txt"
cat "$work/introspect.txt"
python - "$work/introspect.txt" <<'PY'
import sys
import yaml

data = yaml.safe_load(open(sys.argv[1]))
python = " ".join(data.get("python") or [])
system = " ".join(data.get("system") or [])
missing = [name for name, text in (("requests", python), ("ca-certificates", system)) if name not in text]
if missing or "akops.authentik" not in python:
    sys.exit("ansible-builder did not find the collection's requirements: %s" % missing)
PY

# The collection's own file must also be a valid version 3 definition on its own, with the paths it names
# resolved the way ansible-builder resolves them for a collection (relative to the collection root).
mkdir -p "$work/collection-definition"
cp meta/execution-environment.yml requirements.txt bindep.txt "$work/collection-definition/"
ansible-builder create --file "$work/collection-definition/execution-environment.yml" \
  --context "$work/collection-definition/context" --output-filename Containerfile >/dev/null
test -s "$work/collection-definition/context/_build/requirements.txt"

cp docs/execution-environment.yml "$work/"
ansible-builder create --file "$work/execution-environment.yml" --context "$work/context" --output-filename Containerfile >"$work/create.txt"
test -s "$work/context/Containerfile" || { cat "$work/create.txt"; echo "no build context written" >&2; exit 1; }
grep -q "akops/authentik" "$work/context/_build/requirements.yml"
echo "execution environment: requirements found, definition valid"
