"""Roles held by users and groups: the `roles`/`roles_mode` options of authentik_user, each entry of
authentik_users and authentik_group, from the parameters through the plan and the diff, the release checks, and
the bulk module's one lookup per role."""

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.akops.authentik.plugins.module_utils import directory, groups, lockout, roles, users
from ansible_collections.akops.authentik.plugins.module_utils.errors import NotFoundError, ValidationError
from ansible_collections.akops.authentik.plugins.modules import authentik_user, authentik_users
from tests.unit.plugins.module_utils.strategies import (
    GROUP_PK,
    ROLE_NAMES,
    ROLE_PKS,
    ROLES_BY_ENTRY,
    USER_PK,
    held_roles,
    role_entries,
)

READERS, WRITERS, AUDITORS, USER_MANAGED, GROUP_MANAGED = ROLE_PKS
OTHER_MANAGED = {"pk": str(uuid.UUID(int=299)), "name": "ak-managed-role--user-8"}


def role(pk):
    return OTHER_MANAGED if pk == OTHER_MANAGED["pk"] else ROLES_BY_ENTRY[pk]


def holding(*pks):
    return {"roles": list(pks), "roles_obj": [role(pk) for pk in pks]}


def a_user(*pks):
    """User 7 holding these roles, as authentik 2025.12 and later returns it."""
    return dict({"pk": USER_PK, "username": "jdoe", "name": "Jane", "is_active": True, "is_superuser": False,
                 "groups": [], "groups_obj": [], "attributes": {}, "path": "users", "type": "internal"},
                **holding(*pks))


def a_group(*pks):
    return dict({"pk": GROUP_PK, "name": "team", "is_superuser": False, "attributes": {}, "parents": [],
                 "parents_obj": [], "users": [], "users_obj": []}, **holding(*pks))


def looked_up(*entries):
    return dict((entry, ROLES_BY_ENTRY[entry]) for entry in entries)


# ---------------------------------------------------------------- parameters


@pytest.mark.parametrize("normalize", [users.normalize_user_params, groups.normalize_group_params])
def test_role_entries_are_trimmed_and_uuids_lower_cased(normalize):
    params = normalize({"roles": [" readers ", " %s " % READERS.upper(), "A" * 32, 5], "roles_mode": "add"})
    assert params["roles"] == ["readers", READERS, "A" * 32, 5]
    assert normalize({"roles": "readers"})["roles"] == "readers"
    assert "roles" not in normalize({})


@pytest.mark.parametrize("validate", [users.validate_user_params, groups.validate_group_params])
@pytest.mark.parametrize("params, message", [
    ({"roles": "readers"}, "Invalid roles: must be a list of role names or UUIDs, got str"),
    ({"roles": [""]}, "Invalid roles: entry '': must not be empty or only whitespace"),
    ({"roles": ["ok", " "]}, "Invalid roles: entry ' ': must not be empty or only whitespace"),
    ({"roles": [None]}, "Invalid roles: entry None: must be a string, got null"),
    ({"roles": [5]}, "Invalid roles: entry 5: must be a string, got int"),
    ({"roles": [{"name": "x"}]}, "Invalid roles: entry {'name': 'x'}: must be a string, got dict"),
    ({"roles": ["a\x00b"]}, "Invalid roles: entry 'a\\x00b': must not contain NUL characters"),
    ({"roles_mode": "set"}, "Invalid roles_mode: 'set' is not one of add, remove, exact"),
    ({"roles_mode": None, "roles": None}, None),
    ({"roles": [], "roles_mode": "exact"}, None),
    ({"roles": ["readers", READERS], "roles_mode": "remove"}, None),
])
def test_role_options_are_validated_like_groups(validate, params, message):
    if message is None:
        validate(params)
        return
    with pytest.raises(ValidationError) as caught:
        validate(params)
    assert caught.value.msg == message


def test_a_bad_role_in_a_bulk_list_names_its_entry():
    specs = [users.normalize_user_params(spec) for spec in (
        {"username": "a", "roles": ["readers"]}, {"username": "b", "roles": ["readers", ""]})]
    with pytest.raises(ValidationError) as caught:
        users.validate_user_specs(specs)
    assert caught.value.msg == "Invalid roles: entry '': must not be empty or only whitespace; in the entry for 'b'"


def test_role_option_spec_is_a_fresh_copy_defaulting_to_add():
    first = roles.role_option_spec()
    assert first == {"roles": {"type": "list", "elements": "str"},
                     "roles_mode": {"type": "str", "default": "add", "choices": ["add", "remove", "exact"]}}
    first["roles_mode"]["choices"].append("x")
    assert roles.role_option_spec()["roles_mode"]["choices"] == ["add", "remove", "exact"]


