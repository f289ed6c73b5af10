# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Carry out plans (see plan.Plan) with as few requests as they need; the one place that knows about check mode.
No Ansible here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.akops.authentik.plugins.module_utils import lockout, resources, service_accounts
from ansible_collections.akops.authentik.plugins.module_utils.errors import AuthentikError, ValidationError


class Endpoints(object):
    """The writes of one resource: create, update (PATCH) and delete, and the follow-up calls its plans name."""

    def __init__(self, create, update, delete, calls, call_fields=(), lookup_field="pk"):
        self.create = create
        self.update = update
        self.delete = delete
        self.calls = calls
        # Fields of the predicted object that the follow-up calls change; their answers carry no body.
        self.call_fields = call_fields
        # The field the endpoints' paths name the object by: the pk, or a token's identifier.
        self.lookup_field = lookup_field

    def key_of(self, obj):
        return obj[self.lookup_field]


ENDPOINTS = {
    "user": Endpoints(
        resources.create_user, resources.update_user, resources.delete_user,
        {"set_password": lambda client, pk, argument, secrets: resources.set_password(client, pk, secrets["password"])},
    ),
    "group": Endpoints(
        resources.create_group, resources.update_group, resources.delete_group,
        {"add_user": lambda client, pk, user_pk, secrets: resources.add_user_to_group(client, pk, user_pk),
         "remove_user": lambda client, pk, user_pk, secrets: resources.remove_user_from_group(client, pk, user_pk)},
        call_fields=("users", "users_obj"),
    ),
    "role": Endpoints(
        resources.create_role, resources.update_role, resources.delete_role,
        {"assign": lambda client, pk, batch, secrets: resources.assign_permissions(client, pk, batch),
         "unassign": lambda client, pk, batch, secrets: resources.unassign_permissions(client, pk, batch)},
        call_fields=("permissions",),
    ),
    "token": Endpoints(
        resources.create_token, resources.update_token, resources.delete_token,
        {"set_key": lambda client, identifier, argument, secrets: resources.set_token_key(
            client, identifier, secrets["key"])},
        lookup_field="identifier",
    ),
    # authentik answers the create with {user_pk, username, ...}, reshaped like the account the module returns; an
    # existing account changes only through its app-password token, and a deletion is a user plan.
    "service_account": Endpoints(
        lambda client, body: service_accounts.created_account(resources.create_service_account(client, body)),
        None, resources.delete_user,
        {"update_token": lambda client, pk, argument, secrets: resources.update_token(client, *argument)},
        call_fields=service_accounts.EXPIRY_FIELDS,
    ),
}


def apply_plan(client, plan, check_mode, secrets=None):
    """Send the plan's one write, then its follow-up calls; return the object as the server now holds it.

    In check mode nothing is sent and the prediction is returned. A write's answer is the new object: no re-read.
    `secrets` carries what the plan must not ({"password": ...} for a user, {"key": ...} for a token)."""
    if check_mode or not plan.changed:
        return {} if plan.action == "delete" else plan.predicted
    endpoints = ENDPOINTS[plan.resource]
    target = endpoints.key_of(plan.before) if plan.before else None
    if plan.action == "delete":
        endpoints.delete(client, target)
        return {}
    if plan.action == "create":
        created = endpoints.create(client, plan.body)
        _calls_or_undo_create(client, endpoints, created, plan, secrets or {})
        return created
    answer = endpoints.update(client, target, plan.body) if plan.body else plan.before
    _calls(client, endpoints, target, plan.calls, secrets or {}, saved=changed_in_body(plan))
    if plan.calls:
        answer = dict(answer, **dict((key, plan.predicted[key]) for key in endpoints.call_fields
                                     if key in plan.predicted))
    return answer


def changed_in_body(plan):
    """The fields the PATCH changed: a body may carry fields at their current value (a token's owner and intent,
    which authentik would otherwise reset), and those were not changes."""
    before = plan.before or {}
    return sorted(field for field, value in (plan.body or {}).items() if before.get(field) != value)


def _calls(client, endpoints, pk, calls, secrets, saved):
    """The follow-up calls in order. An error after some writes says what was already saved, and counts as a
    change: the task did change the server."""
    done = list(saved)
    for name, argument in calls:
        try:
            endpoints.calls[name](client, pk, argument, secrets)
        except AuthentikError as error:
            if done:
                error.changed = True
                error.note("the other changes (%s) were saved" % ", ".join(done))
            raise
        if argument is not None:
            done.append("%s %s" % (name, argument))


def _calls_or_undo_create(client, endpoints, created, plan, secrets):
    """An object whose follow-up calls fail right after its creation (a user whose password could not be set)
    is deleted again, so no account is left half-made and a rerun starts clean."""
    try:
        _calls(client, endpoints, endpoints.key_of(created), plan.calls, secrets, saved=[])
    except AuthentikError as error:
        try:
            endpoints.delete(client, endpoints.key_of(created))
            error.note("the %s created in this run was deleted again, so a rerun starts clean" % plan.resource)
        except AuthentikError as cleanup_error:
            # The object stays on the server: the task did change it.
            error.changed = True
            error.note("deleting the half-created %s also failed: %s" % (plan.resource, cleanup_error.msg))
        raise error


def guard_self_lockout(client, plans, owner=None):
    """Refuse, before any write (and in check mode alike), plans that would cut the API token off: deactivating or
    deleting its owner, or taking away the owner's superuser status.

    Costs nothing when no plan could do either; otherwise the owner (GET /core/users/me/, unless given) and, only
    when the owner is a superuser whose status is at stake, the group tree (the group list)."""
    risky = [plan for plan in plans if lockout.may_lock_out(plan)]
    if not risky:
        return
    if owner is None:
        owner = resources.token_owner(client)
    lockout.refuse_owner_loss(risky, owner)
    if lockout.needs_group_tree(risky, owner):
        tree = lockout.group_tree(resources.all_groups(client))
        lockout.refuse_superuser_loss(tree, risky, owner)


def refuse_taken_name(find_by_name, kind, wanted, current):
    """A rename of `current` (a group or role) to a name another one has fails here, in check mode too, not with the
    server's 400 after other writes. One lookup (`find_by_name`), only when renaming."""
    if current is None or wanted is None or wanted == current["name"]:
        return
    holder = find_by_name(wanted)
    if holder is not None and holder["pk"] != current["pk"]:
        raise ValidationError("Invalid name: %r is already the name of the %s %s; renaming %s %r would fail, so "
                              "nothing was changed" % (wanted, kind, holder["pk"], kind, current["name"]))
