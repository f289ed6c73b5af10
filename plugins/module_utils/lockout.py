# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Would a set of plans cut the API token off? Pure: the caller reads the token's owner and the group tree.

A task locks itself out when it deactivates or deletes the user that owns its token, or when that user stops
being a superuser: authentik derives the flag from the user's direct groups and all their ancestors, so removing
the user from its last superuser group, turning a group's is_superuser off, deleting the group or moving it
under another parent can each take it away."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.groups import parent_pks
from ansible_collections.akops.authentik.plugins.module_utils.users import removed_groups

ADVICE = "so the task would lock itself out; set allow_self_lockout: true to do it anyway"


def may_lock_out(plan):
    """Whether the plan could cut some token off; cheap, so that other plans cost no extra request."""
    if plan.action == "delete":
        return plan.resource == "user" or may_confer_superuser(plan.before)
    if plan.action != "update":
        return False
    if plan.resource == "user":
        return plan.body.get("is_active") is False or bool(
            plan.before.get("is_superuser") and removed_groups(plan))
    if plan.body.get("is_superuser") is False:
        return True
    # A group that is no superuser group and has no parent confers no superuser status on anybody, so taking
    # members out of it or giving it a parent cannot take that status away.
    return may_confer_superuser(plan.before) and bool(
        "parent" in plan.body or "parents" in plan.body or plan.calls_named("remove_user"))


def may_confer_superuser(group):
    """A superuser group, or one with a parent that may be (or descend from) one."""
    return bool(group.get("is_superuser")) or bool(parent_pks(group))


def refuse_owner_loss(plans, owner):
    """Refuse a user plan that deactivates or deletes the token's owner itself."""
    for plan in plans:
        if plan.resource != "user" or plan.pk != owner["pk"]:
            continue
        if plan.action == "delete":
            action = "delete"
        elif plan.action == "update" and plan.body.get("is_active") is False:
            action = "deactivate"
        else:
            continue
        raise ValidationError("Refusing to %s user %r: it owns the API token this task runs with, %s"
                              % (action, plan.before["username"], ADVICE))


def needs_group_tree(plans, owner):
    """Whether the superuser status of the owner is at stake: it has it, and some plan could take it away."""
    return bool(owner.get("is_superuser")) and any(
        plan.resource == "group" or plan.pk == owner["pk"] for plan in plans if may_lock_out(plan))


def group_tree(groups):
    """{uuid: {name, is_superuser, parents, users}} from the groups as the server lists them."""
    return dict((group["pk"], {
        "name": group.get("name"),
        "is_superuser": bool(group.get("is_superuser")),
        "parents": parent_pks(group),
        "users": set(group.get("users") or []),
    }) for group in groups)


def is_superuser(tree, user_pk):
    """authentik's rule: a member of a superuser group, directly or through any ancestor of a direct group."""
    seen = set()
    pending = [pk for pk, group in tree.items() if user_pk in group["users"]]
    while pending:
        pk = pending.pop()
        if pk in seen or pk not in tree:
            continue
        seen.add(pk)
        if tree[pk]["is_superuser"]:
            return True
        pending.extend(tree[pk]["parents"])
    return False


def tree_after(tree, plans):
    """The group tree once the plans are carried out (only what decides superuser status)."""
    after = dict((pk, dict(group, parents=set(group["parents"]), users=set(group["users"])))
                 for pk, group in tree.items())
    for plan in plans:
        if plan.resource == "user" and plan.before is not None:
            _apply_user_plan(after, plan)
        elif plan.resource == "group" and plan.pk in after:
            _apply_group_plan(after, plan)
    return after


def _apply_user_plan(tree, plan):
    """The user's direct memberships after the plan: out of the groups it removes, into those it adds."""
    for pk in removed_groups(plan):
        if pk in tree:
            tree[pk]["users"].discard(plan.pk)
    if plan.action == "update" and "groups" in plan.body:
        for pk in plan.body["groups"]:
            if pk in tree:
                tree[pk]["users"].add(plan.pk)


def _apply_group_plan(tree, plan):
    if plan.action == "delete":
        del tree[plan.pk]
        return
    group = tree[plan.pk]
    if "is_superuser" in plan.body:
        group["is_superuser"] = bool(plan.body["is_superuser"])
    if "parents" in plan.body:
        group["parents"] = set(plan.body["parents"])
    elif "parent" in plan.body:
        group["parents"] = set([plan.body["parent"]]) if plan.body["parent"] else set()
    group["users"] -= set(plan.calls_named("remove_user"))
    group["users"] |= set(plan.calls_named("add_user"))


def refuse_superuser_loss(tree, plans, owner):
    """Refuse plans after which the token's owner would no longer be a superuser, naming what takes it away."""
    if not is_superuser(tree, owner["pk"]) or is_superuser(tree_after(tree, plans), owner["pk"]):
        return
    culprits = [plan for plan in plans if may_lock_out(plan)
                and not is_superuser(tree_after(tree, [plan]), owner["pk"])] or [p for p in plans if may_lock_out(p)]
    raise ValidationError("Refusing to %s: user %r, which owns the API token this task runs with, would no longer "
                          "be a superuser, %s" % (" and ".join(describe(plan, owner["pk"]) for plan in culprits[:3]),
                                                  owner.get("username"), ADVICE))


def describe(plan, owner_pk):
    if plan.resource == "user":
        if plan.action == "delete":
            return "delete user %r" % plan.before["username"]
        return "change the groups of user %r" % plan.before["username"]
    name = plan.before["name"]
    if plan.action == "delete":
        return "delete group %r" % name
    changes = []
    if plan.body.get("is_superuser") is False:
        changes.append("turn is_superuser off on group %r")
    if "parent" in plan.body or "parents" in plan.body:
        changes.append("change the parent of group %r")
    if owner_pk in plan.calls_named("remove_user"):
        changes.append("remove the token's owner from group %r")
    return " and ".join(change % name for change in changes) or "change group %r" % name
