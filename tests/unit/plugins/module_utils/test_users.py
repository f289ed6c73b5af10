"""plugins/module_utils/users.py: parameters, comparison, prediction and the plan for one user or a list of them.

Table-driven cases, hypothesis properties of the pure layer, and one property against the local server: what
check mode predicts is what the server returns after the real PATCH."""

import itertools
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.akops.authentik.plugins.module_utils import compare, resources, roles, users
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.plan import Plan
from tests.unit.plugins.module_utils.strategies import (
    ROLES_BY_ENTRY,
    anything,
    held_roles,
    resolve_roles,
    role_entries,
)

GROUP_PKS = [str(uuid.UUID(int=n)) for n in range(1, 6)]
GROUP_INFO = dict((pk, {"pk": pk, "num_pk": n, "name": "g%d" % n, "is_superuser": n == 5, "attributes": {}})
                  for n, pk in enumerate(GROUP_PKS, start=1))
G1, G2, G3, G4, G5 = GROUP_PKS  # g5 is a superuser group
USER_UUID = str(uuid.UUID(int=99))


def server_user(**fields):
    user = {"pk": 7, "username": "jdoe", "name": "Jane", "is_active": True, "last_login": None,
            "is_superuser": False, "groups": [], "groups_obj": [], "email": "", "attributes": {},
            "path": "users", "type": "internal", "uuid": USER_UUID}
    user.update(fields)
    user["groups_obj"] = [users._partial_group(pk, GROUP_INFO) for pk in user["groups"]]
    return user


GROUPS_BY_ENTRY = dict(GROUP_INFO)
GROUPS_BY_ENTRY.update((group["name"], group) for group in GROUP_INFO.values())


def resolved_groups(*entries):
    """{entry: group} as resources.resolve_groups returns it, for names g1..g5 and their UUIDs."""
    return dict((entry, GROUPS_BY_ENTRY[entry]) for entry in entries)


# ---------------------------------------------------------------- parameters


def test_normalize_user_params_stores_what_authentik_stores():
    params = {"username": " jdoe ", "name": "\tJane Doe\n", "email": " j@example.com ", "path": " staff/x ",
              "uuid": " {%s} " % USER_UUID.upper(), "groups": [" ops ", " %s " % G1.upper(), "A" * 32, 5],
              "password": " keep me ", "attributes": {" a ": " b "}, "is_active": True}
    assert users.normalize_user_params(params) == {
        "username": "jdoe", "name": "Jane Doe", "email": "j@example.com", "path": "staff/x", "uuid": USER_UUID,
        "groups": ["ops", G1, "A" * 32, 5], "password": " keep me ", "attributes": {" a ": " b "},
        "is_active": True}
    assert params["username"] == " jdoe "  # the input is not changed


@pytest.mark.parametrize("params, expected", [
    ({"username": 5, "uuid": 7, "groups": "ops", "name": None},
     {"username": 5, "uuid": 7, "groups": "ops", "name": None}),
    ({"uuid": " not-a-uuid "}, {"uuid": "not-a-uuid"}),
    ({"groups": [None, 1, [" x "]]}, {"groups": [None, 1, [" x "]]}),
    ({}, {}),
])
def test_normalize_user_params_leaves_wrong_types_to_validation(params, expected):
    assert users.normalize_user_params(params) == expected


@pytest.mark.parametrize("params", [
    {"username": "u" * 150}, {"username": "Alice+ &/%?"}, {"email": ""}, {"email": "root@localhost"},
    {"path": "a/b/c"}, {"uuid": str(uuid.uuid4())}, {"uuid": USER_UUID.upper()},
    {"last_login": "2024-01-01T00:00:00Z"}, {"groups": ["g", G1]}, {"groups": []}, {"type": "service_account"},
    {"pk": 1}, {"is_active": False}, {"attributes": {"a": {"b": [1, None]}}}, {"password": "secret"},
    {"state": "absent"}, {"update_password": "always"}, {"groups_mode": "exact"}, {"attributes_mode": "replace"},
    {"allow_self_lockout": True}, {"name": ""},
])
def test_valid_params_pass(params):
    users.validate_user_params(params)


