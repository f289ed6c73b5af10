"""plugins/module_utils/lockout.py: which plans would cut the API token off, decided from data alone."""

import uuid

import pytest

from ansible_collections.akops.authentik.plugins.module_utils import lockout
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.plan import Plan, plan_delete

ADMINS, ADMINS2, ROOT, MIDDLE, CHILD, PLAIN = (str(uuid.UUID(int=n)) for n in range(1, 7))
NAMES = {ADMINS: "admins", ADMINS2: "admins2", ROOT: "root", MIDDLE: "middle", CHILD: "child", PLAIN: "plain"}
OWNER = {"pk": 1, "username": "akadmin", "is_superuser": True}
ADVICE = "so the task would lock itself out; set allow_self_lockout: true to do it anyway"


def user(pk=1, username="akadmin", groups=(ADMINS,), is_superuser=True):
    return {"pk": pk, "username": username, "is_superuser": is_superuser, "is_active": True, "groups": list(groups)}


def group(pk, is_superuser=False, parents=(), users=(), shape="parents"):
    found = {"pk": pk, "name": NAMES[pk], "is_superuser": is_superuser, "users": list(users)}
    if shape == "parents":
        found["parents"] = list(parents)
    else:
        found["parent"] = parents[0] if parents else None
    return found


def update(before, body, calls=(), resource=None):
    resource = resource or ("group" if "name" in before else "user")
    return Plan(resource, "update", before, body, tuple(calls), sorted(body), {})


def user_groups(before, groups):
    """The owner's plan with groups_mode: exact."""
    return update(before, {"groups": sorted(groups)})


# ---------------------------------------------------------------- may_lock_out


@pytest.mark.parametrize("plan, risky", [
    (plan_delete("user", user(pk=9, username="someone")), True),
    (plan_delete("user", user(pk=9, username="someone", groups=(), is_superuser=False)), True),
    (update(user(pk=9, is_superuser=False), {"is_active": False}), True),
    (update(user(pk=9, is_superuser=False), {"is_active": True}), False),
    (update(user(), {"name": "x"}), False),
    (user_groups(user(groups=(ADMINS, PLAIN)), [ADMINS]), True),
    (user_groups(user(groups=(ADMINS, PLAIN), is_superuser=False), [ADMINS]), False),
    (user_groups(user(groups=(ADMINS,)), [ADMINS, PLAIN]), False),
    (Plan("user", "create", None, {"username": "n"}, (), ["username"], {}), False),
    (Plan("user", "none", user(), None, (), [], user()), False),
    (plan_delete("user", None), False),
    (plan_delete("group", group(ADMINS, is_superuser=True)), True),
    (plan_delete("group", group(CHILD, parents=[ROOT])), True),
    (plan_delete("group", group(CHILD, parents=[ROOT], shape="parent")), True),
    (plan_delete("group", group(PLAIN)), False),
    (plan_delete("group", group(PLAIN, shape="parent")), False),
    (update(group(PLAIN), {"is_superuser": False}), True),
    (update(group(PLAIN), {"is_superuser": True}), False),
    (update(group(ADMINS, is_superuser=True), {"name": "renamed"}), False),
    (update(group(ADMINS, is_superuser=True), {}, [("remove_user", 1)]), True),
    (update(group(ADMINS, is_superuser=True), {}, [("add_user", 1)]), False),
    (update(group(ADMINS, is_superuser=True), {"parents": [ROOT]}), True),
    (update(group(CHILD, parents=[ROOT]), {"parents": []}), True),
    (update(group(CHILD, parents=[ROOT], shape="parent"), {"parent": None}), True),
    (update(group(CHILD, parents=[ROOT]), {}, [("remove_user", 1)]), True),
    # A plain group confers nothing: taking members out of it or giving it a parent takes nothing away.
    (update(group(PLAIN), {}, [("remove_user", 1)]), False),
    (update(group(PLAIN), {"parents": [ROOT]}), False),
    (Plan("group", "create", None, {"name": "n", "is_superuser": False}, (), ["name"], {}), False),
])
def test_may_lock_out(plan, risky):
    assert lockout.may_lock_out(plan) is risky


# ---------------------------------------------------------------- refuse_owner_loss


def test_refuse_owner_loss_refuses_deleting_the_owner():
    with pytest.raises(ValidationError) as caught:
        lockout.refuse_owner_loss([plan_delete("user", user())], OWNER)
    assert caught.value.msg == ("Refusing to delete user 'akadmin': it owns the API token this task runs with, "
                                + ADVICE)


