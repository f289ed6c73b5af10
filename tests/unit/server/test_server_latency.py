"""The latency profile: the delay each answer waits for, the bounded concurrency and the command line flags.

No test here measures time: the server's sleep is replaced by a function that records (or holds) each wait."""

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.server.__main__ import parse_args
from tests.server.authentik_server import AuthentikServer
from tests.server.latency import DEFAULT_LATENCY, Latency
from tests.unit.server.conftest import call, server_process

TOKEN = "latency-test-token"


def server(**options):
    return AuthentikServer(token=TOKEN, validate=False, **options).start()


def test_default_profile():
    assert Latency.default() == DEFAULT_LATENCY == Latency(per_request=0.020, per_object=0.0015, per_write=0.030)
    # A page of 100 users: 170 ms, within the 100-300 ms of a real server.
    assert DEFAULT_LATENCY.delay(100) == 0.17
    assert DEFAULT_LATENCY.delay(0, write=True) == 0.05


def test_each_answer_waits_its_delay():
    slept = []
    srv = server(latency=Latency(per_request=0.01, per_object=0.001, per_write=0.1), sleep=slept.append)
    try:
        srv.add_users({"username": f"user{i}"} for i in range(4))
        assert len(call(srv, "GET", "/core/users/", params={"page_size": 3}).json()["results"]) == 3
        call(srv, "GET", "/core/users/1/")
        pk = call(srv, "POST", "/core/users/", json={"username": "new", "name": "N"}).json()["pk"]
        assert call(srv, "POST", "/core/users/", json={"username": "new", "name": "N"}).status_code == 400
        call(srv, "PATCH", f"/core/users/{pk}/", json={"name": "M"})
        call(srv, "DELETE", f"/core/users/{pk}/")
        call(srv, "GET", "/core/groups/")
        requests.get(f"{srv.url}/_test/requests", timeout=10)  # control routes never wait
        expected = [0.013, 0.01, 0.11, 0.11, 0.11, 0.11, 0.011]
        assert [entry["delay"] for entry in srv.requests] == pytest.approx(expected)
        assert slept == pytest.approx(expected)
    finally:
        srv.stop()


def test_default_profile_for_a_page_of_100_users():
    slept = []
    srv = server(latency=DEFAULT_LATENCY, sleep=slept.append)
    try:
        srv.add_users({"username": f"user{i:03d}"} for i in range(120))
        assert len(call(srv, "GET", "/core/users/", params={"page_size": 100}).json()["results"]) == 100
        assert slept == [0.17] and srv.requests[0]["delay"] == 0.17
    finally:
        srv.stop()


def test_without_a_profile_nothing_waits():
    def sleep(seconds):
        raise AssertionError(f"slept {seconds}")

    srv = server(sleep=sleep)
    try:
        assert srv.latency is None and srv.slots is None
        assert call(srv, "GET", "/core/users/").status_code == 200
        assert "delay" not in srv.requests[0]
    finally:
        srv.stop()


def test_faulted_requests_wait_for_what_was_done():
    """Unprocessed, a request costs the round trip only; a processed write costs the write too."""
    slept = []
    srv = server(latency=Latency(per_request=0.01, per_object=0.001, per_write=0.1), sleep=slept.append)
    try:
        srv.inject("status", status=503)
        assert call(srv, "POST", "/core/users/", json={"username": "a", "name": "A"}).status_code == 503
        srv.inject("reset", process=True)
        with pytest.raises(requests.ConnectionError):
            call(srv, "POST", "/core/users/", json={"username": "b", "name": "B"})
        srv.inject("empty")
        call(srv, "GET", "/core/users/")
        assert slept == pytest.approx([0.01, 0.11, 0.012])
    finally:
        srv.stop()


