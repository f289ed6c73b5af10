# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Carry out a user plan (see users.plan_user) with as few requests as it needs. No Ansible here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.akops.authentik.plugins.module_utils import resources
from ansible_collections.akops.authentik.plugins.module_utils.errors import AuthentikError, ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.users import locks_out


def apply_user_plan(client, plan, password, check_mode):
    """Send the plan's one write (plus set_password when asked); return the user as the server now has it.

    In check mode nothing is sent and the prediction is returned. A write's answer is the new user: no re-read."""
    action = plan["action"]
    if check_mode or action == "none":
        return plan["predicted"] if action != "delete" else {}
    if action == "delete":
        resources.delete_user(client, plan["before"]["pk"])
        return {}
    if action == "create":
        user = resources.create_user(client, plan["body"])
        if plan["set_password"]:
            set_password_or_undo_create(client, user, password)
        return user
    user = plan["predicted"]
    if plan["body"]:
        user = resources.update_user(client, plan["before"]["pk"], plan["body"])
    if plan["set_password"]:
        try:
            resources.set_password(client, plan["before"]["pk"], password)
        except AuthentikError as error:
            if plan["body"]:
                error.changed = True
                error.note("the other changes (%s) were saved" % ", ".join(sorted(plan["body"])))
            raise
    return user


def set_password_or_undo_create(client, user, password):
    """A new user whose password could not be set is deleted again, so no account is left half-made."""
    try:
        resources.set_password(client, user["pk"], password)
    except AuthentikError as error:
        try:
            resources.delete_user(client, user["pk"])
            error.note("the user created in this run was deleted again, so a rerun starts clean")
        except AuthentikError as cleanup_error:
            error.note("deleting the half-created user also failed: %s" % cleanup_error.msg)
        raise error


def guard_self_lockout(client, plans, owner_pk=None):
    """Refuse, before any write, plans that would deactivate or delete the token's own user.

    The owner is looked up (one request) only when some plan deactivates or deletes a user."""
    lockouts = [(plan, action) for plan, action in ((plan, locks_out(plan)) for plan in plans) if action]
    if lockouts and owner_pk is None:
        owner_pk = resources.token_owner(client)["pk"]
    for plan, action in lockouts:
        refuse_self_lockout(owner_pk, plan["before"], action)


def refuse_self_lockout(owner_pk, user, action):
    """Fail before writing when the change would deactivate or delete the token's own user."""
    if user["pk"] == owner_pk:
        raise ValidationError(
            "Refusing to %s user %r: it owns the API token this task runs with, so the task would lock itself out; "
            "set allow_self_lockout: true to do it anyway" % (action, user["username"]))


def change_group_members(client, group_pk, to_add, to_remove, fields_saved):
    """add_user / remove_user calls (never a write that replaces the whole member list); an error after some
    writes says what was already saved, and counts as a change."""
    done = []
    calls = [(resources.add_user_to_group, pk, "added %s" % pk) for pk in to_add]
    calls += [(resources.remove_user_from_group, pk, "removed %s" % pk) for pk in to_remove]
    for call, user_pk, what in calls:
        try:
            call(client, group_pk, user_pk)
        except AuthentikError as error:
            saved = ["fields %s" % ", ".join(fields_saved)] if fields_saved else []
            saved += ["users " + ", ".join(done)] if done else []
            if saved:
                error.changed = True
                error.note("already saved: %s" % "; ".join(saved))
            raise
        done.append(what)
