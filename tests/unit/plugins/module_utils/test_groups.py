"""plugins/module_utils/groups.py: parameters, comparison, prediction and the plan for one group, in both of
authentik's parent shapes (before 2025.12: `parent` and `parent_name`; from 2025.12: `parents` and `parents_obj`)."""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.akops.authentik.plugins.module_utils import groups, roles
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.plan import Plan
from tests.unit.plugins.module_utils.strategies import (
    ROLES_BY_ENTRY,
    anything,
    held_roles,
    resolve_roles,
    role_entries,
)

SHAPES = ("parents", "parent")
P1, P2, P3 = (str(uuid.UUID(int=n)) for n in (101, 102, 103))
PARENT_NAMES = {P1: "parent-one", P2: "parent-two", P3: "Parent Three"}
LOOKS_LIKE_A_UUID = "ABCDEF01-2345-6789-ABCD-EF0123456789"


def directory_user(pk):
    """A user as resources.require_user returns it."""
    return {"pk": pk, "username": "user%d" % pk, "name": "User %d" % pk, "is_active": True, "last_login": None,
            "email": "", "attributes": {}, "uid": "uid%d" % pk, "path": "users", "type": "internal",
            "groups": [], "groups_obj": []}


def partial_user(pk):
    """A member as the group's users_obj lists it."""
    return dict((key, directory_user(pk)[key]) for key in groups.PARTIAL_USER_KEYS)


def parent_group(pk, shape):
    """A parent group as resources.require_group returns it, in the server's shape."""
    group = {"pk": pk, "num_pk": 1, "name": PARENT_NAMES[pk], "is_superuser": False, "attributes": {},
             "users": [], "users_obj": None}
    if shape == "parents":
        group.update(parents=[], parents_obj=[])
    else:
        group.update(parent=None, parent_name=None)
    return group


def team(make_group, shape, parent=None, **fields):
    """The group under test, 'team' (uuid ...01f4), with members user<pk> and optionally one parent."""
    fields.setdefault("users_obj", [partial_user(pk) for pk in fields.get("users", [])])
    return make_group(shape, parents=[(parent, PARENT_NAMES[parent])] if parent else [], **fields)


USERS_BY_ENTRY = dict(("user%d" % pk, directory_user(pk)) for pk in range(1, 6))
USERS_BY_ENTRY.update((pk, directory_user(pk)) for pk in range(1, 6))


def lookups(params, group, shape):
    """The lookups authentik_group makes for a plan: (resolved users, resolved parent or None, resolved roles)."""
    resolved_users = dict((entry, USERS_BY_ENTRY[entry]) for entry in groups.members_needing_lookup(params, group))
    resolved_roles = resolve_roles(roles.roles_needing_lookup(params, group))
    entry = groups.parent_needing_lookup(params, group)
    if entry is None:
        return resolved_users, None, resolved_roles
    pk = entry if entry in PARENT_NAMES else next(pk for pk, name in PARENT_NAMES.items() if name == entry)
    return resolved_users, parent_group(pk, shape), resolved_roles


def plan_for(params, group, shape="parents"):
    params = groups.normalize_group_params(params)
    return groups.plan_group(params, group, *lookups(params, group, shape))


# ---------------------------------------------------------------- parameters


def test_normalize_group_params():
    params = {"name": " Team A ", "parent": " %s " % P1.upper(), "pk": " %s " % P2.upper().replace("-", ""),
              "users": [" user1 ", 2, None], "attributes": {" a ": 1}}
    assert groups.normalize_group_params(params) == {
        "name": "Team A", "parent": P1, "pk": P2, "users": ["user1", 2, None], "attributes": {" a ": 1}}
    assert params["name"] == " Team A "


@pytest.mark.parametrize("name", [LOOKS_LIKE_A_UUID, LOOKS_LIKE_A_UUID.lower(), "ABCDEF0123456789ABCDEF0123456789",
                                  "{%s}" % LOOKS_LIKE_A_UUID])
def test_group_names_that_look_like_uuids_stay_names(name):
    params = groups.normalize_group_params({"name": " %s " % name})
    assert params["name"] == name
    groups.validate_group_params(params)
    plan = groups.plan_group(params, None, {}, None)
    assert plan.body == {"name": name} and plan.predicted["name"] == name


def test_a_parent_written_as_32_hex_digits_is_a_name():
    name = "ABCDEF0123456789ABCDEF0123456789"
    assert groups.normalize_group_params({"parent": name})["parent"] == name


