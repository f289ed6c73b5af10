"""akops.authentik.authentik_token through the real ansible-playbook. Most tests run against the default emulated
release; those whose requests differ by release (set_key validates its body from 2025.12 on, non-superusers list
beyond their own tokens from 2026.2) run against 2025.10, 2025.12 and 2026.5."""

import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.integration.conftest import TOKEN, writes
from tests.server.authentik_server import AuthentikServer

SYSLOG_REFUSES_NUL = "Failed to log to syslog (embedded null character)"
MODULE = "akops.authentik.authentik_token"
TOKENS = "/api/v3/core/tokens/"
RELEASES = ["2025.10", "2025.12", "2026.5"]
per_release = pytest.mark.parametrize("server", RELEASES, indirect=True)


@pytest.fixture(scope="module")
def server(request):
    """Overrides the session server: the default release, or the one a test names through `per_release`."""
    version = getattr(request, "param", None)
    options = {"version": version} if version else {}
    with AuthentikServer(token=TOKEN, **options) as srv:
        yield srv


def task(title, **args):
    return {"name": title, MODULE: args}


def calls(srv):
    return [(entry["method"], entry["path"]) for entry in srv.requests]


def token_path(identifier, action=""):
    return "%s%s/%s" % (TOKENS, identifier, action + "/" if action else "")


def instant(hours):
    """A moment `hours` from now, in whole seconds, as UTC with a Z."""
    moment = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def failed(run):
    return run.rc != 0 and run.results[-1]["status"] == "failed"


@pytest.fixture
def alice(authentik):
    return authentik.add_user("alice")


# ---------------------------------------------------------------- the ladder


@per_release
def test_create_check_rerun_update_ladder(run_playbook, authentik, alice):
    spec = dict(identifier="ci-api", user="alice", description="CI", expiring=False)

    check = run_playbook([task("create", **spec)], check=True, diff=True)
    assert check.rc == 0, check.output
    assert check.last["changed"] is True
    # Check mode writes nothing and reads no key: the token, then the owner of the token it would create.
    assert calls(authentik) == [("GET", token_path("ci-api")), ("GET", "/api/v3/core/users/")]
    assert authentik.find_token("ci-api") is None
    assert check.last["diff"] == {"before": {}, "after": {
        "identifier": "ci-api", "intent": "api", "user": "alice", "description": "CI", "expiring": False}}
    assert check.last["token"]["user"] == alice["pk"] and check.last["token"]["intent"] == "api"
    assert "key" not in check.last

    created = run_playbook([task("create", **spec)], diff=True)
    assert created.rc == 0, created.output
    token = authentik.find_token("ci-api")
    assert created.last["token"] == token
    assert created.last["diff"] == check.last["diff"]
    assert created.last["changed_fields"] == ["description", "expiring", "identifier", "intent", "user"]
    assert [(entry["method"], entry["body"]) for entry in writes(authentik)] == [
        ("POST", {"identifier": "ci-api", "intent": "api", "user": alice["pk"], "description": "CI",
                  "expiring": False})]
    assert (token["user"], token["intent"], token["expiring"]) == (alice["pk"], "api", False)

    again = run_playbook([task("again", **spec)], check=True, diff=True)
    assert again.last["changed"] is False
    again = run_playbook([task("again", **spec)], diff=True)
    assert again.last["changed"] is False
    assert again.last["token"] == token
    # An up-to-date token costs its one read: no owner lookup, no key read.
    assert calls(authentik) == [("GET", token_path("ci-api"))]

    changed = {**spec, "description": "CI pipeline"}
    check = run_playbook([task("update", **changed)], check=True, diff=True)
    assert check.last["changed"] is True
    assert calls(authentik) == [("GET", token_path("ci-api"))]
    assert authentik.find_token("ci-api")["description"] == "CI"
    updated = run_playbook([task("update", **changed)], diff=True)
    assert updated.last["changed_fields"] == ["description"]
    assert calls(authentik) == [("GET", token_path("ci-api")), ("PATCH", token_path("ci-api"))]
    # Only the difference, plus the owner and intent without which authentik would re-own the token.
    assert writes(authentik)[0]["body"] == {"description": "CI pipeline", "user": alice["pk"], "intent": "api"}
    assert updated.last["diff"] == {
        "before": {"identifier": "ci-api", "intent": "api", "user": "alice", "description": "CI", "expiring": False},
        "after": {"identifier": "ci-api", "intent": "api", "user": "alice", "description": "CI pipeline",
                  "expiring": False}}
    assert check.last["diff"] == updated.last["diff"]
    assert authentik.find_token("ci-api")["user"] == alice["pk"]