@pytest.mark.parametrize("params, message", [
    ({"username": ""}, "Invalid username: must not be empty or only whitespace"),
    ({"username": "u" * 151}, "Invalid username: must be at most 150 characters, got 151"),
    ({"username": "a\x00b"}, "Invalid username: must not contain NUL characters"),
    ({"username": 5}, "Invalid username: must be a string, got int"),
    ({"state": "gone"}, "Invalid state: 'gone' is not one of present, absent"),
    ({"pk": 0}, "Invalid pk: must be at least 1, got 0"),
    ({"pk": True}, "Invalid pk: must be an integer, got bool"),
    ({"pk": "7"}, "Invalid pk: must be an integer, got str"),
    ({"uuid": "123"}, "Invalid uuid: '123' is not a UUID"),
    ({"name": 1.5}, "Invalid name: must be a string, got float"),
    ({"email": "x" * 255}, None),
    ({"email": "a b@c.d"}, None),
    ({"is_active": "yes"}, "Invalid is_active: must be true or false, got str"),
    ({"is_active": 1}, "Invalid is_active: must be true or false, got int"),
    ({"path": ""}, "Invalid path: must not be empty or only whitespace"),
    ({"path": "a/"}, "Invalid path: 'a/' must not start or end with a slash"),
    ({"path": "/a"}, "Invalid path: '/a' must not start or end with a slash"),
    ({"path": "a//b"}, "Invalid path: 'a//b' must not contain empty segments"),
    ({"type": "internal_service_account"},
     "Invalid type: 'internal_service_account' is not one of internal, external, service_account"),
    ({"last_login": "2024-13-01T00:00:00Z"}, None),
    ({"attributes": []}, "Invalid attributes: must be a mapping, got list"),
    ({"attributes": {"a": float("nan")}}, "Invalid attributes: a is nan, which JSON cannot carry"),
    ({"attributes": {1: "x"}}, "Invalid attributes: key 1 is not a string"),
    ({"attributes_mode": "deep"}, "Invalid attributes_mode: 'deep' is not one of merge, replace"),
    ({"groups": "ops"}, "Invalid groups: must be a list of group names or UUIDs, got str"),
    ({"groups": [""]}, "Invalid groups: entry '': must not be empty or only whitespace"),
    ({"groups": [None]}, "Invalid groups: entry None: must be a string, got null"),
    ({"groups_mode": "set"}, "Invalid groups_mode: 'set' is not one of add, remove, exact"),
    ({"password": ""}, "Invalid password: must not be empty or only whitespace"),
    ({"password": " \t"}, "Invalid password: must not be empty or only whitespace"),
    ({"password": "a\x00"}, "Invalid password: must not contain NUL characters"),
    ({"password": 1234}, "Invalid password: must be a string, got int"),
    ({"update_password": "never"}, "Invalid update_password: 'never' is not one of on_create, always"),
    ({"allow_self_lockout": "no"}, "Invalid allow_self_lockout: must be true or false, got str"),
])
def test_invalid_params_raise(params, message):
    with pytest.raises(ValidationError) as caught:
        users.validate_user_params(params)
    option = next(iter(params))
    assert caught.value.msg.startswith("Invalid %s: " % option)
    if message:
        assert caught.value.msg == message


def test_a_password_is_never_shown_in_a_validation_error():
    with pytest.raises(ValidationError) as caught:
        users.validate_user_params({"password": "top\x00secret"})
    assert "secret" not in caught.value.msg


# ---------------------------------------------------------------- comparison


def test_current_groups_tolerates_null_groups_obj():
    user = {"groups": [G1], "groups_obj": None}
    assert users.current_groups(user) == {G1: G1}


def test_desired_scalars_leaves_out_what_is_not_given():
    params = {"username": "jdoe", "name": None, "email": "", "is_active": False, "groups": ["g1"], "password": "x"}
    assert users.user_scalars(params) == {"username": "jdoe", "email": "", "is_active": False}


def test_build_user_patch_sends_only_differences():
    user = server_user(name="Jane", email="old@example.com", attributes={"a": 1})
    patch = users.build_user_patch(user, {"name": "Jane", "email": "new@example.com"}, {"a": 1}, [])
    assert patch == {"email": "new@example.com"}


def test_build_user_patch_groups_as_a_sorted_set_and_attributes_whole():
    user = server_user(groups=[G2], attributes={"a": 1})
    assert users.build_user_patch(user, {}, {"a": 1, "b": 2}, {G3, G1}) == {
        "attributes": {"a": 1, "b": 2}, "groups": [G1, G3]}
    assert users.build_user_patch(user, {}, None, None) == {}
    assert users.build_user_patch(user, {}, {"a": 1}, [G2]) == {}