@pytest.mark.parametrize("spec, expected", [
    ({"roles": ["readers"]}, True),
    ({"roles": []}, True),
    ({"roles": ["readers"], "state": "absent"}, False),
    ({"roles": None}, False),
    ({}, False),
])
def test_roles_requested(spec, expected):
    assert roles.roles_requested(spec) is expected


# ---------------------------------------------------------------- lookups only for what changes


@pytest.mark.parametrize("spec, holder, expected", [
    ({"roles": ["readers", WRITERS, "auditors"]}, a_user(READERS, WRITERS), ["auditors"]),
    ({"roles": ["readers", "auditors"], "roles_mode": "exact"}, a_user(READERS), ["auditors"]),
    ({"roles": ["auditors", "ghost"], "roles_mode": "remove"}, a_user(READERS), []),
    ({"roles": ["auditors"], "state": "absent"}, a_user(), []),
    ({"roles": None}, a_user(), []),
    ({"roles": ["readers"]}, None, ["readers"]),
    # Without roles_obj the names are unknown; UUIDs still match.
    ({"roles": ["readers", READERS]}, dict(a_user(READERS), roles_obj=None), ["readers"]),
    ({"roles": ["readers", "auditors"]}, a_group(READERS), ["auditors"]),
])
def test_roles_needing_lookup(spec, holder, expected):
    assert roles.roles_needing_lookup(spec, holder) == expected


# ---------------------------------------------------------------- users: plan, prediction, diff


def plan_user(spec, user):
    spec = users.normalize_user_params(dict(spec, username="jdoe"))
    return spec, users.plan_user(spec, user, {}, looked_up(*roles.roles_needing_lookup(spec, user)))


def test_user_roles_go_whole_into_the_one_patch():
    spec, plan = plan_user({"name": "Jane Doe", "roles": ["writers", "Auditors"]}, a_user(READERS))
    assert plan.action == "update" and plan.calls == ()
    assert plan.body == {"name": "Jane Doe", "roles": sorted([READERS, WRITERS, AUDITORS])}
    assert plan.changed_fields == ["name", "roles"]
    # The prediction is the server's answer: roles and roles_obj ordered by name.
    assert [item["name"] for item in plan.predicted["roles_obj"]] == ["Auditors", "readers", "writers"]
    assert plan.predicted["roles"] == [AUDITORS, READERS, WRITERS]
    assert users.user_diff(spec, plan) == {
        "before": {"username": "jdoe", "name": "Jane", "roles": ["readers"]},
        "after": {"username": "jdoe", "name": "Jane Doe", "roles": ["Auditors", "readers", "writers"]}}


def test_user_roles_that_are_already_held_change_nothing():
    for spec in ({"roles": ["readers", WRITERS.upper()]}, {"roles": ["writers", "readers"], "roles_mode": "exact"},
                 {"roles": ["auditors"], "roles_mode": "remove"}):
        dummy, plan = plan_user(spec, a_user(READERS, WRITERS))
        assert (plan.action, plan.body, plan.changed_fields) == ("none", None, [])


def test_user_roles_are_not_sent_or_shown_unless_managed():
    spec, plan = plan_user({"name": "New"}, a_user(READERS))
    assert plan.body == {"name": "New"}
    assert "roles" not in users.user_diff(spec, plan)["after"]


def test_a_new_user_gets_its_roles_in_the_post():
    spec, plan = plan_user({"name": "Jane", "roles": ["writers", "readers"]}, None)
    assert plan.action == "create"
    assert plan.body == {"username": "jdoe", "name": "Jane", "roles": sorted([READERS, WRITERS])}
    assert [item["name"] for item in plan.predicted["roles_obj"]] == ["readers", "writers"]
    assert users.user_diff(spec, plan) == {"before": {}, "after": {"username": "jdoe", "name": "Jane",
                                                                   "roles": ["readers", "writers"]}}
    dummy, empty = plan_user({"roles": [], "roles_mode": "exact"}, None)
    assert "roles" not in empty.body


