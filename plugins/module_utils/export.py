# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions that turn users and groups read from authentik into the input of authentik_users and
authentik_group: specs that, converged, change nothing. No I/O happens here.

A spec is exact or it is not produced: an object that the modules cannot describe exactly is returned in a
`skipped` list with the reason, never as a spec that would quietly change it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.akops.authentik.plugins.module_utils.compare import canonical_reference, is_uuid_reference
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.groups import (
    current_members,
    normalize_group_params,
    validate_group_params,
)
from ansible_collections.akops.authentik.plugins.module_utils.roles import current_roles, own_managed_role
from ansible_collections.akops.authentik.plugins.module_utils.users import (
    current_groups,
    normalize_user_params,
    validate_user_params,
)

# authentik's own accounts (outposts): its API refuses any change to them, and authentik_users has no such type.
INTERNAL_SERVICE_ACCOUNT = "internal_service_account"
USER_FIELDS = ("username", "name", "email", "is_active", "path", "type")
# Strings that Ansible would template when the exported file is read back as variables.
JINJA_MARKERS = ("{{", "{%", "{#")


# ---------------------------------------------------------------- references by name, where a name is safe


def safe_names(objects):
    """{uuid: name} for the objects whose name can stand for them in a spec: unique among `objects` (authentik
    allowed duplicate group names before 2025.12), unchanged by the modules' normalization (no surrounding
    spaces, not mistaken for a UUID) and not the UUID of another object. Others are referred to by UUID."""
    counts = {}
    for item in objects:
        counts[item.get("name")] = counts.get(item.get("name"), 0) + 1
    uuids = set(str(item.get("pk")) for item in objects)
    return dict((item["pk"], item["name"]) for item in objects
                if isinstance(item.get("name"), str) and counts[item["name"]] == 1
                and canonical_reference(item["name"]) == item["name"] and not is_uuid_reference(item["name"])
                and item["name"] not in uuids)


def references(pks, names):
    """Sorted references to the objects `pks`: the name where it is safe, the UUID otherwise."""
    return sorted(names.get(pk, pk) for pk in pks)


def group_names(groups):
    """safe_names() over every group of the directory, the only way to know that a name is unique."""
    return safe_names(groups)


def role_names_of(holders):
    """safe_names() over the roles the holders carry (role names are unique in every release)."""
    roles = {}
    for holder in holders:
        for pk, name in current_roles(holder).items():
            roles[pk] = {"pk": pk, "name": name}
    return safe_names(list(roles.values()))


def held_roles(holder, kind, names):
    """The holder's direct roles without its own managed role, which roles_mode exact keeps anyway and whose name
    carries this server's key of the holder."""
    own = own_managed_role(kind, holder.get("pk"))
    return references([pk for pk, name in current_roles(holder).items() if name != own], names)


# ---------------------------------------------------------------- users


def user_spec(user, groups_by_uuid, roles_by_uuid):
    """The authentik_users entry that describes `user` exactly (before the exactness check of user_specs)."""
    spec = dict((field, copy.deepcopy(user.get(field))) for field in USER_FIELDS)
    spec.update(
        attributes=copy.deepcopy(user.get("attributes") or {}),
        attributes_mode="replace",
        groups=references(current_groups(user), groups_by_uuid),
        groups_mode="exact",
    )
    # Users hold roles directly from 2025.12 on; their objects carry `roles` from then. Older servers would
    # ignore the option, and authentik_users refuses it there.
    if "roles" in user:
        spec.update(roles=held_roles(user, "user", roles_by_uuid), roles_mode="exact")
    return spec


def user_skip_reason(user, spec):
    """Why `spec` cannot describe `user` exactly, or None."""
    if user.get("type") == INTERNAL_SERVICE_ACCOUNT:
        return "an internal service account (an outpost's own user): authentik refuses any change to it"
    try:
        validate_user_params(spec)
    except ValidationError as error:
        return "authentik_users would refuse its fields: %s" % error.msg
    normalized = normalize_user_params(spec)
    changed = [field for field in USER_FIELDS if normalized.get(field) != spec.get(field)]
    if changed:
        return "authentik_users would change its %s (surrounding spaces are trimmed)" % ", ".join(changed)
    return None


