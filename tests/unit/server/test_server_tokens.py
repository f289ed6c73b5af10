"""The local server's /core/tokens/ (API-lifecycle.md section 3), release by release, over real HTTP."""

from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.server.versions import Version
from tests.unit.server.conftest import call

FORBIDDEN = {"detail": "You do not have permission to perform this action."}
INVALID = {"detail": "Token invalid/expired"}
RELEASES = ["2025.10", "2025.12", "2026.2", "2026.5"]
FAR = "2030-01-01T00:00:00Z"


def with_key(authentik, key, method, path, **kwargs):
    """A request authenticated by an API token's key instead of the server's own token."""
    return requests.request(method, f"{authentik.url}/api/v3{path}", headers={"Authorization": f"Bearer {key}"},
                            timeout=10, **kwargs)


def instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def about_a_day_from_now(text):
    delta = instant(text) - datetime.now(timezone.utc)
    return timedelta(hours=23, minutes=59) < delta <= timedelta(days=1)


def clean_log(authentik):
    return [(e["method"], e["path"], e["unknown_fields"], e["schema_errors"]) for e in authentik.requests
            if e["unknown_fields"] or e["schema_errors"]]


def create(authentik, **body):
    response = call(authentik, "POST", "/core/tokens/", json=body)
    assert response.status_code == 201, response.text
    return response.json()


# ------------------------------------------------------------------- CRUD and the key


@pytest.mark.parametrize("version", RELEASES)
def test_crud_never_answers_with_the_key(servers, version):
    authentik = servers(version)
    token = create(authentik, identifier="ci", intent="api", description="for CI", expiring=False)
    assert set(token) == {"pk", "managed", "identifier", "intent", "user", "user_obj", "description", "expires",
                          "expiring"}
    assert (token["user"], token["user_obj"]["username"], token["expiring"]) == (1, "akadmin", False)
    path = "/core/tokens/ci/"
    answers = [call(authentik, "GET", "/core/tokens/").json()["results"][0], call(authentik, "GET", path).json(),
               call(authentik, "PATCH", path, json={"description": "d2"}).json(),
               call(authentik, "PUT", path, json={"identifier": "ci", "intent": "api", "user": 1}).json()]
    key = authentik.token_key("ci")
    assert all("key" not in answer and key not in str(answer) for answer in [token] + answers)
    assert call(authentik, "GET", f"{path}view_key/").json() == {"key": key}
    assert call(authentik, "GET", f"{path}used_by/").json() == []
    deleted = call(authentik, "DELETE", path)
    assert (deleted.status_code, deleted.content) == (204, b"")
    missing = call(authentik, "GET", path)
    assert (missing.status_code, missing.json()) == (404, {"detail": "No Token matches the given query."})
    assert clean_log(authentik) == []


def test_renaming_the_identifier_moves_the_url(authentik):
    create(authentik, identifier="old")
    assert call(authentik, "PATCH", "/core/tokens/old/", json={"identifier": "new"}).status_code == 200
    assert call(authentik, "GET", "/core/tokens/old/").status_code == 404
    assert authentik.find_token("new")["identifier"] == "new"


@pytest.mark.parametrize("body, errors", [
    ({}, {"identifier": ["This field is required."]}),
    ({"identifier": "a b"}, {"identifier": ['Enter a valid "slug" consisting of letters, numbers, underscores or '
                                            'hyphens.']}),
    ({"identifier": "taken"}, {"identifier": ["Token with this identifier already exists."]}),
    ({"identifier": "x", "intent": "recovery"}, {"intent": ["Invalid intent recovery"]}),
    ({"identifier": "x", "intent": "verification"}, {"intent": ["Invalid intent verification"]}),
    ({"identifier": "x", "intent": "nope"}, {"intent": ['"nope" is not a valid choice.']}),
    ({"identifier": "x", "user": 999}, {"user": ['Invalid pk "999" - object does not exist.']}),
])
def test_create_errors(authentik, body, errors):
    authentik.add_token("taken")
    response = call(authentik, "POST", "/core/tokens/", json=body)
    assert (response.status_code, response.json()) == (400, errors)


# ------------------------------------------------------------------ expiry (3.2)


@pytest.mark.parametrize("version", RELEASES)
def test_api_token_expires_is_overwritten_on_every_write(servers, version):
    authentik = servers(version)
    token = create(authentik, identifier="t", intent="api", expires=FAR, expiring=True)
    assert about_a_day_from_now(token["expires"])
    patched = call(authentik, "PATCH", "/core/tokens/t/", json={"expires": FAR, "intent": "api", "user": 1}).json()
    assert about_a_day_from_now(patched["expires"]) and patched["expires"] != token["expires"]
    put = call(authentik, "PUT", "/core/tokens/t/", json={"identifier": "t", "expires": None, "user": 1}).json()
    assert about_a_day_from_now(put["expires"])


