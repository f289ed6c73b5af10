"""akops.authentik.authentik_service_account through the real ansible-playbook, against each emulated release that
differs for service accounts: 2025.8 (the body read raw, database errors), 2025.10 (validated, trimmed) and 2026.5."""

from datetime import datetime, timedelta, timezone

import pytest

from tests.integration.conftest import TOKEN, writes
from tests.server.authentik_server import AuthentikServer

SYSLOG_REFUSES_NUL = "Failed to log to syslog (embedded null character)"
MODULE = "akops.authentik.authentik_service_account"
USERS = "/api/v3/core/users/"
CREATE = "/api/v3/core/users/service_account/"
TOKENS = "/api/v3/core/tokens/"
FAST = dict(retry_delay=0.01, retry_max_delay=0.05)


@pytest.fixture(scope="module", params=["2025.8", "2025.10", "2026.5"])
def server(request):
    """Overrides the session server: each test here runs against each emulated release."""
    with AuthentikServer(token=TOKEN, version=request.param) as srv:
        yield srv


def task(title, **args):
    return {"name": title, MODULE: dict(FAST, **args)}


def calls(srv):
    return [(entry["method"], entry["path"]) for entry in srv.requests]


def password_token(name):
    return "service-account-%s-password" % name


def token_path(name):
    return "%s%s/" % (TOKENS, password_token(name))


def soon(hours=1):
    """An instant within authentik's maximum lifetime for a later change of an app password (one day)."""
    return (datetime.now(timezone.utc) + timedelta(hours=hours)).replace(microsecond=0)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- the ladder


def test_check_create_rerun(run_playbook, authentik):
    check = run_playbook([task("create", name="backup-bot")], check=True, diff=True)
    assert check.rc == 0, check.output
    assert check.last["changed"] is True
    assert writes(authentik) == []
    assert check.last["service_account"] == {"pk": None, "username": "backup-bot", "uid": None,
                                             "token_identifier": password_token("backup-bot"), "expiring": True}
    assert "token" not in check.last
    assert check.last["diff"] == {"before": {}, "after": {"name": "backup-bot"}}
    assert authentik.find_user("backup-bot") is None

    created = run_playbook([task("create", name="backup-bot")], diff=True)
    assert created.rc == 0, created.output
    user = authentik.find_user("backup-bot")
    assert user["type"] == "service_account"
    assert created.last["changed"] is True
    assert created.last["changed_fields"] == ["name"]
    assert created.last["service_account"] == {"pk": user["pk"], "username": "backup-bot", "uid": user["uid"],
                                               "token_identifier": password_token("backup-bot"), "expiring": True}
    assert "token" not in created.last
    assert created.last["diff"] == check.last["diff"]
    # The user lookup, the token identifier check, then the one create.
    assert calls(authentik) == [("GET", USERS), ("GET", token_path("backup-bot")), ("POST", CREATE)]
    assert writes(authentik)[0]["body"] == {"name": "backup-bot"}
    key = authentik.token_key(password_token("backup-bot"))
    assert key and key not in created.output

    again = run_playbook([task("create", name="backup-bot")], diff=True)
    assert again.rc == 0, again.output
    assert again.last["changed"] is False
    assert calls(authentik) == [("GET", USERS)]
    assert again.last["service_account"] == {"pk": user["pk"], "username": "backup-bot", "uid": user["uid"],
                                             "token_identifier": password_token("backup-bot")}


def test_up_to_date_account_costs_one_request_and_two_with_expiry(run_playbook, authentik):
    run_playbook([task("create", name="ci", expiring=False)])
    plain = run_playbook([task("plain", name="ci")])
    assert plain.last["changed"] is False
    assert calls(authentik) == [("GET", USERS)]
    assert plain.last["service_account"]["username"] == "ci"
    assert "expiring" not in plain.last["service_account"]

    with_expiry = run_playbook([task("expiry", name="ci", expiring=False)])
    assert with_expiry.last["changed"] is False
    assert calls(authentik) == [("GET", USERS), ("GET", token_path("ci"))]
    assert with_expiry.last["service_account"]["expiring"] is False


def test_name_is_trimmed_on_every_release(run_playbook, authentik):
    created = run_playbook([task("create", name="  spaced-bot ")])
    assert created.rc == 0, created.output
    assert writes(authentik)[0]["body"] == {"name": "spaced-bot"}
    assert authentik.find_user("spaced-bot") is not None
    again = run_playbook([task("again", name="spaced-bot ")])
    assert again.last["changed"] is False


