#!/usr/bin/env bash
# Runs examples/demo.yml three times: it creates a group and a user (changed), finds both up to date (ok), then shows
# with --check --diff what a new email would change, without writing. Uses the server named by
# AUTHENTIK_URL and AUTHENTIK_TOKEN when both are set, else starts the local authentik API server.
set -euo pipefail
cd "$(dirname "$0")/.."

export ANSIBLE_COLLECTIONS_PATH="$PWD/build/collections"
ANSIBLE_PYTHON_INTERPRETER="$(command -v python)"
export ANSIBLE_PYTHON_INTERPRETER
export ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0

if [ -z "${AUTHENTIK_URL:-}" ] || [ -z "${AUTHENTIK_TOKEN:-}" ]; then
  state=build/demo
  mkdir -p "$state"
  rm -f "$state/url"
  export AUTHENTIK_TOKEN="demo-token-$RANDOM$RANDOM"
  python -m tests.server --host 127.0.0.1 --port 0 --token "$AUTHENTIK_TOKEN" \
    --url-file "$state/url" --pid-file "$state/pid" >"$state/server.log" 2>&1 &
  server_pid=$!
  trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
  # Ready in well under a second on an idle machine; a busy one gets up to two minutes.
  ready_timeout=${DEMO_SERVER_TIMEOUT:-120}
  started=$SECONDS
  until [ -s "$state/url" ]; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "the local authentik server exited before it was ready; its log ($state/server.log):" >&2
      cat "$state/server.log" >&2
      exit 1
    fi
    if [ $((SECONDS - started)) -ge "$ready_timeout" ]; then
      echo "the local authentik server was not ready after ${ready_timeout}s; its log ($state/server.log):" >&2
      cat "$state/server.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  AUTHENTIK_URL="$(cat "$state/url")"
  export AUTHENTIK_URL
  echo "== local authentik API server at $AUTHENTIK_URL"
fi

play() { ansible-playbook -i localhost, -c local examples/demo.yml "$@"; }

echo "== 1. first run: creates the group and the user (changed)"
play
echo "== 2. second run: nothing to do (ok, one request per task)"
play
echo "== 3. audit with --check --diff: what a new email would change, nothing written"
play --check --diff -e demo_email=jane@example.org
