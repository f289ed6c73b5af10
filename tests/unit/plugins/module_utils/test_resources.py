"""plugins/module_utils/resources.py: one function per endpoint, against the local server (and a fake client for
answers no authentik gives). find_* returns None for an object that does not exist; require_* raises NotFoundError."""

import uuid

import pytest

from ansible_collections.akops.authentik.plugins.module_utils import resources
from ansible_collections.akops.authentik.plugins.module_utils.errors import (
    ApiError,
    AuthentikError,
    NotFoundError,
)

MISSING_UUID = "00000000-0000-0000-0000-000000000000"


# ---------------------------------------------------------------- users


def test_find_user_by_username_pk_and_uuid(client, authentik):
    user = authentik.add_user(username="Alice+ &/%?", name="A")
    authentik.add_user(username="alice", name="a")
    assert resources.find_user(client, username="Alice+ &/%?")["pk"] == user["pk"]
    assert resources.find_user(client, pk=user["pk"])["username"] == "Alice+ &/%?"
    assert resources.find_user(client, uuid=user["uuid"])["pk"] == user["pk"]
    assert resources.find_user(client, username="nobody") is None
    assert resources.find_user(client, pk=99999) is None
    assert resources.find_user(client, uuid=str(uuid.UUID(int=5))) is None


def test_find_user_costs_one_request(client, authentik):
    resources.find_user(client, username="akadmin")
    resources.find_user(client, pk=1)
    assert len(authentik.requests) == 2


def test_require_user_by_username_or_pk(client, authentik):
    user = authentik.add_user(username="bob")
    assert resources.require_user(client, "bob")["pk"] == user["pk"]
    assert resources.require_user(client, user["pk"])["username"] == "bob"
    with pytest.raises(NotFoundError) as caught:
        resources.require_user(client, "nobody")
    assert caught.value.msg == "User 'nobody' does not exist"
    with pytest.raises(NotFoundError) as caught:
        resources.require_user(client, 99999)
    assert caught.value.msg == "User 99999 does not exist"


def test_resolve_users_fails_on_the_first_unknown(client, authentik):
    bob = authentik.add_user(username="bob")
    assert resources.resolve_users(client, ["bob", bob["pk"]]) == {"bob": bob, bob["pk"]: bob}
    with pytest.raises(NotFoundError):
        resources.resolve_users(client, ["bob", "ghost"])


@pytest.mark.parametrize("answer", [
    {"username": "x"},
    {"pk": "1", "username": "x"},
    {"pk": 1},
    {"pk": 1, "username": None},
    {"pk": 1.0, "username": "x"},
    [],
    "akadmin",
])
def test_checked_user_refuses_an_answer_that_is_no_user(fake, answer):
    with pytest.raises(AuthentikError) as caught:
        resources.checked_user(fake, answer)
    assert caught.value.msg == ("the answer from https://authentik.example.com/api/v3 holds a user without pk or "
                                "username, which authentik always sends; check api_url")


def test_checked_user_passes_a_user_and_nothing():
    user = {"pk": 1, "username": "akadmin"}
    assert resources.checked_user(None, user) is user
    assert resources.checked_user(None, None) is None


def test_find_user_checks_what_a_list_answers(fake):
    fake.answer("GET", "/core/users/", {"results": [{"name": "not a user"}], "pagination": {}})
    with pytest.raises(AuthentikError, match="holds a user without pk or username"):
        resources.find_user(fake, username="x")


def test_find_user_checks_what_a_retrieve_answers(fake):
    fake.answer("GET", "/core/users/5/", {"detail": "ok"})
    with pytest.raises(AuthentikError, match="holds a user without pk or username"):
        resources.find_user(fake, pk=5)


def test_find_user_does_not_trust_a_server_that_ignores_the_filter(fake):
    fake.answer("GET", "/core/users/", {"results": [{"pk": 1, "username": "akadmin"},
                                                    {"pk": 2, "username": "other"}], "pagination": {}})
    assert resources.find_user(fake, username="jdoe") is None


def test_update_user_deleted_after_it_was_read(client, authentik):
    user = resources.find_user(client, pk=authentik.add_user(username="gone")["pk"])
    resources.delete_user(client, user["pk"])
    with pytest.raises(ApiError) as caught:
        resources.update_user(client, user["pk"], {"name": "x"})
    assert caught.value.msg == ("PATCH /api/v3/core/users/%d/ returned HTTP 404: the user was deleted after it was "
                                "read; nothing was changed" % user["pk"])
    assert str(caught.value) == caught.value.msg
    assert caught.value.status == 404