def test_app_password_expiry_is_limited_by_the_group_attribute(authentik):
    soon = (datetime.now(timezone.utc) + timedelta(hours=5)).isoformat()
    assert create(authentik, identifier="soon", intent="app_password", expires=soon)["expires"].startswith(soon[:16])
    response = call(authentik, "POST", "/core/tokens/", json={"identifier": "far", "intent": "app_password",
                                                              "expires": FAR})
    assert response.status_code == 400
    [message] = response.json()["expires"]
    assert message.startswith("Token expires exceeds maximum lifetime (") and message.endswith(" UTC).")
    admins = call(authentik, "GET", "/core/groups/", params={"name": "authentik Admins"}).json()["results"][0]
    call(authentik, "PATCH", f"/core/groups/{admins['pk']}/",
         json={"attributes": {"goauthentik.io/user/token-maximum-lifetime": "weeks=1000"}})
    assert create(authentik, identifier="far", intent="app_password", expires=FAR)["expires"] == FAR


@pytest.mark.parametrize("version, status", [("2025.10", 500), ("2025.12", 500), ("2026.2", 201), ("2026.5", 201)])
def test_app_password_with_null_expires(servers, version, status):
    authentik = servers(version)
    response = call(authentik, "POST", "/core/tokens/", json={"identifier": "n", "intent": "app_password",
                                                              "expires": None, "expiring": False})
    assert response.status_code == status
    assert (authentik.find_token("n") is None) is (status == 500)


# ---------------------------------------------------- owner and intent defaults (3.2, fact 5)


@pytest.mark.parametrize("version", RELEASES)
def test_patch_without_user_and_intent_reowns_and_makes_an_api_token(servers, version):
    authentik = servers(version)
    alice = authentik.add_user("alice")
    create(authentik, identifier="pw", intent="app_password", user=alice["pk"])
    patched = call(authentik, "PATCH", "/core/tokens/pw/", json={"description": "touched"}).json()
    assert (patched["user"], patched["intent"]) == (1, "api")
    assert about_a_day_from_now(patched["expires"])


def test_owner_cannot_be_changed_explicitly(authentik):
    alice = authentik.add_user("alice")
    create(authentik, identifier="mine")
    response = call(authentik, "PATCH", "/core/tokens/mine/", json={"user": alice["pk"]})
    assert (response.status_code, response.json()) == (400, {"user": ["User cannot be changed"]})
    assert call(authentik, "PATCH", "/core/tokens/mine/", json={"user": 1, "intent": "api"}).status_code == 200


# ---------------------------------------------------------------------- list (3.1)


def test_list_filters_search_and_ordering(authentik):
    alice = authentik.add_user("alice")
    create(authentik, identifier="b-api", description="deploy")
    create(authentik, identifier="a-pw", intent="app_password", user=alice["pk"])
    create(authentik, identifier="c-api", expiring=False, user=alice["pk"])

    def identifiers(**params):
        response = call(authentik, "GET", "/core/tokens/", params=params)
        assert response.status_code == 200, response.text
        return [t["identifier"] for t in response.json()["results"]]

    assert identifiers() == ["a-pw", "b-api", "c-api"]
    assert identifiers(intent="app_password") == ["a-pw"]
    assert identifiers(user__username="alice") == ["a-pw", "c-api"]
    assert identifiers(user=alice["pk"]) == ["a-pw", "b-api", "c-api"]  # no `user` filter
    assert identifiers(identifier="b-api") == ["b-api"]
    assert identifiers(description="deploy") == ["b-api"]
    assert identifiers(expiring="false") == ["c-api"]
    assert identifiers(search="alice") == ["a-pw", "c-api"]
    assert identifiers(search="DEPLOY") == ["b-api"]
    assert identifiers(ordering="-identifier") == ["c-api", "b-api", "a-pw"]
    expires = authentik.find_token("b-api")["expires"]
    assert identifiers(expires=expires) == ["b-api"]
    response = call(authentik, "GET", "/core/tokens/", params={"intent": "bogus"})
    assert (response.status_code, response.json()) == (
        400, {"intent": ["Select a valid choice. bogus is not one of the available choices."]})
    assert clean_log(authentik) == []


@pytest.mark.parametrize("version, size", [("2025.10", 100), ("2025.12", 20)])
def test_list_pagination_follows_the_release(servers, version, size):
    authentik = servers(version)
    for index in range(25):
        authentik.add_token(f"t{index:02}")
    body = call(authentik, "GET", "/core/tokens/").json()
    assert len(body["results"]) == min(size, 25) and body["pagination"]["count"] == 25
    assert body["autocomplete"] == {}


