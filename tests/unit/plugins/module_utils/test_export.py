"""Unit tests of export.py: objects read from authentik become specs that, planned against the same objects, change
nothing; what no spec can describe exactly is skipped with a reason, never exported lossy."""

import uuid

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.akops.authentik.plugins.module_utils import export
from ansible_collections.akops.authentik.plugins.module_utils.groups import (
    members_needing_lookup,
    normalize_group_params,
    parent_needing_lookup,
    plan_group,
)
from ansible_collections.akops.authentik.plugins.module_utils.roles import roles_needing_lookup
from ansible_collections.akops.authentik.plugins.module_utils.users import (
    groups_needing_lookup,
    normalize_user_params,
    plan_user,
)
from tests.unit.plugins.module_utils.strategies import ROLES_BY_ENTRY, USER_PK, held_roles

GROUP_A = str(uuid.UUID(int=1))
GROUP_B = str(uuid.UUID(int=2))
GROUP_C = str(uuid.UUID(int=3))
GROUPS = [
    {"pk": GROUP_A, "name": "engineering", "is_superuser": False},
    {"pk": GROUP_B, "name": "oncall", "is_superuser": False},
    {"pk": GROUP_C, "name": "oncall", "is_superuser": True},
]


def a_user(**fields):
    user = {"pk": USER_PK, "username": "jdoe", "name": "Jane Doe", "email": "jdoe@example.com", "is_active": True,
            "path": "users", "type": "internal", "attributes": {}, "groups": [], "groups_obj": [],
            "last_login": None, "is_superuser": False}
    user.update(fields)
    return user


def plan_of_user_spec(spec, user):
    """plan_user as authentik_users runs it, with nothing resolved beyond what the user itself names."""
    spec = normalize_user_params(spec)
    assert groups_needing_lookup(spec, user) == []
    assert roles_needing_lookup(spec, user) == []
    return plan_user(spec, user, {}, {})


# ---------------------------------------------------------------- users, table-driven


def test_a_user_becomes_an_exact_spec_with_sorted_names():
    user = a_user(groups=[GROUP_B, GROUP_A], groups_obj=None, attributes={"b": 1, "goauthentik.io/x": {"y": [1]}})
    specs, skipped = export.user_specs([user], GROUPS[:2])
    assert skipped == []
    assert specs == [{
        "username": "jdoe", "name": "Jane Doe", "email": "jdoe@example.com", "is_active": True, "path": "users",
        "type": "internal", "attributes": {"b": 1, "goauthentik.io/x": {"y": [1]}}, "attributes_mode": "replace",
        "groups": ["engineering", "oncall"], "groups_mode": "exact",
    }]


def test_a_group_name_two_groups_share_is_given_by_uuid():
    user = a_user(groups=[GROUP_B, GROUP_A], groups_obj=[dict(group) for group in GROUPS[:2]])
    specs, dummy = export.user_specs([user], GROUPS)
    assert specs[0]["groups"] == sorted(["engineering", GROUP_B])
    assert plan_of_user_spec(specs[0], user).action == "none"


def test_roles_are_exported_only_where_users_carry_them_and_without_the_users_own_managed_role():
    pks = sorted(ROLES_BY_ENTRY[name]["pk"] for name in ("readers", "ak-managed-role--user-%d" % USER_PK))
    user = a_user(roles=pks, roles_obj=[ROLES_BY_ENTRY[pk] for pk in pks])
    spec = export.user_specs([user], [])[0][0]
    assert (spec["roles"], spec["roles_mode"]) == (["readers"], "exact")
    assert plan_of_user_spec(spec, user).action == "none"
    assert "roles" not in export.user_specs([a_user()], [])[0][0]


def test_internal_service_accounts_are_skipped_with_the_reason():
    specs, skipped = export.user_specs([a_user(username="ak-outpost", type="internal_service_account")], [])
    assert specs == []
    assert skipped[0]["username"] == "ak-outpost" and "internal service account" in skipped[0]["reason"]