def test_a_patch_keeps_another_users_app_password_as_it_is(run_playbook, authentik, alice):
    """authentik fills in a PATCH without user and intent with the caller (akadmin here) and api."""
    authentik.add_token("alice-login", user="alice", intent="app_password", description="old")
    run = run_playbook([task("describe", identifier="alice-login", description="new")])
    assert run.rc == 0, run.output
    assert writes(authentik)[0]["body"] == {"description": "new", "user": alice["pk"], "intent": "app_password"}
    token = authentik.find_token("alice-login")
    assert (token["user"], token["intent"], token["description"]) == (alice["pk"], "app_password", "new")


# ---------------------------------------------------------------- the owner


def test_owner_by_username_or_pk_costs_no_lookup_for_an_existing_token(run_playbook, authentik, alice):
    created = run_playbook([task("by pk", identifier="t1", user=alice["pk"])])
    assert created.rc == 0, created.output
    assert writes(authentik)[0]["body"]["user"] == alice["pk"]
    assert ("GET", "/api/v3/core/users/%d/" % alice["pk"]) in calls(authentik)
    for owner in (alice["pk"], "alice", " alice "):
        run = run_playbook([task("same owner", identifier="t1", user=owner)])
        assert run.last["changed"] is False, run.output
        assert calls(authentik) == [("GET", token_path("t1"))]


def test_a_new_token_without_user_belongs_to_the_caller(run_playbook, authentik):
    run = run_playbook([task("mine", identifier="mine")])
    assert run.rc == 0, run.output
    assert writes(authentik)[0]["body"] == {"identifier": "mine", "intent": "api"}
    assert run.last["token"]["user_obj"]["username"] == "akadmin"


def test_an_unknown_owner_fails_before_any_write(run_playbook, authentik):
    new = run_playbook([task("ghost", identifier="t1", user="ghost")])
    assert failed(new)
    assert "User 'ghost' does not exist" in new.last["msg"]
    authentik.add_token("t2")
    existing = run_playbook([task("ghost", identifier="t2", user=4242)])
    assert "User 4242 does not exist" in existing.last["msg"]
    assert writes(authentik) == []


def test_a_different_owner_is_refused_before_any_write(run_playbook, authentik, alice):
    authentik.add_user("bob")
    authentik.add_token("t1", user="alice")
    run = run_playbook([task("move", identifier="t1", user="bob", description="x")], check=True)
    assert failed(run)
    assert "token 't1' belongs to 'alice'" in run.last["msg"]
    assert "User cannot be changed" in run.last["msg"] and "delete the token" in run.last["msg"]
    run = run_playbook([task("move", identifier="t1", user="bob")])
    assert failed(run)
    assert writes(authentik) == []
    assert authentik.find_token("t1")["user"] == alice["pk"]


# ---------------------------------------------------------------- intents and expiry


def test_intent_can_change_between_api_and_app_password(run_playbook, authentik):
    authentik.add_token("t1", intent="api")
    to_app = run_playbook([task("to app password", identifier="t1", intent="app_password")], diff=True)
    assert to_app.last["changed_fields"] == ["intent"]
    assert writes(authentik)[0]["body"] == {"intent": "app_password", "user": authentik.owner_pk}
    assert authentik.find_token("t1")["intent"] == "app_password"
    assert to_app.last["diff"]["after"]["intent"] == "app_password"
    kept = run_playbook([task("kept", identifier="t1", description="d")])
    assert writes(authentik)[0]["body"] == {"description": "d", "user": authentik.owner_pk,
                                            "intent": "app_password"}
    assert kept.last["token"]["intent"] == "app_password"
    back = run_playbook([task("to api", identifier="t1", intent="api")])
    assert back.last["changed"] is True
    assert authentik.find_token("t1")["intent"] == "api"


