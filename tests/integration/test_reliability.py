"""Faults survived, bad input refused: ansible-playbook against the local server with injected faults."""

import http.server
import json
import socket
import threading
import time

import pytest

from tests.integration.conftest import TOKEN, find_group, writes

USER = "akops.authentik.authentik_user"
# Retries in these tests wait milliseconds, not seconds; the backoff itself is unit-tested.
FAST = dict(retry_delay=0.01, retry_max_delay=0.05)
# How a create that failed, and that a lookup right after did not find, is reported.
NOT_FOUND_AFTER_FAILURE = ("; it was not created as far as a lookup right after could tell; "
                           "running the task again is safe")


def user_task(title="user", **args):
    return {"name": title, USER: dict(FAST, **args)}


def log(srv):
    return [(entry["method"], entry.get("fault"), entry["status"]) for entry in srv.requests]


# ---------------------------------------------------------------- faults on reads


@pytest.mark.parametrize("fault, options", [
    ("status", {"status": 429}),
    ("status", {"status": 500}),
    ("status", {"status": 502}),
    ("status", {"status": 503}),
    ("status", {"status": 504}),
    ("reset", {}),
    ("empty", {}),
    ("truncated", {}),
])
def test_lookup_survives_transient_faults(run_playbook, authentik, fault, options):
    authentik.add_user(username="jdoe", name="Jane")
    authentik.inject(fault, count=2, match={"method": "GET"}, **options)
    run = run_playbook([user_task(username="jdoe", name="Jane Doe")])
    assert run.rc == 0, run.output
    assert run.last["changed"] is True
    assert [entry[:2] for entry in log(authentik)] == [("GET", fault), ("GET", fault), ("GET", None), ("PATCH", None)]
    assert authentik.find_user("jdoe")["name"] == "Jane Doe"


def test_429_retry_after_is_honoured(run_playbook, authentik):
    authentik.inject("status", status=429, retry_after=1)
    run = run_playbook([user_task(username="jdoe", name="J", retry_max_delay=5)])
    assert run.rc == 0, run.output
    assert [entry[:2] for entry in log(authentik)] == [("GET", "status"), ("GET", None), ("POST", None)]


def test_response_slower_than_timeout_is_retried(run_playbook, authentik):
    authentik.inject("slow", delay=2, match={"method": "GET"})
    run = run_playbook([user_task(username="jdoe", name="J", timeout=0.5)])
    assert run.rc == 0, run.output
    assert run.last["changed"] is True
    assert [entry[0] for entry in log(authentik)] == ["GET", "GET", "POST"]


def test_retries_spent_give_one_line_with_the_attempts(run_playbook, authentik):
    authentik.inject("status", count=10, status=503)
    run = run_playbook([user_task(username="jdoe", name="J", retries=2)])
    assert run.rc != 0
    assert run.last["msg"].startswith("GET /api/v3/core/users/ returned HTTP 503: ")
    assert run.last["msg"].endswith("; gave up after 3 attempts")
    assert "\n" not in run.last["msg"]
    assert run.last["status"] == 503
    assert len(authentik.requests) == 3
    assert "Traceback" not in run.output


def test_connection_refused_is_retried_then_reported(run_playbook, authentik):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    run = run_playbook([user_task(username="jdoe", api_url="http://127.0.0.1:%d" % port, retries=1)])
    assert run.rc != 0
    assert run.last["msg"].startswith("GET /api/v3/core/users/ failed: could not connect")
    assert run.last["msg"].endswith("; gave up after 2 attempts")


def test_html_from_a_proxy_at_200_fails_at_once(run_playbook, authentik):
    authentik.inject("html", count=5)
    run = run_playbook([user_task(username="jdoe")])
    assert run.rc != 0
    assert "with a body that is not JSON (expected authentik's JSON API; check api_url)" in run.last["msg"]
    assert len(authentik.requests) == 1


# ---------------------------------------------------------------- faults on writes