@pytest.mark.parametrize("params", [
    {"name": "team"}, {"name": LOOKS_LIKE_A_UUID}, {"pk": P1}, {"pk": P1.upper()}, {"state": "absent"},
    {"is_superuser": False}, {"parent": ""}, {"parent": "parent-one"}, {"parent": P1},
    {"attributes": {"a": [1, None]}}, {"attributes_mode": "replace"}, {"users": ["user1", 2]}, {"users": []},
    {"users_mode": "exact"}, {"allow_self_lockout": True},
])
def test_valid_group_params_pass(params):
    groups.validate_group_params(params)


@pytest.mark.parametrize("params, message", [
    ({"name": ""}, "Invalid name: must not be empty or only whitespace"),
    ({"name": "a\x00"}, "Invalid name: must not contain NUL characters"),
    ({"name": 5}, "Invalid name: must be a string, got int"),
    ({"pk": "team"}, "Invalid pk: 'team' is not a UUID (group keys are UUIDs)"),
    ({"pk": 5}, "Invalid pk: 5 is not a UUID (group keys are UUIDs)"),
    ({"state": "gone"}, "Invalid state: 'gone' is not one of present, absent"),
    ({"is_superuser": "yes"}, "Invalid is_superuser: must be true or false, got str"),
    ({"is_superuser": 1}, "Invalid is_superuser: must be true or false, got int"),
    ({"parent": 5}, "Invalid parent: must be a string, got int"),
    ({"parent": "p\x00"}, "Invalid parent: must not contain NUL characters"),
    ({"attributes": "x"}, "Invalid attributes: must be a mapping, got str"),
    ({"attributes": {"a": float("inf")}}, "Invalid attributes: a is inf, which JSON cannot carry"),
    ({"attributes": {None: 1}}, "Invalid attributes: key None is not a string"),
    ({"attributes_mode": "deep"}, "Invalid attributes_mode: 'deep' is not one of merge, replace"),
    ({"users": "user1"}, "Invalid users: must be a list of usernames or user pks, got str"),
    ({"users": [True]}, "Invalid users: entry True: give a username (string) or a user pk (integer)"),
    ({"users": [1.0]}, "Invalid users: entry 1.0: give a username (string) or a user pk (integer)"),
    ({"users": [0]}, "Invalid users: entry 0: must be at least 1, got 0"),
    ({"users": [""]}, "Invalid users: entry '': must not be empty or only whitespace"),
    ({"users": [None]}, "Invalid users: entry None: give a username (string) or a user pk (integer)"),
    ({"users_mode": "set"}, "Invalid users_mode: 'set' is not one of add, remove, exact"),
    ({"allow_self_lockout": 0}, "Invalid allow_self_lockout: must be true or false, got int"),
])
def test_invalid_group_params_raise(params, message):
    with pytest.raises(ValidationError) as caught:
        groups.validate_group_params(params)
    assert caught.value.msg == message


# ---------------------------------------------------------------- reading a group in either shape


def test_reading_a_group_in_the_2025_12_shape(make_group):
    group = make_group("parents", parents=[(P1, "parent-one"), (P2, "parent-two")], users=[3],
                       users_obj=[{"pk": 3, "username": "user3"}])
    assert groups.uses_parents_list(group) is True
    assert groups.current_parent(group) == [P1, P2]
    assert groups.parent_pks(group) == {P1, P2}
    assert groups.known_parents(group) == {P1: "parent-one", P2: "parent-two"}
    assert groups.current_members(group) == {3: "user3"}
    without_objects = dict(group, parents_obj=None, users_obj=None)
    assert groups.known_parents(without_objects) == {P1: P1, P2: P2}
    assert groups.current_members(without_objects) == {3: 3}


def test_reading_a_group_in_the_old_shape(make_group):
    group = make_group("parent", parents=[(P1, "parent-one")])
    assert groups.uses_parents_list(group) is False
    assert groups.current_parent(group) == P1
    assert groups.parent_pks(group) == {P1}
    assert groups.known_parents(group) == {P1: "parent-one"}
    top = make_group("parent")
    assert (groups.current_parent(top), groups.parent_pks(top), groups.known_parents(top)) == (None, set(), {})
    assert groups.known_parents(dict(group, parent_name=None)) == {P1: P1}


def test_a_group_without_either_field_is_read_in_the_new_shape():
    assert groups.uses_parents_list({"pk": P1, "name": "x"}) is True
    assert groups.current_parent({"name": "x"}) == []
    assert groups.known_parents(None) == {} and groups.known_parents({}) == {}