def test_user_exact_keeps_the_users_own_managed_role_only():
    user = a_user(READERS, USER_MANAGED, OTHER_MANAGED["pk"])
    spec, plan = plan_user({"roles": ["writers"], "roles_mode": "exact"}, user)
    # Another user's managed role is not this user's to keep.
    assert plan.body == {"roles": sorted([USER_MANAGED, WRITERS])}
    assert users.user_diff(spec, plan)["after"]["roles"] == ["ak-managed-role--user-7", "writers"]
    dummy, named = plan_user({"roles": ["ak-managed-role--user-7"], "roles_mode": "remove"}, user)
    assert named.body == {"roles": sorted([READERS, OTHER_MANAGED["pk"]])}
    dummy, listed = plan_user({"roles": ["ak-managed-role--user-7"], "roles_mode": "exact"}, user)
    assert listed.body == {"roles": [USER_MANAGED]}


@given(held=held_roles(), entries=role_entries(), mode=st.sampled_from(roles.MODES))
def test_a_holders_own_managed_role_goes_only_when_removed_by_name(held, entries, mode):
    for kind, holder, managed in (("user", dict(a_user(), **held), USER_MANAGED),
                                  ("group", dict(a_group(), **held), GROUP_MANAGED)):
        spec = users.normalize_user_params({"roles": entries, "roles_mode": mode})
        resolved = looked_up(*roles.roles_needing_lookup(spec, holder))
        targets, names = roles.target_roles(spec, holder, resolved, kind)
        if managed not in held["roles"] or held["roles_obj"] is None:
            # Without roles_obj (include_roles=false, which the modules never send) no role has a name to go by.
            continue
        named = ROLE_NAMES[managed] in spec["roles"] or managed in spec["roles"]
        assert (managed in targets) is not (mode == "remove" and named)


# ---------------------------------------------------------------- groups: plan, prediction, diff


def plan_group(params, group):
    params = groups.normalize_group_params(dict(params, name="team"))
    return params, groups.plan_group(params, group, {}, None, looked_up(*roles.roles_needing_lookup(params, group)))


def test_group_roles_go_into_the_patch_before_the_membership_calls():
    group = dict(a_group(READERS), users=[1], users_obj=[{"pk": 1, "username": "one"}])
    resolved_users = {"two": {"pk": 2, "username": "two"}}
    params = groups.normalize_group_params({"name": "team", "roles": ["writers"], "roles_mode": "exact",
                                            "users": ["two"]})
    plan = groups.plan_group(params, group, resolved_users, None, looked_up("writers"))
    assert plan.body == {"roles": [WRITERS]}
    assert plan.calls == (("add_user", 2),)
    assert plan.changed_fields == ["roles", "users"]
    assert groups.group_diff(params, plan) == {
        "before": {"name": "team", "users": ["one"], "roles": ["readers"]},
        "after": {"name": "team", "users": ["one", "two"], "roles": ["writers"]}}


def test_group_exact_keeps_the_groups_own_managed_role():
    params, plan = plan_group({"roles": [], "roles_mode": "exact"}, a_group(READERS, GROUP_MANAGED, USER_MANAGED))
    assert plan.body == {"roles": [GROUP_MANAGED]}
    assert groups.group_diff(params, plan)["after"]["roles"] == ["ak-managed-role--group-%s" % GROUP_PK]


def test_a_new_group_gets_its_roles_in_the_post():
    params, plan = plan_group({"roles": ["Auditors", "readers"]}, None)
    assert plan.body == {"name": "team", "roles": sorted([AUDITORS, READERS])}
    assert plan.changed_fields == ["name", "roles"]
    assert groups.group_diff(params, plan)["after"] == {"name": "team", "roles": ["Auditors", "readers"]}


def test_group_roles_unchanged_or_unmanaged():
    dummy, same = plan_group({"roles": [READERS.upper()]}, a_group(READERS))
    assert same.action == "none"
    params, other = plan_group({"attributes": {"a": 1}}, a_group(READERS))
    assert other.body == {"attributes": {"a": 1}}
    assert "roles" not in groups.group_diff(params, other)["after"]


# ---------------------------------------------------------------- releases


@pytest.mark.parametrize("read, expected", [
    ([], None),
    ([None], None),
    ([{"pk": 1, "username": "a"}], False),
    ([None, {"pk": 1, "username": "a", "roles": []}], True),
])
def test_user_roles_known_from_the_users_read(read, expected):
    assert roles.user_roles_known(read) is expected


def test_refuse_user_roles_names_the_release_and_the_entry():
    roles.refuse_user_roles(True)
    with pytest.raises(ValidationError) as caught:
        roles.refuse_user_roles(False, "in the entry for 'b'")
    assert "2025.12" in caught.value.msg and "nothing was changed" in caught.value.msg
    assert caught.value.msg.endswith("; in the entry for 'b'")