def test_a_new_app_password(run_playbook, authentik):
    expires = instant(6)
    run = run_playbook([task("app", identifier="login", intent="app_password", expires=expires)])
    assert run.rc == 0, run.output
    assert writes(authentik)[0]["body"] == {"identifier": "login", "intent": "app_password", "expires": expires}
    assert authentik.find_token("login")["intent"] == "app_password"


@pytest.mark.parametrize("intent", ["recovery", "verification"])
def test_authentiks_own_intents_are_refused_without_a_request(run_playbook, authentik, intent):
    run = run_playbook([task("own intent", identifier="t1", intent=intent)])
    assert failed(run)
    assert run.last["msg"].startswith("Invalid intent: %s tokens are made by authentik itself" % intent)
    assert authentik.requests == []


def test_tokens_of_authentiks_own_intents_are_not_changed_but_may_be_deleted(run_playbook, authentik):
    authentik.add_token("flow-token", intent="recovery")
    for args in (dict(description="x"), dict(intent="api"), dict(rotate=True)):
        run = run_playbook([task("change", identifier="flow-token", **args)])
        assert failed(run)
        assert "has intent recovery" in run.last["msg"], run.last["msg"]
    untouched = run_playbook([task("as it is", identifier="flow-token")])
    assert untouched.last["changed"] is False
    deleted = run_playbook([task("delete", identifier="flow-token", state="absent")])
    assert deleted.last["changed"] is True
    assert authentik.find_token("flow-token") is None