def test_create_with_every_option(run_playbook, authentik):
    run = run_playbook([task("create", name="ldap-sync", create_group=True, expiring=False,
                             expires="2030-01-01T01:00:00+01:00")], diff=True)
    assert run.rc == 0, run.output
    assert writes(authentik)[0]["body"] == {"name": "ldap-sync", "create_group": True, "expiring": False,
                                            "expires": "2030-01-01T00:00:00Z"}
    assert run.last["changed_fields"] == ["create_group", "expires", "expiring", "name"]
    account = run.last["service_account"]
    group = authentik.store.group_json(next(g for g in authentik.store.groups.values() if g["name"] == "ldap-sync"))
    assert account["group_pk"] == group["pk"]
    assert account["expiring"] is False and account["expires"] == "2030-01-01T00:00:00Z"
    token = authentik.find_token(password_token("ldap-sync"))
    assert (token["intent"], token["expiring"]) == ("app_password", False)
    assert token["expires"].startswith("2030-01-01T00:00:00")
    assert run.last["diff"]["after"] == {"name": "ldap-sync", "create_group": True, "expiring": False,
                                         "expires": "2030-01-01T00:00:00Z"}
    # Later, the same instant spelled otherwise is no change; create_group compares nothing.
    again = run_playbook([task("again", name="ldap-sync", create_group=True, expiring=False,
                               expires="2030-01-01T00:00:00.000Z")])
    assert again.last["changed"] is False
    assert writes(authentik) == []


# ---------------------------------------------------------------- the app password in the result


def test_return_token_only_on_creation(run_playbook, authentik):
    created = run_playbook([task("create", name="ldap", return_token=True)])
    assert created.rc == 0, created.output
    assert created.last["token"] == authentik.token_key(password_token("ldap"))
    again = run_playbook([task("again", name="ldap", return_token=True)])
    assert again.last["changed"] is False
    assert "token" not in again.last


def test_token_never_shown_at_vvvv(run_playbook, authentik):
    quiet = run_playbook([task("without", name="quiet-bot")], diff=True, verbosity=4)
    assert quiet.rc == 0, quiet.output
    key = authentik.token_key(password_token("quiet-bot"))
    assert key not in quiet.output and all(key not in str(entry) for entry in quiet.results)

    hidden = run_playbook([dict(task("with", name="hidden-bot", return_token=True), no_log=True)],
                          diff=True, verbosity=4)
    assert hidden.rc == 0, hidden.output
    key = authentik.token_key(password_token("hidden-bot"))
    assert key not in hidden.output and all(key not in str(entry) for entry in hidden.results)
    assert TOKEN not in hidden.output


def test_check_mode_never_returns_a_token(run_playbook, authentik):
    check = run_playbook([task("check", name="dry-bot", return_token=True)], check=True)
    assert check.last["changed"] is True
    assert "token" not in check.last
    assert writes(authentik) == []


# ---------------------------------------------------------------- expiry through the token


def test_expiring_changes_through_a_token_patch_with_user_and_intent(run_playbook, authentik):
    run_playbook([task("create", name="sync")])
    user = authentik.find_user("sync")
    check = run_playbook([task("stop expiring", name="sync", expiring=False)], check=True, diff=True)
    assert check.last["changed"] is True
    assert writes(authentik) == []
    assert check.last["diff"]["before"] == {"name": "sync", "expiring": True}
    assert check.last["diff"]["after"] == {"name": "sync", "expiring": False}

    run = run_playbook([task("stop expiring", name="sync", expiring=False)], diff=True)
    assert run.rc == 0, run.output
    assert run.last["changed_fields"] == ["expiring"]
    assert run.last["service_account"]["expiring"] is False
    assert calls(authentik) == [("GET", USERS), ("GET", token_path("sync")), ("PATCH", token_path("sync"))]
    assert writes(authentik)[0]["body"] == {"expiring": False, "user": user["pk"], "intent": "app_password"}
    token = authentik.find_token(password_token("sync"))
    assert (token["user"], token["intent"], token["expiring"]) == (user["pk"], "app_password", False)

    again = run_playbook([task("again", name="sync", expiring=False)])
    assert again.last["changed"] is False
    assert writes(authentik) == []