# ---------------------------------------------------------------- comparison


@pytest.mark.parametrize("parent_pk, parents_list, expected", [
    (P1, True, [P1]), (None, True, []), ("", True, []), (P1, False, P1), (None, False, None), ("", False, None),
])
def test_parent_value_in_the_servers_shape(parent_pk, parents_list, expected):
    assert groups.parent_value(parent_pk, parents_list) == expected


def test_build_group_patch(make_group):
    group = make_group("parents", parents=[(P1, "parent-one")], attributes={"a": 1}, is_superuser=False)
    assert groups.build_group_patch(group, {"name": "team", "is_superuser": False}, {"a": 1}, [P1], True) == {}
    assert groups.build_group_patch(group, {"name": "new", "is_superuser": True}, {"a": 2}, [P2], True) == {
        "name": "new", "is_superuser": True, "attributes": {"a": 2}, "parents": [P2]}
    assert groups.build_group_patch(group, {}, None, [], True) == {"parents": []}
    assert groups.build_group_patch(group, {}, None, [P2], False) == {}
    old = make_group("parent", parents=[(P1, "parent-one")])
    assert groups.build_group_patch(old, {}, None, P1, True) == {}
    assert groups.build_group_patch(old, {}, None, None, True) == {"parent": None}
    assert groups.build_group_patch(old, {}, None, P2, True) == {"parent": P2}


def test_build_group_body_puts_members_in_the_create():
    assert groups.build_group_body({"name": "n"}, None, None, False, {3, 1}) == {"name": "n", "users": [1, 3]}
    assert groups.build_group_body({"name": "n"}, {}, None, False, set()) == {"name": "n"}
    assert groups.build_group_body({"name": "n", "is_superuser": False}, {"a": 1}, [P1], True, None) == {
        "name": "n", "is_superuser": False, "attributes": {"a": 1}, "parents": [P1]}
    assert groups.build_group_body({"name": "n"}, None, P1, True, None) == {"name": "n", "parent": P1}


@pytest.mark.parametrize("current, target, calls", [
    ([1, 2], {2, 3}, (("add_user", 3), ("remove_user", 1))),
    ([], {5, 4}, (("add_user", 4), ("add_user", 5))),
    ([3, 1], set(), (("remove_user", 1), ("remove_user", 3))),
    ([1], {1}, ()),
    ([1], None, ()),
])
def test_membership_calls(current, target, calls):
    assert groups.membership_calls(current, target) == calls


# ---------------------------------------------------------------- plan_group: create


@pytest.mark.parametrize("shape", SHAPES)
def test_plan_group_create_with_members_in_the_body(shape):
    params = {"name": " team ", "is_superuser": True, "attributes": {"a": 1, "gone": None},
              "users": ["user1", 2, " user3 "], "parent": "parent-one"}
    plan = plan_for(params, None, shape)
    parent_field = "parents" if shape == "parents" else "parent"
    assert plan.resource == "group" and plan.action == "create" and plan.before is None
    assert plan.body == {"name": "team", "is_superuser": True, "attributes": {"a": 1}, "users": [1, 2, 3],
                         parent_field: [P1] if shape == "parents" else P1}
    assert plan.calls == ()
    # The server's `parents` list is reported under the task's option name, `parent`.
    assert plan.changed_fields == ["attributes", "is_superuser", "name", "parent", "users"]
    predicted = plan.predicted
    assert predicted["pk"] is None and predicted["name"] == "team" and predicted["users"] == [1, 2, 3]
    assert [member["username"] for member in predicted["users_obj"]] == ["user1", "user2", "user3"]
    if shape == "parents":
        assert predicted["parents"] == [P1] and [p["name"] for p in predicted["parents_obj"]] == ["parent-one"]
    else:
        assert (predicted["parent"], predicted["parent_name"]) == (P1, "parent-one")


def test_plan_group_create_of_a_bare_group():
    plan = plan_for({"name": "team", "parent": "", "users": []}, None)
    assert plan.body == {"name": "team"} and plan.changed_fields == ["name"]
    assert plan.predicted == {"pk": None, "name": "team", "is_superuser": False, "attributes": {}, "users": [],
                              "users_obj": []}


# ---------------------------------------------------------------- plan_group: update