def test_refuse_group_roles_only_for_groups_without_them():
    roles.refuse_group_roles(None)
    roles.refuse_group_roles(a_group())
    old = dict(a_group())
    del old["roles"], old["roles_obj"]
    with pytest.raises(ValidationError) as caught:
        roles.refuse_group_roles(old)
    assert "2023.10" in caught.value.msg


ME = "/core/users/me/"


@pytest.mark.parametrize("answer, refused", [
    ({"user": {"pk": 1, "username": "akadmin", "roles": []}}, False),
    ({"user": {"pk": 1, "username": "akadmin"}}, True),
])
def test_a_user_about_to_be_created_asks_me_for_the_release(fake, answer, refused):
    fake.answer("GET", ME, answer)
    params = {"roles": ["readers"], "roles_mode": "add", "state": "present"}
    if refused:
        with pytest.raises(ValidationError):
            authentik_user.refuse_roles_the_server_would_ignore(fake, params, None)
    else:
        authentik_user.refuse_roles_the_server_would_ignore(fake, params, None)
    assert fake.requests == [("GET", ME, None)]


def test_a_user_read_tells_the_release_without_a_request(fake):
    params = {"roles": ["readers"], "roles_mode": "add", "state": "present"}
    authentik_user.refuse_roles_the_server_would_ignore(fake, params, a_user())
    with pytest.raises(ValidationError):
        authentik_user.refuse_roles_the_server_would_ignore(fake, params, {"pk": 7, "username": "jdoe"})
    authentik_user.refuse_roles_the_server_would_ignore(fake, dict(params, roles=None), None)
    authentik_user.refuse_roles_the_server_would_ignore(fake, dict(params, state="absent"), None)
    assert fake.requests == []


def test_bulk_asks_me_only_when_no_user_was_read(fake):
    specs = [{"username": "a"}, {"username": "b", "roles": ["readers"]}]
    authentik_users.refuse_roles_the_server_would_ignore(fake, specs, [a_user()])
    authentik_users.refuse_roles_the_server_would_ignore(fake, specs[:1], [])
    assert fake.requests == []
    fake.answer("GET", ME, {"user": {"pk": 1, "username": "akadmin"}})
    with pytest.raises(ValidationError) as caught:
        authentik_users.refuse_roles_the_server_would_ignore(fake, specs, [])
    assert caught.value.msg.endswith("; in the entry for 'b'")
    assert fake.requests == [("GET", ME, None)]


# ---------------------------------------------------------------- the bulk module's lookups


def test_bulk_resolves_each_role_once_and_trusts_roles_seen(fake):
    seen = [a_user(READERS), dict(a_user(), pk=8, username="other", roles_obj=None, roles=[WRITERS])]
    fake.answer("GET", "/rbac/roles/", {"results": [ROLES_BY_ENTRY["Auditors"]]})
    wanted = [("a", ["readers", "Auditors"]), ("b", ["Auditors", READERS]), ("c", [])]
    resolved = directory.resolve_role_entries(fake, wanted, seen)
    assert resolved == {"readers": ROLES_BY_ENTRY[READERS], "Auditors": ROLES_BY_ENTRY[AUDITORS],
                        READERS: ROLES_BY_ENTRY[READERS]}
    assert fake.requests == [("GET", "/rbac/roles/", {"name": "Auditors", "page_size": 100})]


def test_bulk_unknown_role_names_the_first_entry_asking(fake):
    fake.answer("GET", "/rbac/roles/", {"results": []})
    with pytest.raises(NotFoundError) as caught:
        directory.resolve_role_entries(fake, [("a", []), ("b", ["ghost"]), ("c", ["ghost"])], [])
    assert caught.value.msg == "Role 'ghost' does not exist; in the entry for 'b'"
    assert len(fake.requests) == 1


# ---------------------------------------------------------------- the lock-out guard


def test_roles_never_make_a_plan_risky_for_the_token():
    """Roles grant permissions, never superuser status: the guard asks nothing about them."""
    owner = dict(a_user(READERS, USER_MANAGED), is_superuser=True)
    dummy, user_plan = plan_user({"roles": [], "roles_mode": "exact"}, owner)
    superusers = dict(a_group(READERS), is_superuser=True)
    dummy, group_plan = plan_group({"roles": [], "roles_mode": "exact"}, superusers)
    assert user_plan.action == group_plan.action == "update"
    assert not lockout.may_lock_out(user_plan)
    assert not lockout.may_lock_out(group_plan)