def test_expired_tokens_stay_listed(authentik):
    authentik.add_token("old", expires="2020-01-01T00:00:00Z")
    assert [t["identifier"] for t in call(authentik, "GET", "/core/tokens/").json()["results"]] == ["old"]


# ------------------------------------------------------------- set_key (3.3)


@pytest.mark.parametrize("version, body, errors", [
    ("2025.10", {}, None),
    ("2025.10", {"key": ""}, None),
    ("2025.12", {}, {"key": ["This field is required."]}),
    ("2025.12", {"key": " "}, {"key": ["This field may not be blank."]}),
    ("2026.2", {}, {"key": ["This field is required."]}),
    ("2026.5", {"key": None}, {"key": ["This field may not be null."]}),
])
def test_set_key_body_validation_per_release(servers, version, body, errors):
    authentik = servers(version)
    authentik.add_token("t")
    response = call(authentik, "POST", "/core/tokens/t/set_key/", json=body)
    assert response.status_code == 400
    if errors is None:
        assert response.content == b""
    else:
        assert response.json() == errors


@pytest.mark.parametrize("version", RELEASES)
def test_set_key_replaces_the_key_used_to_authenticate(servers, version):
    authentik = servers(version)
    authentik.add_token("t", expiring=False)
    old = authentik.token_key("t")
    response = call(authentik, "POST", "/core/tokens/t/set_key/", json={"key": "my-own-key"})
    assert (response.status_code, response.content) == (204, b"")
    assert authentik.token_key("t") == "my-own-key"
    assert with_key(authentik, "my-own-key", "GET", "/core/users/me/").status_code == 200
    assert with_key(authentik, old, "GET", "/core/users/me/").json() == INVALID
    assert "my-own-key" not in repr(authentik.requests)
    assert clean_log(authentik) == []


# ------------------------------------------------------------- authentication


def test_only_unexpired_api_tokens_of_active_users_authenticate(authentik):
    bob = authentik.add_user("bob")
    authentik.add_token("api", user="bob", expiring=False)
    authentik.add_token("pw", user="bob", intent="app_password")
    authentik.add_token("gone", user="bob", expires="2020-01-01T00:00:00Z")
    authentik.add_token("kept", user="bob", expires="2020-01-01T00:00:00Z", expiring=False)
    me = with_key(authentik, authentik.token_key("api"), "GET", "/core/users/me/")
    assert (me.status_code, me.json()["user"]["username"]) == (200, "bob")
    assert with_key(authentik, authentik.token_key("kept"), "GET", "/core/users/me/").status_code == 200
    for identifier in ("pw", "gone"):
        response = with_key(authentik, authentik.token_key(identifier), "GET", "/core/users/me/")
        assert (response.status_code, response.json()) == (403, INVALID), identifier
    call(authentik, "PATCH", f"/core/users/{bob['pk']}/", json={"is_active": False})
    assert with_key(authentik, authentik.token_key("api"), "GET", "/core/users/me/").json() == INVALID
    assert call(authentik, "GET", "/core/users/me/").status_code == 200  # the server's own token still works


def test_a_created_api_token_authenticates_and_an_app_password_does_not(authentik):
    create(authentik, identifier="robot", intent="api", expiring=False)
    create(authentik, identifier="human", intent="app_password")
    key = call(authentik, "GET", "/core/tokens/robot/view_key/").json()["key"]
    assert with_key(authentik, key, "GET", "/core/users/").status_code == 200
    password = call(authentik, "GET", "/core/tokens/human/view_key/").json()["key"]
    assert with_key(authentik, password, "GET", "/core/users/").json() == INVALID


def test_deleting_the_user_deletes_its_tokens(authentik):
    alice = authentik.add_user("alice")
    authentik.add_token("a", user="alice")
    assert call(authentik, "DELETE", f"/core/users/{alice['pk']}/").status_code == 204
    assert authentik.find_token("a") is None


# ------------------------------------------------------------ non-superusers (3.2, 3.3)


def _caller(authentik, username, permissions=(), attributes=None):
    """A non-superuser holding `permissions` through a role on its own group, with an API token; (user, key)."""
    group = authentik.add_group(f"{username}-group")
    user = authentik.add_user(username, groups=[group["pk"]], attributes=attributes)
    if permissions:
        authentik.add_role(f"{username}-role", permissions=permissions, groups=[group["pk"]])
    authentik.add_token(f"{username}-api", user=username, expiring=False)
    return user, authentik.token_key(f"{username}-api")