def test_build_user_patch_treats_missing_attributes_as_empty():
    user = server_user()
    user["attributes"] = None
    assert users.build_user_patch(user, {}, {}) == {}


@pytest.mark.parametrize("current, desired", [
    ("2024-05-01T10:00:17.885000Z", "2024-05-01T10:00:17.885Z"),
    ("2024-05-01T10:00:17.885000Z", "2024-05-01T12:00:17.885+02:00"),
    ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00"),
    ("2024-05-01T10:00:00Z", "2024-05-01 10:00+0000"),
])
def test_last_login_equal_instants(current, desired):
    assert users.build_user_patch(server_user(last_login=current), {"last_login": desired}) == {}


def test_last_login_different_instant():
    user = server_user(last_login="2024-05-01T10:00:00Z")
    assert users.build_user_patch(user, {"last_login": "2024-05-01T10:00:01Z"}) == {
        "last_login": "2024-05-01T10:00:01Z"}
    assert users.build_user_patch(server_user(), {"last_login": "2024-05-01T10:00:01Z"}) == {
        "last_login": "2024-05-01T10:00:01Z"}


def test_predicted_last_login_is_in_authentiks_format():
    predicted = users.predict_user(server_user(), {"last_login": "2024-05-01T12:00:17.885+02:00"}, GROUP_INFO)
    assert predicted["last_login"] == "2024-05-01T10:00:17.885000Z"
    predicted = users.predict_user(server_user(), {"last_login": "2024-05-01T10:00:00"}, GROUP_INFO)
    assert predicted["last_login"] == "2024-05-01T10:00:00Z"


usernames = st.text(alphabet="abcdefgh.-_@+", min_size=1, max_size=12)
scalars = st.fixed_dictionaries({}, optional={
    "username": usernames,
    "name": st.text(max_size=10),
    "email": st.sampled_from(["", "a@example.com", "b@example.org"]),
    "is_active": st.booleans(),
    "path": st.sampled_from(["users", "staff", "staff/berlin"]),
    "type": st.sampled_from(list(users.USER_TYPES)),
    "last_login": st.sampled_from(["2024-05-01T10:00:17.885Z", "2024-05-01T10:00:17.885000+00:00",
                                   "2023-01-01T00:00:00+01:00"]),
})
group_sets = st.lists(st.sampled_from(GROUP_PKS), unique=True, max_size=4)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=8,
)
json_objects = st.dictionaries(st.text(max_size=3), json_values, max_size=4)
modes = st.sampled_from(users.MODES)
attribute_modes = st.sampled_from(["merge", "replace"])


@settings(max_examples=150, deadline=None)
@given(current_groups=group_sets, requested=group_sets, mode=modes, desired=scalars, current_attrs=json_objects,
       requested_attrs=json_objects, attrs_mode=attribute_modes)
def test_applying_the_patch_leaves_nothing_to_change(current_groups, requested, mode, desired, current_attrs,
                                                     requested_attrs, attrs_mode):
    """Once the predicted user is applied, the patch is empty."""
    user = server_user(groups=current_groups, attributes=current_attrs)
    attributes = compare.desired_attributes(user["attributes"], requested_attrs, attrs_mode)
    targets = compare.target_set(current_groups, requested, mode)
    patch = users.build_user_patch(user, desired, attributes, targets)
    after = users.predict_user(user, patch, GROUP_INFO)
    again = compare.desired_attributes(after["attributes"], requested_attrs, attrs_mode)
    assert users.build_user_patch(after, desired, again, compare.target_set(after["groups"], requested, mode)) == {}
    assert after["is_superuser"] == (G5 in after["groups"] if "groups" in patch else False)


@given(desired=scalars)
def test_empty_patch_means_no_change(desired):
    user = server_user()
    patch = users.build_user_patch(user, desired)
    assert (patch == {}) == all(users.same_value(k, user.get(k), v) for k, v in desired.items())
    assert users.predict_user(user, {}, GROUP_INFO) == user


def test_new_user_fills_authentik_defaults():
    body = users.build_user_body({"username": "n"}, None, [G5])
    assert body == {"username": "n", "name": "", "groups": [G5]}
    created = users.new_user(body, GROUP_INFO)
    assert created["pk"] is None and created["path"] == "users" and created["type"] == "internal"
    assert created["is_active"] is True and created["email"] == "" and created["attributes"] == {}
    assert created["is_superuser"] is True
    assert [group["name"] for group in created["groups_obj"]] == ["g5"]


