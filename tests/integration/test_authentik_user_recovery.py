"""akops.authentik.authentik_user_recovery through the real ansible-playbook, on releases whose recovery actions
differ: 2025.10 and 2025.12 (the email stage in the query string, no token_duration), 2026.5 (a JSON body)."""

from datetime import datetime, timedelta, timezone

import pytest

from tests.integration.conftest import TOKEN, writes
from tests.server.authentik_server import AuthentikServer

MODULE = "akops.authentik.authentik_user_recovery"
NEWER = ("2026.5",)


@pytest.fixture(scope="module", params=["2025.10", "2025.12", "2026.5"])
def server(request):
    """Overrides the session server: each test here runs against each emulated release."""
    with AuthentikServer(token=TOKEN, version=request.param) as srv:
        yield srv


def task(title, no_log=False, **args):
    entry = {"name": title, MODULE: args}
    if no_log:
        entry["no_log"] = True
    return entry


@pytest.fixture
def jdoe(authentik):
    return authentik.add_user(username="jdoe", name="Jane", email="jdoe@example.com")


@pytest.fixture
def stages(authentik):
    return authentik.configure_recovery(email_stages=["recovery-email", "welcome-email"])["email_stages"]


def flow_key(authentik, user):
    return authentik.token_key("%s-password-reset" % user["uid"])


def test_a_link_is_returned_and_reissued_on_every_run(run_playbook, authentik, jdoe, stages):
    first = run_playbook([task("link", username="jdoe")])
    assert first.rc == 0, first.output
    key = flow_key(authentik, jdoe)
    assert first.last["link"] == "%s/if/flow/default-recovery-flow/?flow_token=%s" % (authentik.url, key)
    assert first.last["changed"] is True
    assert first.last["action"] == "recovery link for jdoe"
    assert first.last["user"] == {"pk": jdoe["pk"], "username": "jdoe"}
    # The user, then the one action.
    assert [(e["method"], e["path"]) for e in authentik.requests] == [
        ("GET", "/api/v3/core/users/"), ("POST", "/api/v3/core/users/%d/recovery/" % jdoe["pk"])]
    assert authentik.requests[1]["body"] is None

    again = run_playbook([task("link", pk=jdoe["pk"])])
    assert again.last["changed"] is True and again.last["link"] == first.last["link"]
    assert [e["method"] for e in authentik.requests] == ["GET", "POST"]


def test_check_mode_sends_nothing_and_returns_no_link(run_playbook, authentik, jdoe, stages):
    for method, extra in (("link", {}), ("email", {"email_stage": "recovery-email"})):
        run = run_playbook([task("check", username="jdoe", method=method, **extra)], check=True, diff=True)
        assert run.rc == 0, run.output
        assert run.last["changed"] is True
        assert "link" not in run.last
        assert writes(authentik) == []
    assert authentik.recovery_emails == []
    assert authentik.find_token("%s-password-reset" % jdoe["uid"]) is None


def test_an_email_goes_through_the_stage_named_or_given_by_uuid(run_playbook, authentik, jdoe, stages, server):
    by_name = run_playbook([task("email", username="jdoe", method="email", email_stage="welcome-email")])
    assert by_name.rc == 0, by_name.output
    assert "link" not in by_name.last
    assert by_name.last["email_stage"] == {"pk": stages["welcome-email"], "name": "welcome-email"}
    sent = authentik.recovery_emails
    assert [(mail["to"], mail["stage_name"]) for mail in sent] == [("jdoe@example.com", "welcome-email")]
    post = writes(authentik)[-1]
    # The form the release reads: the query string up to 2025.12, a JSON body from 2026.2.
    if server.version.text in NEWER:
        assert (post["query"], post["body"]) == ({}, {"email_stage": stages["welcome-email"]})
    else:
        assert (post["query"], post["body"]) == ({"email_stage": [stages["welcome-email"]]}, None)
    # The user, the stage by name, the release (one filtered user list), the email.
    assert [(e["method"], e["path"]) for e in authentik.requests] == [
        ("GET", "/api/v3/core/users/"), ("GET", "/api/v3/stages/email/"), ("GET", "/api/v3/core/users/"),
        ("POST", "/api/v3/core/users/%d/recovery_email/" % jdoe["pk"])]

    by_uuid = run_playbook([task("email", username="jdoe", method="email",
                                 email_stage=stages["recovery-email"].upper())])
    assert by_uuid.rc == 0, by_uuid.output
    assert authentik.recovery_emails[-1]["stage_name"] == "recovery-email"
    # A stage given by UUID needs its own read, never the stage list.
    assert "/api/v3/stages/email/%s/" % stages["recovery-email"] in [e["path"] for e in authentik.requests]
    assert "/api/v3/stages/email/" not in [e["path"] for e in authentik.requests]


def test_token_duration_on_releases_that_take_it(run_playbook, authentik, jdoe, stages, server):
    run = run_playbook([task("link", username="jdoe", token_duration="days=3")])
    if server.version.text not in NEWER:
        assert run.rc != 0
        assert run.last["msg"].startswith("Invalid token_duration: authentik takes it from 2026.2 on")
        assert writes(authentik) == []
        email = run_playbook([task("email", username="jdoe", method="email", email_stage="welcome-email",
                                   token_duration="days=3")], check=True)
        assert email.rc != 0 and writes(authentik) == []
        return
    assert run.rc == 0, run.output
    assert writes(authentik)[-1]["body"] == {"token_duration": "days=3"}
    token = authentik.find_token("%s-password-reset" % jdoe["uid"])
    left = datetime.fromisoformat(token["expires"].replace("Z", "+00:00")) - datetime.now(timezone.utc)
    assert timedelta(days=2, hours=23) < left <= timedelta(days=3)
    email = run_playbook([task("email", username="jdoe", method="email", email_stage="welcome-email",
                               token_duration="hours=5")])
    assert email.rc == 0, email.output
    assert writes(authentik)[-1]["body"] == {"email_stage": stages["welcome-email"], "token_duration": "hours=5"}


