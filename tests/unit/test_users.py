"""The pure comparison layer: table-driven cases and hypothesis properties."""

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.akops.authentik.plugins.module_utils import compare, users
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError

GROUP_PKS = [str(uuid.UUID(int=n)) for n in range(1, 6)]
GROUP_INFO = dict((pk, {"pk": pk, "num_pk": n, "name": "g%d" % n, "is_superuser": n == 5, "attributes": {}})
                  for n, pk in enumerate(GROUP_PKS, start=1))


def server_user(**fields):
    user = {"pk": 7, "username": "jdoe", "name": "Jane", "is_active": True, "last_login": None,
            "is_superuser": False, "groups": [], "groups_obj": [], "email": "", "attributes": {},
            "path": "users", "type": "internal", "uuid": str(uuid.UUID(int=99))}
    user.update(fields)
    user["groups_obj"] = [users._partial_group(pk, GROUP_INFO) for pk in user["groups"]]
    return user


# ---------------------------------------------------------------- merge patch (RFC 7386 examples)


@pytest.mark.parametrize("target, patch, expected", [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
])
def test_merge_patch_rfc7386_examples(target, patch, expected):
    assert compare.merge_patch(target, patch) == expected


def test_merge_patch_does_not_mutate_its_inputs():
    target, patch = {"a": {"b": 1}}, {"a": {"c": 2}}
    compare.merge_patch(target, patch)
    assert target == {"a": {"b": 1}} and patch == {"a": {"c": 2}}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=8,
)
json_objects = st.dictionaries(st.text(max_size=3), json_values, max_size=4)


@given(json_objects, json_objects)
def test_merge_patch_is_idempotent(target, patch):
    once = compare.merge_patch(target, patch)
    assert compare.merge_patch(once, patch) == once


# ---------------------------------------------------------------- groups


@pytest.mark.parametrize("mode, expected", [
    ("add", {GROUP_PKS[0], GROUP_PKS[1], GROUP_PKS[2]}),
    ("remove", {GROUP_PKS[0]}),
    ("exact", {GROUP_PKS[1], GROUP_PKS[2]}),
])
def test_target_group_pks(mode, expected):
    assert compare.target_set(GROUP_PKS[:2], GROUP_PKS[1:3], mode) == expected


def test_groups_to_resolve_only_when_membership_changes():
    current = {GROUP_PKS[0]: "g1"}
    assert compare.entries_to_resolve(["g1", GROUP_PKS[0]], current, "add") == []
    assert compare.entries_to_resolve(["g1", "g2"], current, "exact") == ["g2"]
    assert compare.entries_to_resolve(["g2", "g3"], current, "remove") == []


def test_current_groups_tolerates_null_groups_obj():
    user = {"groups": [GROUP_PKS[0]], "groups_obj": None}
    assert users.current_groups(user) == {GROUP_PKS[0]: GROUP_PKS[0]}


# ---------------------------------------------------------------- build_patch / apply_patch


def test_build_patch_sends_only_differences():
    user = server_user(name="Jane", email="old@example.com", attributes={"a": 1})
    patch = users.build_patch(user, {"name": "Jane", "email": "new@example.com"}, {"a": 1}, [])
    assert patch == {"email": "new@example.com"}


@pytest.mark.parametrize("current, desired", [
    ("2024-05-01T10:00:17.885000Z", "2024-05-01T10:00:17.885Z"),
    ("2024-05-01T10:00:17.885000Z", "2024-05-01T12:00:17.885+02:00"),
    ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00"),
    ("2024-05-01T10:00:00Z", "2024-05-01 10:00+0000"),
])
def test_last_login_equal_instants(current, desired):
    assert users.build_patch(server_user(last_login=current), {"last_login": desired}) == {}


def test_last_login_different_instant():
    user = server_user(last_login="2024-05-01T10:00:00Z")
    assert users.build_patch(user, {"last_login": "2024-05-01T10:00:01Z"}) == {"last_login": "2024-05-01T10:00:01Z"}


def test_format_instant_matches_authentik_output():
    assert users.format_instant("2024-05-01T12:00:17.885+02:00") == "2024-05-01T10:00:17.885000Z"
    assert users.format_instant("2024-05-01T10:00:00") == "2024-05-01T10:00:00Z"


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


