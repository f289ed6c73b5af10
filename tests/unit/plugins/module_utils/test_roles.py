"""plugins/module_utils/roles.py, a role's own permissions: entries, keys, what the server holds, the changes per
mode, the checks before a grant, and the plan. (The roles users and groups hold: test_roles_held.py.)"""

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.akops.authentik.plugins.module_utils import roles
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.plan import Plan
from tests.unit.plugins.module_utils.strategies import anything

GROUP = str(uuid.UUID(int=9))
VIEW_USER = ("authentik_core.view_user", None, None)
CHANGE_USER_42 = ("authentik_core.change_user", "authentik_core.user", "42")
ON_GROUP = ("authentik_core.add_user_to_group", "authentik_core.group", GROUP)


def params(**values):
    base = dict(name="leads", pk=None, state="present", permissions=None, permissions_mode="add")
    base.update(values)
    return roles.normalize_role_params(base)


def role(name="leads"):
    return {"pk": str(uuid.UUID(int=1)), "name": name}


# ---------------------------------------------------------------- entries and keys


@pytest.mark.parametrize("entry,key", [
    ("authentik_core.view_user", VIEW_USER),
    (" authentik_core.view_user ", VIEW_USER),
    ({"permission": "authentik_core.view_user"}, VIEW_USER),
    ({"permission": "authentik_core.change_user", "model": "authentik_core.user", "object_pk": 42}, CHANGE_USER_42),
    ({"permission": "authentik_core.change_user", "model": "authentik_core.user", "object_pk": " 042 "}, CHANGE_USER_42),
    ({"permission": "authentik_core.add_user_to_group", "model": "authentik_core.group", "object_pk": GROUP.upper()},
     ON_GROUP),
])
def test_entries_become_keys_in_the_servers_spelling(entry, key):
    assert roles.permission_entry_problem(entry) is None
    assert roles.permission_key(entry) == key


@pytest.mark.parametrize("entry,problem", [
    ("view_user", "is not an app_label.codename"),
    ("authentik_core.", "is not an app_label.codename"),
    ("Authentik_Core.View_User", "is not an app_label.codename"),
    ("a.b.c", "is not an app_label.codename"),
    ("authentik_core.view user", "is not an app_label.codename"),
    (None, "give a codename"),
    (["authentik_core.view_user"], "give a codename"),
    ({}, "the permission (an app_label.codename) is missing"),
    ({"permission": 1}, "give the app_label.codename as a string"),
    ({"permission": "authentik_core.view_user", "model": "authentik_core.user"}, "model and object_pk go together"),
    ({"permission": "authentik_core.view_user", "object_pk": 1}, "model and object_pk go together"),
    ({"permission": "authentik_core.view_user", "model": "authentik_core.user", "object_pk": 0}, "positive integer"),
    ({"permission": "authentik_core.view_user", "model": "authentik_core.user", "object_pk": True}, "string or an integer"),
    ({"permission": "authentik_core.view_user", "model": "authentik_core.user", "object_pk": "4\u0662"},
     "positive integer"),
    ({"permission": "authentik_core.view_user", "model": "authentik_core.user", "object_pk": 2 ** 63},
     "positive integer"),
    ({"permission": "authentik_core.view_group", "model": "authentik_core.group", "object_pk": "x" * 36}, "a UUID"),
    ({"permission": "authentik_flows.view_flow", "model": "authentik_flows.flow", "object_pk": "x"}, "not supported"),
    ({"permission": "a.b", "extra": 1}, "unknown key extra"),
])
def test_entries_authentik_would_refuse_or_misread_are_refused(entry, problem):
    assert problem in roles.permission_entry_problem(entry)


def test_labels_are_sorted_readable_strings():
    assert roles.permission_labels({CHANGE_USER_42, VIEW_USER}) == [
        "authentik_core.change_user on authentik_core.user 42", "authentik_core.view_user"]


