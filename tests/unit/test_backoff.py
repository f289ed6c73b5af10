"""The client's retry policy at its one seam, the sleep function, against the local server's faults."""

import email.utils
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.akops.authentik.plugins.module_utils.api import Client, _retry_after
from ansible_collections.akops.authentik.plugins.module_utils.errors import ApiError
from tests.server.authentik_server import AuthentikServer

TOKEN = "backoff-token-77"


@pytest.fixture(scope="module")
def server():
    with AuthentikServer(token=TOKEN) as srv:
        yield srv


@pytest.fixture
def authentik(server):
    return server.fresh()


def client_for(srv, sleeps, **options):
    return Client(srv.url, TOKEN, timeout=5, sleep=sleeps.append, **options)


def test_exponential_backoff_with_jitter_is_bounded(authentik):
    sleeps = []
    authentik.inject("status", count=4, status=502)
    client = client_for(authentik, sleeps, retries=4, retry_delay=1.0, retry_max_delay=3.0)
    client.get("/core/users/")
    assert len(sleeps) == 4
    ceilings = [1.0, 2.0, 3.0, 3.0]
    assert all(ceiling / 2 <= slept <= ceiling for slept, ceiling in zip(sleeps, ceilings))


def test_retry_after_is_honoured_up_to_the_cap(authentik):
    sleeps = []
    authentik.inject("status", status=429, retry_after=7)
    authentik.inject("status", status=429, retry_after=120)
    client_for(authentik, sleeps, retry_max_delay=30).get("/core/users/")
    assert sleeps == [7.0, 30.0]


def test_post_is_not_retried_unless_asked(authentik):
    sleeps = []
    authentik.inject("status", status=503, match={"method": "POST"})
    with pytest.raises(ApiError) as caught:
        client_for(authentik, sleeps).post("/core/users/", body={"username": "x", "name": "x"}, expected=(201,))
    assert caught.value.status == 503
    assert sleeps == [] and len(authentik.requests) == 1
    assert "attempts" not in caught.value.msg


def test_client_errors_are_not_retried(authentik):
    sleeps = []
    with pytest.raises(ApiError) as caught:
        client_for(authentik, sleeps).get("/core/users/", query={"uuid": "nope"})
    assert caught.value.status == 400 and sleeps == []


def test_retries_zero_means_one_attempt(authentik):
    sleeps = []
    authentik.inject("status", status=503)
    with pytest.raises(ApiError):
        client_for(authentik, sleeps, retries=0).get("/core/users/")
    assert sleeps == [] and len(authentik.requests) == 1


def test_retry_after_header_forms():
    assert _retry_after("5") == 5.0
    assert _retry_after("") is None
    assert _retry_after("soon") is None
    later = email.utils.format_datetime(datetime.now(timezone.utc) + timedelta(seconds=60), usegmt=True)
    assert 55 <= _retry_after(later) <= 60
