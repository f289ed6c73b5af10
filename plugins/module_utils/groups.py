# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions for groups: validate, compare, build the minimal PATCH, the diff and the prediction.

authentik 2025.12 replaced a group's single `parent` (UUID or null) with a `parents` list; which shape a
server speaks is read from the group objects it returns, never assumed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.compare import (
    canonical_uuid,
    desired_attributes,
    entries_to_resolve,
    is_uuid,
    labels_by_key,
    match_known,
    resolve_targets,
)


def normalize_group_params(params):
    """Names without surrounding spaces (authentik trims them), UUIDs in canonical form."""
    result = dict(params)
    for field in ("name", "parent"):
        if isinstance(result.get(field), str):
            result[field] = canonical_uuid(result[field].strip())
    if result.get("pk") is not None:
        result["pk"] = canonical_uuid(result["pk"])
    if result.get("users") is not None:
        result["users"] = [entry.strip() if isinstance(entry, str) else entry for entry in result["users"]]
    return result


def validate_group_params(params):
    """Raise ValidationError for input authentik would refuse, before any request is sent."""
    if params.get("name") is not None and not params["name"].strip():
        raise ValidationError("Invalid name: must not be empty or only whitespace")
    if params.get("pk") is not None and not is_uuid(params["pk"]):
        raise ValidationError("Invalid pk: %r is not a UUID (group keys are UUIDs)" % params["pk"])
    for entry in params.get("users") or []:
        if isinstance(entry, bool) or not isinstance(entry, (int, str)) or (isinstance(entry, str) and not entry):
            raise ValidationError("Invalid users entry %r: give a username (string) or a user pk (integer)" % entry)


def uses_parents_list(group):
    """True for servers from 2025.12 on, whose groups carry `parents` instead of `parent`."""
    return "parents" in group or "parent" not in group


def parent_value(parent_pk, parents_list):
    """The value to send for the requested parent ('' or None clears it), in the server's shape."""
    if parents_list:
        return [parent_pk] if parent_pk else []
    return parent_pk or None


def current_parent(group):
    """The group's parent in its own shape: a list of UUIDs (2025.12+) or a UUID/None (before)."""
    if uses_parents_list(group):
        return list(group.get("parents") or [])
    return group.get("parent")


def current_members(group):
    """{user pk: username} of the group's direct members; usernames fall back to the pk when users_obj is null."""
    return labels_by_key(group.get("users"), group.get("users_obj"), "username")


def build_group_patch(group, scalars, attributes=None, parent=None, manage_parent=False):
    """The minimal PATCH body: scalar fields, attributes and parent(s) that differ. Members are not in it:
    they change through add_user/remove_user, never through a set-replacing write."""
    patch = dict((field, value) for field, value in scalars.items() if group.get(field) != value)
    if attributes is not None and attributes != (group.get("attributes") or {}):
        patch["attributes"] = attributes
    if manage_parent and not _same_parent(current_parent(group), parent):
        patch["parents" if isinstance(parent, list) else "parent"] = parent
    return patch


def _same_parent(current, desired):
    if isinstance(desired, list):
        return set(current or []) == set(desired)
    return current == desired


def membership_changes(current_pks, target_pks):
    """(pks to add, pks to remove), each sorted so requests go out in a stable order; none when no target."""
    if target_pks is None:
        return [], []
    current_pks, target_pks = set(current_pks), set(target_pks)
    return sorted(target_pks - current_pks), sorted(current_pks - target_pks)


def predict_group(group, patch, member_pks=None, member_info=None, group_info=None):
    """What the server will hold after the PATCH and the membership calls (check mode's answer)."""
    result = copy.deepcopy(group)
    result.update(copy.deepcopy(patch))
    if "parent" in patch:
        result["parent_name"] = _group_name(patch["parent"], group_info)
    if member_pks is not None:
        member_info = member_info or {}
        result["users"] = sorted(member_pks)
        if result.get("users_obj") is not None or member_info:
            result["users_obj"] = [member_info.get(pk, {"pk": pk}) for pk in result["users"]]
    return result