def test_expires_is_compared_as_an_instant(run_playbook, authentik):
    moment = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=6)
    authentik.add_token("login", intent="app_password", expires=moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    spellings = [moment.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                 moment.astimezone(timezone(timedelta(hours=2))).isoformat(),
                 moment.strftime("%Y-%m-%d %H:%M:%S.000000Z")]
    for spelling in spellings:
        run = run_playbook([task("same", identifier="login", expires=spelling)])
        assert run.last["changed"] is False, (spelling, run.output)
        assert calls(authentik) == [("GET", token_path("login"))]
    later = moment + timedelta(hours=1)
    run = run_playbook([task("later", identifier="login", expires=later.isoformat())], diff=True)
    assert run.last["changed_fields"] == ["expires"]
    assert writes(authentik)[0]["body"] == {"expires": later.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                            "user": authentik.owner_pk, "intent": "app_password"}
    assert run.last["diff"]["after"]["expires"] == later.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_expires_for_an_api_token_is_refused(run_playbook, authentik):
    run = run_playbook([task("api", identifier="t1", intent="api", expires=instant(2))])
    assert failed(run)
    assert run.last["msg"].startswith("Invalid expires: authentik sets the expiry of API tokens itself")
    assert "expiring: false" in run.last["msg"]
    assert authentik.requests == []
    # Without intent, a new token is an API token, and so is an existing one that is not changed to another.
    new = run_playbook([task("default intent", identifier="t1", expires=instant(2))])
    assert failed(new) and writes(authentik) == []
    authentik.add_token("t2", intent="api")
    existing = run_playbook([task("existing", identifier="t2", expires=instant(2))])
    assert failed(existing)
    assert calls(authentik) == [("GET", token_path("t2"))]


def test_an_expiry_beyond_the_maximum_lifetime_fails_with_authentiks_message(run_playbook, authentik):
    run = run_playbook([task("too long", identifier="login", intent="app_password", expires=instant(24 * 10))])
    assert failed(run)
    assert "POST /api/v3/core/tokens/ returned HTTP 400: expires: Token expires exceeds maximum lifetime" in run.last["msg"]
    assert authentik.find_token("login") is None


def test_expiring_false_on_an_existing_api_token(run_playbook, authentik):
    authentik.add_token("t1", intent="api")
    run = run_playbook([task("keep", identifier="t1", expiring=False)])
    assert run.last["changed_fields"] == ["expiring"]
    assert writes(authentik)[0]["body"] == {"expiring": False, "user": authentik.owner_pk, "intent": "api"}
    assert authentik.find_token("t1")["expiring"] is False
    assert run_playbook([task("keep", identifier="t1", expiring=False)]).last["changed"] is False


# ---------------------------------------------------------------- keys


@per_release
def test_a_known_key_is_set_once(run_playbook, authentik):
    created = run_playbook([task("new", identifier="t1", key="first-key-1")], diff=True)
    assert created.rc == 0, created.output
    assert calls(authentik)[-2:] == [("POST", TOKENS), ("POST", token_path("t1", "set_key"))]
    assert authentik.token_key("t1") == "first-key-1"
    assert created.last["changed_fields"] == ["identifier", "intent", "key"]
    assert created.last["diff"]["after"]["key"] == "********"

    same = run_playbook([task("same", identifier="t1", key="first-key-1")], diff=True)
    assert same.last["changed"] is False
    assert calls(authentik) == [("GET", token_path("t1")), ("GET", token_path("t1", "view_key"))]

    check = run_playbook([task("other", identifier="t1", key="second-key-2")], check=True, diff=True)
    assert check.last["changed"] is True and writes(authentik) == []
    assert authentik.token_key("t1") == "first-key-1"
    assert check.last["diff"] == {"before": {"identifier": "t1", "intent": "api"},
                                  "after": {"identifier": "t1", "intent": "api", "key": "********"}}

    other = run_playbook([task("other", identifier="t1", key="second-key-2")])
    assert other.last["changed_fields"] == ["key"]
    # Only the key: no PATCH when no field differs.
    assert [(m, p) for m, p in calls(authentik) if m != "GET"] == [("POST", token_path("t1", "set_key"))]
    assert authentik.token_key("t1") == "second-key-2"


def test_rotate_sets_a_fresh_key_every_run(run_playbook, authentik):
    authentik.add_token("t1", key="the-old-key")
    check = run_playbook([task("rotate", identifier="t1", rotate=True, return_key=True)], check=True)
    assert check.last["changed"] is True and writes(authentik) == []
    assert "key" not in check.last
    assert authentik.token_key("t1") == "the-old-key"

    rotated = run_playbook([task("rotate", identifier="t1", rotate=True)], diff=True)
    assert rotated.last["changed"] is True and rotated.last["changed_fields"] == ["key"]
    assert "key" not in rotated.last
    assert calls(authentik) == [("GET", token_path("t1")), ("POST", token_path("t1", "set_key"))]
    first = authentik.token_key("t1")
    assert first != "the-old-key" and re.match(r"[A-Za-z0-9]{60}\Z", first)

    returned = run_playbook([task("rotate", identifier="t1", rotate=True, return_key=True)])
    assert returned.last["changed"] is True
    assert returned.last["key"] == authentik.token_key("t1") != first
    # The key just set is returned: no view_key.
    assert calls(authentik) == [("GET", token_path("t1")), ("POST", token_path("t1", "set_key"))]


def test_rotate_on_a_new_token(run_playbook, authentik):
    run = run_playbook([task("new", identifier="t1", rotate=True, return_key=True)])
    assert run.last["key"] == authentik.token_key("t1")
    assert [m for m, p in calls(authentik) if m != "GET"] == ["POST", "POST"]


def test_return_key(run_playbook, authentik):
    authentik.add_token("t1", key="current-key")
    run = run_playbook([task("read", identifier="t1", return_key=True)])
    assert run.last["changed"] is False and run.last["key"] == "current-key"
    assert calls(authentik) == [("GET", token_path("t1")), ("GET", token_path("t1", "view_key"))]
    check = run_playbook([task("read", identifier="t1", return_key=True)], check=True)
    assert check.last["key"] == "current-key" and writes(authentik) == []

    new_check = run_playbook([task("new", identifier="t2", return_key=True)], check=True)
    assert new_check.last["changed"] is True and "key" not in new_check.last
    assert calls(authentik) == [("GET", token_path("t2"))]
    new = run_playbook([task("new", identifier="t2", return_key=True)])
    assert new.last["key"] == authentik.token_key("t2")
    assert calls(authentik) == [("GET", token_path("t2")), ("POST", TOKENS), ("GET", token_path("t2", "view_key"))]

    # A key given is masked by Ansible wherever it appears, the returned key included.
    given = run_playbook([task("given", identifier="t1", key="current-key", return_key=True)])
    assert given.last["changed"] is False and given.last["key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_key_and_rotate_together_are_refused(run_playbook, authentik):
    run = run_playbook([task("both", identifier="t1", key="known-key-1", rotate=True)])
    assert failed(run)
    assert run.last["msg"].startswith("Invalid rotate: give either key")
    assert authentik.requests == []


# ---------------------------------------------------------------- managed tokens


def test_tokens_managed_by_authentik_are_left_alone(run_playbook, authentik):
    managed = "goauthentik.io/outpost/ak-outpost-1-api"
    authentik.add_token("ak-outpost-1-api", intent="api", expiring=False, managed=managed, key="outpost-key")
    for args in (dict(description="mine now"), dict(state="absent"), dict(key="other"), dict(rotate=True)):
        run = run_playbook([task("touch", identifier="ak-outpost-1-api", **args)])
        assert failed(run), args
        assert "is managed by authentik (managed: %s)" % managed in run.last["msg"]
        assert calls(authentik) == [("GET", token_path("ak-outpost-1-api"))]
    same = run_playbook([task("same", identifier="ak-outpost-1-api", expiring=False)])
    assert same.last["changed"] is False
    assert authentik.token_key("ak-outpost-1-api") == "outpost-key"
    assert authentik.find_token("ak-outpost-1-api")["description"] == ""


# ---------------------------------------------------------------- state absent


def test_state_absent(run_playbook, authentik):
    authentik.add_token("t1")
    check = run_playbook([task("delete", identifier="t1", state="absent")], check=True, diff=True)
    assert check.last["changed"] is True and writes(authentik) == []
    assert check.last["diff"] == {"before": {"identifier": "t1", "state": "present"},
                                  "after": {"identifier": "t1", "state": "absent"}}
    deleted = run_playbook([task("delete", identifier="t1", state="absent")])
    assert deleted.last["changed"] is True and deleted.last["token"] == {}
    assert calls(authentik) == [("GET", token_path("t1")), ("DELETE", token_path("t1"))]
    assert authentik.find_token("t1") is None
    again = run_playbook([task("delete", identifier="t1", state="absent")])
    assert again.last["changed"] is False
    assert calls(authentik) == [("GET", token_path("t1"))]


# ---------------------------------------------------------------- input refused before any request


@pytest.mark.parametrize("args,message", [
    (dict(identifier="a/b"), "Invalid identifier: 'a/b' is not a slug"),
    (dict(identifier=".."), "Invalid identifier: '..' is not a slug"),
    (dict(identifier="a b"), "Invalid identifier: 'a b' is not a slug"),
    (dict(identifier=" ab"), "Invalid identifier: ' ab' is not a slug"),
    (dict(identifier="ab\n"), "Invalid identifier"),
    (dict(identifier=""), "Invalid identifier"),
    (dict(identifier="x" * 256), "Invalid identifier: must be at most 255 characters"),
    (dict(identifier="t", intent="bogus"), "Invalid intent: 'bogus' is not one of api, app_password"),
    (dict(identifier="t", key=""), "Invalid key: must not be empty"),
    (dict(identifier="t", key="two words"), "Invalid key: must be printable ASCII without spaces"),
    (dict(identifier="t", key=" padded"), "Invalid key: must be printable ASCII without spaces"),
    (dict(identifier="t", user=""), "Invalid user: must not be empty"),
    (dict(identifier="t", user=0), "Invalid user: must be at least 1"),
    (dict(identifier="t", user=True), "Invalid user: give the owner's username"),
    (dict(identifier="t", user=["alice"]), "Invalid user: give the owner's username"),
    (dict(identifier="t", intent="app_password", expires="soon"), "Invalid expires: 'soon' is not an ISO 8601"),
    (dict(identifier="t", description="a\x00b"), "Invalid description: must not contain NUL"),
    (dict(identifier="t", state="absent", return_key=True), "Invalid return_key: only with state: present"),
    (dict(identifier="t", state="absent", rotate=True), "Invalid rotate: only with state: present"),
])
def test_bad_input_is_refused_without_a_request(run_playbook, authentik, args, message):
    run = run_playbook([task("bad", **args)])
    assert failed(run)
    # ansible-core 2.21 refuses a NUL character in its syslog entry before the module's own check runs.
    assert run.last["msg"].startswith((message, SYSLOG_REFUSES_NUL)), run.last["msg"]
    assert authentik.requests == []


def test_a_refused_key_is_not_shown(run_playbook, authentik):
    run = run_playbook([task("bad", identifier="t", key="secret with spaces")], verbosity=4)
    assert failed(run)
    assert "secret with spaces" not in run.output


# ---------------------------------------------------------------- secrets at -vvvv


def assert_only_as_result_key(output, key):
    """Every occurrence of `key` in the output is the value of a result's "key" field."""
    assert output.count(key) == output.count('"key": "%s"' % key) > 0, output


def test_a_given_key_is_never_shown(run_playbook, authentik):
    authentik.add_token("t1", key="server-key-before-9f2c")
    run = run_playbook([task("set", identifier="t1", key="given-key-5b7e1d", description="d")],
                       verbosity=4, diff=True)
    assert run.rc == 0, run.output
    assert authentik.token_key("t1") == "given-key-5b7e1d"
    for secret in ("given-key-5b7e1d", "server-key-before-9f2c"):
        assert secret not in run.output
    again = run_playbook([task("again", identifier="t1", key="given-key-5b7e1d", return_key=True)],
                         verbosity=4, diff=True)
    assert again.last["changed"] is False
    assert "given-key-5b7e1d" not in again.output


def test_a_rotated_key_is_never_shown_unless_returned(run_playbook, authentik):
    authentik.add_token("t1", key="server-key-before-3a8d")
    run = run_playbook([task("rotate", identifier="t1", rotate=True)], verbosity=4, diff=True)
    assert run.rc == 0, run.output
    for secret in ("server-key-before-3a8d", authentik.token_key("t1")):
        assert secret not in run.output

    returned = run_playbook([task("rotate", identifier="t1", rotate=True, return_key=True)], verbosity=4, diff=True)
    assert returned.rc == 0, returned.output
    new_key = authentik.token_key("t1")
    assert_only_as_result_key(returned.output, new_key)


def test_return_key_shows_the_key_only_in_the_result(run_playbook, authentik):
    authentik.add_token("t1", key="server-key-7c4b")
    plain = run_playbook([task("plain", identifier="t1", description="d")], verbosity=4, diff=True)
    assert plain.rc == 0, plain.output
    assert "server-key-7c4b" not in plain.output
    run = run_playbook([task("read", identifier="t1", return_key=True, description="d")], verbosity=4, diff=True)
    assert run.rc == 0, run.output
    assert_only_as_result_key(run.output, "server-key-7c4b")


def test_no_log_hides_a_returned_key(run_playbook, authentik):
    authentik.add_token("t1", key="server-key-2e9a")
    tasks = [dict(task("read", identifier="t1", return_key=True), no_log=True, register="read"),
             dict(task("rotate", identifier="t1", rotate=True, return_key=True), no_log=True, register="rotated")]
    run = run_playbook(tasks, verbosity=4, diff=True)
    assert run.rc == 0, run.output
    rotated = authentik.token_key("t1")
    assert rotated != "server-key-2e9a"
    for secret in ("server-key-2e9a", rotated):
        assert secret not in run.output


# ---------------------------------------------------------------- a key that cannot be set


def test_a_new_token_whose_key_cannot_be_set_is_deleted_again(run_playbook, authentik):
    authentik.inject("status", count=5, status=503, match={"method": "POST", "path_prefix": "/core/tokens/t1/set_key/"})
    run = run_playbook([task("create", identifier="t1", key="wanted-key-4d1f", retries=0)], verbosity=4)
    assert failed(run)
    assert run.last["msg"].startswith("POST /api/v3/core/tokens/t1/set_key/ returned HTTP 503")
    assert run.last["msg"].endswith("the token created in this run was deleted again, so a rerun starts clean")
    assert authentik.find_token("t1") is None
    assert [(m, p) for m, p in calls(authentik) if m != "GET"] == [
        ("POST", TOKENS), ("POST", token_path("t1", "set_key")), ("DELETE", token_path("t1"))]
    assert "wanted-key-4d1f" not in run.output


def test_a_key_that_cannot_be_set_after_a_saved_patch_reports_changed(run_playbook, authentik):
    authentik.add_token("t1", key="old-key-8e2a")
    authentik.inject("status", count=5, status=503, match={"method": "POST", "path_prefix": "/core/tokens/t1/set_key/"})
    run = run_playbook([task("update", identifier="t1", description="d", rotate=True, retries=0)], verbosity=4)
    assert failed(run)
    assert run.last["changed"] is True
    assert run.last["msg"].endswith("the other changes (description) were saved")
    assert authentik.token_key("t1") == "old-key-8e2a" and "old-key-8e2a" not in run.output


# ---------------------------------------------------------------- review findings


def test_a_cut_off_key_answer_is_never_shown(run_playbook, authentik):
    """A view_key answer cut off on the way (a truncating proxy) would hold the start of the key: the error leaves
    the answer out, at -vvvv too."""
    authentik.add_token("tk-api", key="SecretKey123abcdef")
    authentik.inject("truncated", count=10, match={"method": "GET", "path_prefix": "/core/tokens/tk-api/view_key/"})
    run = run_playbook([task("compare", identifier="tk-api", key="OtherKey999", retries=1, retry_delay=0)],
                       verbosity=4)
    assert failed(run)
    assert "it is not shown because it may hold the token's key" in run.last["msg"]
    assert run.last.get("body") is None
    assert '\\"key\\"' not in run.output and "SecretKey" not in run.output
    assert writes(authentik) == []


def test_state_absent_deletes_only_the_named_owners_token(run_playbook, authentik, alice):
    authentik.add_token("shared-name", user="alice", intent="app_password")
    for check in (True, False):
        run = run_playbook([task("delete", identifier="shared-name", user="akadmin", state="absent")], check=check)
        assert failed(run)
        assert run.last["msg"] == ("Invalid user: token 'shared-name' belongs to 'alice' (pk %d), not to 'akadmin'; "
                                   "nothing was deleted" % alice["pk"])
        assert writes(authentik) == []
    mine = run_playbook([task("delete", identifier="shared-name", user="alice", state="absent")])
    assert mine.last["changed"] is True and authentik.find_token("shared-name") is None


def non_superuser_task(authentik, key, title, **args):
    return {"name": title, MODULE: dict(args, api_url=authentik.url, api_token=key)}


def test_a_token_authentik_gives_another_owner_is_deleted_and_expiring_set_right(run_playbook, authentik, alice):
    """authentik creates a non-superuser's tokens for that user, and takes `expiring` from the user's own settings,
    whatever the body says (API-lifecycle.md 3.2)."""
    bob = authentik.add_user("bob")
    authentik.add_role("user-readers", permissions=["authentik_core.view_user"], users=[bob["pk"]])
    authentik.add_token("bob-api", user="bob", intent="api", expiring=False, key="bob-key-3f9a")
    as_bob = [non_superuser_task(authentik, "bob-key-3f9a", "for alice", identifier="for-alice", user="alice",
                                 intent="app_password")]
    run = run_playbook(as_bob, connection=False)
    assert failed(run)
    assert run.last["msg"].startswith("authentik created token 'for-alice' for the token's own owner (pk %d) "
                                      "instead of user %d" % (bob["pk"], alice["pk"]))
    assert authentik.find_token("for-alice") is None

    own = [non_superuser_task(authentik, "bob-key-3f9a", "own", identifier="bob-ci", expiring=False)]
    first = run_playbook(own, connection=False)
    assert first.rc == 0, first.output
    assert authentik.find_token("bob-ci")["expiring"] is False
    assert first.last["token"]["expiring"] is False
    correction = {"expiring": False, "user": bob["pk"], "intent": "api"}
    assert [entry["body"] for entry in writes(authentik)][-1] == correction
    again = run_playbook(own, connection=False)
    assert again.last["changed"] is False and writes(authentik) == []
