"""Fixtures for the local server's own tests: one started server per emulated release."""

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