def new_group(body, member_info, group_info):
    """What the server returns for a group created from `body` (authentik's defaults filled in)."""
    group = {"pk": None, "name": body["name"], "is_superuser": False, "attributes": {}, "users": [], "users_obj": []}
    if "parents" in body:
        group["parents"] = []
    elif "parent" in body:
        group["parent"] = None
    patch = dict((key, value) for key, value in body.items() if key != "users")
    return predict_group(group, patch, body.get("users", []), member_info, group_info)


def _group_name(pk, group_info):
    return (group_info or {}).get(pk, {}).get("name", pk) if pk else None


def group_view(group, managed, group_info=None):
    """The group as the diff shows it: only managed fields, the parent by name, members as sorted usernames."""
    if not group:
        return {}
    view = {}
    for field in managed:
        if field == "users":
            view["users"] = sorted(str(name) for name in current_members(group).values())
        elif field == "parent":
            parent = current_parent(group)
            if isinstance(parent, list):
                view["parent"] = sorted(_group_name(pk, group_info) for pk in parent)
            else:
                view["parent"] = _group_name(parent, group_info)
        else:
            view[field] = copy.deepcopy(group.get(field))
    return view


# ---------------------------------------------------------------- planning from the module's parameters

SCALARS = ("name", "is_superuser")
PARTIAL_USER_KEYS = ("pk", "username", "name", "is_active", "last_login", "email", "attributes", "uid")


def group_scalars(params):
    return dict((field, params[field]) for field in SCALARS if params.get(field) is not None)


def group_managed_fields(params):
    return [field for field in SCALARS + ("parent", "attributes", "users") if params.get(field) is not None]


def planned_group_attributes(group, params):
    if params.get("attributes") is None:
        return None
    return desired_attributes(group.get("attributes"), params["attributes"], params.get("attributes_mode") or "merge")


def members_needing_lookup(params, group):
    """Users (names or pks) that only the server can resolve: those that would change membership."""
    if params.get("users") is None:
        return []
    return entries_to_resolve(params["users"], current_members(group), params.get("users_mode") or "add")


def target_members(params, group, resolved):
    """(the full set of member pks, or None when members are not managed; {pk: partial user} for the diff).

    `resolved` maps the entries named by members_needing_lookup() to user objects."""
    if params.get("users") is None:
        return None, {}
    resolved_pks = dict((entry, user["pk"]) for entry, user in resolved.items())
    targets = resolve_targets(params["users"], current_members(group), resolved_pks,
                              params.get("users_mode") or "add")
    member_info = dict((user["pk"], user) for user in group.get("users_obj") or [])
    member_info.update((user["pk"], dict((key, user.get(key)) for key in PARTIAL_USER_KEYS))
                       for user in resolved.values())
    return targets, member_info


def known_parents(group):
    """{uuid: name} of the group's current parent(s), from the fields the server returned."""
    if not group:
        return {}
    if uses_parents_list(group):
        return labels_by_key(group.get("parents"), group.get("parents_obj"), "name")
    if group.get("parent"):
        return {group["parent"]: group.get("parent_name") or group["parent"]}
    return {}


def parent_needing_lookup(params, group):
    """The requested parent when only the server can resolve it (it is not the current parent), else None."""
    requested = params.get("parent")
    if not requested or match_known([requested], known_parents(group))[0]:
        return None
    return requested


def target_parent(params, group, resolved_parent):
    """(manage the parent?, the value to send in the server's shape, {uuid: group} for the diff).

    The shape comes from the group itself, or for a new group from the parent looked up."""
    requested = params.get("parent")
    known = known_parents(group)
    group_info = dict((pk, {"pk": pk, "name": name}) for pk, name in known.items())
    if requested is None or (not requested and not group):
        # Not managed; or asked for no parent on a group that does not exist yet and so has none.
        return False, None, group_info
    if not requested:
        return True, parent_value(None, uses_parents_list(group)), group_info
    if resolved_parent is None:
        return True, parent_value(match_known([requested], known)[0][requested], uses_parents_list(group)), group_info
    group_info[resolved_parent["pk"]] = resolved_parent
    return True, parent_value(resolved_parent["pk"], uses_parents_list(group or resolved_parent)), group_info
