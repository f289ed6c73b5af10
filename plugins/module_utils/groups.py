# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions for groups: normalize and validate the parameters, compare them with the server's group, and
plan the change (the minimal PATCH or POST body, the membership calls, the diff and the predicted result).

authentik 2025.12 replaced a group's single `parent` (UUID or null) with a `parents` list; which shape a
server speaks is read from the group objects it returns, never assumed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.akops.authentik.plugins.module_utils import validation as check
from ansible_collections.akops.authentik.plugins.module_utils.compare import (
    canonical_reference,
    canonical_uuid,
    desired_attributes,
    entries_to_resolve,
    is_uuid,
    labels_by_key,
    match_known,
    resolve_targets,
)
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.plan import Plan, plan_delete, plan_diff, write_action
from ansible_collections.akops.authentik.plugins.module_utils.roles import (
    HELD_ROLE_RULES,
    normalize_role_references,
    role_names,
    roles_obj,
    target_roles,
)

SCALARS = ("name", "is_superuser")
MANAGED = SCALARS + ("parent", "attributes", "users", "roles")
PARTIAL_USER_KEYS = ("pk", "username", "name", "is_active", "last_login", "email", "attributes", "uid")
RELATED_GROUP_KEYS = ("pk", "name", "is_superuser", "attributes")
MODES = ("add", "remove", "exact")


# ---------------------------------------------------------------- parameters


def normalize_group_params(params):
    """Names without surrounding spaces (authentik trims them) and stored as given otherwise: a name that looks
    like a UUID is still a name. References (the parent, the pk) that are UUIDs in canonical form."""
    result = dict(params)
    if isinstance(result.get("name"), str):
        result["name"] = result["name"].strip()
    if isinstance(result.get("parent"), str) and (result["parent"].strip() or not result["parent"]):
        # Only spaces stay as they are, for validation to refuse: "" is the one way to ask for no parent.
        result["parent"] = canonical_reference(result["parent"])
    if isinstance(result.get("pk"), str):
        result["pk"] = canonical_uuid(result["pk"].strip())
    if isinstance(result.get("users"), list):
        result["users"] = [entry.strip() if isinstance(entry, str) else entry for entry in result["users"]]
    if "roles" in result:
        result["roles"] = normalize_role_references(result["roles"])
    return result


def _pk_problem(value):
    if isinstance(value, str) and is_uuid(value):
        return None
    return "%s is not a UUID (group keys are UUIDs)" % check.short_repr(value)


def _parent_problem(value):
    problem = check.text()(value)
    if problem:
        return problem
    if value and not value.strip():
        return "give a group name or UUID, or an empty string to remove the parent; got only whitespace"
    return None


def _member_problem(entry):
    if isinstance(entry, bool) or not isinstance(entry, (int, str)):
        return "give a username (string) or a user pk (integer)"
    if isinstance(entry, int):
        return check.integer(minimum=1)(entry)
    return check.text(allow_blank=False)(entry)


GROUP_RULES = (
    ("name", check.text(allow_blank=False)),
    ("pk", _pk_problem),
    ("state", check.choice(("present", "absent"))),
    ("is_superuser", check.boolean),
    ("parent", _parent_problem),
    ("attributes", check.json_object),
    ("attributes_mode", check.choice(("merge", "replace"))),
    ("users", check.list_of(_member_problem, "usernames or user pks")),
    ("users_mode", check.choice(MODES)),
) + HELD_ROLE_RULES + (
    ("allow_self_lockout", check.boolean),
)


def validate_group_params(params, where=None):
    """Raise ValidationError for input authentik would refuse, before any request is sent."""
    check.validate(params, GROUP_RULES, where)


# ---------------------------------------------------------------- reading a group


def uses_parents_list(group):
    """True for servers from 2025.12 on, whose groups carry `parents` instead of `parent`."""
    return "parents" in group or "parent" not in group


def current_parent(group):
    """The group's parent in its own shape: a list of UUIDs (2025.12+) or a UUID/None (before)."""
    if uses_parents_list(group):
        return list(group.get("parents") or [])
    return group.get("parent")


def parent_pks(group):
    """The group's parents as a set of UUIDs, whatever the server's shape."""
    parent = current_parent(group)
    if isinstance(parent, list):
        return set(parent)
    return set([parent]) if parent else set()


def current_members(group):
    """{user pk: username} of the group's direct members; usernames fall back to the pk when users_obj is null."""
    return labels_by_key(group.get("users"), group.get("users_obj"), "username")


def known_parents(group):
    """{uuid: name} of the group's current parent(s), from the fields the server returned."""
    if not group:
        return {}
    if uses_parents_list(group):
        return labels_by_key(group.get("parents"), group.get("parents_obj"), "name")
    if group.get("parent"):
        return {group["parent"]: group.get("parent_name") or group["parent"]}
    return {}