def test_build_user_body_leaves_out_empty_attributes_and_groups():
    assert users.build_user_body({"username": "n", "name": "N"}, {}, set()) == {"username": "n", "name": "N"}
    assert users.build_user_body({"username": "n"}, {"a": 1}, {G2, G1}) == {
        "username": "n", "name": "", "attributes": {"a": 1}, "groups": [G1, G2]}


@pytest.mark.parametrize("current_flag, current_groups, target, expected", [
    (False, [], [G5], True),              # joins a superuser group
    (True, [G5], [G1], False),            # leaves the group that made it superuser
    (True, [G1], [G1, G2], True),         # superuser through an ancestor group: no direct group explains it
    (False, [G1], [G2], False),
])
def test_predicted_superuser_flag(current_flag, current_groups, target, expected):
    user = server_user(groups=current_groups)
    user["is_superuser"] = current_flag
    after = users.predict_user(user, {"groups": target}, GROUP_INFO)
    assert after["is_superuser"] is expected


def test_prediction_names_groups_it_has_no_object_for_by_uuid():
    after = users.predict_user(server_user(), {"groups": [str(uuid.UUID(int=77))]}, {})
    assert after["groups_obj"] == [{"pk": str(uuid.UUID(int=77)), "num_pk": None, "name": str(uuid.UUID(int=77)),
                                    "is_superuser": False, "attributes": {}}]


# ---------------------------------------------------------------- diff view


def test_user_view_shows_only_managed_fields_and_hides_password():
    user = server_user(groups=[G2, G1], email="e@example.com", avatar="x", uid="y")
    view = users.user_view(user, ["email", "groups"], set_password=True)
    assert view == {"email": "e@example.com", "groups": ["g1", "g2"], "password": users.PASSWORD_MARKER}
    assert users.user_view(None, ["email"]) == {}
    assert users.user_view(server_user(last_login="2024-05-01T12:00:00+02:00"), ["last_login"]) == {
        "last_login": "2024-05-01T10:00:00Z"}


def test_user_managed_fields_in_display_order():
    params = dict.fromkeys(users.SCALAR_FIELDS)
    params.update(username="u", email="e", groups=["g"], attributes={}, password="secret")
    assert users.user_managed_fields(params) == ["username", "email", "attributes", "groups"]


# ---------------------------------------------------------------- plan_user


def test_plan_user_create_with_groups_attributes_and_password():
    spec = {"username": "new", "name": "New", "email": "n@example.com", "groups": ["g5", "g1"],
            "attributes": {"a": 1, "gone": None}, "password": "pw", "state": "present"}
    plan = users.plan_user(spec, None, resolved_groups("g5", "g1"))
    assert plan.resource == "user" and plan.action == "create" and plan.before is None
    assert plan.body == {"username": "new", "name": "New", "email": "n@example.com", "attributes": {"a": 1},
                         "groups": [G1, G5]}
    assert plan.calls == (("set_password", None),)
    assert plan.changed_fields == ["attributes", "email", "groups", "name", "username", "password"]
    assert plan.predicted["username"] == "new" and plan.predicted["pk"] is None
    assert plan.predicted["is_superuser"] is True
    assert sorted(group["name"] for group in plan.predicted["groups_obj"]) == ["g1", "g5"]
    assert "pw" not in repr(plan)


def test_plan_user_create_without_password_has_no_calls():
    plan = users.plan_user({"username": "new"}, None, {})
    assert (plan.action, plan.body, plan.calls, plan.changed_fields) == (
        "create", {"username": "new", "name": ""}, (), ["name", "username"])


def test_plan_user_update_sends_the_patch_and_predicts_the_answer():
    user = server_user(groups=[G1], attributes={"keep": 1, "a": 1})
    spec = {"username": "jdoe", "name": "Jane Doe", "groups": ["g2"], "groups_mode": "exact",
            "attributes": {"a": 2}, "password": "pw"}
    plan = users.plan_user(spec, user, resolved_groups("g2"))
    assert plan.action == "update" and plan.before is user and plan.pk == 7
    assert plan.body == {"name": "Jane Doe", "groups": [G2], "attributes": {"keep": 1, "a": 2}}
    assert plan.calls == ()  # update_password defaults to on_create
    assert plan.changed_fields == ["attributes", "groups", "name"]
    assert plan.predicted == dict(server_user(groups=[G2], attributes={"keep": 1, "a": 2}), name="Jane Doe")