def test_patch_is_retried_after_a_lost_answer(run_playbook, authentik):
    authentik.add_user(username="jdoe", name="Jane")
    authentik.inject("reset", process=True, match={"method": "PATCH"})
    run = run_playbook([user_task(username="jdoe", email="j@example.com")])
    assert run.rc == 0, run.output
    assert run.last["changed"] is True
    assert run.last["user"]["email"] == "j@example.com"
    assert [entry[:2] for entry in log(authentik)] == [("GET", None), ("PATCH", "reset"), ("PATCH", None)]


def test_create_with_lost_answer_is_looked_up_not_repeated(run_playbook, authentik):
    authentik.inject("slow", delay=2, process=True, match={"method": "POST"})
    run = run_playbook([user_task(username="once", name="O", timeout=0.5, password="Pw-once-1")])
    assert run.rc == 0, run.output
    assert run.last["changed"] is True
    methods = [(entry["method"], entry["path"].rsplit("/", 2)[-2]) for entry in authentik.requests]
    assert methods.count(("POST", "users")) == 1
    assert methods == [("GET", "users"), ("POST", "users"), ("GET", "users"), ("POST", "set_password")]
    assert authentik.check_password("once", "Pw-once-1")
    rerun = run_playbook([user_task(username="once", name="O")])
    assert rerun.last["changed"] is False


def test_user_create_after_a_503_is_sent_again_once_a_lookup_finds_nothing(run_playbook, authentik):
    # Usernames are unique, so a second POST cannot make a second user.
    authentik.inject("status", status=503, match={"method": "POST"})
    run = run_playbook([user_task(username="again", name="A")])
    assert run.rc == 0, run.output
    assert run.last["changed"] is True
    assert [entry[0::2] for entry in log(authentik)] == [("GET", 200), ("POST", 503), ("GET", 200), ("POST", 201)]
    assert authentik.find_user("again") is not None


def test_group_create_that_failed_is_reported_not_repeated(run_playbook, authentik):
    # Before 2025.12 a second POST of the same group name would make a second group.
    authentik.inject("status", status=503, match={"method": "POST"})
    run = run_playbook([{"name": "group", "akops.authentik.authentik_group": dict(FAST, name="never")}])
    assert run.rc != 0
    assert run.last["msg"] == ("POST /api/v3/core/groups/ returned HTTP 503: "
                               + run.last["msg"].split("HTTP 503: ", 1)[1])
    assert run.last["msg"].endswith(NOT_FOUND_AFTER_FAILURE)
    assert [entry[0] for entry in log(authentik)] == ["GET", "POST", "GET"]
    assert find_group(authentik, "never") is None


def test_throttled_create_is_sent_again_after_a_lookup_finds_nothing(run_playbook, authentik):
    authentik.inject("status", status=429, retry_after=0, match={"method": "POST", "path_prefix": "/core/users/"})
    run = run_playbook([user_task(username="calm", name="C", password="Pw-calm-1")])
    assert run.rc == 0, run.output
    assert run.last["changed"] is True
    assert [(entry["method"], entry["path"].rsplit("/", 2)[-2], entry["status"]) for entry in authentik.requests] == [
        ("GET", "users", 200), ("POST", "users", 429), ("GET", "users", 200), ("POST", "users", 201),
        ("POST", "set_password", 204)]
    assert [user["username"] for user in authentik.store.users.values()].count("calm") == 1
    assert authentik.check_password("calm", "Pw-calm-1")


def test_throttled_group_create_is_sent_again(run_playbook, authentik):
    authentik.inject("status", count=2, status=429, retry_after=0, match={"method": "POST"})
    run = run_playbook([{"name": "group", "akops.authentik.authentik_group": dict(FAST, name="calm")}])
    assert run.rc == 0, run.output
    assert run.last["changed"] is True
    assert [entry[:2] for entry in log(authentik)] == [
        ("GET", None), ("POST", "status"), ("GET", None), ("POST", "status"), ("GET", None), ("POST", None)]
    assert find_group(authentik, "calm") is not None


