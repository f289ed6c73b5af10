"""Fault injection and HTTPS of the authentik stand-in, over real HTTP(S)."""

import os
import signal
import ssl
import time

import pytest
import requests

from tests.server.authentik_server import AuthentikServer
from tests.server.tls import make_certificates
from tests.unit.server.conftest import server_process

# The token of the servers this module starts itself; the shared `authentik` server has its own (authentik.token).
TOKEN = "secret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NEW_USER = {"username": "newbie", "name": "New"}


def call(authentik, method, path, timeout=10, **kwargs):
    headers = {"Authorization": f"Bearer {authentik.token}"}
    return requests.request(method, f"{authentik.url}/api/v3{path}", headers=headers, timeout=timeout, **kwargs)


def create_user(authentik, **kwargs):
    return call(authentik, "POST", "/core/users/", json=NEW_USER, **kwargs)


def last(authentik):
    return authentik.requests[-1]


# ------------------------------------------------------------------ status


def test_429_is_drf_throttled_with_retry_after(authentik):
    authentik.inject("status", status=429, retry_after=2)
    response = create_user(authentik)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert response.json() == {"detail": "Request was throttled. Expected available in 2 seconds."}
    assert authentik.find_user("newbie") is None
    assert (last(authentik)["fault"], last(authentik)["status"], last(authentik)["body"]) == ("status", 429, NEW_USER)
    assert create_user(authentik).status_code == 201


def test_429_without_wait_has_no_header(authentik):
    authentik.inject("status", status=429)
    response = call(authentik, "GET", "/core/users/")
    assert "Retry-After" not in response.headers
    assert response.json() == {"detail": "Request was throttled."}


@pytest.mark.parametrize("status, title", [(502, "502 Bad Gateway"), (503, "503 Service Temporarily Unavailable"),
                                           (504, "504 Gateway Time-out")])
def test_gateway_errors_are_proxy_html(authentik, status, title):
    authentik.inject("status", status=status)
    response = call(authentik, "GET", "/core/users/")
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert f"<title>{title}</title>" in response.text and "nginx" in response.text


def test_500_is_djangos_error_page(authentik):
    authentik.inject("status", status=500)
    response = call(authentik, "GET", "/core/users/")
    assert response.status_code == 500
    assert "<h1>Server Error (500)</h1>" in response.text


def test_processed_status_fault_applies_the_write(authentik):
    authentik.inject("status", status=503, process=True)
    assert create_user(authentik).status_code == 503
    assert authentik.find_user("newbie") is not None
    assert (last(authentik)["status"], last(authentik)["processed_status"]) == (503, 201)
    # The retry now meets the first attempt's result.
    assert create_user(authentik).json() == {"username": ["This field must be unique."]}


def test_count_and_match_select_requests(authentik):
    authentik.inject("status", count=2, match={"method": "post", "path_prefix": "/core/users/"}, status=502)
    assert call(authentik, "GET", "/core/users/").status_code == 200
    assert call(authentik, "POST", "/core/groups/", json={"name": "g"}).status_code == 201
    assert [create_user(authentik).status_code for attempt in range(3)] == [502, 502, 201]
    assert [e.get("fault") for e in authentik.requests] == [None, None, "status", "status", None]


def test_faults_fire_in_injection_order(authentik):
    authentik.inject("empty")
    authentik.inject("status", status=500)
    assert call(authentik, "GET", "/core/users/").content == b""
    assert call(authentik, "GET", "/core/users/").status_code == 500
    assert call(authentik, "GET", "/core/users/").status_code == 200


def test_clear_faults_and_reset_drop_pending_faults(authentik):
    authentik.inject("status", status=500)
    authentik.clear_faults()
    assert call(authentik, "GET", "/core/users/").status_code == 200
    authentik.inject("status", status=500)
    authentik.reset()
    assert call(authentik, "GET", "/core/users/").status_code == 200