@pytest.mark.parametrize("update_password, calls, action", [
    ("always", (("set_password", None),), "update"),
    ("on_create", (), "none"),
    (None, (), "none"),
])
def test_plan_user_password_of_an_existing_user(update_password, calls, action):
    spec = {"username": "jdoe", "password": "pw", "update_password": update_password}
    plan = users.plan_user(spec, server_user(), {})
    assert (plan.action, plan.calls) == (action, calls)
    assert plan.changed_fields == (["password"] if calls else [])
    assert plan.body == ({} if calls else None)


def test_plan_user_nothing_to_change():
    user = server_user(groups=[G1], attributes={"a": {"b": 1}}, last_login="2024-05-01T10:00:00Z")
    spec = {"username": "jdoe", "name": "Jane", "groups": ["g1", G1.upper().lower()], "attributes": {"a": {"b": 1}},
            "last_login": "2024-05-01T12:00:00+02:00", "state": "present"}
    plan = users.plan_user(spec, user, {})
    assert plan == Plan("user", "none", user, None, (), [], user)
    assert plan.changed is False


def test_plan_user_delete():
    user = server_user(groups=[G1])
    assert users.plan_user({"username": "jdoe", "state": "absent", "name": "x"}, user, {}) == Plan(
        "user", "delete", user, None, (), ["state"], {})
    assert users.plan_user({"username": "jdoe", "state": "absent"}, None, {}) == Plan(
        "user", "none", None, None, (), [], {})


@pytest.mark.parametrize("spec, expected", [
    ({"groups": ["g1", "g2", G3, "new"]}, ["g2", G3, "new"]),
    ({"groups": ["g1", "g2"], "groups_mode": "exact"}, ["g2"]),
    ({"groups": ["g1", "g2"], "groups_mode": "remove"}, []),
    ({"groups": ["g2"], "state": "absent"}, []),
    ({}, []),
])
def test_groups_needing_lookup(spec, expected):
    assert users.groups_needing_lookup(spec, server_user(groups=[G1])) == expected


def test_groups_needing_lookup_for_a_new_user():
    assert users.groups_needing_lookup({"groups": ["g1", G2]}, None) == ["g1", G2]


def test_removed_groups():
    user = server_user(groups=[G1, G2, G5])
    exact = users.plan_user({"groups": ["g2"], "groups_mode": "exact"}, user, {})
    assert users.removed_groups(exact) == {G1, G5}
    assert users.removed_groups(users.plan_user({"groups": ["g1"], "groups_mode": "remove"}, user, {})) == {G1}
    assert users.removed_groups(users.plan_user({"state": "absent"}, user, {})) == {G1, G2, G5}
    assert users.removed_groups(users.plan_user({"name": "New"}, user, {})) == set()
    assert users.removed_groups(users.plan_user({"groups": ["g3"]}, user, resolved_groups("g3"))) == set()
    assert users.removed_groups(users.plan_user({"username": "n", "groups": ["g1"]}, None, resolved_groups("g1"))) \
        == set()
    assert users.removed_groups(users.plan_user({"name": "Jane"}, user, {})) == set()


specs = st.fixed_dictionaries({}, optional={
    "name": st.sampled_from(["", "Jane", "Jane Doe"]),
    "email": st.sampled_from(["", "j@example.com"]),
    "is_active": st.booleans(),
    "path": st.sampled_from(["users", "staff/berlin"]),
    "type": st.sampled_from(list(users.USER_TYPES)),
    "last_login": st.sampled_from(["2024-05-01T10:00:17.885Z", "2024-05-01T12:00:00+02:00"]),
    "attributes": json_objects,
    "attributes_mode": attribute_modes,
    "groups": st.lists(st.sampled_from(["g1", "g2", "g3", "g4", "g5", G1, G4.upper()]), max_size=4),
    "groups_mode": modes,
    "roles": role_entries(),
    "roles_mode": modes,
    "password": st.just("pw"),
})


def plan_with_lookups(spec, user):
    return users.plan_user(spec, user, resolved_groups(*users.groups_needing_lookup(spec, user)),
                           resolve_roles(roles.roles_needing_lookup(spec, user)))