def test_fields_the_module_would_trim_or_refuse_are_skipped_not_exported_lossy():
    specs, skipped = export.user_specs([a_user(username="padded "), a_user(username="x", path="/bad/")], [])
    assert specs == []
    assert [item["username"] for item in skipped] == ["padded ", "x"]
    assert "username" in skipped[0]["reason"] and "path" in skipped[1]["reason"]


def test_specs_are_sorted_by_username_and_stable_as_yaml():
    users = [a_user(pk=index, username=name) for index, name in enumerate(["b", "a", "c"], start=1)]
    first = yaml.safe_dump(export.user_specs(users, GROUPS)[0], sort_keys=True)
    again = yaml.safe_dump(export.user_specs(list(reversed(users)), list(reversed(GROUPS)))[0], sort_keys=True)
    assert first == again
    assert [spec["username"] for spec in export.user_specs(users, [])[0]] == ["a", "b", "c"]


def test_jinja_markers_are_found_anywhere_in_a_spec():
    assert export.templated_strings({"attributes": {"k": ["{{ x }}"]}})
    assert export.templated_strings({"{% raw": 1})
    assert not export.templated_strings({"name": "a { b } #"})


# ---------------------------------------------------------------- users, the property


texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=10)
json_values = st.recursive(st.none() | st.booleans() | st.integers() | texts,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
                           max_leaves=6)
attributes = st.dictionaries(texts | st.sampled_from(["goauthentik.io/user/sources", "goauthentik.io/ldap/uid"]),
                             json_values, max_size=4)
group_pks = st.lists(st.sampled_from([GROUP_A, GROUP_B, GROUP_C]), unique=True)
# Every group of a directory: one where two groups share a name (before 2025.12), one where names are unique.
DIRECTORIES = [GROUPS, GROUPS[:2] + [dict(GROUPS[2], name="ops")]]


@st.composite
def server_users(draw, every_group):
    groups = draw(group_pks)
    user = a_user(
        username=draw(texts), name=draw(texts), email=draw(st.sampled_from(["", "a@example.com", " x "])),
        is_active=draw(st.booleans()), path=draw(st.sampled_from(["users", "staff/berlin", "goauthentik.io/x", ""])),
        type=draw(st.sampled_from(["internal", "external", "service_account", "internal_service_account"])),
        attributes=draw(attributes), groups=groups,
        groups_obj=draw(st.sampled_from([None, [dict(g) for g in every_group if g["pk"] in groups]])),
    )
    if draw(st.booleans()):
        user.update(draw(held_roles()))
    return user


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), every_group=st.sampled_from(DIRECTORIES))
def test_planning_the_spec_of_any_user_against_that_user_changes_nothing(data, every_group):
    user = data.draw(server_users(every_group))
    specs, skipped = export.user_specs([user], every_group)
    assert len(specs) + len(skipped) == 1
    if specs:
        plan = plan_user(normalize_user_params(specs[0]), user, resolve_by_name(specs[0], every_group), {})
        assert plan.action == "none", (specs[0], plan.body)
    else:
        assert skipped[0]["reason"]


def resolve_by_name(spec, every_group):
    """What authentik_users would look up for group names the user's groups_obj does not carry."""
    return dict((entry, group) for group in every_group for entry in (group["name"], group["pk"])
                if entry in spec["groups"])


# ---------------------------------------------------------------- groups


def a_group(**fields):
    group = {"pk": GROUP_A, "name": "engineering", "is_superuser": False, "parents": [], "parents_obj": [],
             "attributes": {}, "users": [], "users_obj": [], "roles": [], "roles_obj": []}
    group.update(fields)
    return group


def plan_of_group_spec(spec, group, parent=None):
    params = normalize_group_params(dict(spec, state="present"))
    assert members_needing_lookup(params, group) == []
    return plan_group(params, group, {}, parent if parent_needing_lookup(params, group) else None, {})