def test_plan_group_update_patches_then_calls_add_and_remove_user(make_group):
    group = team(make_group, "parents", parent=P1, users=[1, 3], attributes={"keep": 1})
    params = {"name": "team", "is_superuser": True, "attributes": {"a": 1}, "users": ["user2", 3],
              "users_mode": "exact", "parent": "parent-two"}
    plan = plan_for(params, group)
    assert plan.action == "update" and plan.pk == group["pk"]
    assert plan.body == {"is_superuser": True, "attributes": {"keep": 1, "a": 1}, "parents": [P2]}
    assert plan.calls == (("add_user", 2), ("remove_user", 1))
    assert plan.changed_fields == ["attributes", "is_superuser", "parent", "users"]
    assert plan.predicted["users"] == [2, 3]
    assert [member["username"] for member in plan.predicted["users_obj"]] == ["user2", "user3"]
    assert plan.predicted["parents"] == [P2] and plan.predicted["parents_obj"][0]["name"] == "parent-two"


def test_plan_group_update_of_members_only(make_group):
    group = team(make_group, "parents", users=[1])
    plan = plan_for({"name": "team", "users": ["user2", "user1"]}, group)
    assert (plan.action, plan.body, plan.calls, plan.changed_fields) == (
        "update", {}, (("add_user", 2),), ["users"])
    assert plan.predicted["users"] == [1, 2]


def test_plan_group_remove_mode_ignores_non_members(make_group):
    group = team(make_group, "parents", users=[1, 2])
    plan = plan_for({"name": "team", "users": ["user1", "user5", 4], "users_mode": "remove"}, group)
    assert plan.calls == (("remove_user", 1),) and plan.predicted["users"] == [2]


def test_plan_group_update_without_calls_keeps_the_members(make_group):
    group = team(make_group, "parents", users=[1])
    plan = plan_for({"name": "renamed"}, group)
    assert (plan.body, plan.calls) == ({"name": "renamed"}, ())
    assert plan.predicted["users"] == [1]


@pytest.mark.parametrize("shape, parent, body, after", [
    ("parents", "parent-two", {"parents": [P2]}, {"parents": [P2]}),
    ("parents", "", {"parents": []}, {"parents": [], "parents_obj": []}),
    ("parent", "parent-two", {"parent": P2}, {"parent": P2, "parent_name": "parent-two"}),
    ("parent", P2.upper(), {"parent": P2}, {"parent": P2, "parent_name": "parent-two"}),
    ("parent", "", {"parent": None}, {"parent": None, "parent_name": None}),
])
def test_plan_group_changes_the_parent_in_the_servers_shape(make_group, shape, parent, body, after):
    plan = plan_for({"name": "team", "parent": parent}, team(make_group, shape, parent=P1), shape)
    assert plan.body == body
    for key, value in after.items():
        assert plan.predicted[key] == value


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("parent", ["parent-one", P1, P1.upper()])
def test_plan_group_current_parent_needs_no_lookup(make_group, shape, parent):
    group = team(make_group, shape, parent=P1)
    params = groups.normalize_group_params({"name": "team", "parent": parent})
    assert groups.parent_needing_lookup(params, group) is None
    assert groups.plan_group(params, group, {}, None).action == "none"


def test_lookups_only_for_what_changes(make_group):
    group = team(make_group, "parents", parent=P1, users=[1])
    assert groups.members_needing_lookup({"users": ["user1", 1, "user2", 3]}, group) == ["user2", 3]
    assert groups.members_needing_lookup({"users": ["user2"], "users_mode": "remove"}, group) == []
    assert groups.members_needing_lookup({"users": ["user2"], "state": "absent"}, group) == []
    assert groups.members_needing_lookup({}, group) == []
    assert groups.members_needing_lookup({"users": ["user1"]}, None) == ["user1"]
    assert groups.parent_needing_lookup({"parent": "parent-two"}, group) == "parent-two"
    assert groups.parent_needing_lookup({"parent": ""}, group) is None
    assert groups.parent_needing_lookup({"parent": "parent-two", "state": "absent"}, group) is None
    assert groups.parent_needing_lookup({"parent": "parent-one"}, None) == "parent-one"


# ---------------------------------------------------------------- plan_group: none and delete


@pytest.mark.parametrize("shape", SHAPES)
def test_plan_group_nothing_to_change(make_group, shape):
    group = team(make_group, shape, parent=P1, users=[1, 2], attributes={"a": {"b": 1}}, is_superuser=True)
    params = {"name": "team", "is_superuser": True, "attributes": {"a": {"b": 1}}, "users": ["user1", 2],
              "parent": "parent-one", "state": "present"}
    assert plan_for(params, group, shape) == Plan("group", "none", group, None, (), [], group)


