"""The local server's RBAC roles and permissions, release by release, over real HTTP."""

import pytest
import requests

from tests.server.versions import RELEASES
from tests.unit.server.conftest import call

NIL_UUID = "00000000-0000-4000-8000-000000000000"
FORBIDDEN = {"detail": "You do not have permission to perform this action."}
SERVER_ERROR_TITLE = "<title>Server Error (500)</title>"


def results(authentik, path, **params):
    response = call(authentik, "GET", path, params=params)
    assert response.status_code == 200, response.text
    return response.json()["results"]


def names(authentik, path="/rbac/roles/", **params):
    return [item["name"] for item in results(authentik, path, **params)]


def clean_log(authentik):
    return [(e["method"], e["path"], e["unknown_fields"], e["schema_errors"]) for e in authentik.requests
            if e["unknown_fields"] or e["schema_errors"]]


def assign(authentik, role, permissions, **extra):
    return call(authentik, "POST", f"/rbac/permissions/assigned_by_roles/{role['pk']}/assign/",
                json={"permissions": permissions, **extra})


# ------------------------------------------------------------------ role CRUD


@pytest.mark.parametrize("version", ["2024.12", "2025.10", "2025.12", "2026.2", "2026.5"])
def test_role_crud(servers, version):
    authentik = servers(version)
    response = call(authentik, "POST", "/rbac/roles/", json={"name": " ops ", "managed": "x", "users": [1]})
    assert response.status_code == 201
    role = response.json()
    assert set(role) == {"pk", "name"} and role["name"] == "ops"
    path = f"/rbac/roles/{role['pk']}/"
    assert call(authentik, "GET", path).json() == role
    assert call(authentik, "PUT", path, json={"name": "ops2"}).json() == {"pk": role["pk"], "name": "ops2"}
    assert call(authentik, "PATCH", path, json={}).json()["name"] == "ops2"
    assert call(authentik, "PATCH", path, json={"name": "ops3"}).json()["name"] == "ops3"
    assert call(authentik, "GET", f"{path}used_by/").json() == []
    deleted = call(authentik, "DELETE", path)
    assert (deleted.status_code, deleted.content) == (204, b"")
    missing = call(authentik, "GET", path)
    named = version != "2024.12"  # DRF 3.14 in 2024.12 names no model
    assert (missing.status_code, missing.json()) == (
        404, {"detail": "No Role matches the given query." if named else "Not found."})
    assert call(authentik, "GET", "/rbac/roles/nope/").json() == {"detail": "Not found."}
    assert authentik.find_role("ops3") is None
    assert [e["unknown_fields"] for e in authentik.requests if e["unknown_fields"]] == [["managed", "users"]]
    assert all(not e["schema_errors"] for e in authentik.requests)


@pytest.mark.parametrize("version, body, errors", [
    ("2026.2", {}, {"name": ["This field is required."]}),
    ("2026.2", {"name": "  "}, {"name": ["This field may not be blank."]}),
    ("2026.2", {"name": "taken"}, {"name": ["Role with this name already exists."]}),
    ("2025.12", {"name": "r" * 151}, {"name": ["Ensure this field has no more than 150 characters."]}),
    ("2024.12", {"name": "r" * 151}, {"name": ["Ensure this field has no more than 150 characters."]}),
    ("2026.2", {"name": "r" * 151}, None),
    ("2026.5", {"name": "r" * 400}, None),
])
def test_role_name_errors_per_release(servers, version, body, errors):
    authentik = servers(version)
    authentik.add_role("taken")
    response = call(authentik, "POST", "/rbac/roles/", json=body)
    if errors is None:
        assert response.status_code == 201
    else:
        assert (response.status_code, response.json()) == (400, errors)


def test_put_needs_a_name_and_patch_keeps_uniqueness(authentik):
    authentik.add_role("a")
    b = authentik.add_role("b")
    response = call(authentik, "PUT", f"/rbac/roles/{b['pk']}/", json={})
    assert (response.status_code, response.json()) == (400, {"name": ["This field is required."]})
    response = call(authentik, "PATCH", f"/rbac/roles/{b['pk']}/", json={"name": "a"})
    assert response.json() == {"name": ["Role with this name already exists."]}
    assert call(authentik, "PATCH", f"/rbac/roles/{b['pk']}/", json={"name": "b"}).status_code == 200


def test_emulated_releases_include_the_rbac_milestones():
    assert {"2024.12", "2025.8", "2025.10", "2025.12", "2026.2", "2026.5"} <= set(RELEASES)