def test_refuse_owner_loss_refuses_deactivating_the_owner():
    with pytest.raises(ValidationError) as caught:
        lockout.refuse_owner_loss([update(user(pk=9, username="x"), {"is_active": False}),
                                   update(user(), {"is_active": False, "name": "n"})], OWNER)
    assert caught.value.msg == ("Refusing to deactivate user 'akadmin': it owns the API token this task runs with, "
                                + ADVICE)


@pytest.mark.parametrize("plan", [
    plan_delete("user", user(pk=9, username="someone")),
    update(user(pk=9, username="someone"), {"is_active": False}),
    update(user(), {"name": "New"}),
    update(user(), {"is_active": True}),
    plan_delete("group", group(ADMINS, is_superuser=True)),
])
def test_refuse_owner_loss_lets_other_plans_pass(plan):
    lockout.refuse_owner_loss([plan], OWNER)


# ---------------------------------------------------------------- needs_group_tree


@pytest.mark.parametrize("plans, owner, needed", [
    ([update(group(ADMINS, is_superuser=True), {"is_superuser": False})], OWNER, True),
    ([update(group(ADMINS, is_superuser=True), {"is_superuser": False})], dict(OWNER, is_superuser=False), False),
    ([user_groups(user(groups=(ADMINS, PLAIN)), [PLAIN])], OWNER, True),
    ([plan_delete("user", user(pk=9, username="someone"))], OWNER, False),
    ([user_groups(user(pk=9, username="x", groups=(ADMINS,)), [])], OWNER, False),
    ([update(group(ADMINS, is_superuser=True), {"name": "renamed"})], OWNER, False),
    ([], OWNER, False),
])
def test_needs_group_tree_only_when_the_owners_status_is_at_stake(plans, owner, needed):
    assert lockout.needs_group_tree(plans, owner) is needed


# ---------------------------------------------------------------- the group tree


def test_group_tree_from_both_shapes():
    groups = [group(ROOT, is_superuser=True, users=[5]), group(CHILD, parents=[ROOT], users=[1, 2], shape="parent"),
              group(PLAIN, shape="parent"), group(MIDDLE, parents=[ROOT, PLAIN])]
    assert lockout.group_tree(groups) == {
        ROOT: {"name": "root", "is_superuser": True, "parents": set(), "users": {5}},
        CHILD: {"name": "child", "is_superuser": False, "parents": {ROOT}, "users": {1, 2}},
        PLAIN: {"name": "plain", "is_superuser": False, "parents": set(), "users": set()},
        MIDDLE: {"name": "middle", "is_superuser": False, "parents": {ROOT, PLAIN}, "users": set()},
    }


def test_group_tree_tolerates_missing_fields():
    assert lockout.group_tree([{"pk": PLAIN, "users": None}]) == {
        PLAIN: {"name": None, "is_superuser": False, "parents": set(), "users": set()}}


def chain(shape="parents", superuser_at=ROOT):
    """root <- middle <- child, the owner (pk 1) a direct member of child only."""
    return lockout.group_tree([
        group(ROOT, is_superuser=superuser_at == ROOT, shape=shape),
        group(MIDDLE, is_superuser=superuser_at == MIDDLE, parents=[ROOT], shape=shape),
        group(CHILD, parents=[MIDDLE], users=[1], shape=shape),
        group(PLAIN, users=[1, 2], shape=shape),
    ])


@pytest.mark.parametrize("shape", ["parents", "parent"])
def test_is_superuser_inherited_through_a_chain_of_parents(shape):
    assert lockout.is_superuser(chain(shape), 1) is True
    assert lockout.is_superuser(chain(shape, superuser_at=MIDDLE), 1) is True
    assert lockout.is_superuser(chain(shape, superuser_at=None), 1) is False
    assert lockout.is_superuser(chain(shape), 2) is False
    assert lockout.is_superuser(chain(shape), 99) is False


def test_is_superuser_directly():
    tree = lockout.group_tree([group(ADMINS, is_superuser=True, users=[1]), group(PLAIN, users=[2])])
    assert lockout.is_superuser(tree, 1) is True and lockout.is_superuser(tree, 2) is False