def test_plan_group_delete(make_group):
    group = team(make_group, "parents")
    assert plan_for({"name": "team", "state": "absent", "users": ["user9"]}, group) == Plan(
        "group", "delete", group, None, (), ["state"], {})
    assert plan_for({"name": "team", "state": "absent"}, None) == Plan("group", "none", None, None, (), [], {})


# ---------------------------------------------------------------- diff


@pytest.mark.parametrize("shape", SHAPES)
def test_group_diff_names_parents_and_members(make_group, shape):
    group = team(make_group, shape, parent=P1, users=[1], is_superuser=False)
    params = {"name": "team", "parent": "parent-two", "users": ["user2"], "is_superuser": True}
    plan = plan_for(params, group, shape)
    diff = groups.group_diff(params, plan)
    old, new = (["parent-one"], ["parent-two"]) if shape == "parents" else ("parent-one", "parent-two")
    assert diff == {"before": {"name": "team", "is_superuser": False, "parent": old, "users": ["user1"]},
                    "after": {"name": "team", "is_superuser": True, "parent": new, "users": ["user1", "user2"]}}


def test_group_diff_names_the_parent_of_a_patch_answer_without_parents_obj(make_group):
    group = team(make_group, "parents", parent=P1)
    params = {"name": "team", "parent": "parent-two"}
    plan = plan_for(params, group)
    answer = dict(plan.predicted, parents_obj=None)
    assert groups.group_diff(params, plan, answer)["after"] == {"name": "team", "parent": ["parent-two"]}


def test_group_diff_of_a_create_and_a_delete(make_group):
    params = {"name": "team", "users": [1]}
    assert groups.group_diff(params, plan_for(params, None)) == {
        "before": {}, "after": {"name": "team", "users": ["user1"]}}
    gone = plan_for({"name": "team", "state": "absent"}, team(make_group, "parents"))
    assert groups.group_diff({"name": "team", "state": "absent"}, gone) == {
        "before": {"name": "team", "state": "present"}, "after": {"name": "team", "state": "absent"}}


def test_group_managed_fields_in_display_order():
    params = {"users": [], "attributes": {}, "parent": "", "is_superuser": False, "name": "x", "users_mode": "add"}
    assert groups.group_managed_fields(params) == ["name", "is_superuser", "parent", "attributes", "users"]


# ---------------------------------------------------------------- property: planning again changes nothing


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
    max_leaves=6,
)
json_objects = st.dictionaries(st.sampled_from(["a", "b", "c", "settings"]), json_values, max_size=4)
member_pks = st.lists(st.integers(1, 5), unique=True, max_size=4)
member_entries = st.lists(st.sampled_from(["user1", "user2", " user3 ", "user4", "user5", 1, 2, 3, 4, 5]),
                          max_size=4)
parent_entries = st.sampled_from(["", "parent-one", "parent-two", " Parent Three ", P1, P2.upper(), P3])


@st.composite
def current_groups(draw, make_group):
    shape = draw(st.sampled_from(SHAPES))
    parents = draw(st.lists(st.sampled_from([P1, P2, P3]), unique=True, max_size=1 if shape == "parent" else 2))
    users = draw(member_pks)
    group = make_group(shape, parents=[(pk, PARENT_NAMES[pk]) for pk in parents], users=users,
                       users_obj=draw(st.sampled_from([[partial_user(pk) for pk in users], None])),
                       attributes=draw(json_objects), is_superuser=draw(st.booleans()), **draw(held_roles()))
    if shape == "parents" and draw(st.booleans()):
        group["parents_obj"] = None  # authentik answers null where it was not asked to include them
    return shape, group


group_params = st.fixed_dictionaries({}, optional={
    "name": st.sampled_from(["team", " team ", "renamed"]),
    "is_superuser": st.booleans(),
    "attributes": json_objects,
    "attributes_mode": st.sampled_from(["merge", "replace"]),
    "users": member_entries,
    "users_mode": st.sampled_from(groups.MODES),
    "parent": parent_entries,
    "roles": role_entries(),
    "roles_mode": st.sampled_from(groups.MODES),
})