def test_no_rbac_before_2023_10(servers):
    authentik = servers("2023.8")
    response = call(authentik, "GET", "/rbac/roles/")
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    group = call(authentik, "POST", "/core/groups/", json={"name": "g", "roles": []}).json()
    assert "roles" not in group and authentik.requests[-1]["unknown_fields"] == ["roles"]
    with pytest.raises(ValueError):
        authentik.add_role("r")


# ----------------------------------------------------------------- role list


def test_role_list_pagination_follows_the_release(servers):
    old = servers("2025.10")
    for index in range(105):
        old.add_role(f"role{index:03}")
    body = call(old, "GET", "/rbac/roles/").json()
    assert len(body["results"]) == 100 and body["pagination"]["total_pages"] == 2
    assert len(results(old, "/rbac/roles/", page_size=500)) == 105
    new = servers("2025.12")
    for index in range(105):
        new.add_role(f"role{index:03}")
    body = call(new, "GET", "/rbac/roles/", params={"page": 2}).json()
    assert body["pagination"] == {"next": 3, "previous": 1, "count": 105, "current": 2, "total_pages": 6,
                                  "start_index": 21, "end_index": 40}
    assert body["results"][0]["name"] == "role020"
    assert len(results(new, "/rbac/roles/", page_size=500)) == 100
    assert call(new, "GET", "/rbac/roles/", params={"page": 7}).json() == {"detail": "Invalid page."}
    assert "autocomplete" not in call(servers("2025.6"), "GET", "/rbac/roles/").json()
    assert clean_log(old) == [] and clean_log(new) == []


def test_group_name_filter_until_2025_8_uses_the_creation_name(servers):
    authentik = servers("2025.8")
    role = authentik.add_role("first")
    authentik.add_role("other")
    call(authentik, "PATCH", f"/rbac/roles/{role['pk']}/", json={"name": "renamed"})
    assert names(authentik, group__name="first") == ["renamed"]
    assert names(authentik, group__name="renamed") == []
    assert names(authentik, name="other") == ["renamed", "other"]  # ignored; ordered by the hidden name
    assert names(authentik, search="FIR") == ["renamed"]
    assert clean_log(authentik) == []


def test_name_filter_from_2025_10(servers):
    authentik = servers("2025.10")
    role = authentik.add_role("first")
    authentik.add_role("other")
    call(authentik, "PATCH", f"/rbac/roles/{role['pk']}/", json={"name": "renamed"})
    assert names(authentik, name="renamed") == ["renamed"]
    assert names(authentik, group__name="first") == ["other", "renamed"]  # ignored
    assert names(authentik, search="NAM") == ["renamed"]
    assert names(authentik, search="first") == []
    assert names(authentik, ordering="-name") == ["renamed", "other"]
    # users / inherited / managed arrive in 2025.12: ignored here.
    assert names(authentik, users=1, managed__isnull="false") == ["other", "renamed"]


@pytest.mark.parametrize("version, param, ignored", [
    ("2025.12", "ak_groups", "groups"), ("2026.2", "groups", "ak_groups"), ("2026.5", "groups", "ak_groups"),
])
def test_user_and_group_filters_from_2025_12(servers, version, param, ignored):
    authentik = servers(version)
    parent = authentik.add_group("parent")
    child = authentik.add_group("child", parent=parent["pk"])
    authentik.add_role("up", groups=[parent["pk"]])
    authentik.add_role("down", groups=[child["pk"]])
    authentik.add_role("direct")
    authentik.add_role("unused")
    user = authentik.add_user("u", groups=[child["pk"]])
    authentik.assign_role_to_user(user["pk"], "direct")
    assert names(authentik, users=user["pk"]) == ["direct"]
    assert names(authentik, users=user["pk"], inherited="true") == ["direct", "down", "up"]
    assert names(authentik, users=999) == []
    assert names(authentik, **{param: child["pk"]}) == ["down"]
    assert names(authentik, **{param: child["pk"], "inherited": "true"}) == ["down", "up"]
    assert names(authentik, **{param: NIL_UUID}) == []
    assert names(authentik, **{ignored: child["pk"]}) == ["direct", "down", "unused", "up"]
    assert names(authentik, inherited="true") == ["direct", "down", "unused", "up"]
    response = call(authentik, "GET", "/rbac/roles/", params={"users": "x"})
    assert (response.status_code, response.json()) == (400, {"users": ["Enter a number."]})
    assert clean_log(authentik) == []