def user_specs(users, groups, roles_holders=()):
    """(specs, skipped) for `users`: specs sorted by username, skipped as [{username, reason}].

    `groups` are every group of the directory (to tell unique names), `roles_holders` any further objects whose
    roles name roles (the users themselves always count)."""
    groups_by_uuid = group_names(groups)
    roles_by_uuid = role_names_of(list(users) + list(roles_holders))
    specs, skipped = [], []
    for user in users:
        spec = user_spec(user, groups_by_uuid, roles_by_uuid)
        reason = user_skip_reason(user, spec)
        if reason:
            skipped.append({"username": user.get("username"), "reason": reason})
        else:
            specs.append(spec)
    return sorted(specs, key=lambda spec: spec["username"]), sorted(skipped, key=lambda item: str(item["username"]))


# ---------------------------------------------------------------- groups


def group_parents(group):
    """The group's parents as a list of UUIDs, whatever the server's shape (`parents` from 2025.12, `parent`
    before)."""
    if "parents" in group or "parent" not in group:
        return list(group.get("parents") or [])
    return [group["parent"]] if group.get("parent") else []


def member_references(group):
    """Members by username, sorted; by pk where the username would not survive authentik_group's trimming, or
    where users_obj did not name the member. Usernames first, then pks."""
    members = current_members(group)
    names = sorted(name for name in members.values() if isinstance(name, str) and name.strip() == name and name)
    pks = sorted(pk for pk, name in members.items() if name not in names)
    return names + pks


def group_spec(group, groups_by_uuid, roles_by_uuid):
    """The authentik_group task options that describe `group` exactly; `pk` selects it where its name is not
    unique."""
    parents = group_parents(group)
    spec = {
        "name": group.get("name"),
        "is_superuser": bool(group.get("is_superuser")),
        "parent": references(parents, groups_by_uuid)[0] if parents else "",
        "attributes": copy.deepcopy(group.get("attributes") or {}),
        "attributes_mode": "replace",
        "users": member_references(group),
        "users_mode": "exact",
    }
    if group.get("pk") not in groups_by_uuid:
        spec["pk"] = group["pk"]
    if "roles" in group:
        spec.update(roles=held_roles(group, "group", roles_by_uuid), roles_mode="exact")
    return spec


def group_skip_reason(group, spec):
    """Why `spec` cannot describe `group` exactly, or None."""
    parents = group_parents(group)
    if len(parents) > 1:
        # authentik_group's `parent` is one group; exporting one of them would make a converge drop the others.
        return "has %d parents (authentik 2025.12 and later); authentik_group manages exactly one" % len(parents)
    try:
        validate_group_params(spec)
    except ValidationError as error:
        return "authentik_group would refuse its fields: %s" % error.msg
    if normalize_group_params(spec).get("name") != spec["name"]:
        return "authentik_group would change its name (surrounding spaces are trimmed)"
    return None


def group_specs(groups, every_group):
    """(specs, skipped) for `groups` (read with their members): specs sorted by name then pk, skipped as
    [{name, pk, reason}]. `every_group` is every group of the directory, to tell unique names."""
    groups_by_uuid = group_names(every_group)
    roles_by_uuid = role_names_of(groups)
    specs, skipped = [], []
    for group in groups:
        spec = group_spec(group, groups_by_uuid, roles_by_uuid)
        reason = group_skip_reason(group, spec)
        if reason:
            skipped.append({"name": group.get("name"), "pk": group.get("pk"), "reason": reason})
        else:
            specs.append(spec)
    return sorted(specs, key=_by_name), sorted(skipped, key=_by_name)


def _by_name(item):
    return (str(item["name"]), str(item.get("pk") or ""))


# ---------------------------------------------------------------- reading the export back


def templated_strings(value):
    """Whether any string in `value` (keys included) holds a Jinja marker: Ansible would template it when the
    exported file is read back as variables, unless it is tagged !unsafe."""
    if isinstance(value, str):
        return any(marker in value for marker in JINJA_MARKERS)
    if isinstance(value, dict):
        return any(templated_strings(key) or templated_strings(item) for key, item in value.items())
    if isinstance(value, list):
        return any(templated_strings(item) for item in value)
    return False
