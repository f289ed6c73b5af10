"""Tests of the authentik stand-in itself, over real HTTP."""

import re

import pytest
import requests

from tests.server.authentik_server import AuthentikServer
from tests.unit.server.conftest import bearer, call

# The token of the servers this module starts itself; the shared `authentik` server has its own (authentik.token).
TOKEN = "secret-token"
NIL_UUID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def api(authentik):
    """Authenticated request helper: api("GET", "/core/users/", params=...)."""

    def call(method, path, **kwargs):
        headers = {**bearer(authentik), **kwargs.pop("headers", {})}
        return requests.request(method, f"{authentik.url}/api/v3{path}", headers=headers, timeout=10, **kwargs)

    return call


def clean_log(authentik):
    return all(not e["unknown_fields"] and not e["schema_errors"] for e in authentik.requests)


# ------------------------------------------------------------------ auth


@pytest.mark.parametrize("header, detail", [
    (None, "Authentication credentials were not provided."),
    ("Bearer", "Authentication credentials were not provided."),
    ("Bearer wrong", "Token invalid/expired"),
    ("Basic {token}", "Unsupported authentication type"),
])
def test_auth_failures_are_403(authentik, header, detail):
    headers = {"Authorization": header.format(token=authentik.token)} if header else {}
    response = requests.get(f"{authentik.url}/api/v3/core/users/", headers=headers, timeout=10)
    assert response.status_code == 403
    assert response.json() == {"detail": detail}


def test_bearer_scheme_is_case_insensitive_and_token_never_logged(authentik):
    response = requests.get(f"{authentik.url}/api/v3/core/users/?q={authentik.token}",
                            headers={"Authorization": f"bEaReR {authentik.token}"}, timeout=10)
    assert response.status_code == 200
    assert authentik.token not in repr(authentik.requests)


def test_owner_without_superuser_group_lacks_permission(authentik, api):
    admin = api("GET", "/core/users/1/").json()
    assert api("PATCH", "/core/users/1/", json={"groups": []}).status_code == 200
    response = api("GET", "/core/users/")
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
    assert api("GET", "/core/users/me/").json()["user"]["is_superuser"] is False
    assert admin["is_superuser"] is True


# ----------------------------------------------------------------- users


def test_seed_and_list_envelope(authentik, api):
    body = api("GET", "/core/users/").json()
    assert body["pagination"] == {"next": 0, "previous": 0, "count": 1, "current": 1,
                                  "total_pages": 1, "start_index": 1, "end_index": 1}
    assert body["autocomplete"] == {}
    admin = body["results"][0]
    assert (admin["pk"], admin["username"], admin["email"]) == (1, "akadmin", "root@localhost")
    assert admin["groups_obj"][0]["name"] == "authentik Admins"
    assert admin["is_superuser"] is True
    assert clean_log(authentik)


def test_create_user_defaults(authentik, api):
    response = api("POST", "/core/users/", json={"username": "alice", "name": "Alice"})
    assert response.status_code == 201
    user = response.json()
    assert {k: user[k] for k in ("path", "type", "is_active", "email", "attributes", "groups", "last_login")} == {
        "path": "users", "type": "internal", "is_active": True, "email": "", "attributes": {},
        "groups": [], "last_login": None}
    assert re.fullmatch(r"[0-9a-f]{64}", user["uid"])
    assert user["date_joined"].endswith("Z")
    assert authentik.get_user(user["pk"]) == user
    assert clean_log(authentik)


def test_duplicate_username_is_case_sensitive_and_excludes_self(authentik, api):
    alice = authentik.add_user(username="alice")
    response = api("POST", "/core/users/", json={"username": "alice", "name": ""})
    assert response.status_code == 400
    assert response.json() == {"username": ["This field must be unique."]}
    assert api("POST", "/core/users/", json={"username": "Alice", "name": ""}).status_code == 201
    assert api("PATCH", f"/core/users/{alice['pk']}/", json={"username": "alice"}).status_code == 200


