"""plugins/module_utils/role_listing.py: which filters need 2025.12, the role-list queries, combining their answers."""

import uuid

import pytest

from ansible_collections.akops.authentik.plugins.module_utils import role_listing
from ansible_collections.akops.authentik.plugins.module_utils import validation as check
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError

G = str(uuid.UUID(int=7))


def role(name, n):
    return {"pk": str(uuid.UUID(int=n)), "name": name}


A, B, C = role("a", 1), role("b", 2), role("c", 3)


@pytest.mark.parametrize("kwargs, expected", [
    ({}, [{}]),
    ({"name": "a"}, [{"name": "a"}]),
    ({"managed": True}, [{"managed__isnull": False}]),
    ({"managed": False}, [{"managed__isnull": True}]),
    ({"user_pk": 4, "group_pk": G, "name": "a"}, [{"name": "a", "users": 4, "ak_groups": G, "groups": G}]),
    # inherited has no effect without a holder, so it is not sent.
    ({"inherited": True, "name": "a"}, [{"name": "a"}]),
    ({"user_pk": 4, "inherited": True}, [{"users": 4, "inherited": True}]),
    ({"user_pk": 4, "group_pk": G, "inherited": True},
     [{"users": 4, "inherited": True}, {"ak_groups": G, "groups": G, "inherited": True}]),
    ({"group_pk": G, "managed": False, "name": "a", "inherited": True},
     [{"name": "a", "managed__isnull": True, "ak_groups": G, "groups": G, "inherited": True},
      {"name": "a", "managed__isnull": True}]),
])
def test_role_list_queries(kwargs, expected):
    assert role_listing.role_list_queries(**kwargs) == expected


def test_matching_roles_keeps_what_every_answer_holds_in_the_first_answers_order():
    assert role_listing.matching_roles([[C, A, B], [A, C], [B, C, A]]) == [C, A]
    assert role_listing.matching_roles([[A, B, C]], name="b") == [B]
    assert role_listing.matching_roles([[A, B], [A]], name="b") == []
    assert role_listing.matching_roles([[]]) == [] and role_listing.matching_roles([]) == []


def test_filters_given_counts_false_but_not_none_or_an_empty_list():
    filters = {"user": None, "group": [], "managed": False, "name": "x"}
    assert role_listing.filters_given(filters, role_listing.ROLE_FILTERS_SINCE_USER_ROLES) == ["managed"]


def test_refuse_before_user_roles_names_the_filters_and_the_release():
    role_listing.refuse_before_user_roles([], False, "role")
    role_listing.refuse_before_user_roles(["user"], True, "role")
    with pytest.raises(ValidationError) as raised:
        role_listing.refuse_before_user_roles(["roles_by_name", "roles_by_pk"], False, "user")
    assert raised.value.msg == ("Invalid roles_by_name, roles_by_pk: this filter needs authentik 2025.12 or later; "
                                "this server is older and would ignore it and list every user unfiltered")


@pytest.mark.parametrize("value, problem", [
    ("jdoe", None),
    (" ", None),  # refused as a blank filter by normalize_filters, with the other blank filters
    (42, None),
    (0, "must be at least 1, got 0"),
    (True, "give a username (a string) or a user pk (an integer), got bool"),
    (4.5, "give a username (a string) or a user pk (an integer), got float"),
    (None, "give a username (a string) or a user pk (an integer), got null"),
    ("a\x00b", "must not contain NUL characters"),
])
def test_user_reference_problem(value, problem):
    assert role_listing.user_reference_problem(value) == problem


@pytest.mark.parametrize("params, message", [
    ({"pk": "../users/1"}, "Invalid pk: '../users/1' is not a UUID"),
    ({"pk": 5}, "Invalid pk: 5 is not a UUID"),
    ({"group": ["ops"]}, "Invalid group: must be a string, got list"),
    ({"name": "a\x00"}, "Invalid name: must not contain NUL characters"),
])
def test_role_info_rules(params, message):
    with pytest.raises(ValidationError) as raised:
        check.validate(params, role_listing.ROLE_INFO_RULES)
    assert raised.value.msg == message
    check.validate({"pk": " %s " % G.upper(), "name": "a", "user": 3, "group": "ops"}, role_listing.ROLE_INFO_RULES)


def test_user_role_filter_rules_refuse_blank_entries():
    check.validate({"roles_by_name": ["a"], "roles_by_pk": [G]}, role_listing.USER_LIST_FILTER_RULES)
    with pytest.raises(ValidationError) as raised:
        check.validate({"roles_by_pk": [G, ""]}, role_listing.USER_LIST_FILTER_RULES)
    assert raised.value.msg == "Invalid roles_by_pk: entry '': must not be empty or only whitespace"


def test_with_permissions_labels_model_and_object_permissions_sorted():
    global_permissions = [{"app_label": "authentik_core", "codename": "view_user"}]
    object_permissions = [
        {"app_label": "authentik_core", "codename": "change_user", "model": "user", "object_pk": "42"},
        {"app_label": "authentik_core", "codename": "view_group", "model": "group", "object_pk": G.upper()},
    ]
    assert role_listing.with_permissions(A, global_permissions, object_permissions) == dict(A, permissions=[
        "authentik_core.change_user on authentik_core.user 42",
        "authentik_core.view_group on authentik_core.group %s" % G,
        "authentik_core.view_user",
    ])
    assert role_listing.with_permissions(A, [], []) == dict(A, permissions=[])
    assert "permissions" not in A