def test_a_group_becomes_an_exact_spec_with_members_by_username():
    group = a_group(users=[5, 3], users_obj=[{"pk": 5, "username": "zed"}, {"pk": 3, "username": " pad"}],
                    parents=[GROUP_B], parents_obj=[{"pk": GROUP_B, "name": "oncall"}], attributes={"a": [1]})
    specs, skipped = export.group_specs([group], GROUPS[:2])
    assert skipped == []
    assert specs == [{"name": "engineering", "is_superuser": False, "parent": "oncall", "attributes": {"a": [1]},
                      "attributes_mode": "replace", "users": ["zed", 3], "users_mode": "exact", "roles": [],
                      "roles_mode": "exact"}]
    assert plan_of_group_spec(specs[0], group).action == "none"


def test_a_group_without_parent_exports_an_empty_parent_and_the_old_shape_works_too():
    group = a_group(parents=None, parents_obj=None, parent=None)
    del group["parents"], group["parents_obj"]
    spec = export.group_specs([group], GROUPS[:1])[0][0]
    assert spec["parent"] == ""
    assert plan_of_group_spec(spec, group).action == "none"


def test_groups_sharing_a_name_are_selected_by_pk_and_named_by_uuid_as_parents():
    child = a_group(pk=GROUP_A, parents=[GROUP_B], parents_obj=[{"pk": GROUP_B, "name": "oncall"}])
    shared = a_group(pk=GROUP_C, name="oncall")
    specs, dummy = export.group_specs([child, shared], GROUPS)
    assert specs[0]["parent"] == GROUP_B and "pk" not in specs[0]
    assert specs[1]["pk"] == GROUP_C
    assert plan_of_group_spec(specs[0], child).action == "none"


def test_a_group_with_several_parents_is_skipped():
    group = a_group(parents=[GROUP_B, GROUP_C])
    specs, skipped = export.group_specs([group], GROUPS)
    assert specs == []
    assert "2 parents" in skipped[0]["reason"]


def test_the_groups_own_managed_role_is_left_out():
    own = {"pk": str(uuid.UUID(int=77)), "name": "ak-managed-role--group-%s" % GROUP_A}
    group = a_group(roles=[own["pk"], ROLES_BY_ENTRY["readers"]["pk"]], roles_obj=[own, ROLES_BY_ENTRY["readers"]])
    spec = export.group_specs([group], GROUPS[:1])[0][0]
    assert spec["roles"] == ["readers"]
    assert plan_of_group_spec(spec, group).action == "none"


@settings(max_examples=200, deadline=None)
@given(usernames=st.lists(texts.filter(bool), unique=True, max_size=4), users_obj=st.booleans(),
       attrs=attributes, superuser=st.booleans(), parent=st.sampled_from([[], [GROUP_B]]), roles=held_roles())
def test_planning_the_spec_of_any_group_against_that_group_changes_nothing(usernames, users_obj, attrs, superuser,
                                                                           parent, roles):
    members = dict(enumerate(usernames, start=1))
    group = a_group(users=sorted(members), is_superuser=superuser, attributes=attrs, parents=parent,
                    parents_obj=[{"pk": pk, "name": "oncall"} for pk in parent], **roles)
    group["users_obj"] = [{"pk": pk, "username": name} for pk, name in members.items()] if users_obj else None
    specs, skipped = export.group_specs([group], GROUPS[:2])
    assert skipped == []
    assert plan_of_group_spec(specs[0], group).action == "none"


def test_a_name_written_like_a_uuid_is_exported_as_the_objects_uuid():
    """The modules read a reference in the 8-4-4-4-12 form as a UUID, so such a name cannot stand for its object."""
    from ansible_collections.akops.authentik.plugins.module_utils.export import safe_names

    looks_like = "11111111-2222-3333-4444-555555555555"
    objects = [{"pk": "0b4c7a44-94b8-4d7e-a0a5-3c5d3a43a9f1", "name": looks_like},
               {"pk": "7d9e6b1a-2c3f-4e5a-8b7c-9d0e1f2a3b4c", "name": "staff"}]
    assert safe_names(objects) == {"7d9e6b1a-2c3f-4e5a-8b7c-9d0e1f2a3b4c": "staff"}