@pytest.mark.parametrize("body, errors", [
    ({}, {"username": ["This field is required."], "name": ["This field is required."]}),
    ({"username": "", "name": "x"}, {"username": ["This field may not be blank."]}),
    ({"username": "u" * 151, "name": "x"},
     {"username": ["Ensure this field has no more than 150 characters."]}),
    ({"username": "u", "name": "x", "path": "/a"}, {"path": ["No leading or trailing slashes allowed."]}),
    ({"username": "u", "name": "x", "path": "a//b"}, {"path": ["No empty segments in user path allowed."]}),
    ({"username": "u", "name": "x", "path": ""}, {"path": ["This field may not be blank."]}),
    ({"username": "u", "name": "x", "type": "robot"}, {"type": ['"robot" is not a valid choice.']}),
    ({"username": "u", "name": "x", "type": "internal_service_account"},
     {"type": ["Setting a user to internal service account is not allowed."]}),
    ({"username": "u", "name": "x", "groups": [NIL_UUID]},
     {"groups": [f'Invalid pk "{NIL_UUID}" - object does not exist.']}),
    ({"username": "u", "name": "x", "groups": ["x"]}, {"groups": ["\u201cx\u201d is not a valid UUID."]}),
    ({"username": "u", "name": "x", "groups": "x"}, {"groups": ['Expected a list of items but got type "str".']}),
    ({"username": "u", "name": "x", "email": "nope"}, {"email": ["Enter a valid email address."]}),
    ({"username": "u", "name": "x", "is_active": "maybe"}, {"is_active": ["Must be a valid boolean."]}),
    ({"username": "u", "name": "x", "attributes": []},
     {"attributes": ["Value must be a dictionary, and not have any duplicate keys."]}),
])
def test_user_validation_messages(authentik, api, body, errors):
    response = api("POST", "/core/users/", json=body)
    assert (response.status_code, response.json()) == (400, errors)
    assert all(not e["schema_errors"] for e in authentik.requests)


def test_internal_service_account_cannot_be_modified(authentik, api):
    outpost = authentik.add_user(username="ak-outpost", type="internal_service_account")
    response = api("PATCH", f"/core/users/{outpost['pk']}/", json={"name": "x"})
    assert response.json() == {"non_field_errors": ["Can't modify internal service account users"]}
    response = api("PATCH", f"/core/users/{outpost['pk']}/", json={"type": "internal"})
    assert response.json() == {"type": ["Can't change internal service account to other user type."]}


def test_patch_replaces_groups_and_attributes(authentik, api):
    one, two = authentik.add_group(name="one"), authentik.add_group(name="two")
    user = authentik.add_user(username="bob", groups=[one["pk"], two["pk"]], attributes={"a": 1, "b": {"c": 2}})
    response = api("PATCH", f"/core/users/{user['pk']}/", json={"groups": [two["pk"]], "attributes": {"b": {"x": 1}}})
    assert response.status_code == 200
    assert response.json()["groups"] == [two["pk"]]
    assert response.json()["attributes"] == {"b": {"x": 1}}
    assert api("PATCH", f"/core/users/{user['pk']}/", json={"name": "Bob"}).json()["groups"] == [two["pk"]]
    assert clean_log(authentik)


def test_put_requires_name_and_clears_groups(authentik, api):
    group = authentik.add_group(name="team")
    user = authentik.add_user(username="carol", email="c@example.com", groups=[group["pk"]])
    response = api("PUT", f"/core/users/{user['pk']}/", json={"username": "carol"})
    assert (response.status_code, response.json()) == (400, {"name": ["This field is required."]})
    updated = api("PUT", f"/core/users/{user['pk']}/", json={"username": "carol", "name": "C"}).json()
    assert updated["groups"] == [] and updated["email"] == "c@example.com"


def test_last_login_is_normalised_to_utc_z(authentik, api):
    user = authentik.add_user(username="dave")
    body = {"last_login": "2026-01-02T03:04:05.123456+02:00"}
    response = api("PATCH", f"/core/users/{user['pk']}/", json=body)
    assert response.json()["last_login"] == "2026-01-02T01:04:05.123456Z"
    response = api("PATCH", f"/core/users/{user['pk']}/", json={"last_login": "yesterday"})
    assert response.status_code == 400
    assert response.json()["last_login"][0].startswith("Datetime has wrong format.")


