"""The local server's /core/users/{id}/recovery/ and /recovery_email/ (API-lifecycle.md section 5), per release."""

from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.unit.server.conftest import call

NO_FLOW = {"non_field_errors": "No recovery flow set."}
NOT_APPLICABLE = {"non_field_errors": "Recovery flow not applicable to user"}
NO_EMAIL = {"non_field_errors": "User does not have an email address set."}
STAGE_MISSING_OLD = {"non_field_errors": "Email stage does not exist."}
STAGE_MISSING = {"non_field_errors": "Email stage not found."}
FORBIDDEN = {"detail": "You do not have permission to perform this action."}
RELEASES = ["2025.10", "2025.12", "2026.2", "2026.5"]
QUERY_RELEASES = ["2025.10", "2025.12"]
BODY_RELEASES = ["2026.2", "2026.5"]
SERVER_ERROR_TITLE = "<title>Server Error (500)</title>"


def left(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")) - datetime.now(timezone.utc)


def flow_token(authentik, user):
    return authentik.find_token(f"{user['uid']}-password-reset")


def problems(authentik):
    return [(e["path"], e["unknown_fields"], e["schema_errors"]) for e in authentik.requests
            if e["unknown_fields"] or e["schema_errors"]]


def send_email(authentik, version, user, stage):
    """recovery_email as the release takes it: ?email_stage= up to 2025.12, a JSON body from 2026.2."""
    path = f"/core/users/{user['pk']}/recovery_email/"
    if version in BODY_RELEASES:
        return call(authentik, "POST", path, json={"email_stage": stage})
    return call(authentik, "POST", path, params={"email_stage": stage})


# ----------------------------------------------------------------------- recovery


@pytest.mark.parametrize("version", RELEASES)
def test_no_recovery_flow_by_default(servers, version):
    authentik = servers(version)
    user = authentik.add_user("alice", email="alice@example.com")
    for path in ("recovery/", "recovery_email/"):
        response = call(authentik, "POST", f"/core/users/{user['pk']}/{path}", params={"email_stage": "x"},
                        json={"email_stage": "00000000-0000-4000-8000-000000000000"})
        assert (response.status_code, response.json()) == (400, NO_FLOW if path == "recovery/" else (
            NO_FLOW if version in QUERY_RELEASES else STAGE_MISSING)), path


@pytest.mark.parametrize("version", RELEASES)
def test_recovery_link_points_at_the_flow_with_a_stable_token(servers, version):
    authentik = servers(version)
    user = authentik.add_user("alice")
    authentik.configure_recovery(flow="my-recovery")
    response = call(authentik, "POST", f"/core/users/{user['pk']}/recovery/")
    assert response.status_code == 200
    token = flow_token(authentik, user)
    key = authentik.token_key(token["identifier"])
    assert response.json() == {"link": f"{authentik.url}/if/flow/my-recovery/?flow_token={key}"}
    assert call(authentik, "POST", f"/core/users/{user['pk']}/recovery/").json() == response.json()
    assert token["user"] == user["pk"] and token["identifier"] in [
        t["identifier"] for t in call(authentik, "GET", "/core/tokens/").json()["results"]]
    assert problems(authentik) == []


def test_recovery_refusals(authentik):
    user = authentik.add_user("alice")
    authentik.configure_recovery(inapplicable_users=["alice"])
    response = call(authentik, "POST", f"/core/users/{user['pk']}/recovery/")
    assert (response.status_code, response.json()) == (400, NOT_APPLICABLE)
    missing = call(authentik, "POST", "/core/users/999/recovery/")
    assert (missing.status_code, missing.json()) == (404, {"detail": "No User matches the given query."})
    assert flow_token(authentik, user) is None


def test_reset_brings_back_no_recovery_flow(authentik):
    authentik.configure_recovery()
    authentik.reset()
    assert call(authentik, "POST", "/core/users/1/recovery/").json() == NO_FLOW


@pytest.mark.parametrize("version", QUERY_RELEASES)
def test_before_2026_2_an_existing_token_keeps_its_expiry(servers, version):
    authentik = servers(version)
    user = authentik.add_user("alice")
    authentik.configure_recovery()
    call(authentik, "POST", f"/core/users/{user['pk']}/recovery/")
    first = flow_token(authentik, user)["expires"]
    assert timedelta(hours=23, minutes=59) < left(first) <= timedelta(days=1)
    call(authentik, "POST", f"/core/users/{user['pk']}/recovery/", json={"token_duration": "hours=1"})
    assert flow_token(authentik, user)["expires"] == first
    assert problems(authentik) == [(f"/api/v3/core/users/{user['pk']}/recovery/", ["token_duration"], [])]


@pytest.mark.parametrize("version", BODY_RELEASES)
def test_from_2026_2_token_duration_resets_the_expiry_on_every_call(servers, version):
    authentik = servers(version)
    user = authentik.add_user("alice")
    authentik.configure_recovery()
    path = f"/core/users/{user['pk']}/recovery/"
    assert call(authentik, "POST", path, json={"token_duration": "hours=2"}).status_code == 200
    assert timedelta(hours=1, minutes=59) < left(flow_token(authentik, user)["expires"]) <= timedelta(hours=2)
    assert call(authentik, "POST", path).status_code == 200
    assert timedelta(hours=23, minutes=59) < left(flow_token(authentik, user)["expires"]) <= timedelta(days=1)
    blank = call(authentik, "POST", path, json={"token_duration": ""})
    assert (blank.status_code, blank.json()) == (400, {"token_duration": ["This field may not be blank."]})
    invalid = call(authentik, "POST", path, json={"token_duration": "soon"})
    assert invalid.status_code == 500 and SERVER_ERROR_TITLE in invalid.text
    assert problems(authentik) == []


# ----------------------------------------------------------------- recovery_email


@pytest.mark.parametrize("version", RELEASES)
def test_recovery_email_is_sent_and_recorded(servers, version):
    authentik = servers(version)
    user = authentik.add_user("alice", email="alice@example.com")
    stage = authentik.configure_recovery(flow="reset", email_stages=["recovery-email"])["email_stages"][
        "recovery-email"]
    response = send_email(authentik, version, user, stage)
    assert (response.status_code, response.content) == (204, b"")
    token = flow_token(authentik, user)
    link = f"{authentik.url}/if/flow/reset/?flow_token={authentik.token_key(token['identifier'])}"
    assert authentik.recovery_emails == [{
        "to": "alice@example.com", "user": user["pk"], "username": "alice", "email_stage": stage,
        "stage_name": "recovery-email", "link": link, "token": token["identifier"], "expires": token["expires"]}]
    assert problems(authentik) == []


@pytest.mark.parametrize("version", QUERY_RELEASES)
def test_recovery_email_up_to_2025_12_reads_the_query(servers, version):
    authentik = servers(version)
    user = authentik.add_user("alice", email="alice@example.com")
    no_email = authentik.add_user("bob")
    stage = authentik.configure_recovery(email_stages=["s"])["email_stages"]["s"]
    path = f"/core/users/{user['pk']}/recovery_email/"
    ignored = call(authentik, "POST", path, json={"email_stage": stage})
    assert (ignored.status_code, ignored.json()) == (400, STAGE_MISSING_OLD)
    assert flow_token(authentik, user) is not None  # made before the stage was looked up
    assert problems(authentik) == [(f"/api/v3{path}", ["email_stage"], [])]
    response = call(authentik, "POST", f"/core/users/{no_email['pk']}/recovery_email/", params={"email_stage": stage})
    assert (response.status_code, response.json()) == (400, NO_EMAIL)
    bad = call(authentik, "POST", path, params={"email_stage": "not-a-uuid"})
    assert bad.status_code == 500 and SERVER_ERROR_TITLE in bad.text
    assert authentik.recovery_emails == []


def test_up_to_2025_12_the_flow_is_checked_before_the_stage(servers):
    authentik = servers("2025.12")
    user = authentik.add_user("alice", email="alice@example.com")
    response = call(authentik, "POST", f"/core/users/{user['pk']}/recovery_email/",
                    params={"email_stage": "00000000-0000-4000-8000-000000000000"})
    assert (response.status_code, response.json()) == (400, NO_FLOW)


@pytest.mark.parametrize("version", BODY_RELEASES)
def test_recovery_email_from_2026_2_reads_the_body(servers, version):
    authentik = servers(version)
    user = authentik.add_user("alice", email="alice@example.com")
    path = f"/core/users/{user['pk']}/recovery_email/"
    stage = authentik.configure_recovery(email_stages=["s"])["email_stages"]["s"]
    missing = call(authentik, "POST", path, params={"email_stage": stage})
    assert (missing.status_code, missing.json()) == (400, {"email_stage": ["This field is required."]})
    bad = call(authentik, "POST", path, json={"email_stage": "nope"})
    assert (bad.status_code, bad.json()) == (400, {"email_stage": ["Must be a valid UUID."]})
    unknown = call(authentik, "POST", path, json={"email_stage": "00000000-0000-4000-8000-000000000000"})
    assert (unknown.status_code, unknown.json()) == (400, STAGE_MISSING)
    assert flow_token(authentik, user) is None
    sent = call(authentik, "POST", path, json={"email_stage": stage, "token_duration": "minutes=30"})
    assert sent.status_code == 204
    assert timedelta(minutes=29) < left(authentik.recovery_emails[0]["expires"]) <= timedelta(minutes=30)


def test_from_2026_2_the_stage_is_checked_before_the_flow(servers):
    authentik = servers("2026.2")
    user = authentik.add_user("alice", email="alice@example.com")
    stage = authentik.configure_recovery(flow=None, email_stages=["s"])["email_stages"]["s"]
    response = call(authentik, "POST", f"/core/users/{user['pk']}/recovery_email/", json={"email_stage": stage})
    assert (response.status_code, response.json()) == (400, NO_FLOW)
    no_email = authentik.add_user("bob")
    response = call(authentik, "POST", f"/core/users/{no_email['pk']}/recovery_email/", json={"email_stage": stage})
    assert (response.status_code, response.json()) == (400, NO_EMAIL)


# --------------------------------------------------------------- non-superusers


def _caller(authentik, permissions, object_permissions=()):
    group = authentik.add_group("helpdesk")
    authentik.add_user("carol", groups=[group["pk"]])
    authentik.add_role("helpdesk-role", permissions=permissions, object_permissions=object_permissions,
                       groups=[group["pk"]])
    authentik.add_token("carol-api", user="carol", expiring=False)
    return authentik.token_key("carol-api")


def _as(authentik, key, path, **kwargs):
    return requests.post(f"{authentik.url}/api/v3{path}", headers={"Authorization": f"Bearer {key}"}, timeout=10,
                         **kwargs)


@pytest.mark.parametrize("permissions", [["authentik_core.reset_user_password"], ["authentik_core.add_user"]])
def test_non_superuser_needs_reset_user_password_and_add_user(authentik, permissions):
    user = authentik.add_user("alice")
    authentik.configure_recovery()
    key = _caller(authentik, permissions)
    assert _as(authentik, key, f"/core/users/{user['pk']}/recovery/").json() == FORBIDDEN


def test_non_superuser_with_both_on_the_user_gets_a_link(authentik):
    user = authentik.add_user("alice", email="alice@example.com")
    stage = authentik.configure_recovery(email_stages=["s"])["email_stages"]["s"]
    key = _caller(authentik, [], object_permissions=[
        ("authentik_core.reset_user_password", "authentik_core.user", user["pk"]),
        ("authentik_core.add_user", "authentik_core.user", user["pk"])])
    assert _as(authentik, key, f"/core/users/{user['pk']}/recovery/").status_code == 200
    hidden = _as(authentik, key, f"/core/users/{user['pk']}/recovery_email/", json={"email_stage": stage})
    assert (hidden.status_code, hidden.json()) == (400, STAGE_MISSING)  # needs view_emailstage
    authentik.grant("helpdesk-role", object_permissions=[
        ("authentik_stages_email.view_emailstage", "authentik_stages_email.emailstage", stage)])
    assert _as(authentik, key, f"/core/users/{user['pk']}/recovery_email/",
               json={"email_stage": stage}).status_code == 204


# ---------------------------------------------------------------- email stages and the last_login filters


@pytest.mark.parametrize("version", ["2025.12", "2026.5"])
def test_email_stages_are_listed_by_name_and_read_by_uuid(servers, version):
    authentik = servers(version)
    stages = authentik.configure_recovery(email_stages=["recovery-email", "welcome"])["email_stages"]
    listed = call(authentik, "GET", "/stages/email/", params={"name": "welcome"})
    assert listed.status_code == 200
    assert [(s["pk"], s["name"]) for s in listed.json()["results"]] == [(stages["welcome"], "welcome")]
    assert len(call(authentik, "GET", "/stages/email/").json()["results"]) == 2
    one = call(authentik, "GET", f"/stages/email/{stages['recovery-email']}/")
    assert one.status_code == 200 and one.json()["name"] == "recovery-email"
    assert call(authentik, "GET", "/stages/email/00000000-0000-4000-8000-000000000000/").status_code == 404
    assert problems(authentik) == []


@pytest.mark.parametrize("version,filtered", [("2025.12", False), ("2026.2", True), ("2026.5", True)])
def test_last_login_filters_exist_from_2026_2(servers, version, filtered):
    authentik = servers(version)
    authentik.add_user(username="never", name="N")
    seen = authentik.add_user(username="seen", name="S", last_login="2026-01-02T03:04:05Z")

    def usernames(**query):
        answer = call(authentik, "GET", "/core/users/", params=dict(query, ordering="username"))
        assert answer.status_code == 200
        return [u["username"] for u in answer.json()["results"]]

    everyone = ["akadmin", "never", "seen"]
    assert usernames(last_login__isnull="false") == (["seen"] if filtered else everyone)
    assert usernames(last_login__isnull="true") == (["akadmin", "never"] if filtered else everyone)
    assert usernames(last_login__gt="2026-01-01T00:00:00Z") == (["seen"] if filtered else everyone)
    assert usernames(last_login__lt="2026-01-01T00:00:00Z") == ([] if filtered else everyone)
    assert seen["last_login"]