@settings(max_examples=200)
@given(current_groups=group_sets, requested=group_sets, mode=st.sampled_from(["add", "remove", "exact"]),
       desired=scalars, current_attrs=json_objects, requested_attrs=json_objects,
       attrs_mode=st.sampled_from(["merge", "replace"]))
def test_applying_the_patch_leaves_nothing_to_change(current_groups, requested, mode, desired, current_attrs,
                                                     requested_attrs, attrs_mode):
    user = server_user(groups=current_groups, attributes=current_attrs)
    attributes = compare.desired_attributes(user["attributes"], requested_attrs, attrs_mode)
    targets = compare.target_set(current_groups, requested, mode)
    patch = users.build_patch(user, desired, attributes, targets)
    after = users.apply_patch(user, patch, GROUP_INFO)
    again = compare.desired_attributes(after["attributes"], requested_attrs, attrs_mode)
    assert users.build_patch(after, desired, again, compare.target_set(after["groups"], requested, mode)) == {}
    assert after["is_superuser"] == (GROUP_PKS[4] in after["groups"] if "groups" in patch else False)


@given(desired=scalars)
def test_empty_patch_means_no_change(desired):
    user = server_user()
    patch = users.build_patch(user, desired)
    assert (patch == {}) == all(users.same_value(k, user.get(k), v) for k, v in desired.items())
    assert users.apply_patch(user, {}, GROUP_INFO) == user


def test_new_user_fills_authentik_defaults():
    body = users.create_body({"username": "n"}, None, [GROUP_PKS[4]])
    assert body == {"username": "n", "name": "", "groups": [GROUP_PKS[4]]}
    created = users.new_user(body, GROUP_INFO)
    assert created["path"] == "users" and created["type"] == "internal" and created["is_active"] is True
    assert created["is_superuser"] is True
    assert [group["name"] for group in created["groups_obj"]] == ["g5"]


# ---------------------------------------------------------------- diff view


def test_managed_view_shows_only_managed_fields_and_hides_password():
    user = server_user(groups=[GROUP_PKS[1], GROUP_PKS[0]], email="e@example.com", avatar="x", uid="y")
    view = users.managed_view(user, ["email", "groups"], set_password=True)
    assert view == {"email": "e@example.com", "groups": ["g1", "g2"], "password": users.PASSWORD_MARKER}


def test_managed_fields_in_display_order():
    params = dict.fromkeys(users.SCALAR_FIELDS)
    params.update(username="u", email="e", groups=["g"], attributes={}, password="secret")
    assert users.managed_fields(params) == ["username", "email", "attributes", "groups"]


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize("params", [
    {"username": "u" * 150}, {"email": ""}, {"email": "root@localhost"}, {"path": "a/b/c"},
    {"uuid": str(uuid.uuid4())}, {"last_login": "2024-01-01T00:00:00Z"}, {"groups": ["g", GROUP_PKS[0]]},
])
def test_valid_params_pass(params):
    users.validate_params(params)


@pytest.mark.parametrize("params", [
    {"username": ""}, {"username": "u" * 151}, {"email": "x" * 255}, {"email": "a b@c.d"}, {"path": ""},
    {"path": "a/"}, {"path": "a//b"}, {"uuid": "123"}, {"last_login": "2024-13-01T00:00:00Z"}, {"groups": [""]},
])
def test_invalid_params_raise(params):
    with pytest.raises(ValidationError):
        users.validate_params(params)


@pytest.mark.parametrize("current_flag, current_groups, target, expected", [
    (False, [], [GROUP_PKS[4]], True),                    # joins a superuser group
    (True, [GROUP_PKS[4]], [GROUP_PKS[0]], False),        # leaves the group that made it superuser
    (True, [GROUP_PKS[0]], [GROUP_PKS[0], GROUP_PKS[1]], True),  # superuser through an ancestor group
    (False, [GROUP_PKS[0]], [GROUP_PKS[1]], False),
])
def test_predicted_superuser_flag(current_flag, current_groups, target, expected):
    user = server_user(groups=current_groups)
    user["is_superuser"] = current_flag
    after = users.apply_patch(user, {"groups": target}, GROUP_INFO)
    assert after["is_superuser"] is expected