def test_update_group_deleted_after_it_was_read(client, authentik):
    group = authentik.add_group(name="gone")
    resources.delete_group(client, group["pk"])
    with pytest.raises(ApiError) as caught:
        resources.update_group(client, group["pk"], {"name": "x"})
    assert caught.value.msg == ("PATCH /api/v3/core/groups/%s/ returned HTTP 404: the group was deleted after it was "
                                "read; nothing was changed" % group["pk"])


def test_delete_of_an_object_already_gone_is_done(client, authentik):
    resources.delete_user(client, 99999)
    resources.delete_group(client, MISSING_UUID)
    assert [entry["status"] for entry in authentik.requests] == [404, 404]


def test_a_refused_write_names_field_and_message(client, authentik):
    authentik.add_user(username="taken", name="T")
    with pytest.raises(ApiError) as caught:
        resources.create_user(client, {"username": "taken", "name": "x"})
    assert caught.value.msg == "POST /api/v3/core/users/ returned HTTP 400: username: This field must be unique."


def test_create_set_password_and_delete_a_user(client, authentik):
    created = resources.create_user(client, {"username": "new", "name": "New"})
    resources.set_password(client, created["pk"], "pw")
    assert authentik.check_password("new", "pw")
    resources.delete_user(client, created["pk"])
    assert authentik.find_user("new") is None


def test_token_owner(client, fake):
    assert resources.token_owner(client)["username"] == "akadmin"
    fake.answer("GET", "/core/users/me/", {"user": {"username": "no pk"}})
    with pytest.raises(AuthentikError) as caught:
        resources.token_owner(fake)
    assert caught.value.msg == ("the answer from https://authentik.example.com/api/v3/core/users/me/ names no user; "
                                "check api_url")


# ---------------------------------------------------------------- groups


def test_find_group_by_name_and_uuid(client, authentik):
    group = authentik.add_group(name="ops & dev")
    assert resources.find_group(client, name="ops & dev")["pk"] == group["pk"]
    assert resources.find_group(client, pk=group["pk"])["name"] == "ops & dev"
    assert resources.find_group(client, name="nope") is None
    assert resources.find_group(client, pk=MISSING_UUID) is None


def test_find_group_asks_for_members_only_when_wanted(client, authentik):
    authentik.add_group(name="ops")
    assert resources.find_group(client, name="ops")["users_obj"] is None
    assert resources.find_group(client, name="ops", include_users=True)["users_obj"] == []
    assert [entry["query"]["include_parents"] for entry in authentik.requests] == [["true"], ["true"]]


def test_require_group_by_name_or_uuid(client, authentik):
    group = authentik.add_group(name="ops")
    assert resources.require_group(client, "ops")["pk"] == group["pk"]
    assert resources.require_group(client, group["pk"])["name"] == "ops"
    with pytest.raises(NotFoundError) as caught:
        resources.require_group(client, "nope")
    assert caught.value.msg == "Group 'nope' does not exist"
    with pytest.raises(NotFoundError) as caught:
        resources.require_group(client, MISSING_UUID)
    assert caught.value.msg == "Group '%s' does not exist" % MISSING_UUID


@pytest.mark.parametrize("name", ["0123456789abcdef0123456789abcdef", "{%s}" % str(uuid.UUID(int=7))])
def test_require_group_reads_a_name_that_python_would_take_for_a_uuid_as_a_name(client, authentik, name):
    group = authentik.add_group(name=name)
    assert resources.require_group(client, name)["pk"] == group["pk"]
    assert authentik.requests[-1]["path"] == "/api/v3/core/groups/"


def test_resolve_groups(client, authentik):
    ops = authentik.add_group(name="ops")
    resolved = resources.resolve_groups(client, ["ops", ops["pk"]])
    assert dict((entry, group["pk"]) for entry, group in resolved.items()) == {"ops": ops["pk"], ops["pk"]: ops["pk"]}
    with pytest.raises(NotFoundError):
        resources.resolve_groups(client, ["ops", "ghost"])


def test_find_group_refuses_a_name_that_several_groups_have(fake):
    twins = [{"pk": str(uuid.UUID(int=n)), "name": "ops"} for n in (1, 2)]
    fake.answer("GET", "/core/groups/", {"results": twins + [{"pk": "x", "name": "other"}], "pagination": {}})
    with pytest.raises(AuthentikError) as caught:
        resources.find_group(fake, name="ops")
    assert caught.value.msg == "Group name 'ops' matches 2 groups; use the group's UUID instead"


def test_membership_calls(client, authentik):
    group = authentik.add_group(name="ops")
    bob = authentik.add_user(username="bob")
    resources.add_user_to_group(client, group["pk"], bob["pk"])
    assert resources.find_group(client, pk=group["pk"], include_users=True)["users"] == [bob["pk"]]
    resources.remove_user_from_group(client, group["pk"], bob["pk"])
    assert resources.find_group(client, pk=group["pk"], include_users=True)["users"] == []