def test_managed_role_and_managed_filters(servers):
    authentik = servers("2026.2")
    user = authentik.add_user("alice")
    authentik.add_role("plain", users=[user["pk"]])
    assert authentik.managed_role(user_pk=user["pk"], create=False) is None
    assert names(authentik) == ["plain"]
    managed = authentik.managed_role(user_pk=user["pk"])
    assert managed["name"] == f"ak-managed-role--user-{user['pk']}"
    assert authentik.managed_role(user_pk=user["pk"]) == managed
    held = call(authentik, "GET", f"/core/users/{user['pk']}/").json()
    assert sorted(held["roles"]) == sorted([managed["pk"], authentik.find_role("plain")["pk"]])
    assert names(authentik, managed__isnull="true") == ["plain"]
    assert names(authentik, managed__isnull="false") == [managed["name"]]
    assert names(authentik, managed=managed["name"]) == [managed["name"]]
    response = call(authentik, "GET", "/rbac/roles/", params={"managed": "nope"})
    assert (response.status_code, response.json()) == (
        400, {"managed": ["Select a valid choice. nope is not one of the available choices."]})
    # Leaving the managed role out of a roles write strips it from the user, like any other role.
    call(authentik, "PATCH", f"/core/users/{user['pk']}/", json={"roles": [authentik.find_role("plain")["pk"]]})
    assert authentik.role_members(managed["name"]) == {"users": [], "groups": []}
    # The API does not protect managed roles.
    assert call(authentik, "DELETE", f"/rbac/roles/{managed['pk']}/").status_code == 204
    group = authentik.add_group("team")
    assert authentik.managed_role(group_uuid=group["pk"])["name"] == f"ak-managed-role--group-{group['pk']}"
    with pytest.raises(ValueError):
        servers("2025.10").managed_role(user_pk=1)


# --------------------------------------------------------- add_user / remove_user


@pytest.mark.parametrize("version", ["2025.12", "2026.5"])
def test_role_add_and_remove_user(servers, version):
    authentik = servers(version)
    role = authentik.add_role("ops")
    user = authentik.add_user("bob")
    base = f"/rbac/roles/{role['pk']}/"
    for _attempt in range(2):
        response = call(authentik, "POST", base + "add_user/", json={"pk": user["pk"]})
        assert (response.status_code, response.content) == (204, b"")
    assert authentik.role_members("ops")["users"] == ["bob"]
    assert names(authentik, users=user["pk"]) == ["ops"]
    for body in ({"pk": 999}, {}):
        response = call(authentik, "POST", base + "add_user/", json=body)
        assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    response = call(authentik, "POST", base + "add_user/", json={"pk": "x"})
    assert response.status_code == 500 and SERVER_ERROR_TITLE in response.text
    for _attempt in range(2):
        assert call(authentik, "POST", base + "remove_user/", json={"pk": user["pk"]}).status_code == 204
    assert authentik.role_members("ops")["users"] == []
    response = call(authentik, "POST", f"/rbac/roles/{NIL_UUID}/add_user/", json={"pk": user["pk"]})
    assert (response.status_code, response.json()) == (404, {"detail": "No Role matches the given query."})
    assert all(not e["schema_errors"] for e in authentik.requests if e["status"] == 204)


def test_no_role_membership_actions_before_2025_12(servers):
    authentik = servers("2025.10")
    role = authentik.add_role("ops")
    response = call(authentik, "POST", f"/rbac/roles/{role['pk']}/add_user/", json={"pk": 1})
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    with pytest.raises(ValueError):
        authentik.assign_role_to_user(1, "ops")


# ----------------------------------------------------------------- roles on users


def test_user_roles_replace_the_set(authentik):
    a, b = authentik.add_role("a"), authentik.add_role("b")
    created = call(authentik, "POST", "/core/users/", json={"username": "u", "name": "U", "roles": [a["pk"]]})
    assert created.status_code == 201
    user = created.json()
    assert (user["roles"], user["roles_obj"]) == ([a["pk"]], [a])
    path = f"/core/users/{user['pk']}/"
    patched = call(authentik, "PATCH", path, json={"roles": [b["pk"], b["pk"]]}).json()
    assert (patched["roles"], patched["roles_obj"]) == ([b["pk"]], [b])
    assert call(authentik, "PATCH", path, json={"name": "x"}).json()["roles"] == [b["pk"]]
    assert call(authentik, "PUT", path, json={"username": "u", "name": "U"}).json()["roles"] == []
    assert call(authentik, "POST", "/core/users/", json={"username": "v", "name": "V"}).json()["roles"] == []
    call(authentik, "PATCH", path, json={"roles": [a["pk"], b["pk"]]})
    assert call(authentik, "GET", path, params={"include_roles": "false"}).json()["roles_obj"] is None
    assert results(authentik, "/core/users/", username="u", include_roles="false")[0]["roles_obj"] is None
    assert call(authentik, "DELETE", f"/rbac/roles/{a['pk']}/").status_code == 204
    assert call(authentik, "GET", path).json()["roles"] == [b["pk"]]
    assert clean_log(authentik) == []