def test_held_permissions_read_both_lists_in_the_same_keys():
    global_rows = [{"id": 1, "codename": "view_user", "model": "user", "app_label": "authentik_core"}]
    object_rows = [{"id": "5", "codename": "change_user", "model": "user", "app_label": "authentik_core",
                    "object_pk": "42"},
                   {"id": "6", "codename": "add_user_to_group", "model": "group", "app_label": "authentik_core",
                    "object_pk": GROUP.upper()}]
    assert roles.held_permissions(global_rows, object_rows) == {VIEW_USER, CHANGE_USER_42, ON_GROUP}


# ---------------------------------------------------------------- changes per mode


@pytest.mark.parametrize("mode,assign,unassign", [
    ("add", {CHANGE_USER_42}, set()),
    ("remove", set(), {VIEW_USER}),
    ("exact", {CHANGE_USER_42}, {ON_GROUP}),
])
def test_changes_per_mode(mode, assign, unassign):
    on_42 = {"permission": "authentik_core.change_user", "model": "authentik_core.user", "object_pk": 42}
    wanted = params(permissions=["authentik_core.view_user", on_42], permissions_mode=mode)
    assert roles.permission_changes({VIEW_USER, ON_GROUP}, wanted) == (assign, unassign)


def test_no_changes_when_permissions_are_not_managed_or_the_role_goes():
    assert roles.permission_changes({VIEW_USER}, params()) == (set(), set())
    assert roles.permission_changes(set(), params(state="absent", permissions=["a.b"])) == (set(), set())


def test_batches_group_permissions_by_object():
    found = roles.batches({VIEW_USER, ("authentik_core.view_group", None, None), CHANGE_USER_42,
                           ("authentik_core.view_user", "authentik_core.user", "42"), ON_GROUP})
    assert [batch.body() for batch in found] == [
        {"permissions": ["authentik_core.view_group", "authentik_core.view_user"]},
        {"permissions": ["authentik_core.add_user_to_group"], "model": "authentik_core.group", "object_pk": GROUP},
        {"permissions": ["authentik_core.change_user", "authentik_core.view_user"], "model": "authentik_core.user",
         "object_pk": "42"},
    ]
    assert str(found[2]) == ("authentik_core.change_user on authentik_core.user 42, "
                             "authentik_core.view_user on authentik_core.user 42")


# ---------------------------------------------------------------- checks before a grant


CATALOGUE = {
    ("authentik_core", "view_user"): [{"app_label": "authentik_core", "model": "user", "codename": "view_user"}],
    ("authentik_core", "change_user"): [{"app_label": "authentik_core", "model": "user", "codename": "change_user"}],
}


def test_what_is_looked_up_before_a_grant():
    assert roles.codenames_to_check({VIEW_USER, CHANGE_USER_42}) == [
        ("authentik_core", "change_user"), ("authentik_core", "view_user")]
    assert roles.objects_to_check({VIEW_USER, CHANGE_USER_42}) == [("authentik_core.user", "42")]


def test_known_grants_pass():
    roles.refuse_unknown_permissions({VIEW_USER, CHANGE_USER_42}, CATALOGUE, {("authentik_core.user", "42"): True})


@pytest.mark.parametrize("key,objects,message", [
    (("authentik_core.view_users", None, None), {}, "authentik_core.view_users is not a permission authentik knows"),
    (("authentik_core.view_user", "authentik_core.group", GROUP), {("authentik_core.group", GROUP): True},
     "authentik_core.view_user is a permission on authentik_core.user, so it cannot be granted on "
     "authentik_core.group"),
    (CHANGE_USER_42, {("authentik_core.user", "42"): False}, "there is no authentik_core.user 42"),
])
def test_unknown_grants_are_refused(key, objects, message):
    with pytest.raises(ValidationError) as error:
        roles.refuse_unknown_permissions({key}, CATALOGUE, objects)
    assert message in error.value.msg and error.value.msg.endswith("nothing was changed")