def test_throttled_create_gives_up_after_the_retries(run_playbook, authentik):
    authentik.inject("status", count=10, status=429, retry_after=0, match={"method": "POST"})
    run = run_playbook([user_task(username="calm", name="C", retries=1)])
    assert run.rc != 0
    assert run.last["msg"] == ("POST /api/v3/core/users/ returned HTTP 429: Request was throttled. Expected available "
                               "in 0 seconds.; it was not created; gave up after 2 attempts")
    assert [entry[0] for entry in log(authentik)] == ["GET", "POST", "GET", "POST", "GET"]
    assert authentik.find_user("calm") is None


def test_create_processed_before_a_502_is_not_sent_again(run_playbook, authentik):
    authentik.inject("status", status=502, process=True, match={"method": "POST", "path_prefix": "/core/users/"})
    run = run_playbook([user_task(username="landed", name="L")])
    assert run.rc == 0, run.output
    assert run.last["changed"] is True
    assert [entry[:2] for entry in log(authentik)] == [("GET", None), ("POST", "status"), ("GET", None)]
    assert authentik.find_user("landed") is not None


def test_user_deleted_between_lookup_and_patch(run_playbook, authentik):
    user = authentik.add_user(username="vanishing", name="V")
    authentik.inject("slow", delay=1.5, process=False, match={"method": "PATCH"})

    def delete_once_looked_up():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(e["method"] == "GET" for e in authentik.requests):
            time.sleep(0.01)
        authentik.store.delete_user(user["pk"])

    deleter = threading.Thread(target=delete_once_looked_up)
    deleter.start()
    run = run_playbook([user_task(username="vanishing", name="Renamed")])
    deleter.join()
    assert run.rc != 0
    assert run.last["msg"] == ("PATCH /api/v3/core/users/%d/ returned HTTP 404: the user was deleted after it was read; "
                               "nothing was changed" % user["pk"])
    assert "Traceback" not in run.output


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("args, message", [
    (dict(username=""), "Invalid username: must not be empty or only whitespace"),
    (dict(username="jdoe", attributes="not-a-dict"), "attributes"),
    (dict(username="jdoe", groups=["00000000-0000-0000-0000-00000000000g"]),
     "Group '00000000-0000-0000-0000-00000000000g' does not exist"),
    (dict(username="jdoe", groups=["00000000-0000-0000-0000-000000000009"]),
     "Group '00000000-0000-0000-0000-000000000009' does not exist"),
    (dict(username="jdoe", api_url="auth.example.com"), "api_url must start with http:// or https://"),
])
def test_bad_input_changes_nothing(run_playbook, authentik, args, message):
    run = run_playbook([user_task(**args)])
    assert run.rc != 0
    assert message in run.last["msg"]
    assert writes(authentik) == []


@pytest.mark.parametrize("username, group", [
    ("Jürgen O'Neil", "Forschung & Entwicklung"),
    ("a+b&c%d/e f", "R&D / Ops 100%"),
    ('quote"d', "it's \"quoted\""),
])
def test_special_characters_in_names(run_playbook, authentik, username, group):
    authentik.add_group(name=group)
    run = run_playbook([user_task(username=username, name="X", groups=[group])])
    assert run.rc == 0, run.output
    assert [g["name"] for g in authentik.find_user(username)["groups_obj"]] == [group]
    again = run_playbook([user_task(username=username, name="X", groups=[group])])
    assert again.last["changed"] is False
    assert authentik.requests[0]["query"]["username"] == [username]
    group_run = run_playbook([{"name": "group", "akops.authentik.authentik_group": dict(FAST, name=group)}])
    assert group_run.last["changed"] is False
    assert authentik.requests[0]["query"]["name"] == [group]
    assert find_group(authentik, group)["users"] == [authentik.find_user(username)["pk"]]


# ---------------------------------------------------------------- not an authentik server


