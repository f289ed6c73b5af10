"""Fixtures shared by every unit test folder: the local authentik server, started once per test process.

Starting it loads the authentik-client models that check every request (seconds), so tests share one server and
each gets it back in its seed state through `authentik`."""

import pytest

from tests.server.authentik_server import AuthentikServer

TOKEN = "unit-test-token-5e1d"


@pytest.fixture(scope="session")
def server():
    with AuthentikServer(token=TOKEN) as srv:
        yield srv


@pytest.fixture
def authentik(server):
    """The server in its seed state (akadmin, whose token is server.token), no faults queued, an empty request log."""
    return server.fresh()