def test_authentiks_refusals_are_one_line_errors_that_say_what_to_set_up(run_playbook, authentik, jdoe):
    no_flow = run_playbook([task("no flow", username="jdoe")])
    assert no_flow.rc != 0
    assert no_flow.last["msg"] == ("POST /api/v3/core/users/%d/recovery/ returned HTTP 400: No recovery flow set.; "
                                   "set a recovery flow on the brand (System > Brands) first" % jdoe["pk"])

    authentik.configure_recovery(email_stages=["recovery-email"], inapplicable_users=["jdoe"])
    refused = run_playbook([task("refused", username="jdoe")])
    assert refused.rc != 0
    assert "Recovery flow not applicable to user" in refused.last["msg"]
    assert "policies do not allow this user" in refused.last["msg"]


def test_what_cannot_work_fails_before_anything_is_sent(run_playbook, authentik, jdoe, stages):
    authentik.add_user(username="nomail", name="No Mail")
    cases = [
        (dict(username="ghost"), "User 'ghost' does not exist; nothing was sent"),
        (dict(pk=99999), "User 99999 does not exist; nothing was sent"),
        (dict(username="nomail", method="email", email_stage="recovery-email"),
         "User 'nomail' has no email address, so authentik cannot send a recovery email"),
        (dict(username="jdoe", method="email", email_stage="no-such-stage"), "Email stage 'no-such-stage' does not exist"),
        (dict(username="jdoe", method="email", email_stage="00000000-0000-4000-8000-000000000000"),
         "Email stage '00000000-0000-4000-8000-000000000000' does not exist"),
    ]
    for args, message in cases:
        for check in (False, True):
            run = run_playbook([task("bad", **args)], check=check)
            assert run.rc != 0, run.output
            assert message in run.last["msg"]
            assert writes(authentik) == []
    assert authentik.recovery_emails == []


BAD_INPUT = [
    (dict(username=" "), "Invalid username: must not be empty"),
    (dict(pk=0), "Invalid pk: must be at least 1"),
    (dict(username="jdoe", method="email"), "Invalid email_stage: method=email needs the email stage"),
    (dict(username="jdoe", email_stage="recovery-email"), "Invalid email_stage: only method=email sends an email"),
    (dict(username="jdoe", token_duration="hour=1"), "Invalid token_duration: 'hour=1' is not a duration"),
    (dict(username="jdoe", token_duration="days=0"), "is no time at all"),
    (dict(username="jdoe", token_duration="days=-1"), "is not a duration"),
    (dict(username="jdoe", token_duration="weeks=999999"), "is longer than 365000 days"),
    (dict(username="jdoe", token_duration="days=1;days=2"), "names days twice"),
    (dict(username="jdoe", method="sms"), "method"),
    (dict(username="jdoe", pk=1), "mutually exclusive"),
    (dict(), "one of the following is required"),
]


@pytest.mark.parametrize("args,message", BAD_INPUT)
def test_bad_input_is_refused_before_any_request(run_playbook, authentik, args, message):
    run = run_playbook([task("bad", **args)])
    assert run.rc != 0
    assert message in run.last["msg"], run.last["msg"]
    assert "Traceback" not in run.output
    assert authentik.requests == []


@pytest.mark.parametrize("no_log", [True, False])
def test_the_link_never_shows_where_it_was_not_asked_for(run_playbook, authentik, jdoe, stages, no_log):
    """At -vvvv: an email task never shows the recovery token; a link task shows it only in its own result, and
    with no_log not at all."""
    email = run_playbook([task("email", no_log=no_log, username="jdoe", method="email", email_stage="recovery-email")],
                         verbosity=4)
    assert email.rc == 0, email.output
    key = flow_key(authentik, jdoe)
    assert key not in email.output

    link = run_playbook([task("link", no_log=no_log, username="jdoe")], verbosity=4)
    assert link.rc == 0, link.output
    assert flow_key(authentik, jdoe) == key
    if no_log:
        assert key not in link.output
    else:
        assert link.output.count(key) >= 1
        assert link.last["link"].endswith(key)

    authentik.configure_recovery(flow=None)
    failed = run_playbook([task("refused", no_log=no_log, username="jdoe")], verbosity=4)
    assert failed.rc != 0
    assert key not in failed.output


def test_a_cut_off_link_answer_is_never_shown(run_playbook, authentik, jdoe, stages):
    """A recovery answer cut off on the way would hold the start of the link: the error leaves the answer out."""
    authentik.inject("truncated", count=1, match={"method": "POST", "path_prefix": "/core/users/%d/recovery/" % jdoe["pk"]})
    run = run_playbook([task("link", username="jdoe")], verbosity=4)
    assert run.rc != 0
    assert "it is not shown because it may hold the recovery link" in run.last["msg"]
    assert run.last.get("body") is None
    assert "flow_token" not in run.output
