"""Fixtures for the local server's own tests: one started server per emulated release."""

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.server.authentik_server import AuthentikServer

RELEASE_TOKEN = "release-test-token"


@pytest.fixture(scope="module")
def servers():
    """get(version): a started server emulating that release, back in its seed state for each use; one per
    release and test module."""
    started = {}

    def get(version):
        if version not in started:
            started[version] = AuthentikServer(token=RELEASE_TOKEN, version=version).start()
        authentik = started[version]
        authentik.reset()
        authentik.clear_requests()
        return authentik

    yield get
    for authentik in started.values():
        authentik.stop()


def bearer(authentik):
    return {"Authorization": f"Bearer {authentik.token}"}


def call(authentik, method, path, **kwargs):
    """One request to the server's API with its token."""
    return requests.request(method, f"{authentik.url}/api/v3{path}", headers=bearer(authentik), timeout=10,
                            **kwargs)


REPO_ROOT = Path(__file__).resolve().parents[3]


@contextlib.contextmanager
def server_process(url_file, *flags):
    """`python -m tests.server --port 0 --url-file URL_FILE FLAGS...` in a subprocess: (process, base URL) once it
    listens; killed on the way out if the test did not stop it."""
    process = subprocess.Popen([sys.executable, "-m", "tests.server", "--port", "0", "--url-file", str(url_file)]
                               + list(flags), cwd=REPO_ROOT)
    try:
        deadline = time.monotonic() + 30
        while not url_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        yield process, url_file.read_text().strip()
    finally:
        if process.poll() is None:
            process.kill()