@pytest.mark.parametrize("roles, errors", [
    ([NIL_UUID], [f'Invalid pk "{NIL_UUID}" - object does not exist.']),
    (["x"], ["\u201cx\u201d is not a valid UUID."]),
    ("x", ['Expected a list of items but got type "str".']),
])
def test_user_roles_errors(authentik, roles, errors):
    response = call(authentik, "POST", "/core/users/", json={"username": "u", "name": "U", "roles": roles})
    assert (response.status_code, response.json()) == (400, {"roles": errors})


def test_user_list_role_filters(authentik):
    authentik.add_role("a")
    b = authentik.add_role("b")
    authentik.add_role("c")
    group = authentik.add_group("g")
    authentik.assign_role_to_group(group["pk"], "c")
    u1 = authentik.add_user("u1", groups=[group["pk"]])
    u2 = authentik.add_user("u2")
    authentik.assign_role_to_user(u1["pk"], "a")
    authentik.assign_role_to_user(u2["pk"], "b")

    def usernames(**params):
        return [u["username"] for u in results(authentik, "/core/users/", **params)]

    assert usernames(roles_by_name="a") == ["u1"]
    assert usernames(roles_by_name=["a", "b"]) == ["u1", "u2"]
    assert usernames(roles_by_pk=b["pk"]) == ["u2"]
    assert usernames(roles_by_name="c") == []  # direct roles only
    response = call(authentik, "GET", "/core/users/", params={"roles_by_name": "zzz"})
    assert (response.status_code, response.json()) == (
        400, {"roles_by_name": ["Select a valid choice. zzz is not one of the available choices."]})
    response = call(authentik, "GET", "/core/users/", params={"roles_by_pk": NIL_UUID})
    assert response.status_code == 400
    me = call(authentik, "GET", "/core/users/me/").json()["user"]
    assert me["roles"] == []
    authentik.assign_role_to_user(1, "a")
    admins = call(authentik, "GET", "/core/users/1/").json()["groups"]
    call(authentik, "PATCH", "/core/users/1/", json={"groups": admins + [group["pk"]]})
    # /me lists all_roles(): direct ones and those of the user's groups.
    assert [r["name"] for r in call(authentik, "GET", "/core/users/me/").json()["user"]["roles"]] == ["a", "c"]
    assert clean_log(authentik) == []


def test_old_releases_ignore_user_roles_silently(servers):
    authentik = servers("2025.10")
    role = authentik.add_role("a")
    authentik.add_user("other")
    response = call(authentik, "POST", "/core/users/", json={"username": "u", "name": "U", "roles": [role["pk"]]})
    assert response.status_code == 201 and not {"roles", "roles_obj"} & set(response.json())
    for params in ({"roles_by_name": "nope"}, {"roles_by_pk": NIL_UUID}, {"include_roles": "false"}):
        response = call(authentik, "GET", "/core/users/", params=params)
        assert response.status_code == 200
        assert [u["username"] for u in response.json()["results"]] == ["akadmin", "other", "u"]
    assert "roles" not in call(authentik, "GET", "/core/users/me/").json()["user"]
    assert authentik.role_members("a") == {"users": [], "groups": []}


# ---------------------------------------------------------------- roles on groups


def test_group_roles_and_inherited_roles(authentik):
    a, b, c = authentik.add_role("a"), authentik.add_role("b"), authentik.add_role("c")
    parent = call(authentik, "POST", "/core/groups/", json={"name": "p", "roles": [a["pk"], b["pk"]]}).json()
    assert (sorted(parent["roles"]), parent["roles_obj"]) == (sorted([a["pk"], b["pk"]]), [a, b])
    child = call(authentik, "POST", "/core/groups/", json={"name": "c", "parents": [parent["pk"]],
                                                           "roles": [b["pk"], c["pk"]]}).json()
    assert child["inherited_roles_obj"] is None
    path = f"/core/groups/{child['pk']}/"
    assert call(authentik, "GET", path, params={"include_inherited_roles": "true"}).json()[
        "inherited_roles_obj"] == [a]
    listed = results(authentik, "/core/groups/", name="c", include_inherited_roles="true")
    assert listed[0]["inherited_roles_obj"] == [a]
    # roles has no default on groups: a PUT without it keeps them; sending it replaces the set.
    assert call(authentik, "PUT", path, json={"name": "c", "parents": [parent["pk"]]}).json()["roles_obj"] == [b, c]
    assert call(authentik, "PATCH", path, json={"roles": [a["pk"]]}).json()["roles_obj"] == [a]
    # 2025.12+: a role may sit on several groups.
    assert authentik.role_members("a")["groups"] == ["c", "p"]
    assert clean_log(authentik) == []