def test_waits_overlap_outside_the_lock_up_to_the_concurrency():
    gate, inside = threading.Event(), threading.Event()
    counts = {"now": 0, "most": 0}
    counting = threading.Lock()

    def sleep(_seconds):
        with counting:
            counts["now"] += 1
            counts["most"] = max(counts["most"], counts["now"])
            if counts["now"] == 2:
                inside.set()
        gate.wait(10)
        with counting:
            counts["now"] -= 1

    srv = server(latency=DEFAULT_LATENCY, concurrency=2, sleep=sleep)
    try:
        with ThreadPoolExecutor(4) as pool:
            answers = [pool.submit(call, srv, "GET", "/core/users/") for _request in range(4)]
            assert inside.wait(10)
            # Two requests are waiting, yet the store is free: the wait happens outside its lock.
            assert srv.store.lock.acquire(blocking=False)
            srv.store.lock.release()
            # Control routes do not queue for a slot.
            assert len(requests.get(f"{srv.url}/_test/requests", timeout=10).json()) == 2
            # The other two wait for a slot. Were they not bounded they would be in within milliseconds;
            # this grace period can only miss such a bug on a very slow machine, never fail a right server.
            time.sleep(0.3)
            assert counts["now"] == 2
            gate.set()
            assert [answer.result(timeout=10).status_code for answer in answers] == [200] * 4
        assert counts["most"] == 2 and len(srv.requests) == 4
    finally:
        gate.set()
        srv.stop()


@pytest.mark.parametrize("options", [
    {"latency": {"per_request": 0.1}}, {"latency": Latency(), "concurrency": 0}, {"concurrency": True},
])
def test_invalid_server_options(options):
    with pytest.raises(ValueError):
        AuthentikServer(token=TOKEN, validate=False, **options)


@pytest.mark.parametrize("options", [
    {"per_request": -0.1}, {"per_object": "1"}, {"per_write": None},
    {"per_request": float("nan")}, {"per_object": float("inf")}, {"per_write": 1e12},
])
def test_invalid_latency(options):
    with pytest.raises(ValueError):
        Latency(**options)


def test_nagle_is_off():
    """Headers and body are two writes: with Nagle the body would wait ~40 ms for a delayed ACK on keep-alive."""
    srv = AuthentikServer(token=TOKEN, validate=False)
    try:
        assert srv._httpd.RequestHandlerClass.disable_nagle_algorithm is True
    finally:
        srv._httpd.server_close()


# ---------------------------------------------------------------- command line

BASE = ["--token", "t"]


def test_cli_latency_flags():
    assert parse_args(BASE).profile is None
    assert parse_args(BASE + ["--latency"]).profile == DEFAULT_LATENCY
    args = parse_args(BASE + ["--latency-object-ms", "2", "--concurrency", "3"])
    assert (args.profile, args.concurrency) == (Latency(per_object=0.002), 3)
    assert parse_args(BASE + ["--latency-request-ms", "5", "--latency-write-ms", "0"]).profile == Latency(
        per_request=0.005, per_write=0.0)


def test_cli_chaos_flags():
    assert parse_args(BASE).chaos is None
    assert parse_args(BASE + ["--fault-rate", "0.1"]).chaos == {"rate": 0.1}
    args = parse_args(BASE + ["--fault-rate", "1", "--fault-seed", "7", "--fault-kinds", "429,lost",
                              "--fault-retry-after", "2"])
    assert args.chaos == {"rate": 1.0, "seed": 7, "kinds": "429,lost", "retry_after": 2.0}


@pytest.mark.parametrize("flags", [
    ["--concurrency", "4"], ["--latency", "--concurrency", "0"], ["--latency-request-ms", "-1"],
    ["--fault-rate", "1.5"], ["--fault-rate", "0.5", "--fault-kinds", "429,boom"], ["--fault-seed", "3"],
    ["--fault-rate", "0.5", "--fault-retry-after", "-1"],
    ["--latency-request-ms", "nan"], ["--latency-write-ms", "inf"], ["--fault-rate", "0.5", "--fault-retry-after", "nan"],
])
def test_cli_refuses_bad_flags(flags, capsys):
    with pytest.raises(SystemExit):
        parse_args(BASE + flags)
    assert "error:" in capsys.readouterr().err


def test_cli_runs_with_latency_and_chaos(tmp_path):
    flags = ["--token", TOKEN, "--latency-request-ms", "1", "--latency-object-ms", "0", "--concurrency", "3",
             "--fault-rate", "1", "--fault-kinds", "503", "--fault-seed", "7"]
    with server_process(tmp_path / "url", *flags) as (process, url):
        response = requests.get(f"{url}/api/v3/core/users/", headers={"Authorization": f"Bearer {TOKEN}"},
                                timeout=10)
        assert response.status_code == 503 and "nginx" in response.text
        entry = requests.get(f"{url}/_test/requests", timeout=10).json()[0]
        assert (entry["chaos"], entry["fault"], entry["delay"]) == (True, "status", 0.001)
        assert requests.get(f"{url}/_test/chaos", timeout=10).json()["chaos"]["seed"] == 7
        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(timeout=10) == 0