@settings(max_examples=150, deadline=None)
@given(spec=specs, current_groups=group_sets, current_roles=held_roles(), current_attrs=json_objects,
       exists=st.booleans())
def test_planning_again_from_the_prediction_changes_nothing(spec, current_groups, current_roles, current_attrs,
                                                            exists):
    """Once a plan is carried out, the same task plans no change (unless it sets the password every time)."""
    spec = users.normalize_user_params(dict(spec, username="jdoe"))
    user = server_user(groups=current_groups, attributes=current_attrs, **current_roles) if exists else None
    plan = plan_with_lookups(spec, user)
    predicted = dict(plan.predicted, pk=7) if plan.action == "create" else plan.predicted
    again = plan_with_lookups(spec, predicted)
    assert (again.action, again.body, again.calls, again.changed_fields) == ("none", None, (), [])
    assert again.predicted == predicted


# ---------------------------------------------------------------- user_diff


def test_user_diff_of_an_update_with_a_password():
    user = server_user(groups=[G1], email="old@example.com")
    spec = {"username": "jdoe", "email": "new@example.com", "groups": ["g2"], "groups_mode": "exact",
            "password": "pw", "update_password": "always"}
    plan = users.plan_user(spec, user, resolved_groups("g2"))
    assert users.user_diff(spec, plan) == {
        "before": {"username": "jdoe", "email": "old@example.com", "groups": ["g1"]},
        "after": {"username": "jdoe", "email": "new@example.com", "groups": ["g2"], "password": "********"}}


def test_user_diff_draws_the_servers_answer():
    user = server_user()
    spec = {"username": "jdoe", "name": "New"}
    plan = users.plan_user(spec, user, {})
    answer = dict(user, name="New (as stored)")
    assert users.user_diff(spec, plan, answer)["after"] == {"username": "jdoe", "name": "New (as stored)"}


def test_user_diff_of_a_create_and_a_delete():
    spec = {"username": "new", "groups": ["g5"]}
    created = users.plan_user(spec, None, resolved_groups("g5"))
    assert users.user_diff(spec, created) == {"before": {}, "after": {"username": "new", "groups": ["g5"]}}
    gone = users.plan_user({"username": "jdoe", "state": "absent"}, server_user(), {})
    assert users.user_diff({"username": "jdoe", "state": "absent"}, gone) == {
        "before": {"username": "jdoe", "state": "present"}, "after": {"username": "jdoe", "state": "absent"}}
    nothing = users.plan_user({"username": "ghost", "state": "absent"}, None, {})
    assert users.user_diff({"username": "ghost", "state": "absent"}, nothing) == {"before": {}, "after": {}}


# ---------------------------------------------------------------- lists of users (authentik_users)


def normalized(specs):
    """As authentik_users hands the list over: every mapping normalized, anything else as it is."""
    return [users.normalize_user_params(spec) if isinstance(spec, dict) else spec for spec in specs]


def test_validate_user_specs_passes_a_valid_list():
    users.validate_user_specs(normalized([{"username": "a"}, {"username": "b", "email": "b@example.com"}]))
    users.validate_user_specs([])


@pytest.mark.parametrize("specs, message", [
    ({"username": "a"}, "Invalid users: must be a list of entries, got dict"),
    ("a", "Invalid users: must be a list of entries, got str"),
    (None, "Invalid users: must be a list of entries, got null"),
    ([{"username": "a"}, "b"], "Invalid users: entry 2 must be a mapping, got str"),
    ([None], "Invalid users: entry 1 must be a mapping, got null"),
    ([["username", "a"]], "Invalid users: entry 1 must be a mapping, got list"),
    ([{"username": "a"}, {"name": "B"}], "Invalid users: entry 2 has no username; every entry needs one"),
    ([{"username": None}], "Invalid users: entry 1 has no username; every entry needs one"),
    ([{"username": "a"}, {"username": "b", "email": "nope"}],
     "Invalid email: 'nope' is not a valid email address; in the entry for 'b'"),
    ([{"username": 5}], "Invalid username: must be a string, got int; in entry 1 of users"),
    ([{"username": "a"}, {"username": "b"}, {"username": "a"}], "Username 'a' appears more than once in users"),
    ([{"username": " a"}, {"username": "a "}], "Username 'a' appears more than once in users"),
])
def test_validate_user_specs_refuses(specs, message):
    with pytest.raises(ValidationError) as caught:
        users.validate_user_specs(normalized(specs) if isinstance(specs, list) else specs)
    if "email" in message:
        assert caught.value.msg.startswith("Invalid email: ") and caught.value.msg.endswith("; in the entry for 'b'")
    else:
        assert caught.value.msg == message