def test_one_group_per_role_until_2025_10(servers):
    authentik = servers("2025.10")
    role = authentik.add_role("r")
    first = call(authentik, "POST", "/core/groups/", json={"name": "one", "roles": [role["pk"]]}).json()
    assert first["roles_obj"] == [role] and "inherited_roles_obj" not in first
    response = call(authentik, "POST", "/core/groups/", json={"name": "two", "roles": [role["pk"]]})
    assert (response.status_code, response.json()) == (400, ["Roles can only be used with a single group."])
    other = authentik.add_group("three")
    response = call(authentik, "PATCH", f"/core/groups/{other['pk']}/", json={"roles": [role["pk"]]})
    assert response.json() == ["Roles can only be used with a single group."]
    # The same group may be written again with its role.
    assert call(authentik, "PUT", f"/core/groups/{first['pk']}/",
                json={"name": "one", "roles": [role["pk"]]}).status_code == 200
    with pytest.raises(Exception):
        authentik.assign_role_to_group(other["pk"], "r")
    assert authentik.role_members("r")["groups"] == ["one"]


# ----------------------------------------------------------------- permissions


def test_permission_catalogue(authentik):
    core = results(authentik, "/rbac/permissions/", page_size=1000, content_type__app_label="authentik_core")
    codenames = {(p["app_label"], p["codename"]) for p in core}
    for codename in ("view_user", "add_user", "change_user", "delete_user", "reset_user_password", "impersonate",
                     "view_group", "add_user_to_group", "remove_user_from_group", "enable_group_superuser",
                     "disable_group_superuser", "view_token", "view_token_key", "set_token_key"):
        assert ("authentik_core", codename) in codenames
    role_perms = results(authentik, "/rbac/permissions/", content_type__model="role")
    assert {p["codename"] for p in role_perms} == {"add_role", "change_role", "delete_role", "view_role",
                                                   "assign_role_permissions", "unassign_role_permissions"}
    item = results(authentik, "/rbac/permissions/", codename="view_user")[0]
    assert item == {"id": item["id"], "name": "Can view User", "codename": "view_user", "model": "user",
                    "app_label": "authentik_core", "app_label_verbose": "authentik Core", "model_verbose": "User"}
    assert call(authentik, "GET", f"/rbac/permissions/{item['id']}/").json() == item
    missing = call(authentik, "GET", "/rbac/permissions/99999/")
    assert (missing.status_code, missing.json()) == (404, {"detail": "No Permission matches the given query."})
    names_found = [p["codename"] for p in results(authentik, "/rbac/permissions/", search="Reset Password")]
    assert names_found == ["reset_user_password"]
    body = call(authentik, "GET", "/rbac/permissions/").json()
    assert body["pagination"]["count"] > 400 and len(body["results"]) == 20
    assert clean_log(authentik) == []


def test_permission_list_per_release(servers):
    old = servers("2025.2")
    # "Can" is only in the names, which are searched from 2025.4.
    assert results(old, "/rbac/permissions/", search="Can", codename="view_user") == []
    assert results(old, "/rbac/permissions/", codename="view_media_files") == []
    assert results(old, "/rbac/permissions/", codename="view_user", user=1) == []  # no direct user permissions
    assert len(results(old, "/rbac/permissions/", page_size=1000)) > 100  # no cap before 2025.12
    new = servers("2026.2")
    assert len(results(new, "/rbac/permissions/", codename="view_media_files")) == 1
    assert len(results(new, "/rbac/permissions/", search="Can", codename="view_user")) == 1
    assert len(results(new, "/rbac/permissions/", codename="view_user", user=1)) == 1  # `user` gone: ignored