@settings(max_examples=300, deadline=None)
@given(data=st.data(), params=group_params, exists=st.booleans())
def test_once_the_predicted_group_is_applied_nothing_is_left_to_change(make_group, data, params, exists):
    shape, current = data.draw(current_groups(make_group))
    params = groups.normalize_group_params(dict(params, name=params.get("name", "team")))
    groups.validate_group_params(params)
    group = current if exists else None
    plan = groups.plan_group(params, group, *lookups(params, group, shape))
    applied = dict(plan.predicted, pk=current["pk"]) if plan.action == "create" else plan.predicted
    again = groups.plan_group(params, applied, *lookups(params, applied, shape))
    assert (again.action, again.body, again.calls, again.changed_fields) == ("none", None, (), [])
    assert again.predicted == applied


# ---------------------------------------------------------------- no value ends in a traceback


GROUP_OPTIONS = [option for option, rule in groups.GROUP_RULES]
PLAUSIBLE = {
    "name": st.sampled_from(["team", " team ", LOOKS_LIKE_A_UUID]),
    "pk": st.sampled_from([str(uuid.UUID(int=500)), P1.upper()]),
    "state": st.sampled_from(["present", "absent"]),
    "is_superuser": st.booleans(),
    "parent": parent_entries,
    "attributes": json_objects,
    "attributes_mode": st.sampled_from(["merge", "replace"]),
    "users": member_entries,
    "users_mode": st.sampled_from(groups.MODES),
    "roles": st.lists(st.sampled_from(["readers", " writers ", str(uuid.UUID(int=201)).upper(), "new role",
                                       "ak-managed-role--group-%s" % uuid.UUID(int=500)]), max_size=3),
    "roles_mode": st.sampled_from(groups.MODES),
    "allow_self_lockout": st.booleans(),
}
assert set(PLAUSIBLE) == set(GROUP_OPTIONS), "a rule of GROUP_RULES has no plausible values here"
any_group_params = st.fixed_dictionaries({}, optional=dict(
    (option, PLAUSIBLE[option] | anything()) for option in GROUP_OPTIONS))


def fake_lookups(params, group, shape):
    """Whatever a plan asks to look up, answered as resources.resolve_users and require_group would."""
    resolved = {}
    for index, entry in enumerate(groups.members_needing_lookup(params, group)):
        pk = entry if isinstance(entry, int) else 1000 + index
        resolved[entry] = dict(directory_user(1), pk=pk, username=entry if isinstance(entry, str) else "u%d" % index)
    entry = groups.parent_needing_lookup(params, group)
    parent = dict(parent_group(P3, shape), name=entry) if entry else None
    return resolved, parent, resolve_roles(roles.roles_needing_lookup(params, group))


def plan_or_refusal(params, group, shape):
    try:
        params = groups.normalize_group_params(params)
        groups.validate_group_params(params)
    except ValidationError:
        return None
    plan = groups.plan_group(params, group, *fake_lookups(params, group, shape))
    groups.group_diff(params, plan)
    return plan


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=any_group_params, shape=st.sampled_from(SHAPES))
def test_any_group_params_give_a_plan_or_a_validation_error(make_group, params, shape):
    held = [ROLES_BY_ENTRY["readers"], ROLES_BY_ENTRY["ak-managed-role--group-%s" % uuid.UUID(int=500)]]
    group = team(make_group, shape, parent=P1, users=[1, 2], attributes={"a": {"b": 1}},
                 roles=[role["pk"] for role in held], roles_obj=held)
    plan = plan_or_refusal(params, group, shape)
    assert plan is None or isinstance(plan, Plan)
    # A group that does not exist is created by name only; authentik_group refuses the rest before planning.
    if params.get("name") is not None and params.get("pk") is None:
        plan = plan_or_refusal(params, None, shape)
        assert plan is None or isinstance(plan, Plan)


def test_huge_integers_in_any_group_option_give_a_validation_error():
    """No authentik pk, choice or name is a 5000-digit number, and Python cannot even print one (its int-to-str limit
    is 4300 digits): every option must refuse it rather than raise, or pass it on to a URL or a message."""
    outcomes = {}
    for option in GROUP_OPTIONS:
        for shown, value in (("10**5000", 10 ** 5000), ("-10**5000", -10 ** 5000), ("[10**5000]", [10 ** 5000]),
                             ("[-10**5000]", [-10 ** 5000])):
            try:
                groups.validate_group_params({option: value})
                outcomes["%s=%s" % (option, shown)] = "accepted"
            except ValidationError:
                pass
            except Exception as error:  # pylint: disable=broad-exception-caught
                outcomes["%s=%s" % (option, shown)] = type(error).__name__
    wrong = sorted("%s: %s" % item for item in outcomes.items())
    assert not wrong, "not refused: " + ", ".join(wrong)