def test_expires_is_compared_as_an_instant_and_patched(run_playbook, authentik):
    run_playbook([task("create", name="report")])
    wanted = soon()
    run = run_playbook([task("expire soon", name="report", expires=iso(wanted))], diff=True)
    assert run.rc == 0, run.output
    assert run.last["changed_fields"] == ["expires"]
    body = writes(authentik)[0]["body"]
    assert body == {"expires": iso(wanted), "user": authentik.find_user("report")["pk"], "intent": "app_password"}
    assert run.last["diff"]["after"]["expires"] == iso(wanted)
    # The same instant in another zone is no change.
    offset = wanted.astimezone(timezone(timedelta(hours=2))).isoformat()
    same = run_playbook([task("same", name="report", expires=offset)])
    assert same.last["changed"] is False
    assert writes(authentik) == []


def test_expires_beyond_the_token_lifetime_is_authentiks_error(run_playbook, authentik):
    run_playbook([task("create", name="far")])
    run = run_playbook([task("too far", name="far", expires="2031-01-01T00:00:00Z")])
    assert run.rc != 0
    assert run.last["msg"].startswith("PATCH %s returned HTTP 400: expires: Token expires exceeds maximum lifetime"
                                      % token_path("far"))


def test_missing_app_password_is_a_warning_and_no_change(run_playbook, authentik):
    run_playbook([task("create", name="orphan")])
    with authentik.store.lock:
        authentik.store.tokens.delete(authentik.store.tokens.get(password_token("orphan")))
    run = run_playbook([task("expiry", name="orphan", expiring=False)])
    assert run.rc == 0, run.output
    assert run.last["changed"] is False
    assert writes(authentik) == []
    assert run.last["warnings"] == [
        "service account 'orphan' has no app password 'service-account-orphan-password' any more (it was deleted), "
        "so expiring and expires were not compared and nothing was changed"]


# ---------------------------------------------------------------- what is refused


def test_existing_user_of_another_type_is_refused(run_playbook, authentik):
    authentik.add_user(username="jdoe")
    for state in ("present", "absent"):
        run = run_playbook([task("refused", name="jdoe", state=state)])
        assert run.rc != 0
        assert run.last["msg"] == ("Invalid name: user 'jdoe' exists and is of type 'internal', not service_account; "
                                   "this module manages only service accounts, so nothing was changed")
        assert writes(authentik) == []
    assert authentik.find_user("jdoe") is not None


def test_taken_token_identifier_is_refused_before_the_create(run_playbook, authentik):
    run_playbook([task("first", name="CI Bot")])
    run = run_playbook([task("second", name="ci-bot")], check=True)
    assert run.rc != 0
    assert run.last["msg"].startswith("Invalid name: the token identifier 'service-account-ci-bot-password' that")
    run = run_playbook([task("second", name="ci-bot")])
    assert run.rc != 0
    assert writes(authentik) == []


def test_create_group_next_to_a_group_of_that_name_is_refused(run_playbook, authentik):
    authentik.add_group(name="deployers")
    run = run_playbook([task("refused", name="deployers", create_group=True)])
    assert run.rc != 0
    assert run.last["msg"].startswith("Invalid create_group: a group named 'deployers' exists already")
    assert writes(authentik) == []


@pytest.mark.parametrize("args, message", [
    (dict(name=""), "Invalid name: must not be empty or only whitespace"),
    (dict(name="   "), "Invalid name: must not be empty or only whitespace"),
    (dict(name="x" * 151), "Invalid name: must be at most 150 characters, got 151"),
    (dict(name="a\u0000b"), "Invalid name: must not contain NUL characters"),
    (dict(name="bot", expires="next tuesday"), "Invalid expires: 'next tuesday' is not an ISO 8601 date and time"),
    (dict(name="bot", expires="0001-01-01T00:00:00+01:00"), "Invalid expires: '0001-01-01T00:00:00+01:00' is out of"),
])
def test_bad_input_is_refused_before_any_request(run_playbook, authentik, args, message):
    run = run_playbook([task("bad", **args)])
    assert run.rc != 0
    # ansible-core 2.21 refuses a NUL character in its syslog entry before the module's own check runs.
    assert run.last["msg"].startswith((message, SYSLOG_REFUSES_NUL)), run.last["msg"]
    assert authentik.requests == []


# ---------------------------------------------------------------- lost answers