def test_retrieve_and_delete_not_found_messages(authentik, api):
    user = authentik.add_user(username="erin")
    assert api("DELETE", f"/core/users/{user['pk']}/").status_code == 204
    response = api("GET", f"/core/users/{user['pk']}/")
    assert (response.status_code, response.json()) == (404, {"detail": "No User matches the given query."})
    assert api("GET", "/core/users/abc/").json() == {"detail": "Not found."}
    assert api("GET", f"/core/groups/{NIL_UUID}/").json() == {"detail": "No Group matches the given query."}


def test_set_password(authentik, api):
    user = authentik.add_user(username="frank")
    response = api("POST", f"/core/users/{user['pk']}/set_password/", json={"password": "s3cret!"})
    assert (response.status_code, response.content) == (204, b"")
    assert authentik.check_password("frank", "s3cret!") and not authentik.check_password("frank", "nope")
    assert authentik.requests[-1]["body"] == {"password": "********"}
    response = api("POST", f"/core/users/{user['pk']}/set_password/", json={"password": ""})
    assert response.json() == {"password": ["This field may not be blank."]}
    response = api("POST", f"/core/users/{user['pk']}/set_password/", json={})
    assert response.json() == {"password": ["This field is required."]}


def test_me_returns_token_owner(authentik, api):
    body = api("GET", "/core/users/me/").json()
    assert body["user"]["username"] == "akadmin"
    assert body["user"]["groups"][0]["name"] == "authentik Admins"
    assert clean_log(authentik)


# ---------------------------------------------------------- list features


def test_pagination_pages_and_errors(authentik, api):
    for index in range(5):
        authentik.add_user(username=f"user{index}")
    body = api("GET", "/core/users/", params={"page": 2, "page_size": 2}).json()
    assert body["pagination"] == {"next": 3, "previous": 1, "count": 6, "current": 2,
                                  "total_pages": 3, "start_index": 3, "end_index": 4}
    assert [u["username"] for u in body["results"]] == ["user1", "user2"]
    response = api("GET", "/core/users/", params={"page": 4, "page_size": 2})
    assert (response.status_code, response.json()) == (404, {"detail": "Invalid page."})
    empty = api("GET", "/core/users/", params={"username": "nobody"}).json()["pagination"]
    assert (empty["count"], empty["current"], empty["total_pages"], empty["start_index"], empty["end_index"]) == (
        0, 1, 1, 0, 0)


def test_page_size_cap_and_fallback():
    authentik = AuthentikServer(token=TOKEN, page_size_default=2, page_size_max=3).start()
    try:
        for index in range(4):
            authentik.add_user(username=f"user{index}")
        url = f"{authentik.url}/api/v3/core/users/"
        sizes = [len(requests.get(url, params={"page_size": size}, headers=bearer(authentik),
                                  timeout=10).json()["results"])
                 for size in ("50", "0", "abc")]
        assert sizes == [3, 2, 2]
    finally:
        authentik.stop()


def test_user_filters(authentik, api):
    team = authentik.add_group(name="team")
    authentik.add_user(username="gina", name="Gina Smith", groups=[team["pk"]], attributes={"org": {"unit": "ops"}})
    authentik.add_user(username="hank", name="Hank", email="hank@example.com", path="users/ext", type="external")

    def names(**params):
        return [u["username"] for u in api("GET", "/core/users/", params=params).json()["results"]]

    assert names(username="gina") == ["gina"]
    assert names(search="SMITH") == ["gina"]
    assert names(groups_by_name="team") == ["gina"]
    assert names(groups_by_pk=team["pk"]) == ["gina"]
    assert names(attributes='{"org__unit": "ops"}') == ["gina"]
    assert names(type=["external", "service_account"]) == ["hank"]
    assert names(path_startswith="users/") == ["hank"]
    assert names(is_superuser="true") == ["akadmin"]
    assert names(ordering="-username") == ["hank", "gina", "akadmin"]


@pytest.mark.parametrize("params, status, body", [
    ({"groups_by_name": "ghost"}, 400,
     {"groups_by_name": ["Select a valid choice. ghost is not one of the available choices."]}),
    ({"uuid": "nope"}, 400, {"uuid": ["Enter a valid UUID."]}),
    ({"attributes": "{bad"}, 400, ["filter: failed to parse JSON"]),
    ({"attributes": "[1]"}, 400, ["filter: value must be key:value mapping"]),
])
def test_user_filter_errors(authentik, api, params, status, body):
    response = api("GET", "/core/users/", params=params)
    assert (response.status_code, response.json()) == (status, body)