@pytest.mark.parametrize("version", ["2025.10", "2025.12", "2026.2", "2026.5"])
def test_assign_and_unassign(servers, version):
    authentik = servers(version)
    role = authentik.add_role("ops")
    user = authentik.add_user("u")
    split = version >= "2025.12"
    response = assign(authentik, role, ["authentik_core.view_user", "authentik_core.add_user"])
    assert response.status_code == 200
    ids = response.json()
    view_user = results(authentik, "/rbac/permissions/", codename="view_user")[0]["id"]
    assert ids[0] == {"id": "1" if split else str(view_user)} and len(ids) == 2
    assert assign(authentik, role, ["authentik_core.view_user"]).json() == [ids[0]]  # get_or_create
    on_object = {"model": "authentik_core.user", "object_pk": str(user["pk"])}
    object_ids = assign(authentik, role, ["authentik_core.change_user"], **on_object).json()
    assert object_ids == [{"id": "1"}]
    assert assign(authentik, role, [], **on_object).json() == []
    assert authentik.role_permissions("ops") == {
        "global": ["authentik_core.add_user", "authentik_core.view_user"],
        "object": [("authentik_core.change_user", str(user["pk"]))]}
    global_list = results(authentik, "/rbac/permissions/", role=role["pk"])
    assert sorted(p["codename"] for p in global_list) == ["add_user", "view_user"]
    unassign = f"/rbac/permissions/assigned_by_roles/{role['pk']}/unassign/"
    for _attempt in range(2):
        response = call(authentik, "PATCH", unassign, json={"permissions": ["authentik_core.add_user"]})
        assert (response.status_code, response.content) == (204, b"")
    response = call(authentik, "PATCH", unassign, json={"permissions": ["authentik_core.change_user"], **on_object})
    assert response.status_code == 204
    assert authentik.role_permissions("ops") == {"global": ["authentik_core.view_user"], "object": []}
    response = call(authentik, "PATCH", unassign, json={})
    assert (response.status_code, response.json()) == (400, {"permissions": ["This field is required."]})
    assert clean_log(authentik) == []


@pytest.mark.parametrize("body, errors", [
    ({}, {"permissions": ["This field is required."]}),
    ({"permissions": ["authentik_core.view_user"], "model": "authentik_core.user"},
     {"non_field_errors": ["The fields model, object_pk must be used together."]}),
    ({"permissions": ["authentik_core.view_user"], "object_pk": "1"},
     {"non_field_errors": ["The fields model, object_pk must be used together."]}),
    ({"permissions": ["view_user"]},
     {"permissions": ["When assigning global permissions, codename must be given as app_label.codename"]}),
    ({"permissions": ["authentik_core.view_user"], "model": "x", "object_pk": "1"},
     {"model": ['"x" is not a valid choice.']}),
])
def test_assign_400_bodies(authentik, body, errors):
    role = authentik.add_role("ops")
    response = call(authentik, "POST", f"/rbac/permissions/assigned_by_roles/{role['pk']}/assign/", json=body)
    assert (response.status_code, response.json()) == (400, errors)
    assert authentik.role_permissions("ops") == {"global": [], "object": []}


def test_assign_failures_are_500_and_atomic(authentik):
    role = authentik.add_role("ops")
    for body in ({"permissions": ["authentik_core.view_user", "authentik_core.nope"]},
                 {"permissions": ["authentik_core.view_group"], "model": "authentik_core.user", "object_pk": "1"},
                 # 2026.2+ wants app_label.codename on objects too
                 {"permissions": ["view_user"], "model": "authentik_core.user", "object_pk": "1"}):
        response = assign(authentik, role, **body)
        assert response.status_code == 500 and SERVER_ERROR_TITLE in response.text
        assert response.headers["Content-Type"].startswith("text/html")
    assert authentik.role_permissions("ops") == {"global": [], "object": []}
    response = call(authentik, "POST", f"/rbac/permissions/assigned_by_roles/{NIL_UUID}/assign/",
                    json={"permissions": []})
    assert (response.status_code, response.json()) == (404, {"detail": "No Role matches the given query."})
    assert all(not e["schema_errors"] for e in authentik.requests)


def test_unknown_object_pk_assigns_globally(authentik):
    role = authentik.add_role("ops")
    assign(authentik, role, ["authentik_core.view_user"], model="authentik_core.user", object_pk="999")
    assign(authentik, role, ["authentik_flows.view_flow"], model="authentik_flows.flow", object_pk=NIL_UUID)
    assert authentik.role_permissions("ops") == {
        "global": ["authentik_core.view_user", "authentik_flows.view_flow"], "object": []}


def test_bare_codename_on_objects_in_2025_12(servers):
    authentik = servers("2025.12")
    role = authentik.add_role("ops")
    group = authentik.add_group("g")
    response = assign(authentik, role, ["view_group"], model="authentik_core.group", object_pk=group["pk"])
    assert response.status_code == 200
    assert authentik.role_permissions("ops")["object"] == [("authentik_core.view_group", group["pk"])]