@pytest.mark.parametrize("fault, options", [("status", {"status": 502, "process": True}), ("reset", {"process": True})])
def test_lost_answer_is_found_again_and_never_posted_twice(run_playbook, authentik, fault, options):
    authentik.inject(fault, match={"method": "POST", "path_prefix": "/core/users/service_account/"}, **options)
    run = run_playbook([task("create", name="flaky", return_token=True)])
    assert run.rc == 0, run.output
    assert run.last["changed"] is True
    assert [entry for entry in calls(authentik) if entry[0] == "POST"] == [("POST", CREATE)]
    user = authentik.find_user("flaky")
    assert run.last["service_account"]["pk"] == user["pk"]
    # The token in the lost answer is read back.
    assert run.last["token"] == authentik.token_key(password_token("flaky"))
    assert calls(authentik)[-2:] == [("GET", USERS), ("GET", token_path("flaky") + "view_key/")]


def test_create_that_did_not_happen_is_reported_not_repeated(run_playbook, authentik):
    authentik.inject("status", status=503, match={"method": "POST", "path_prefix": "/core/users/service_account/"})
    run = run_playbook([task("create", name="unlucky")])
    assert run.rc != 0
    assert run.last["msg"].endswith("running the task again is safe")
    assert [entry for entry in calls(authentik) if entry[0] == "POST"] == [("POST", CREATE)]
    assert authentik.find_user("unlucky") is None


def test_unreadable_create_answer_is_not_shown(run_playbook, authentik):
    """A cut-off answer to the create (here one the server did not act on, so the lookup after finds nothing and
    the error is reported) may hold the token: neither the message nor the result shows any of it."""
    authentik.inject("truncated", process=False,
                     match={"method": "POST", "path_prefix": "/core/users/service_account/"})
    run = run_playbook([task("create", name="cut")], verbosity=4)
    assert run.rc != 0
    assert run.last["msg"] == ("POST %s returned HTTP 200 with an answer the module could not read; it is not shown "
                               "because it may hold the new account's token; it was not created as far as a lookup "
                               "right after could tell; running the task again is safe" % CREATE)
    assert run.last.get("body") is None
    assert "user_uid" not in run.output
    assert authentik.find_user("cut") is None


# ---------------------------------------------------------------- deletion


def test_absent_deletes_the_account_and_its_tokens_not_its_group(run_playbook, authentik):
    run_playbook([task("create", name="gone", create_group=True)])
    authentik.add_token("gone-api", user="gone", intent="api")
    check = run_playbook([task("delete", name="gone", state="absent")], check=True, diff=True)
    assert check.last["changed"] is True
    assert writes(authentik) == []
    assert check.last["diff"] == {"before": {"username": "gone", "state": "present"},
                                  "after": {"username": "gone", "state": "absent"}}
    pk = authentik.find_user("gone")["pk"]
    run = run_playbook([task("delete", name="gone", state="absent")])
    assert run.rc == 0, run.output
    assert run.last["changed"] is True and run.last["service_account"] == {}
    assert ("DELETE", "%s%d/" % (USERS, pk)) in calls(authentik)
    assert authentik.find_user("gone") is None
    assert authentik.find_token("gone-api") is None and authentik.find_token(password_token("gone")) is None
    assert any(group["name"] == "gone" for group in authentik.store.groups.values())
    again = run_playbook([task("again", name="gone", state="absent")])
    assert again.last["changed"] is False
    assert calls(authentik) == [("GET", USERS)]


def test_deleting_the_tokens_own_account_is_refused(run_playbook, authentik):
    admins = next(g for g in authentik.store.groups.values() if g["name"] == "authentik Admins")
    authentik.add_user(username="automation", type="service_account", groups=[admins["uuid"]])
    authentik.add_token("automation-api", user="automation", intent="api", key="automation-key-2291", expiring=False)
    run = run_playbook([task("self", name="automation", state="absent", api_token="automation-key-2291")],
                       check=True)
    assert run.rc != 0
    assert run.last["msg"] == ("Refusing to delete user 'automation': it owns the API token this task runs with, so "
                               "the task would lock itself out; set allow_self_lockout: true to do it anyway")
    assert writes(authentik) == []
    allowed = run_playbook([task("self", name="automation", state="absent", api_token="automation-key-2291",
                                 allow_self_lockout=True)])
    assert allowed.rc == 0, allowed.output
    assert authentik.find_user("automation") is None
