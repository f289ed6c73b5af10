"""Chaos (seeded random transient faults) and counting the creates that succeeded, over real HTTP."""

import random

import pytest
import requests

from tests.server.faults import Chaos
from tests.unit.server.conftest import call


def create(authentik, username):
    return call(authentik, "POST", "/core/users/", json={"username": username, "name": username})


def test_faults_are_the_seeded_draws_in_request_order(authentik):
    kinds = ["429", "502", "503"]
    assert authentik.chaos(rate=0.3, seed=99, kinds=kinds) == {
        "rate": 0.3, "seed": 99, "kinds": kinds, "retry_after": 1, "match": {}}
    statuses = [call(authentik, "GET", "/core/users/me/").status_code for _attempt in range(40)]
    draws, expected = random.Random(99), []
    for _attempt in range(40):
        expected.append(int(draws.choice(kinds)) if draws.random() < 0.3 else 200)
    assert statuses == expected and len(set(expected)) == 4
    log = authentik.requests
    assert [e["status"] for e in log] == expected
    assert all(e.get("chaos") is (True if e["status"] != 200 else None) for e in log)
    assert {e.get("fault") for e in log} == {"status", None}


def test_429_is_throttled_and_not_processed(authentik):
    authentik.chaos(rate=1, kinds=["429"], retry_after=2.5)
    response = create(authentik, "ann")
    assert (response.status_code, response.headers["Retry-After"]) == (429, "3")
    assert response.json() == {"detail": "Request was throttled. Expected available in 3 seconds."}
    assert authentik.find_user("ann") is None
    assert "processed_status" not in authentik.requests[0]


@pytest.mark.parametrize("kind, title", [("502", "502 Bad Gateway"), ("503", "503 Service Temporarily Unavailable")])
def test_gateway_errors_are_the_proxys_and_not_processed(authentik, kind, title):
    authentik.chaos(rate=1, kinds=[kind])
    response = create(authentik, "ann")
    assert response.status_code == int(kind) and f"<title>{title}</title>" in response.text
    assert "Retry-After" not in response.headers and authentik.find_user("ann") is None


def test_reset_drops_the_request_and_lost_drops_the_answer(authentik):
    authentik.chaos(rate=1, kinds=["reset"])
    with pytest.raises(requests.ConnectionError):
        create(authentik, "ann")
    authentik.chaos(rate=1, kinds=["lost"])
    with pytest.raises(requests.ConnectionError):
        create(authentik, "bob")
    authentik.chaos(rate=0)
    assert authentik.find_user("ann") is None and authentik.find_user("bob") is not None
    assert [(e["fault"], e["status"], e.get("processed_status"), e["chaos"]) for e in authentik.requests] == [
        ("reset", None, None, True), ("reset", None, 201, True)]
    assert authentik.successful_creates() == {"bob": 1}


def test_match_and_queued_faults_first(authentik):
    authentik.chaos(rate=1, kinds=["503"], match={"method": "POST", "path_prefix": "/core/users/"})
    assert call(authentik, "GET", "/core/users/").status_code == 200
    assert call(authentik, "POST", "/core/groups/", json={"name": "g"}).status_code == 201
    authentik.inject("status", status=500)
    assert create(authentik, "ann").status_code == 500
    assert create(authentik, "ann").status_code == 503
    assert [e.get("chaos") for e in authentik.requests] == [None, None, None, True]


def test_stopped_by_rate_0_clear_faults_and_reset(authentik):
    for stop in (lambda: authentik.chaos(rate=0), authentik.clear_faults, authentik.reset):
        authentik.chaos(rate=1, kinds=["503"])
        assert call(authentik, "GET", "/core/users/").status_code == 503
        stop()
        assert authentik.faults.chaos is None
        assert call(authentik, "GET", "/core/users/").status_code == 200
    assert authentik.chaos(rate=0) is None


@pytest.mark.parametrize("options, message", [
    ({"rate": -0.1}, "rate"), ({"rate": 1.5}, "rate"), ({"rate": "0.5"}, "rate"), ({"rate": True}, "rate"),
    ({"kinds": []}, "kinds"), ({"kinds": ["boom"]}, "kinds"), ({"kinds": "429,boom"}, "kinds"),
    ({"kinds": 429}, "kinds"),
    ({"retry_after": -1}, "retry_after"), ({"seed": "x"}, "seed"), ({"match": {"colour": "red"}}, "match"),
])
def test_invalid_settings_are_refused(authentik, options, message):
    with pytest.raises(ValueError, match=message):
        authentik.chaos(**options)
    assert authentik.faults.chaos is None


def test_kinds_as_a_comma_list_or_numbers():
    assert Chaos(kinds="429, lost").kinds == ["429", "lost"]
    assert Chaos(kinds=[502, "reset"]).kinds == ["502", "reset"]


def test_control_route(authentik):
    url = f"{authentik.url}/_test/chaos"
    assert requests.get(url, timeout=10).json() == {"chaos": None}
    response = requests.post(url, json={"rate": 1, "kinds": ["503"], "seed": 5}, timeout=10)
    assert response.status_code == 200 and response.json()["chaos"]["kinds"] == ["503"]
    assert requests.get(url, timeout=10).json()["chaos"]["seed"] == 5
    assert call(authentik, "GET", "/core/users/").status_code == 503
    assert requests.delete(url, timeout=10).status_code == 204
    assert call(authentik, "GET", "/core/users/").status_code == 200
    for body in ({"rate": 5}, {"colour": "red"}, [1]):
        response = requests.post(url, json=body, timeout=10)
        assert response.status_code == 400 and response.json()["detail"]
    assert requests.put(url, timeout=10).status_code == 405


def test_a_delete_stops_chaos_but_keeps_queued_faults(authentik):
    authentik.inject("status", status=502)
    authentik.chaos(rate=1, kinds=["503"])
    requests.delete(f"{authentik.url}/_test/chaos", timeout=10)
    assert call(authentik, "GET", "/core/users/").status_code == 502


# ------------------------------------------------------------ successful creates

def test_successful_creates_count_effective_201s_by_username(authentik):
    assert create(authentik, "ann").status_code == 201
    assert create(authentik, "ann").status_code == 400  # taken: not created
    authentik.inject("status", status=503, process=True)
    assert create(authentik, "bob").status_code == 503  # created behind the 503
    authentik.inject("status", status=429)
    assert create(authentik, "cid").status_code == 429  # never reached authentik
    authentik.inject("truncated", process=False)
    assert create(authentik, "dan").status_code == 200  # its change was undone
    assert create(authentik, "  eve ").status_code == 201  # the serializer trims the name
    assert call(authentik, "POST", "/core/groups/", json={"name": "ann"}).status_code == 201
    pk = authentik.find_user("ann")["pk"]
    assert call(authentik, "DELETE", f"/core/users/{pk}/").status_code == 204
    assert create(authentik, "ann").status_code == 201
    assert authentik.successful_creates() == {"ann": 2, "bob": 1, "eve": 1}