@pytest.mark.parametrize("version", ["2025.10", "2025.12", "2026.5"])
def test_assigned_by_roles(servers, version):
    authentik = servers(version)
    user = authentik.add_user("u")
    viewer = authentik.add_role("viewer", permissions=["authentik_core.view_user"])
    owner = authentik.add_role("owner", object_permissions=[
        ("authentik_core.change_user", "authentik_core.user", user["pk"])])
    authentik.add_role("groups", permissions=["authentik_core.view_group"])
    path = "/rbac/permissions/assigned_by_roles/"
    response = call(authentik, "GET", path)
    assert (response.status_code, response.json()) == (400, {"model": ["This field is required."]})
    response = call(authentik, "GET", path, params={"model": "nope"})
    assert response.status_code == 400
    found = results(authentik, path, model="authentik_core.user", object_pk=str(user["pk"]))
    object_row = {"id": 1, "codename": "change_user", "model": "user", "app_label": "authentik_core",
                  "object_pk": str(user["pk"]), "name": "Can change User"}
    if version >= "2025.12":
        assert [item["name"] for item in found] == ["owner", "viewer"]
        assert found[0] == {"role_pk": owner["pk"], "name": "owner", "object_permissions": [object_row],
                            "model_permissions": []}
        assert found[1]["model_permissions"][0]["codename"] == "view_user"
    else:
        # Up to 2025.10 an object_pk keeps only roles with an object permission on it.
        assert found == [{"role_pk": owner["pk"], "name": "owner", "permissions": [object_row]}]
        assert [r["name"] for r in results(authentik, path, model="authentik_core.user")] == ["owner", "viewer"]
    assert viewer["name"] == "viewer"
    assert clean_log(authentik) == []


@pytest.mark.parametrize("version", ["2025.10", "2026.2", "2026.5"])
def test_role_object_permissions_list(servers, version):
    authentik = servers(version)
    users = [authentik.add_user(f"u{index:02}") for index in range(12)]
    role = authentik.add_role("ops", object_permissions=[
        ("authentik_core.change_user", "authentik_core.user", u["pk"]) for u in users])
    authentik.grant("ops", object_permissions=[("authentik_core.view_user", "authentik_core.user", users[0]["pk"])])
    authentik.add_role("other", object_permissions=[("authentik_core.view_user", "authentik_core.user", 1)])
    body = call(authentik, "GET", "/rbac/permissions/roles/", params={"uuid": role["pk"], "page_size": 50}).json()
    assert len(body["results"]) == 10 and body["pagination"]["count"] == 13  # SmallerPagination: at most 10
    assert ("autocomplete" in body) is (version == "2026.5")
    first = body["results"][0]
    assert first == {"id": 1, "codename": "change_user", "model": "user", "app_label": "authentik_core",
                     "object_pk": str(users[0]["pk"]), "name": "Can change User",
                     "app_label_verbose": "authentik Core", "model_verbose": "User", "object_description": "u00"}
    assert body["results"][1]["object_description"] is None  # the role may not view that user
    everything = call(authentik, "GET", "/rbac/permissions/roles/").json()
    assert everything["pagination"]["count"] == 14
    response = call(authentik, "GET", "/rbac/permissions/roles/", params={"uuid": "x"})
    assert (response.status_code, response.json()) == (400, {"uuid": ["Enter a valid UUID."]})
    detail = call(authentik, "GET", "/rbac/permissions/roles/1/")
    if version >= "2025.12":
        assert (detail.status_code, detail.json()) == (404, {"detail": "Not found."})
    else:
        assert detail.json() == first
        moved = call(authentik, "PATCH", "/rbac/permissions/roles/1/", json={"object_pk": "1"}).json()
        assert (moved["object_pk"], moved["object_description"]) == ("1", None)
        assert call(authentik, "DELETE", "/rbac/permissions/roles/1/").status_code == 204
        assert call(authentik, "GET", "/rbac/permissions/roles/1/").status_code == 404
    assert clean_log(authentik) == []


# ------------------------------------------------------- non-superuser token owners


def _demote_owner(authentik):
    """The token owner (akadmin, pk 1) leaves the superuser group."""
    assert call(authentik, "PATCH", "/core/users/1/", json={"groups": []}).status_code == 200


