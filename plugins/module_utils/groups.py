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
from ansible_collections.akops.authentik.plugins.module_utils.users import is_uuid


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
    names = dict((user["pk"], user.get("username", user["pk"])) for user in (group.get("users_obj") or []))
    return dict((pk, names.get(pk, pk)) for pk in group.get("users") or [])


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
