#!/usr/bin/env bash
# Builds the module reference (HTML) from the installed collection's own DOCUMENTATION with antsibull-docs and
# Sphinx, warnings being errors. Expects the gate tools on PATH and ANSIBLE_COLLECTIONS_PATH pointing at the
# collection installed by `make install`. Output: build/docs/html/index.html.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="$PWD/build/docs"
rm -rf "$out"
# antsibull-docs writes only into a directory that nobody else can write to.
mkdir -p "$out/rst"
chmod 700 "$out" "$out/rst"
antsibull-docs --config-file docs/sphinx/antsibull-docs.cfg collection --use-current --squash-hierarchy \
  --fail-on-error --cleanup everything --dest-dir "$out/rst" akops.authentik
sphinx-build -q -W --keep-going -b html -c docs/sphinx "$out/rst" "$out/html"
echo "module reference: $out/html/index.html"