def test_non_superuser_passes_what_its_roles_grant(authentik):
    alice, bob = authentik.add_user("alice"), authentik.add_user("bob")
    group = authentik.add_group("team")
    authentik.add_role("helpdesk", users=[1], permissions=["authentik_rbac.view_role"], object_permissions=[
        ("authentik_core.view_user", "authentik_core.user", alice["pk"]),
        ("authentik_core.change_user", "authentik_core.user", alice["pk"]),
    ])
    _demote_owner(authentik)
    assert [u["username"] for u in results(authentik, "/core/users/")] == ["alice"]
    assert call(authentik, "GET", f"/core/users/{bob['pk']}/").json() == {"detail": "No User matches the given query."}
    assert call(authentik, "PATCH", f"/core/users/{alice['pk']}/", json={"name": "Alice"}).status_code == 200
    assert call(authentik, "DELETE", f"/core/users/{alice['pk']}/").json() == FORBIDDEN
    assert call(authentik, "POST", "/core/users/", json={"username": "x", "name": "x"}).json() == FORBIDDEN
    assert call(authentik, "GET", "/core/groups/").json() == FORBIDDEN
    assert call(authentik, "GET", f"/core/groups/{group['pk']}/").json() == FORBIDDEN
    assert names(authentik) == ["helpdesk"]
    assert call(authentik, "POST", "/rbac/roles/", json={"name": "n"}).json() == FORBIDDEN
    assert results(authentik, "/rbac/permissions/", codename="view_user")  # any authenticated caller
    assert call(authentik, "GET", "/rbac/permissions/roles/").json() == FORBIDDEN
    me = call(authentik, "GET", "/core/users/me/").json()["user"]
    assert me["is_superuser"] is False and [r["name"] for r in me["roles"]] == ["helpdesk"]


def test_non_superuser_role_actions_and_group_flags(authentik):
    role = authentik.add_role("ops")
    group = authentik.add_group("team")
    authentik.add_role("admin-lite", users=[1], permissions=[
        "authentik_core.view_user", "authentik_core.view_group", "authentik_core.change_group",
        "authentik_rbac.view_role", "authentik_rbac.change_role", "authentik_rbac.add_role",
        "authentik_rbac.assign_role_permissions", "authentik_rbac.view_system_info"])
    _demote_owner(authentik)
    user = authentik.add_user("u")
    assert call(authentik, "POST", f"/rbac/roles/{role['pk']}/add_user/", json={"pk": user["pk"]}).status_code == 204
    assert assign(authentik, role, ["authentik_core.view_user"]).status_code == 200
    unassigned = call(authentik, "PATCH", f"/rbac/permissions/assigned_by_roles/{role['pk']}/unassign/",
                      json={"permissions": ["authentik_core.view_user"]})
    assert unassigned.json() == FORBIDDEN  # needs unassign_role_permissions
    response = call(authentik, "PATCH", f"/core/groups/{group['pk']}/", json={"is_superuser": True})
    assert (response.status_code, response.json()) == (
        400, {"is_superuser": ["User does not have permission to set superuser status to True."]})
    assert call(authentik, "PATCH", f"/core/groups/{group['pk']}/", json={"name": "t2"}).status_code == 200
    assert call(authentik, "GET", "/core/users/me/").json()["user"]["system_permissions"] == ["view_system_info"]


def test_non_superuser_without_roles_is_refused_everywhere(authentik):
    role = authentik.add_role("ops")
    _demote_owner(authentik)
    for method, path in (("GET", "/core/users/"), ("GET", "/rbac/roles/"), ("GET", f"/rbac/roles/{role['pk']}/"),
                         ("DELETE", f"/rbac/roles/{role['pk']}/"),
                         ("POST", f"/rbac/roles/{role['pk']}/add_user/"),
                         ("GET", "/rbac/permissions/assigned_by_roles/")):
        response = call(authentik, method, path, json={})
        assert (response.status_code, response.json()) == (403, FORBIDDEN), (method, path)


def test_before_2025_12_roles_reach_users_through_direct_groups_only(servers):
    authentik = servers("2025.10")
    parent = authentik.add_group("parent")
    child = authentik.add_group("child", parent=parent["pk"])
    authentik.add_role("on-parent", permissions=["authentik_core.view_group"], groups=[parent["pk"]])
    authentik.add_role("on-child", permissions=["authentik_core.view_user"], groups=[child["pk"]])
    assert call(authentik, "PATCH", "/core/users/1/", json={"groups": [child["pk"]]}).status_code == 200
    assert call(authentik, "GET", "/core/users/").status_code == 200
    assert call(authentik, "GET", "/core/groups/").json() == FORBIDDEN


# ------------------------------------------------------------------ faults


def test_unprocessed_truncation_keeps_no_role(authentik):
    authentik.inject("truncated", match={"path_prefix": "/rbac/roles/"}, process=False)
    with pytest.raises(requests.exceptions.RequestException):
        call(authentik, "POST", "/rbac/roles/", json={"name": "ghost"}).json()
    assert authentik.find_role("ghost") is None
