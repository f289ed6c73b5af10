#!/usr/bin/env bash
# ansible-test sanity as a collection developer runs it: from a copy of the collection laid out under
# ansible_collections/akops/authentik, with --venv, on every Python that ansible-test supports and finds.
# Usage: tests/gates/sanity.sh ANSIBLE_TEST [extra ansible-test arguments]
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
ansible_test="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
shift

# ansible-test --venv fetches a get-pip script from a file server this may not reach; it uses a cached copy
# first, so a stand-in that bootstraps pip with ensurepip goes there (a real cached script is left alone).
pip_version="$("$(dirname "$ansible_test")/python" - <<'PY'
import re, ansible_test._internal.python_requirements as r, inspect
print(re.search(r"pip='([0-9.]+)'", inspect.getsource(r.get_venv_packages)).group(1))
PY
)"
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
mkdir -p "$(dirname "$cache")"
if [ ! -e "$cache" ] || grep -q "Stand-in for the get-pip script" "$cache"; then
  cp tests/gates/get_pip_standin.py "$cache"
fi

# Every Python that pyenv provides goes last on PATH, so ansible-test finds each pythonX.Y.
for bin in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/*/bin; do
  [ -d "$bin" ] && PATH="$PATH:$bin"
done
export PATH

# ansible-test must run from a real directory named ansible_collections/NAMESPACE/NAME.
dest="$root/build/sanity/ansible_collections/akops/authentik"
# ansible-test keeps its venvs in tests/output; keeping that folder makes later runs fast.
rm -rf "$dest.output"
[ -d "$dest/tests/output" ] && mv "$dest/tests/output" "$dest.output"
rm -rf "$dest"
mkdir -p "$dest/tests"
[ -d "$dest.output" ] && mv "$dest.output" "$dest/tests/output"
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$root" ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$dest"
  git -C "$dest" init -q && git -C "$dest" add -A
else
  tar --exclude=./build --exclude='./.venv*' --exclude=./tests/output --exclude=.pytest_cache \
    --exclude=.hypothesis --exclude=__pycache__ --exclude='*.pyc' --exclude='*.tar.gz' -cf - . | tar -xf - -C "$dest"
fi

cd "$dest"
"$ansible_test" sanity --venv --color no "$@"