# ---------------------------------------------------------------- comparison


def group_scalars(params):
    return dict((field, params[field]) for field in SCALARS if params.get(field) is not None)


def parent_value(parent_pk, parents_list):
    """The value to send for the requested parent ('' or None clears it), in the server's shape."""
    if parents_list:
        return [parent_pk] if parent_pk else []
    return parent_pk or None


def _same_parent(current, desired):
    if isinstance(desired, list):
        return set(current or []) == set(desired)
    return current == desired


def build_group_patch(group, scalars, attributes=None, parent=None, manage_parent=False, role_pks=None):
    """The minimal PATCH body: scalar fields, attributes, parent(s) and roles that differ. Members are not in it:
    they change through add_user/remove_user, never through a set-replacing write. Roles have no such calls, so
    they are sent whole, and only when they differ: authentik replaces the set with what it is sent."""
    patch = dict((field, value) for field, value in scalars.items() if group.get(field) != value)
    if attributes is not None and attributes != (group.get("attributes") or {}):
        patch["attributes"] = attributes
    if manage_parent and not _same_parent(current_parent(group), parent):
        patch["parents" if isinstance(parent, list) else "parent"] = parent
    if role_pks is not None and set(role_pks) != set(group.get("roles") or []):
        patch["roles"] = sorted(role_pks)
    return patch


def build_group_body(scalars, attributes, parent, manage_parent, member_pks, role_pks=None):
    """POST body for a new group. A new group may get its members in the create itself: there is nothing to
    replace yet, so no add_user calls are needed."""
    body = build_group_patch({}, scalars, attributes, parent, manage_parent, role_pks)
    if member_pks:
        body["users"] = sorted(member_pks)
    return body


def membership_calls(current_pks, target_pks):
    """The add_user and remove_user calls that turn the current members into the target, in a stable order."""
    if target_pks is None:
        return ()
    current_pks, target_pks = set(current_pks), set(target_pks)
    return tuple([("add_user", pk) for pk in sorted(target_pks - current_pks)]
                 + [("remove_user", pk) for pk in sorted(current_pks - target_pks)])


# ---------------------------------------------------------------- prediction and diff


def predict_group(group, patch, member_pks=None, member_info=None, group_info=None, role_info=None):
    """What the server will hold after the PATCH and the membership calls (check mode's answer). `role_info` maps
    role uuid -> name."""
    result = copy.deepcopy(group)
    result.update(copy.deepcopy(patch))
    if "roles" in patch:
        result["roles_obj"] = roles_obj(patch["roles"], role_info or {})
        result["roles"] = [role["pk"] for role in result["roles_obj"]]
    if "parent" in patch:
        result["parent_name"] = _group_name(patch["parent"], group_info)
    if "parents" in patch and result.get("parents_obj") is not None:
        result["parents_obj"] = [_related_group(pk, group_info) for pk in patch["parents"]]
    if member_pks is not None:
        member_info = member_info or {}
        result["users"] = sorted(member_pks)
        if result.get("users_obj") is not None or member_info:
            result["users_obj"] = [member_info.get(pk, {"pk": pk}) for pk in result["users"]]
    return result


def new_group(body, member_info, group_info, role_info=None):
    """What the server returns for a group created from `body` (authentik's defaults filled in)."""
    group = {"pk": None, "name": body["name"], "is_superuser": False, "attributes": {}, "users": [], "users_obj": []}
    if "parents" in body:
        group["parents"] = []
        group["parents_obj"] = []
    elif "parent" in body:
        group["parent"] = None
    patch = dict((key, value) for key, value in body.items() if key != "users")
    return predict_group(group, patch, body.get("users", []), member_info, group_info, role_info)


def _group_name(pk, group_info):
    return (group_info or {}).get(pk, {}).get("name", pk) if pk else None


def _related_group(pk, group_info):
    group = (group_info or {}).get(pk, {"pk": pk, "name": pk})
    related = dict((key, copy.deepcopy(group.get(key))) for key in RELATED_GROUP_KEYS)
    related.update(pk=pk, group_uuid=pk, is_superuser=bool(related["is_superuser"]),
                   attributes=related["attributes"] or {})
    return related


def group_view(group, managed, names=None):
    """The group as the diff shows it: only managed fields, the parent by name, members as sorted usernames.

    `names` ({uuid: name}) names parents that the group object itself does not (a PATCH answer carries no
    parents_obj)."""
    if not group:
        return {}
    view = {}
    for field in managed:
        if field == "users":
            view["users"] = sorted(str(name) for name in current_members(group).values())
        elif field == "roles":
            view["roles"] = role_names(group)
        elif field == "parent":
            known = dict(names or {})
            known.update((pk, name) for pk, name in known_parents(group).items() if name != pk)
            parent = current_parent(group)
            if isinstance(parent, list):
                view["parent"] = sorted(known.get(pk, pk) for pk in parent)
            else:
                view["parent"] = known.get(parent, parent) if parent else None
        else:
            view[field] = copy.deepcopy(group.get(field))
    return view