@pytest.mark.parametrize("version", RELEASES)
def test_non_superuser_creates_only_its_own_tokens(servers, version):
    authentik = servers(version)
    alice, key = _caller(authentik, "alice", attributes={"goauthentik.io/user/token-expires": False})
    body = {"identifier": "mine", "user": 1, "expiring": True}
    response = with_key(authentik, key, "POST", "/core/tokens/", json=body)
    assert response.status_code == 201
    assert (response.json()["user"], response.json()["expiring"]) == (alice["pk"], False)
    viewed = with_key(authentik, key, "GET", "/core/tokens/mine/view_key/")
    assert viewed.json() == {"key": authentik.token_key("mine")}
    managed = authentik.find_role(f"ak-managed-role--user-{alice['pk']}")
    if Version(version).user_roles:
        token_pk = authentik.find_token("mine")["pk"]
        assert authentik.role_permissions(managed["pk"])["object"] == [("authentik_core.view_token_key", token_pk)]
    else:
        assert managed is None  # granted to the user directly
    # Owning a token is not enough to see its key: the one the admin made for alice carries no grant.
    create(authentik, identifier="given", user=alice["pk"])
    assert with_key(authentik, key, "GET", "/core/tokens/given/view_key/").json() == FORBIDDEN
    assert with_key(authentik, key, "PATCH", "/core/tokens/given/",
                    json={"description": "ok", "user": alice["pk"], "intent": "api"}).status_code == 200
    assert with_key(authentik, key, "DELETE", "/core/tokens/given/").status_code == 204


@pytest.mark.parametrize("version, sees_all", [("2025.10", False), ("2025.12", False), ("2026.2", True),
                                               ("2026.5", True)])
def test_view_token_shows_others_tokens_only_from_2026_2(servers, version, sees_all):
    authentik = servers(version)
    _user, key = _caller(authentik, "alice", permissions=["authentik_core.view_token"])
    authentik.add_token("admins")
    listed = [t["identifier"] for t in with_key(authentik, key, "GET", "/core/tokens/").json()["results"]]
    assert listed == (["admins", "alice-api"] if sees_all else ["alice-api"])
    detail = with_key(authentik, key, "GET", "/core/tokens/admins/")
    assert detail.status_code == (200 if sees_all else 404)
    patched = with_key(authentik, key, "PATCH", "/core/tokens/admins/", json={"description": "x"})
    assert (patched.status_code, patched.json()) == ((403, FORBIDDEN) if sees_all else
                                                     (404, {"detail": "No Token matches the given query."}))


def test_non_superuser_list_is_never_403(authentik):
    _user, key = _caller(authentik, "alice")
    authentik.add_token("admins")
    response = with_key(authentik, key, "GET", "/core/tokens/")
    assert response.status_code == 200 and [t["identifier"] for t in response.json()["results"]] == ["alice-api"]


@pytest.mark.parametrize("version, status", [("2025.12", 404), ("2026.2", 403)])
def test_view_key_of_others_tokens(servers, version, status):
    authentik = servers(version)
    _user, key = _caller(authentik, "alice")
    authentik.add_token("admins")
    assert with_key(authentik, key, "GET", "/core/tokens/admins/view_key/").status_code == status


def test_view_key_with_the_permission_on_one_token_from_2026_2(servers):
    authentik = servers("2026.2")
    alice, key = _caller(authentik, "alice")
    token = authentik.add_token("admins")
    authentik.add_token("other")
    authentik.add_role("key-viewer", groups=alice["groups"], object_permissions=[
        ("authentik_core.view_token_key", "authentik_core.token", token["pk"])])
    assert with_key(authentik, key, "GET", "/core/tokens/admins/view_key/").json() == {
        "key": authentik.token_key("admins")}
    assert with_key(authentik, key, "GET", "/core/tokens/other/view_key/").json() == FORBIDDEN


@pytest.mark.parametrize("version", ["2025.10", "2026.2"])
def test_set_key_needs_set_token_key(servers, version):
    authentik = servers(version)
    _user, key = _caller(authentik, "alice")
    assert with_key(authentik, key, "POST", "/core/tokens/alice-api/set_key/", json={"key": "k"}).json() == FORBIDDEN
    _user, bob_key = _caller(authentik, "bob", permissions=["authentik_core.set_token_key"])
    response = with_key(authentik, bob_key, "POST", "/core/tokens/bob-api/set_key/", json={"key": "bob-new"})
    assert response.status_code == 204 and authentik.token_key("bob-api") == "bob-new"
    # Another's token also needs add_token (the POST method map), even where set_key reaches it (2026.2).
    authentik.add_token("admins")
    response = with_key(authentik, "bob-new", "POST", "/core/tokens/admins/set_key/", json={"key": "x"})
    assert response.status_code == (403 if version == "2026.2" else 404)