@pytest.mark.parametrize("args, options", [
    (("nope",), {}),
    (("status",), {"status": 418}),
    (("status",), {"status": 500, "delay": 1}),
    (("slow",), {}),
    (("reset",), {"count": 0}),
    (("reset",), {"match": {"url": "/"}}),
    (("hold",), {"timeout": -1}),
    (("hold",), {"timeout": float("nan")}),
    (("hold",), {"timeout": 1e12}),
    (("slow",), {"delay": float("inf")}),
    (("status",), {"status": 429, "retry_after": float("nan")}),
    (("hold",), {"process": False}),
])
def test_invalid_faults_are_refused(authentik, args, options):
    with pytest.raises(ValueError):
        authentik.inject(*args, **options)


# --------------------------------------------------------- broken transport


@pytest.mark.parametrize("process", [False, True])
def test_reset_closes_without_response(authentik, process):
    authentik.inject("reset", process=process)
    with pytest.raises(requests.ConnectionError):
        create_user(authentik)
    assert (authentik.find_user("newbie") is not None) is process
    assert (last(authentik)["fault"], last(authentik)["status"]) == ("reset", None)
    assert create_user(authentik).status_code == (400 if process else 201)


def test_reset_sends_rst(authentik):
    import socket

    authentik.inject("reset")
    host, port = authentik.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"GET /api/v3/core/users/ HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(ConnectionResetError):
            sock.recv(1024)


def test_slow_processes_then_delays(authentik):
    authentik.inject("slow", delay=0.6)
    with pytest.raises(requests.Timeout):
        create_user(authentik, timeout=0.2)
    # The write was applied before the delay, so it is there although the client gave up.
    assert authentik.find_user("newbie") is not None
    assert (last(authentik)["fault"], last(authentik)["status"]) == ("slow", 201)


def test_slow_unprocessed_applies_after_the_delay(authentik):
    authentik.inject("slow", delay=0.4, process=False)
    with pytest.raises(requests.Timeout):
        create_user(authentik, timeout=0.1)
    assert authentik.find_user("newbie") is None
    deadline = time.monotonic() + 2
    while authentik.find_user("newbie") is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert authentik.find_user("newbie") is not None


def test_slow_within_timeout_returns_the_real_response(authentik):
    authentik.inject("slow", delay=0.1)
    assert create_user(authentik).status_code == 201


def test_hold_answers_nothing_until_all_its_requests_came(authentik):
    import threading

    authentik.inject("hold", count=2, match={"method": "GET"})
    answers = []
    first = threading.Thread(target=lambda: answers.append(call(authentik, "GET", "/core/users/").status_code))
    first.start()
    first.join(0.5)
    # Alone, the first request is held: no answer and nothing logged.
    assert first.is_alive() and answers == [] and authentik.requests == []
    assert call(authentik, "GET", "/core/users/").status_code == 200
    first.join(5)
    assert answers == [200]
    assert [entry["fault"] for entry in authentik.requests] == ["hold", "hold"]
    assert call(authentik, "GET", "/core/users/").status_code == 200
    assert "fault" not in last(authentik)


def test_hold_processes_alone_after_its_timeout(authentik):
    authentik.inject("hold", count=2, timeout=0.2)
    assert create_user(authentik).status_code == 201
    assert last(authentik)["hold_timed_out"] is True
    assert authentik.find_user("newbie") is not None


# ------------------------------------------------------------- bad bodies


def test_html_is_a_captive_page(authentik):
    authentik.inject("html")
    response = create_user(authentik)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()
    assert authentik.find_user("newbie") is None
    assert (last(authentik)["fault"], last(authentik)["status"]) == ("html", 200)


def test_empty_body(authentik):
    authentik.inject("empty")
    response = create_user(authentik)
    assert (response.status_code, response.content, response.headers["Content-Length"]) == (200, b"", "0")
    assert authentik.find_user("newbie") is not None