def test_entry_label():
    assert users.entry_label({"username": "jdoe"}, 3) == "in the entry for 'jdoe'"
    assert users.entry_label({}, 3) == "in entry 3 of users"
    assert users.entry_label({"username": "   "}, 1) == "in entry 1 of users"


# ---------------------------------------------------------------- no value ends in a traceback


USER_OPTIONS = [option for option, rule in users.USER_RULES]
PLAUSIBLE = {
    "username": st.sampled_from(["jdoe", " jdoe ", "new", "u" * 150]),
    "state": st.sampled_from(["present", "absent"]),
    "pk": st.sampled_from([7, 8]),
    "uuid": st.sampled_from([USER_UUID, USER_UUID.upper()]),
    "name": st.sampled_from(["", "Jane", " Jane "]),
    "email": st.sampled_from(["", "j@example.com", " j@example.com "]),
    "is_active": st.booleans(),
    "path": st.sampled_from(["users", "staff/berlin", " users "]),
    "type": st.sampled_from(users.USER_TYPES),
    "last_login": st.sampled_from(["2024-05-01T10:00:17.885Z", "2024-05-01 12:00+02:00"]),
    "attributes": json_objects,
    "attributes_mode": attribute_modes,
    "groups": st.lists(st.sampled_from(["g1", " g2 ", G1.upper(), "new group"]), max_size=3),
    "groups_mode": modes,
    "roles": st.lists(st.sampled_from(["readers", " writers ", str(uuid.UUID(int=201)).upper(), "new role",
                                       "ak-managed-role--user-7"]), max_size=3),
    "roles_mode": modes,
    "password": st.sampled_from(["pw", " pw "]),
    "update_password": st.sampled_from(["on_create", "always"]),
    "allow_self_lockout": st.booleans(),
}
assert set(PLAUSIBLE) == set(USER_OPTIONS), "a rule of USER_RULES has no plausible values here"
user_params = st.fixed_dictionaries({}, optional=dict(
    (option, PLAUSIBLE[option] | anything()) for option in USER_OPTIONS))


def fake_resolved_groups(entries):
    """{entry: group} for whatever entries a plan asks to look up, as resources.resolve_groups would answer."""
    return dict((entry, {"pk": str(uuid.UUID(int=1000 + index)), "num_pk": 1000 + index, "name": entry,
                         "is_superuser": False, "attributes": {}}) for index, entry in enumerate(entries))


def plan_or_refusal(params, current):
    """normalize, validate and plan as authentik_user does: a Plan, or None for a ValidationError."""
    try:
        params = users.normalize_user_params(params)
        users.validate_user_params(params)
    except ValidationError:
        return None
    plan = users.plan_user(params, current, fake_resolved_groups(users.groups_needing_lookup(params, current)),
                           resolve_roles(roles.roles_needing_lookup(params, current)))
    users.user_diff(params, plan)
    return plan


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=user_params)
def test_any_user_params_give_a_plan_or_a_validation_error(params):
    held = [ROLES_BY_ENTRY["readers"], ROLES_BY_ENTRY["ak-managed-role--user-7"]]
    plan = plan_or_refusal(params, server_user(groups=[G1, G5], attributes={"a": {"b": 1}},
                                               roles=[role["pk"] for role in held], roles_obj=held))
    assert plan is None or isinstance(plan, Plan)
    # A user that does not exist is created by username only; authentik_user refuses the rest before planning.
    if params.get("username") is not None and params.get("pk") is None and params.get("uuid") is None:
        plan = plan_or_refusal(params, None)
        assert plan is None or isinstance(plan, Plan)


def outcome(validate, params):
    try:
        validate(params)
    except ValidationError:
        return "refused"
    except Exception as error:  # pylint: disable=broad-exception-caught
        return type(error).__name__
    return "accepted"