def test_include_groups_false_nulls_groups_obj(authentik, api):
    user = api("GET", "/core/users/1/", params={"include_groups": "false"}).json()
    assert user["groups_obj"] is None and len(user["groups"]) == 1
    assert clean_log(authentik)


# ----------------------------------------------------------------- groups


def test_group_crud_and_membership(authentik, api):
    user = authentik.add_user(username="ivan")
    response = api("POST", "/core/groups/", json={"name": "devs", "attributes": {"k": "v"}})
    assert response.status_code == 201
    group = response.json()
    path = f"/core/groups/{group['pk']}/"
    assert api("POST", path + "add_user/", json={"pk": user["pk"]}).status_code == 204
    assert api("POST", path + "add_user/", json={"pk": user["pk"]}).status_code == 204
    fetched = api("GET", path).json()
    assert fetched["users"] == [user["pk"]] and fetched["users_obj"][0]["username"] == "ivan"
    assert api("GET", "/core/groups/", params={"members_by_username": "ivan"}).json()["results"][0]["name"] == "devs"
    assert api("POST", path + "add_user/", json={"pk": 999}).json() == {"detail": "Not found."}
    assert api("POST", path + "remove_user/", json={}).json() == {"pk": ["This field is required."]}
    assert api("PUT", path, json={"name": "devs"}).json()["users"] == []
    assert api("DELETE", path).status_code == 204
    assert clean_log(authentik)


def test_group_validation(authentik, api):
    response = api("POST", "/core/groups/", json={"is_superuser": True})
    assert (response.status_code, response.json()) == (400, {"name": ["This field is required."]})
    response = api("GET", "/core/groups/", params={"include_users": "false", "name": "authentik Admins"})
    assert response.json()["results"][0]["users_obj"] is None


# -------------------------------------------------------- protocol errors