def group_managed_fields(params):
    return [field for field in MANAGED if params.get(field) is not None]


def group_diff(params, plan, after=None):
    """Before/after of the managed fields; a deletion as a change of state."""
    managed = group_managed_fields(params)
    names = known_parents(plan.before)
    names.update(known_parents(plan.predicted))

    def view(group):
        return group_view(group, managed, names)

    return plan_diff(plan, view, view, "name", after)


# ---------------------------------------------------------------- lookups a change needs


def members_needing_lookup(params, group):
    """Users (names or pks) that only the server can resolve: those that would change membership."""
    if params.get("state") == "absent" or params.get("users") is None:
        return []
    return entries_to_resolve(params["users"], current_members(group or {}), params.get("users_mode") or "add")


def parent_needing_lookup(params, group):
    """The requested parent when only the server can resolve it (it is not the current parent), else None."""
    requested = params.get("parent")
    if params.get("state") == "absent" or not requested or match_known([requested], known_parents(group))[0]:
        return None
    return requested


def _target_members(params, group, resolved):
    """(the full set of member pks, or None when members are not managed; {pk: partial user} for the result)."""
    if params.get("users") is None:
        return None, {}
    resolved_pks = dict((entry, user["pk"]) for entry, user in resolved.items())
    targets = resolve_targets(params["users"], current_members(group), resolved_pks,
                              params.get("users_mode") or "add")
    member_info = dict((user["pk"], user) for user in group.get("users_obj") or [])
    member_info.update((user["pk"], dict((key, user.get(key)) for key in PARTIAL_USER_KEYS))
                       for user in resolved.values())
    return targets, member_info


def _target_parent(params, group, resolved_parent):
    """(manage the parent?, the value to send in the server's shape, {uuid: group} for the prediction).

    The shape comes from the group itself, or for a new group from the parent looked up."""
    requested = params.get("parent")
    known = known_parents(group)
    group_info = dict((pk, {"pk": pk, "name": name}) for pk, name in known.items())
    for related in (group or {}).get("parents_obj") or []:
        group_info[related["pk"]] = related
    if requested is None or (not requested and not group):
        # Not managed; or asked for no parent on a group that does not exist yet and so has none.
        return False, None, group_info
    if not requested:
        return True, parent_value(None, uses_parents_list(group)), group_info
    if resolved_parent is None:
        return True, parent_value(match_known([requested], known)[0][requested], uses_parents_list(group)), group_info
    group_info[resolved_parent["pk"]] = resolved_parent
    return True, parent_value(resolved_parent["pk"], uses_parents_list(group or resolved_parent)), group_info


# ---------------------------------------------------------------- one task, one plan


def plan_group(params, group, resolved_users, resolved_parent, resolved_roles=None):
    """The Plan for what the task asks of one group (None when it does not exist); no I/O.

    `resolved_users` maps the entries named by members_needing_lookup() to user objects; `resolved_parent` is the
    group named by parent_needing_lookup(), or None; `resolved_roles` maps the entries named by
    roles.roles_needing_lookup() to roles."""
    if params.get("state") == "absent":
        return plan_delete("group", group)
    if group is not None and resolved_parent is not None and resolved_parent["pk"] == group["pk"]:
        # authentik refuses it too ("Cannot set group as parent of itself.").
        raise ValidationError("Invalid parent: %r is the group itself; a group cannot be its own parent"
                              % params["parent"])
    manage_parent, parent, group_info = _target_parent(params, group, resolved_parent)
    member_pks, member_info = _target_members(params, group or {}, resolved_users)
    role_pks, role_info = target_roles(params, group, resolved_roles or {}, "group")
    attributes = None
    if params.get("attributes") is not None:
        attributes = desired_attributes((group or {}).get("attributes"), params["attributes"],
                                        params.get("attributes_mode") or "merge")
    if group is None:
        body = build_group_body(group_scalars(params), attributes, parent, manage_parent, member_pks, role_pks)
        return Plan("group", "create", None, body, (), option_names(body),
                    new_group(body, member_info, group_info, role_info))
    patch = build_group_patch(group, group_scalars(params), attributes, parent, manage_parent, role_pks)
    calls = membership_calls(group.get("users") or [], member_pks)
    members_after = member_pks if calls else None
    changed = option_names(patch) + (["users"] if calls else [])
    action = write_action(group, patch, calls)
    predicted = predict_group(group, patch, members_after, member_info, group_info, role_info)
    return Plan("group", action, group, patch if action != "none" else None, calls, changed, predicted)


def option_names(body):
    """The fields of a body named as the task's options are: the server's `parents` list is the `parent` option."""
    return sorted("parent" if field == "parents" else field for field in body)
