"""The client's retry policy at its one seam, the sleep function, against the local server's faults."""

import email.utils
import socket
import time
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.akops.authentik.plugins.module_utils import resources
from ansible_collections.akops.authentik.plugins.module_utils.api import Client, _retry_after
from ansible_collections.akops.authentik.plugins.module_utils.errors import ApiError, TransportError
from tests.unit.conftest import TOKEN

# How a create that failed, and that a lookup right after did not find, is reported.
NOT_FOUND_AFTER_FAILURE = ("; it was not created as far as a lookup right after could tell; "
                           "running the task again is safe")


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


# ---------------------------------------------------------------- creates: sent again only when not processed


def writes_and_lookups(srv):
    return [(entry["method"], entry["status"]) for entry in srv.requests]


def test_throttled_create_is_looked_up_then_sent_again(authentik):
    sleeps = []
    authentik.inject("status", count=2, status=429, retry_after=7, match={"method": "POST"})
    user = resources.create_user(client_for(authentik, sleeps), {"username": "calm", "name": "C"})
    assert user["username"] == "calm" and authentik.find_user("calm")["pk"] == user["pk"]
    assert writes_and_lookups(authentik) == [("POST", 429), ("GET", 200), ("POST", 429), ("GET", 200),
                                             ("POST", 201)]
    assert sleeps == [7.0, 7.0]


def test_throttled_create_gives_up_within_the_retry_budget(authentik):
    sleeps = []
    authentik.inject("status", count=10, status=429, match={"method": "POST"})
    with pytest.raises(ApiError) as caught:
        resources.create_group(client_for(authentik, sleeps, retries=2, retry_delay=1.0, retry_max_delay=3.0),
                               {"name": "calm"})
    assert caught.value.status == 429
    assert caught.value.msg.endswith("; it was not created; gave up after 3 attempts")
    assert [entry["method"] for entry in authentik.requests] == ["POST", "GET"] * 3
    assert len(sleeps) == 2 and 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0


def test_throttled_create_that_was_processed_after_all_is_not_sent_again(authentik):
    sleeps = []
    authentik.inject("status", status=429, process=True, match={"method": "POST"})
    user = resources.create_user(client_for(authentik, sleeps), {"username": "odd", "name": "O"})
    assert user["username"] == "odd"
    assert [entry["method"] for entry in authentik.requests] == ["POST", "GET"] and sleeps == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_create_after_a_server_error_is_not_sent_again(authentik, status):
    # The group may still be created behind a proxy, where a lookup right now cannot rule it out, and before
    # 2025.12 a second POST of the same name would make a second group.
    sleeps = []
    authentik.inject("status", status=status, match={"method": "POST"})
    with pytest.raises(ApiError) as caught:
        resources.create_group(client_for(authentik, sleeps), {"name": "never"})
    assert caught.value.msg.endswith(NOT_FOUND_AFTER_FAILURE)
    assert [entry["method"] for entry in authentik.requests] == ["POST", "GET"] and sleeps == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_user_create_after_a_server_error_is_sent_again_after_the_lookup(authentik, status):
    # Usernames are unique: a second POST cannot make a second user, whatever became of the first.
    sleeps = []
    authentik.inject("status", status=status, match={"method": "POST"})
    user = resources.create_user(client_for(authentik, sleeps), {"username": "again", "name": "A"})
    assert user["pk"] == authentik.find_user("again")["pk"]
    assert writes_and_lookups(authentik) == [("POST", status), ("GET", 200), ("POST", 201)] and len(sleeps) == 1


def test_user_create_that_fails_every_time_gives_up_within_the_retry_budget(authentik):
    sleeps = []
    authentik.inject("status", count=10, status=502, match={"method": "POST"})
    with pytest.raises(ApiError) as caught:
        resources.create_user(client_for(authentik, sleeps, retries=2), {"username": "never", "name": "N"})
    assert caught.value.msg.endswith("; it was not created; gave up after 3 attempts")
    assert [entry["method"] for entry in authentik.requests] == ["POST", "GET"] * 3
    assert authentik.find_user("never") is None


def test_user_create_that_landed_late_is_found_not_made_twice(authentik):
    # The first POST times out, the lookup finds nothing, and the first create lands before the second POST:
    # authentik refuses the second as a taken username, and the user the first one made is the answer.
    sleeps = []
    authentik.inject("slow", delay=1, process=False, match={"method": "POST"})
    client = Client(authentik.url, TOKEN, timeout=0.3, retry_delay=3.0, retry_max_delay=3.0,
                    sleep=lambda seconds: (sleeps.append(seconds), time.sleep(1.5)))
    user = resources.create_user(client, {"username": "late", "name": "L"})
    assert user["pk"] == authentik.find_user("late")["pk"]
    sent = writes_and_lookups(authentik)
    assert sent == [("GET", 200), ("POST", 201), ("POST", 400), ("GET", 200)], sent
    assert [entry["status"] for entry in authentik.requests if entry["method"] == "POST"].count(201) == 1


def test_user_create_taken_on_the_first_attempt_is_refused(authentik):
    # Not after a failure of this run's own create: somebody else has the name, and that is an error.
    authentik.add_user(username="taken")
    authentik.clear_requests()
    with pytest.raises(ApiError) as caught:
        resources.create_user(client_for(authentik, []), {"username": "taken", "name": "T"})
    assert caught.value.status == 400
    assert [entry["method"] for entry in authentik.requests] == ["POST"]


def test_create_whose_connection_was_never_made_is_sent_again(authentik):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    refused = Client("http://127.0.0.1:%d" % port, TOKEN, timeout=2)
    sleeps = []
    client = client_for(authentik, sleeps)
    posts = [refused, client]

    def create():
        return posts.pop(0).post(resources.USERS, body={"username": "later", "name": "L"}, expected=(201,))

    user = resources._create_once(client, create, lambda: resources.find_user(client, username="later"))
    assert user["username"] == "later"
    assert [entry["method"] for entry in authentik.requests] == ["GET", "POST"] and len(sleeps) == 1


def test_unprocessed_failures():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(TransportError) as caught:
        Client("http://127.0.0.1:%d" % port, TOKEN, retries=0).get("/core/users/")
    assert caught.value.unprocessed is True
    assert ApiError("POST", "/p", 429, None).unprocessed is True
    assert not any(ApiError("POST", "/p", status, None).unprocessed for status in (400, 500, 502, 503, 504))