def test_is_superuser_ends_on_a_cycle():
    cycle = [group(ROOT, parents=[CHILD]), group(MIDDLE, parents=[ROOT]), group(CHILD, parents=[MIDDLE], users=[1])]
    assert lockout.is_superuser(lockout.group_tree(cycle), 1) is False
    cycle[0]["is_superuser"] = True
    assert lockout.is_superuser(lockout.group_tree(cycle), 1) is True
    assert lockout.is_superuser(lockout.group_tree([group(PLAIN, parents=[PLAIN], users=[1])]), 1) is False


def test_is_superuser_skips_parents_it_cannot_see():
    tree = lockout.group_tree([group(CHILD, parents=[str(uuid.UUID(int=404)), ROOT], users=[1]),
                               group(ROOT, is_superuser=True)])
    assert lockout.is_superuser(tree, 1) is True


def test_tree_after_applies_the_plans_without_changing_the_tree():
    tree = chain()
    plans = [
        user_groups(user(groups=(CHILD, PLAIN)), [CHILD]),
        update(group(MIDDLE, parents=[ROOT]), {"parents": [PLAIN], "is_superuser": True}, [("add_user", 7)]),
        update(group(ROOT, is_superuser=True), {}, [("remove_user", 5)]),
        plan_delete("group", group(CHILD, parents=[MIDDLE])),
    ]
    after = lockout.tree_after(tree, plans)
    assert set(after) == {ROOT, MIDDLE, PLAIN}
    assert after[PLAIN]["users"] == {2}
    assert after[MIDDLE] == {"name": "middle", "is_superuser": True, "parents": {PLAIN}, "users": {7}}
    assert tree == chain()


def test_tree_after_reads_the_old_parent_field():
    tree = chain("parent")
    after = lockout.tree_after(tree, [update(group(CHILD, parents=[MIDDLE], shape="parent"), {"parent": None})])
    assert after[CHILD]["parents"] == set()
    after = lockout.tree_after(tree, [update(group(CHILD, shape="parent"), {"parent": ROOT})])
    assert after[CHILD]["parents"] == {ROOT}


def test_tree_after_adds_the_groups_a_user_plan_adds():
    # The tree decides superuser status; a user plan that moves the owner into another group changes it too.
    tree = lockout.group_tree([group(ADMINS, is_superuser=True, users=[1]), group(ADMINS2, is_superuser=True)])
    after = lockout.tree_after(tree, [user_groups(user(groups=(ADMINS,)), [ADMINS2])])
    assert after[ADMINS]["users"] == set() and after[ADMINS2]["users"] == {1}


# ---------------------------------------------------------------- refuse_superuser_loss


def two_admin_groups():
    return lockout.group_tree([group(ADMINS, is_superuser=True, users=[1]), group(ADMINS2, is_superuser=True),
                               group(PLAIN, users=[1])])


def refusal(tree, plans):
    with pytest.raises(ValidationError) as caught:
        lockout.refuse_superuser_loss(tree, plans, OWNER)
    message = caught.value.msg
    assert message.endswith(", would no longer be a superuser, " + ADVICE)
    assert "user 'akadmin', which owns the API token this task runs with" in message
    return message.split(": user 'akadmin'")[0]


def test_removing_the_owner_from_its_last_superuser_group_is_refused():
    plan = user_groups(user(groups=(ADMINS, PLAIN)), [PLAIN])
    assert refusal(two_admin_groups(), [plan]) == "Refusing to change the groups of user 'akadmin'"


def test_removing_the_owner_through_the_groups_members_is_refused():
    plan = update(group(ADMINS, is_superuser=True, users=[1]), {}, [("remove_user", 1)])
    assert refusal(two_admin_groups(), [plan]) == "Refusing to remove the token's owner from group 'admins'"


def test_turning_is_superuser_off_on_the_group_is_refused():
    plan = update(group(ADMINS, is_superuser=True, users=[1]), {"is_superuser": False})
    assert refusal(two_admin_groups(), [plan]) == "Refusing to turn is_superuser off on group 'admins'"


def test_turning_is_superuser_off_on_an_ancestor_is_refused():
    plan = update(group(ROOT, is_superuser=True), {"is_superuser": False})
    assert refusal(chain(), [plan]) == "Refusing to turn is_superuser off on group 'root'"