@pytest.mark.parametrize("process", [True, False])
def test_truncated_json(authentik, process):
    authentik.inject("truncated", process=process)
    response = create_user(authentik)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content)
    with pytest.raises(ValueError):
        response.json()
    assert (authentik.find_user("newbie") is not None) is process
    full = call(authentik, "GET", "/core/users/").content
    authentik.inject("truncated")
    assert call(authentik, "GET", "/core/users/").content == full[: len(full) // 2]


# ----------------------------------------------------------- control route


def test_control_route_queues_and_clears_faults(authentik):
    url = f"{authentik.url}/_test/faults"
    response = requests.post(url, json={"fault": "status", "status": 503, "count": 2,
                                        "match": {"path_prefix": "/api/v3/core/groups/"}}, timeout=10)
    assert response.status_code == 201 and response.json()["count"] == 2
    assert requests.get(url, timeout=10).json()[0]["status"] == 503
    assert call(authentik, "GET", "/core/groups/").status_code == 503
    assert call(authentik, "GET", "/core/users/").status_code == 200
    assert requests.delete(url, timeout=10).status_code == 204
    assert call(authentik, "GET", "/core/groups/").status_code == 200
    response = requests.post(url, json={"fault": "status", "status": 200}, timeout=10)
    assert response.status_code == 400 and "status" in response.json()["detail"]
    assert requests.post(url, json={"fault": "html", "colour": "red"}, timeout=10).status_code == 400


# ------------------------------------------------------------------- HTTPS


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("tls"))


def test_https_with_a_private_ca(certificates):
    ca, cert, key = certificates
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    authentik = AuthentikServer(token=TOKEN, ssl_context=context).start()
    try:
        assert authentik.url.startswith("https://127.0.0.1:")
        url = f"{authentik.url}/api/v3/core/users/me/"
        assert requests.get(url, headers=AUTH, timeout=10, verify=str(ca)).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(url, headers=AUTH, timeout=10)
        authentik.inject("reset")
        with pytest.raises(requests.ConnectionError):
            requests.get(url, headers=AUTH, timeout=10, verify=str(ca))
        # A failed handshake or a reset must not break serving.
        assert requests.get(url, headers=AUTH, timeout=10, verify=str(ca)).status_code == 200
    finally:
        authentik.stop()


def test_cli_options_and_sigterm(tmp_path, certificates):
    """One subprocess covers every flag: importing the client models takes seconds."""
    ca, cert, key = certificates
    url_file, pid_file = tmp_path / "url", tmp_path / "pid"
    flags = ["--token", TOKEN, "--pid-file", str(pid_file), "--version", "2025.10", "--page-size-default", "1",
             "--tls-cert", str(cert), "--tls-key", str(key)]
    with server_process(url_file, *flags) as (process, url):
        assert url.startswith("https://") and int(pid_file.read_text()) == process.pid
        groups_url = f"{url}/api/v3/core/groups/"
        requests.post(groups_url, json={"name": "extra"}, headers=AUTH, timeout=10, verify=str(ca)).raise_for_status()
        groups = requests.get(groups_url, headers=AUTH, timeout=10, verify=str(ca)).json()
        assert "parent" in groups["results"][0] and "autocomplete" in groups
        assert (len(groups["results"]), groups["pagination"]["count"]) == (1, 2)
        everything = requests.get(groups_url, params={"page_size": 500}, headers=AUTH, timeout=10, verify=str(ca))
        assert len(everything.json()["results"]) == 2
        requests.post(f"{url}/_test/faults", json={"fault": "status", "status": 429, "retry_after": 1},
                      timeout=10, verify=str(ca)).raise_for_status()
        response = requests.get(f"{url}/api/v3/core/users/", headers=AUTH, timeout=10, verify=str(ca))
        assert response.json() == {"detail": "Request was throttled. Expected available in 1 second."}
        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert not url_file.exists() and not pid_file.exists()