def test_protocol_errors(authentik, api):
    response = api("POST", "/core/users/", data="username=x", headers={"Content-Type": "text/plain"})
    assert (response.status_code, response.json()) == (
        415, {"detail": 'Unsupported media type "text/plain" in request.'})
    response = api("POST", "/core/users/", data="{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["detail"].startswith("JSON parse error - ")
    response = api("DELETE", "/core/users/")
    assert (response.status_code, response.json()) == (405, {"detail": 'Method "DELETE" not allowed.'})
    assert api("GET", "/core/users").status_code == 404
    assert api("GET", "/core/applications/").status_code == 404


# ------------------------------------------------------------ schema guard


def test_unknown_fields_are_ignored_but_recorded(authentik, api):
    response = api("POST", "/core/users/", json={"username": "jo", "name": "Jo", "password": "pw", "pk": 77})
    assert response.status_code == 201 and response.json()["pk"] != 77
    entry = authentik.requests[-1]
    assert entry["unknown_fields"] == ["password", "pk"]
    assert entry["body"]["password"] == "********"
    assert not authentik.check_password("jo", "pw")


def test_schema_errors_flag_loosely_typed_bodies(authentik, api):
    # DRF accepts "true" for a boolean, but the published schema says boolean.
    response = api("POST", "/core/users/", json={"username": "kim", "name": "Kim", "is_active": "true"})
    assert response.status_code == 201
    assert any("is_active" in error for error in authentik.requests[-1]["schema_errors"])


def test_response_model_failures_are_schema_errors(authentik, api):
    # PartialUser in the client requires usernames matching ^[\w.@+-]+$; the API does not.
    authentik.add_user(username="has space", groups=[authentik.add_group(name="g")["pk"]])
    api("GET", "/core/groups/", params={"name": "g"})
    assert any("username" in error for error in authentik.requests[-1]["schema_errors"])


# ---------------------------------------------------------- control routes


def test_control_routes(authentik, api):
    authentik.add_user(username="temp")
    api("GET", "/core/users/")
    log = requests.get(f"{authentik.url}/_test/requests", timeout=10).json()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [("GET", "/api/v3/core/users/", 200)]
    assert requests.delete(f"{authentik.url}/_test/requests", timeout=10).status_code == 204
    assert requests.post(f"{authentik.url}/_test/reset", timeout=10).status_code == 204
    assert authentik.requests == [] and authentik.find_user("temp") is None and authentik.find_user("akadmin")


# ------------------------------------------------------- older releases


USER_FIELDS_SINCE = {
    "type": "2023.8", "uuid": "2023.10", "password_change_date": "2024.12", "date_joined": "2025.4",
    "last_updated": "2025.8", "roles": "2025.12", "roles_obj": "2025.12",
}


def _release(text):
    return tuple(int(part) for part in text.split("."))


@pytest.mark.parametrize("version", ["2023.5", "2023.8", "2024.2", "2024.10", "2025.2", "2025.6", "2025.10",
                                     "2025.12", "2026.2"])
def test_user_fields_follow_the_release(servers, version):
    authentik = servers(version)
    body = call(authentik, "GET", "/core/users/").json()
    user = body["results"][0]
    expected_missing = {f for f, since in USER_FIELDS_SINCE.items() if _release(version) < _release(since)}
    assert expected_missing == set(USER_FIELDS_SINCE) - set(user)
    assert ("autocomplete" in body) is (_release(version) >= (2025, 8))
    assert clean_log(authentik)


def test_before_2025_12_groups_have_one_parent(servers):
    authentik = servers("2025.10")
    parent = authentik.add_group(name="parent")
    child = call(authentik, "POST", "/core/groups/", json={"name": "child", "parent": parent["pk"]}).json()
    assert (child["parent"], child["parent_name"]) == (parent["pk"], "parent")
    assert not {"parents", "parents_obj", "inherited_roles_obj"} & set(child)
    assert "children" in child and "children_obj" in child
    user = authentik.add_user(username="u", groups=[child["pk"]])
    item = call(authentik, "GET", f"/core/users/{user['pk']}/").json()["groups_obj"][0]
    assert (item["parent"], item["parent_name"]) == (parent["pk"], "parent")
    detached = call(authentik, "PATCH", f"/core/groups/{child['pk']}/", json={"parent": None}).json()
    assert (detached["parent"], detached["parent_name"]) == (None, None)
    assert clean_log(authentik)


def test_unknown_parent_is_rejected_like_a_related_field(servers):
    authentik = servers("2025.10")
    response = call(authentik, "POST", "/core/groups/", json={"name": "x", "parent": NIL_UUID})
    assert (response.status_code, response.json()) == (
        400, {"parent": [f'Invalid pk "{NIL_UUID}" - object does not exist.']})
    response = call(authentik, "POST", "/core/groups/", json={"name": "x", "parent": "nope"})
    assert response.json() == {"parent": ["\u201cnope\u201d is not a valid UUID."]}


def test_superuser_inherited_through_the_old_parent(servers):
    authentik = servers("2025.10")
    admins = authentik.add_group(name="root", is_superuser=True)
    sub = authentik.add_group(name="sub", parent=admins["pk"])
    assert sub["parent"] == admins["pk"]
    assert authentik.add_user(username="v", groups=[sub["pk"]])["is_superuser"] is True


def test_add_group_parent_in_the_current_shape(authentik):
    parent = authentik.add_group(name="p")
    child = authentik.add_group(name="c", parent=parent["pk"])
    assert child["parents"] == [parent["pk"]] and "parent" not in child


def test_children_writable_in_2025_8_to_2025_10(servers):
    authentik = servers("2025.8")
    kid = authentik.add_group(name="kid")
    group = call(authentik, "POST", "/core/groups/", json={"name": "mom", "children": [kid["pk"]]}).json()
    assert group["children"] == [kid["pk"]]
    assert call(authentik, "GET", f"/core/groups/{kid['pk']}/").json()["parent"] == group["pk"]
    # children declares default=[], so a PUT without it detaches them.
    assert call(authentik, "PUT", f"/core/groups/{group['pk']}/", json={"name": "mom"}).json()["children"] == []
    assert clean_log(authentik)


def test_children_read_only_from_2025_12(authentik, api):
    kid = authentik.add_group(name="kid")
    group = api("POST", "/core/groups/", json={"name": "mom", "children": [kid["pk"]]}).json()
    assert group["children"] == []
    assert authentik.requests[-1]["unknown_fields"] == ["children"]


def test_duplicate_top_level_group_names_before_2025_12(servers):
    authentik = servers("2025.10")
    first = authentik.add_group(name="ops")
    second = authentik.add_group(name="ops")
    assert call(authentik, "POST", "/core/groups/", json={"name": "ops"}).status_code == 201
    found = call(authentik, "GET", "/core/groups/", params={"name": "ops"}).json()["results"]
    assert {first["pk"], second["pk"]} <= {g["pk"] for g in found} and len(found) == 3
    authentik.add_group(name="team", parent=first["pk"])
    response = call(authentik, "POST", "/core/groups/", json={"name": "team", "parent": first["pk"]})
    assert (response.status_code, response.json()) == (
        400, {"non_field_errors": ["The fields name, parent must make a unique set."]})
    assert call(authentik, "POST", "/core/groups/", json={"name": "team", "parent": second["pk"]}).status_code == 201


def test_group_names_unique_from_2025_12(authentik, api):
    authentik.add_group(name="ops")
    response = api("POST", "/core/groups/", json={"name": "ops"})
    assert (response.status_code, response.json()) == (400, {"name": ["Group with this name already exists."]})


def test_schema_guard_judges_bodies_by_the_release(servers, authentik, api):
    old = servers("2025.10")
    parent = old.add_group(name="p")
    call(old, "POST", "/core/groups/", json={"name": "a", "parent": parent["pk"], "parents": [], "bogus": 1})
    assert old.requests[-1]["unknown_fields"] == ["bogus", "parents"]
    assert old.requests[-1]["schema_errors"] == []
    api("POST", "/core/groups/", json={"name": "b", "parent": None})
    assert authentik.requests[-1]["unknown_fields"] == ["parent"]


def test_no_roles_and_no_page_cap_before_2025_12(servers):
    authentik = servers("2025.10")
    for index in range(105):
        authentik.add_user(username=f"user{index:03}")
    body = call(authentik, "GET", "/core/users/", params={"include_roles": "false"}).json()
    assert len(body["results"]) == 100 and "roles_obj" not in body["results"][0]
    assert len(call(authentik, "GET", "/core/users/", params={"page_size": 500}).json()["results"]) == 106
    body = call(authentik, "POST", "/core/users/", json={"username": "r", "name": "R", "roles": []})
    assert authentik.requests[-1]["unknown_fields"] == ["roles"]


def test_include_switches_ignored_before_2024_4(servers):
    authentik = servers("2024.2")
    user = call(authentik, "GET", "/core/users/1/", params={"include_groups": "false"}).json()
    assert isinstance(user["groups_obj"], list)
    group = call(authentik, "GET", "/core/groups/", params={"include_users": "false"}).json()["results"][0]
    assert group["users_obj"][0]["username"] == "akadmin"
    assert clean_log(authentik)


def test_groups_required_and_no_type_before_2023_6(servers):
    authentik = servers("2023.5")
    response = call(authentik, "POST", "/core/users/", json={"username": "w", "name": "W"})
    assert (response.status_code, response.json()) == (400, {"groups": ["This field is required."]})
    response = call(authentik, "POST", "/core/users/",
                    json={"username": "w", "name": "W", "groups": [], "type": "external"})
    assert response.status_code == 201 and "type" not in response.json()
    assert authentik.requests[-1]["unknown_fields"] == ["type"]
    assert "system_permissions" not in call(authentik, "GET", "/core/users/me/").json()["user"]


def test_set_password_unvalidated_before_2026_2(servers):
    authentik = servers("2025.10")
    user = authentik.add_user(username="x")
    assert call(authentik, "POST", f"/core/users/{user['pk']}/set_password/", json={}).status_code == 204
    response = call(authentik, "POST", f"/core/users/{user['pk']}/set_password/", json={"password": "pw"})
    assert response.status_code == 204
    assert authentik.check_password("x", "pw")


@pytest.mark.parametrize("version", ["2022.12", "2025", "latest"])
def test_unsupported_versions_are_refused(version):
    with pytest.raises(ValueError):
        AuthentikServer(token=TOKEN, version=version)