def test_deleting_the_group_is_refused():
    assert refusal(two_admin_groups(), [plan_delete("group", group(ADMINS, is_superuser=True))]) == (
        "Refusing to delete group 'admins'")
    assert refusal(chain(), [plan_delete("group", group(MIDDLE, parents=[ROOT]))]) == (
        "Refusing to delete group 'middle'")


@pytest.mark.parametrize("shape, body", [("parents", {"parents": []}), ("parents", {"parents": [PLAIN]}),
                                         ("parent", {"parent": None}), ("parent", {"parent": PLAIN})])
def test_changing_a_parent_is_refused(shape, body):
    plan = update(group(CHILD, parents=[MIDDLE], shape=shape), body)
    assert refusal(chain(shape), [plan]) == "Refusing to change the parent of group 'child'"


def test_several_changes_to_one_group_are_named_together():
    plan = update(group(ADMINS, is_superuser=True, parents=[ROOT], users=[1]), {"is_superuser": False, "parents": []},
                  [("remove_user", 1)])
    assert refusal(two_admin_groups(), [plan]) == (
        "Refusing to turn is_superuser off on group 'admins' and change the parent of group 'admins' and remove the "
        "token's owner from group 'admins'")


def test_only_the_plans_that_take_the_status_away_are_named():
    plans = [plan_delete("group", group(ADMINS2, is_superuser=True)),
             user_groups(user(groups=(ADMINS, PLAIN)), [PLAIN])]
    assert refusal(two_admin_groups(), plans) == "Refusing to change the groups of user 'akadmin'"


def test_plans_that_only_together_take_the_status_away_are_all_named():
    tree = lockout.group_tree([group(ADMINS, is_superuser=True, users=[1]),
                               group(ADMINS2, is_superuser=True, users=[1])])
    plans = [plan_delete("group", group(ADMINS, is_superuser=True)),
             update(group(ADMINS2, is_superuser=True), {"is_superuser": False})]
    assert refusal(tree, plans) == ("Refusing to delete group 'admins' and turn is_superuser off on group "
                                    "'admins2'")


def test_a_second_superuser_group_keeps_the_status():
    tree = lockout.group_tree([group(ADMINS, is_superuser=True, users=[1]),
                               group(ADMINS2, is_superuser=True, users=[1])])
    lockout.refuse_superuser_loss(tree, [plan_delete("group", group(ADMINS, is_superuser=True)),
                                         user_groups(user(groups=(ADMINS, ADMINS2)), [ADMINS2])], OWNER)


def test_a_second_path_to_a_superuser_ancestor_keeps_the_status():
    tree = chain()
    tree[PLAIN]["parents"] = {ROOT}
    lockout.refuse_superuser_loss(tree, [update(group(CHILD, parents=[MIDDLE]), {"parents": []})], OWNER)


def test_moving_the_owner_to_another_superuser_group_keeps_the_status():
    tree = two_admin_groups()
    lockout.refuse_superuser_loss(tree, [user_groups(user(groups=(ADMINS, PLAIN)), [ADMINS2])], OWNER)


def test_an_owner_that_is_no_superuser_has_nothing_to_lose():
    tree = lockout.group_tree([group(PLAIN, users=[1])])
    lockout.refuse_superuser_loss(tree, [plan_delete("group", group(PLAIN))], OWNER)


def test_other_users_losing_the_status_is_not_the_guards_business():
    tree = lockout.group_tree([group(ADMINS, is_superuser=True, users=[1, 9])])
    lockout.refuse_superuser_loss(tree, [user_groups(user(pk=9, username="x", groups=(ADMINS,)), [])], OWNER)


# ---------------------------------------------------------------- describe


@pytest.mark.parametrize("plan, text", [
    (plan_delete("user", user(username="jdoe")), "delete user 'jdoe'"),
    (user_groups(user(username="jdoe"), []), "change the groups of user 'jdoe'"),
    (plan_delete("group", group(ADMINS)), "delete group 'admins'"),
    (update(group(ADMINS), {"is_superuser": False}), "turn is_superuser off on group 'admins'"),
    (update(group(ADMINS), {"parent": None}), "change the parent of group 'admins'"),
    (update(group(ADMINS), {}, [("remove_user", 1)]), "remove the token's owner from group 'admins'"),
    (update(group(ADMINS), {}, [("remove_user", 2)]), "change group 'admins'"),
    (update(group(PLAIN), {"name": "x"}), "change group 'plain'"),
])
def test_describe(plan, text):
    assert lockout.describe(plan, 1) == text
