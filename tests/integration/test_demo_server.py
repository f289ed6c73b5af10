"""The local server as `make demo` starts it: `python -m tests.server` without --validate.

It must answer authenticated API requests and must not load the authentik-client models (nor pydantic), whose
import is what made start-up take many seconds on a busy machine. The process runs with `-X importtime`, which
lists every module it imports on stderr, over its whole life. No wall-clock time is asserted.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "demo-token-for-tests"
READY_TIMEOUT = 120  # as examples/run-demo.sh: generous, for a loaded machine
HEAVY_MODULES = ("authentik_client", "pydantic")


def get(url, token=None):
    request = urllib.request.Request(url, headers={"Authorization": "Bearer %s" % token} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def imported_modules(importtime_stderr):
    """Module names from `-X importtime` lines: 'import time: self | cumulative | <indent>name'."""
    return {line.rsplit("|", 1)[1].strip() for line in importtime_stderr.splitlines()
            if line.startswith("import time:") and line.count("|") == 2}


def test_demo_server_answers_without_loading_the_client_models(tmp_path):
    url_file, pid_file = tmp_path / "url", tmp_path / "pid"
    stderr_file = tmp_path / "server.log"
    with open(stderr_file, "w") as stderr:
        # The same command line as examples/run-demo.sh, plus -X importtime.
        process = subprocess.Popen(
            [sys.executable, "-X", "importtime", "-m", "tests.server", "--host", "127.0.0.1", "--port", "0",
             "--token", TOKEN, "--url-file", str(url_file), "--pid-file", str(pid_file)],
            cwd=str(ROOT), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while not (url_file.exists() and url_file.read_text().strip()):
            exited = process.poll()
            assert exited is None, "the server exited (rc=%s):\n%s" % (exited, stderr_file.read_text())
            assert time.monotonic() < deadline, "not ready after %ds:\n%s" % (READY_TIMEOUT, stderr_file.read_text())
            time.sleep(0.05)
        url = url_file.read_text().strip()

        status, body = get(url + "/api/v3/core/users/me/", TOKEN)
        assert (status, body["user"]["username"]) == (200, "akadmin")
        status, body = get(url + "/api/v3/core/users/?username=akadmin", TOKEN)
        assert (status, [user["username"] for user in body["results"]]) == (200, ["akadmin"])
        assert get(url + "/api/v3/core/users/", "wrong-token")[0] == 403

        # Without validation the log keeps its shape, with nothing filled in.
        status, log = get(url + "/_test/requests")
        assert status == 200 and len(log) == 3
        assert all(entry["unknown_fields"] == [] and entry["schema_errors"] == [] for entry in log)

        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert not url_file.exists() and not pid_file.exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    modules = imported_modules(stderr_file.read_text())
    # The importtime listing is really there: the server's own modules appear in it.
    assert "tests.server.authentik_server" in modules, stderr_file.read_text()
    loaded = sorted(name for name in modules if name.split(".")[0] in HEAVY_MODULES)
    assert not loaded, "the demo server imported %s" % loaded