class NotAuthentik(http.server.BaseHTTPRequestHandler):
    """A web server that is not authentik: HTML for everything, 404 under /api/v3."""

    seen_headers = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        NotAuthentik.seen_headers.append(dict(self.headers))
        status = 404 if "/api/" in self.path else 200
        body = b"<html><body><h1>Welcome to nginx</h1></body></html>"
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Redirector(http.server.BaseHTTPRequestHandler):
    target = ""

    def do_GET(self):  # noqa: N802
        self.send_response(302)
        self.send_header("Location", Redirector.target + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    servers = []

    def start(handler, host="127.0.0.1"):
        httpd = http.server.ThreadingHTTPServer((host, 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return "http://%s:%d" % (host, httpd.server_address[1])

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def test_api_url_that_is_not_authentik(run_playbook, authentik, web_server):
    url = web_server(NotAuthentik)
    run = run_playbook([user_task(username="jdoe", api_url=url + "/some/path")])
    assert run.rc != 0
    assert run.last["msg"].startswith("GET /api/v3/core/users/ returned HTTP 404: not found, and the answer is not "
                                      "authentik's JSON (check api_url)")
    assert "api_url should be the server's base URL" in run.last["msg"]


def test_redirect_is_not_followed_and_token_stays_home(run_playbook, authentik, web_server):
    NotAuthentik.seen_headers = []
    Redirector.target = web_server(NotAuthentik, host="127.0.0.2")
    url = web_server(Redirector)
    run = run_playbook([user_task(username="jdoe", api_url=url)])
    assert run.rc != 0
    assert "was redirected (HTTP 302) to http://127.0.0.2:" in run.last["msg"]
    assert "set api_url to the authentik server's own base URL" in run.last["msg"]
    assert NotAuthentik.seen_headers == []
    assert TOKEN not in run.output


@pytest.mark.parametrize("module, args", [
    ("akops.authentik.authentik_user_info", {}),
    ("akops.authentik.authentik_group_info", {}),
    ("akops.authentik.authentik_users", {"users": [{"username": "x"}]}),
])
def test_list_modules_explain_an_api_url_that_is_not_authentik(run_playbook, authentik, web_server, module, args):
    url = web_server(NotAuthentik)
    run = run_playbook([{"name": "list", module: dict(FAST, api_url=url + "/wrong", **args)}])
    assert run.rc != 0
    assert "returned HTTP 404: not found, and the answer is not authentik's JSON (check api_url)" in run.last["msg"]
    assert "api_url should be the server's base URL" in run.last["msg"]


# ---------------------------------------------------------------- JSON that is not authentik's list answer


class Impostor(http.server.BaseHTTPRequestHandler):
    """Answers every request with the same JSON at 200, as a wrong server or a catch-all mock might."""

    answer = {}
    seen = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        Impostor.seen.append((self.command, self.path, self.headers.get("Authorization")))
        body = json.dumps(Impostor.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer  # noqa: N815 (http.server's naming)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("answer", [{}, {"results": "x"}, []], ids=["empty-object", "results-not-a-list", "array"])
@pytest.mark.parametrize("module, args", [
    (USER, {"username": "jdoe", "name": "J", "groups": ["ops"]}),
    (USER, {"username": "jdoe", "state": "absent"}),
    ("akops.authentik.authentik_group", {"name": "ops", "users": ["jdoe"]}),
    ("akops.authentik.authentik_user_info", {}),
    ("akops.authentik.authentik_group_info", {}),
    ("akops.authentik.authentik_users", {"users": [{"username": "jdoe", "name": "J"}]}),
])
def test_json_that_is_not_a_list_answer_is_an_error_and_nothing_is_written(run_playbook, authentik, web_server,
                                                                           answer, module, args):
    Impostor.answer, Impostor.seen = answer, []
    url = web_server(Impostor)
    run = run_playbook([{"name": "impostor", module: dict(FAST, api_url=url, **args)}])
    assert run.rc != 0
    assert run.last["msg"].endswith(" returned HTTP 200 with JSON that is not authentik's list answer "
                                    "(no results/pagination); check api_url (%s/api/v3)" % url)
    assert run.last["msg"].startswith("GET /api/v3/core/")
    assert "Traceback" not in run.output
    assert Impostor.seen and all(method == "GET" for method, _path, _auth in Impostor.seen)
