"""The local server's POST /core/users/service_account/ (API-lifecycle.md section 4), release by release."""

from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.unit.server.conftest import call

PATH = "/core/users/service_account/"
FORBIDDEN = {"detail": "You do not have permission to perform this action."}
ALREADY_EXISTS = {"non_field_errors": ["A user/group with these details already exists"]}
RELEASES = ["2025.8", "2025.10", "2025.12", "2026.2", "2026.5"]
VALIDATED = ["2025.10", "2025.12", "2026.2", "2026.5"]


def create(authentik, **body):
    return call(authentik, "POST", PATH, json=body)


def with_key(authentik, key, method, path, **kwargs):
    return requests.request(method, f"{authentik.url}/api/v3{path}", headers={"Authorization": f"Bearer {key}"},
                            timeout=10, **kwargs)


def problems(authentik):
    return [(e["path"], e["unknown_fields"], e["schema_errors"]) for e in authentik.requests
            if e["unknown_fields"] or e["schema_errors"]]


@pytest.mark.parametrize("version", RELEASES)
def test_creates_a_service_account_and_an_app_password(servers, version):
    authentik = servers(version)
    response = create(authentik, name="backup-robot", expiring=False)
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {"username", "user_uid", "user_pk", "token"}
    user = authentik.get_user(answer["user_pk"])
    assert (answer["username"], answer["user_uid"]) == ("backup-robot", user["uid"])
    assert (user["username"], user["name"], user["type"], user["path"]) == (
        "backup-robot", "backup-robot", "service_account", "goauthentik.io/service-accounts")
    assert user["attributes"] == {"goauthentik.io/user/token-expires": False}
    assert user["groups"] == []
    token = authentik.find_token("service-account-backup-robot-password")
    assert (token["intent"], token["user"], token["expiring"]) == ("app_password", answer["user_pk"], False)
    assert authentik.token_key("service-account-backup-robot-password") == answer["token"]
    assert not authentik.check_password("backup-robot", "")
    assert problems(authentik) == []


def test_token_lifetime_defaults_to_360_days_or_follows_the_body(authentik):
    create(authentik, name="a")
    expires = authentik.find_token("service-account-a-password")["expires"]
    left = datetime.fromisoformat(expires.replace("Z", "+00:00")) - datetime.now(timezone.utc)
    assert timedelta(days=359, hours=23) < left <= timedelta(days=360)
    create(authentik, name="b", expires="2031-02-03T04:05:06Z")
    assert authentik.find_token("service-account-b-password")["expires"] == "2031-02-03T04:05:06Z"


def test_the_answered_token_cannot_authenticate(authentik):
    key = create(authentik, name="robot").json()["token"]
    response = with_key(authentik, key, "GET", "/core/users/me/")
    assert (response.status_code, response.json()) == (403, {"detail": "Token invalid/expired"})


def test_create_group_adds_a_group_with_the_user(authentik):
    answer = create(authentik, name="robot", create_group=True).json()
    group = call(authentik, "GET", f"/core/groups/{answer['group_pk']}/").json()
    assert (group["name"], group["users"], group["roles"]) == ("robot", [answer["user_pk"]], [])


@pytest.mark.parametrize("version", RELEASES)
def test_a_repeat_is_refused_and_leaves_nothing_behind(servers, version):
    authentik = servers(version)
    assert create(authentik, name="robot").status_code == 200
    users = len(call(authentik, "GET", "/core/users/").json()["results"])
    response = create(authentik, name="robot")
    assert response.status_code == 400
    if version in VALIDATED:
        assert response.json() == {"name": ["This field must be unique."]}
    else:
        [text] = response.json()["non_field_errors"]  # the raw database error
        assert "unique" in text
    assert len(call(authentik, "GET", "/core/users/").json()["results"]) == users


@pytest.mark.parametrize("version", VALIDATED)
@pytest.mark.parametrize("body, errors", [
    ({}, {"name": ["This field is required."]}),
    ({"name": "  "}, {"name": ["This field may not be blank."]}),
    ({"name": "r", "create_group": "maybe"}, {"create_group": ["Must be a valid boolean."]}),
    ({"name": "r", "expiring": [1]}, {"expiring": ["Must be a valid boolean."]}),
    ({"name": "r", "expires": "soon"}, {"expires": [
        "Datetime has wrong format. Use one of these formats instead: "
        "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."]}),
    ({"name": "r", "expires": None}, {"expires": ["This field may not be null."]}),
])
def test_validation_errors_from_2025_10(servers, version, body, errors):
    authentik = servers(version)
    response = create(authentik, **body)
    assert (response.status_code, response.json()) == (400, errors)


def test_before_2025_10_the_body_is_not_validated(servers):
    authentik = servers("2025.8")
    response = create(authentik)
    assert response.status_code == 400 and "not-null" in response.json()["non_field_errors"][0]
    assert create(authentik, name="  padded ").json()["username"] == "  padded "


def test_the_name_is_trimmed_from_2025_10(servers):
    assert create(servers("2025.10"), name="  padded ").json()["username"] == "padded"


@pytest.mark.parametrize("version, clash", [("2025.10", False), ("2025.12", True), ("2026.5", True)])
def test_group_name_clash_from_2025_12(servers, version, clash):
    authentik = servers(version)
    authentik.add_group("robot")
    response = create(authentik, name="robot", create_group=True)
    if clash:
        assert (response.status_code, response.json()) == (400, ALREADY_EXISTS)
        assert authentik.find_user("robot") is None
    else:
        assert response.status_code == 200 and "group_pk" in response.json()


def test_token_identifier_clash(authentik):
    assert create(authentik, name="Robot").status_code == 200
    response = create(authentik, name="robot")  # slugify() lowercases: the same token identifier
    assert (response.status_code, response.json()) == (400, ALREADY_EXISTS)
    assert authentik.find_user("robot") is None


def _caller(authentik, permissions):
    group = authentik.add_group("ops")
    authentik.add_user("carol", groups=[group["pk"]])
    authentik.add_role("ops-role", permissions=permissions, groups=[group["pk"]])
    authentik.add_token("carol-api", user="carol", expiring=False)
    return authentik.token_key("carol-api")


@pytest.mark.parametrize("permissions", [["authentik_core.add_user"], ["authentik_core.add_token"]])
def test_needs_global_add_user_and_add_token(authentik, permissions):
    key = _caller(authentik, permissions)
    response = with_key(authentik, key, "POST", PATH, json={"name": "robot"})
    assert (response.status_code, response.json()) == (403, FORBIDDEN)


def test_group_only_with_global_add_group(authentik):
    key = _caller(authentik, ["authentik_core.add_user", "authentik_core.add_token"])
    response = with_key(authentik, key, "POST", PATH, json={"name": "robot", "create_group": True})
    assert response.status_code == 200 and "group_pk" not in response.json()
    authentik.grant("ops-role", permissions=["authentik_core.add_group"])
    response = with_key(authentik, key, "POST", PATH, json={"name": "robot2", "create_group": True})
    assert "group_pk" in response.json()


def test_only_post_is_routed(authentik):
    response = call(authentik, "GET", PATH)
    assert (response.status_code, response.json()) == (405, {"detail": 'Method "GET" not allowed.'})