def test_all_groups_reads_every_page_without_members(client, authentik):
    for number in range(3):
        authentik.add_group(name="g%d" % number)
    authentik.clear_requests()
    found = resources.all_groups(client, page_size=2)
    assert sorted(group["name"] for group in found) == ["authentik Admins", "g0", "g1", "g2"]
    assert [entry["query"]["page"] for entry in authentik.requests] == [["1"], ["2"]]
    assert all(entry["query"]["include_users"] == ["false"] for entry in authentik.requests)


# ---------------------------------------------------------------- queries


def test_list_query():
    assert resources.list_query({"is_active": True, "attributes": {"b": 1, "a": None}, "groups_by_name": ["x", "y"],
                                 "path": None, "username": "jdoe"}) == {
        "is_active": "true", "attributes": '{"a": null, "b": 1}', "groups_by_name": ["x", "y"], "username": "jdoe"}


def test_a_list_that_answers_404_names_the_missing_api(fake):
    fake.answer("GET", "/core/users/", ApiError("GET", "/api/v3/core/users/", 404, "<h1>Not Found</h1>"))
    with pytest.raises(ApiError) as caught:
        resources.find_user(fake, username="x")
    assert caught.value.msg.endswith("; expected authentik's API under https://authentik.example.com/api/v3; "
                                     "api_url should be the server's base URL, like https://auth.example.com")


def test_a_page_past_the_end_is_not_a_missing_api(fake):
    fake.answer("GET", "/core/users/", ApiError("GET", "/api/v3/core/users/", 404, {"detail": "Invalid page."}))
    with pytest.raises(ApiError) as caught:
        resources.list_page(fake, resources.USERS, {"page": 9})
    assert caught.value.msg == "GET /api/v3/core/users/ returned HTTP 404: Invalid page."


# ---------------------------------------------------------------- roles


def test_find_role_by_name_and_uuid(client, authentik):
    role = authentik.add_role("Readers")
    authentik.add_role("readers-extra")
    assert resources.find_role(client, name="Readers") == role
    assert resources.find_role(client, pk=role["pk"]) == role
    assert resources.find_role(client, name="readers") is None
    assert resources.find_role(client, pk=MISSING_UUID) is None
    with pytest.raises(NotFoundError, match="Role 'nobody' does not exist"):
        resources.require_role(client, "nobody")
    assert resources.require_role(client, role["pk"]) == role
    # One request each on a server that filters by name.
    assert [entry["query"].get("name") for entry in authentik.requests][:1] == [["Readers"]]


def test_find_role_reads_every_page_where_the_name_filter_is_ignored():
    """Before 2025.10 authentik ignores ?name= (it filtered on the name a role had when it was created): the role
    is found by its current name on any page."""
    from ansible_collections.akops.authentik.plugins.module_utils.api import Client
    from tests.server.authentik_server import AuthentikServer

    with AuthentikServer(token="old-release-token", version="2025.8") as old:
        for index in range(130):
            old.add_role("role-%03d" % index)
        renamed = old.add_role("before-rename")
        with old.store.lock:
            old.store.roles[renamed["pk"]]["name"] = "zz-after-rename"
        old.clear_requests()
        client = Client(old.url, old.token, timeout=5, retries=0)
        assert resources.find_role(client, name="zz-after-rename")["pk"] == renamed["pk"]
        assert resources.find_role(client, name="role-129")["name"] == "role-129"
        assert resources.find_role(client, name="missing") is None


def test_assign_accepts_authentiks_list_answer_and_nothing_else(client, authentik):
    from ansible_collections.akops.authentik.plugins.module_utils.errors import InvalidResponseError
    from ansible_collections.akops.authentik.plugins.module_utils.roles import PermissionBatch

    role = authentik.add_role("leads")
    resources.assign_permissions(client, role["pk"], PermissionBatch(None, None, ("authentik_core.view_user",)))
    assert authentik.role_permissions("leads")["global"] == ["authentik_core.view_user"]
    resources.unassign_permissions(client, role["pk"], PermissionBatch(None, None, ("authentik_core.view_user",)))
    assert authentik.role_permissions("leads")["global"] == []

    class ListAnswer(object):
        def post(self, *args, **kwargs):
            raise InvalidResponseError("POST", "/api/v3/x/", 200, ["not", "ids"])

    with pytest.raises(InvalidResponseError):
        resources.assign_permissions(ListAnswer(), role["pk"], PermissionBatch(None, None, ("a.b",)))