def test_huge_integers_in_any_user_option_give_a_validation_error():
    """No authentik pk, choice or name is a 5000-digit number, and Python cannot even print one (its int-to-str limit
    is 4300 digits): every option must refuse it rather than raise, or pass it on to a URL or a message."""
    outcomes = dict(("%s=%s" % (option, shown), outcome(users.validate_user_params, {option: value}))
                    for option in USER_OPTIONS
                    for shown, value in (("10**5000", 10 ** 5000), ("-10**5000", -10 ** 5000),
                                         ("[10**5000]", [10 ** 5000])))
    wrong = sorted("%s: %s" % (key, value) for key, value in outcomes.items() if value != "refused")
    assert not wrong, "not refused: " + ", ".join(wrong)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(user_params | anything(), max_size=4) | anything())
def test_any_user_list_is_valid_or_a_validation_error(specs):
    try:
        users.validate_user_specs(normalized(specs) if isinstance(specs, list) else specs)
    except ValidationError:
        pass


# ---------------------------------------------------------------- check mode predicts the server's answer


SERVER_SET_ON_WRITE = ("last_updated", "password_change_date")
names = itertools.count()


@pytest.fixture
def groups_on_server(authentik):
    groups = [authentik.add_group(name="g%d" % n, is_superuser=(n == 0)) for n in range(4)]
    return dict((group["pk"], group) for group in groups)


@pytest.fixture
def roles_on_server(authentik):
    """{name: role} of three roles, r0 to r2."""
    return dict((role["name"], role) for role in (authentik.add_role("r%d" % n) for n in range(3)))


def comparable(user):
    user = dict((key, value) for key, value in user.items() if key not in SERVER_SET_ON_WRITE)
    user["groups"] = sorted(user["groups"])
    user["groups_obj"] = sorted(user["groups_obj"], key=lambda group: group["pk"])
    return user


small_values = st.none() | st.integers(0, 3)
server_attributes = st.dictionaries(st.sampled_from(["a", "b", "settings"]),
                                    small_values | st.dictionaries(st.sampled_from(["x", "y"]), small_values),
                                    max_size=3)
server_scalars = st.fixed_dictionaries({}, optional={
    "name": st.sampled_from(["", "Jane", "Jane Doe"]),
    "email": st.sampled_from(["", "j@example.com"]),
    "is_active": st.booleans(),
    "path": st.sampled_from(["users", "staff/berlin"]),
    "type": st.sampled_from(list(users.USER_TYPES)),
    "last_login": st.sampled_from(["2024-05-01T10:00:17.885Z", "2024-05-01T12:00:00+02:00"]),
})


role_sets = st.sets(st.sampled_from(["r0", "r1", "r2"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scalars=server_scalars, current_attrs=server_attributes, requested_attrs=server_attributes,
       attrs_mode=attribute_modes, start=st.sets(st.integers(0, 3)), requested=st.sets(st.integers(0, 3)),
       mode=modes, start_roles=role_sets, requested_roles=role_sets, roles_mode=modes, managed_role=st.booleans())
def test_check_mode_prediction_equals_the_servers_answer(authentik, client, groups_on_server, roles_on_server, scalars,
                                                         current_attrs, requested_attrs, attrs_mode, start, requested,
                                                         mode, start_roles, requested_roles, roles_mode, managed_role):
    pks = sorted(groups_on_server)
    created = authentik.add_user(username="u%d" % next(names), name="N",
                                 attributes=compare.merge_patch({}, current_attrs), groups=[pks[n] for n in start])
    for name in sorted(start_roles):
        authentik.assign_role_to_user(created["pk"], name)
    if managed_role:
        authentik.managed_role(user_pk=created["pk"])
    current = resources.find_user(client, pk=created["pk"])
    spec = dict(scalars, attributes=requested_attrs, attributes_mode=attrs_mode,
                groups=[pks[n] for n in requested], groups_mode=mode, roles=sorted(requested_roles),
                roles_mode=roles_mode)
    plan = users.plan_user(spec, current, dict((pk, groups_on_server[pk])
                                               for pk in users.groups_needing_lookup(spec, current)),
                           dict((name, roles_on_server[name]) for name in roles.roles_needing_lookup(spec, current)))
    if managed_role and roles_mode == "exact":
        assert "ak-managed-role--user-%d" % created["pk"] in roles.role_names(plan.predicted)
    if plan.action == "none":
        assert plan.predicted == current
        return
    answer = resources.update_user(client, current["pk"], plan.body)
    assert comparable(plan.predicted) == comparable(answer)
    assert users.plan_user(spec, answer, {}).action == "none"