# ---------------------------------------------------------------- the plan


def test_a_new_role_is_created_then_granted():
    plan = roles.plan_role(params(permissions=["authentik_core.view_user"]), None, set())
    assert (plan.action, plan.body, plan.changed_fields) == ("create", {"name": "leads"}, ["name", "permissions"])
    assert [(name, batch.body()) for name, batch in plan.calls] == [
        ("assign", {"permissions": ["authentik_core.view_user"]})]
    assert plan.predicted == {"pk": None, "name": "leads", "permissions": ["authentik_core.view_user"]}


def test_an_up_to_date_role_plans_nothing():
    plan = roles.plan_role(params(permissions=["authentik_core.view_user"]), role(), {VIEW_USER, CHANGE_USER_42})
    assert (plan.action, plan.body, plan.calls, plan.changed_fields) == ("none", None, (), [])
    assert plan.before["permissions"] == plan.predicted["permissions"]


def test_a_rename_and_a_grant_are_one_update():
    plan = roles.plan_role(params(name="leaders", permissions=["authentik_core.view_user"]), role(), set())
    assert (plan.action, plan.body, plan.changed_fields) == ("update", {"name": "leaders"}, ["name", "permissions"])
    diff = roles.role_diff(params(name="leaders", permissions=["authentik_core.view_user"]), plan)
    assert diff == {"before": {"name": "leads", "permissions": []},
                    "after": {"name": "leaders", "permissions": ["authentik_core.view_user"]}}


def test_deleting_shows_a_change_of_state():
    plan = roles.plan_role(params(state="absent"), role(), None)
    assert plan.action == "delete"
    assert roles.role_diff(params(state="absent"), plan) == {"before": {"name": "leads", "state": "present"},
                                                             "after": {"name": "leads", "state": "absent"}}
    assert roles.plan_role(params(state="absent"), None, None).action == "none"


permission_entries = st.sampled_from([
    "authentik_core.view_user", "authentik_core.view_group", "authentik_rbac.view_role",
    {"permission": "authentik_core.change_user", "model": "authentik_core.user", "object_pk": 42},
    {"permission": "authentik_core.change_user", "model": "authentik_core.user", "object_pk": "7"},
    {"permission": "authentik_core.view_group", "model": "authentik_core.group", "object_pk": GROUP},
])
held_keys = st.sets(st.sampled_from([VIEW_USER, CHANGE_USER_42, ON_GROUP, ("authentik_rbac.view_role", None, None)]))


@given(entries=st.lists(permission_entries, max_size=5), mode=st.sampled_from(roles.MODES), held=held_keys,
       exists=st.booleans())
def test_once_the_prediction_is_held_nothing_is_left_to_change(entries, mode, held, exists):
    wanted = params(permissions=entries, permissions_mode=mode)
    plan = roles.plan_role(wanted, role() if exists else None, held if exists else set())
    after = set(key for key in held | roles.requested_permissions(wanted)
                if roles.permission_label(key) in plan.predicted["permissions"])
    again = roles.plan_role(wanted, role(), after)
    assert again.action == "none"
    assert again.before["permissions"] == plan.predicted["permissions"]


@given(values=st.fixed_dictionaries({}, optional=dict(
    (option, anything()) for option in ("name", "pk", "state", "permissions", "permissions_mode"))))
def test_any_role_params_give_a_plan_or_a_validation_error(values):
    wanted = roles.normalize_role_params(dict(dict(name="leads", state="present", permissions_mode="add"), **values))
    try:
        roles.validate_role_params(wanted)
    except ValidationError as error:
        assert error.msg.startswith("Invalid ")
        return
    if not wanted.get("name"):
        return  # the module's required_one_of asks for a name or a pk
    held = set() if wanted.get("permissions") is None else roles.requested_permissions(wanted)
    assert isinstance(roles.plan_role(wanted, role(), held), Plan)
