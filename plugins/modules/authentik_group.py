#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: authentik_group
short_description: Manage a group in authentik
version_added: 0.1.0
description:
  - Create, update or delete one authentik group, and manage its direct members.
  - The module reads the group once and compares it with the requested options. Field changes go out as one
    partial update (C(PATCH)) with only the differing keys; membership changes use C(add_user) and C(remove_user),
    never a write that replaces the whole member list. An up-to-date group costs one request.
author:
  - akops maintainers (@akops)
extends_documentation_fragment:
  - akops.authentik.authentik
  - akops.authentik.authentik.ACTIONGROUP
  - akops.authentik.authentik.ATTRIBUTES
options:
  name:
    description:
      - The group name. Without O(pk) it selects the group (exact match) and is required.
      - With O(pk), a different value renames the group.
      - Before authentik 2025.12 group names were unique only per parent; when a name matches several groups
        the task fails and asks for O(pk).
    type: str
  pk:
    description:
      - Select an existing group by its UUID instead of its name.
    type: str
  state:
    description:
      - V(present) creates or updates the group; V(absent) deletes it when it exists.
    type: str
    choices: [present, absent]
    default: present
  is_superuser:
    description:
      - Whether members of the group are superusers. Changing it needs the owner of the token to hold
        authentik's C(enable_group_superuser) or C(disable_group_superuser) permission (2025.x and later).
    type: bool
  parent:
    description:
      - The parent group, by name or UUID; an empty string removes the parent.
      - Before authentik 2025.12 a group has one C(parent). From 2025.12 on the field is a list, C(parents);
        the module then makes the list exactly this one group (or empty). Which shape the server uses is read
        from the group objects it returns.
    type: str
  attributes:
    description:
      - Custom attributes of the group. See O(attributes_mode).
      - authentik replaces the whole attributes object on every write, so the module sends the complete resulting
        object, and only when it differs.
    type: dict
  attributes_mode:
    description:
      - V(merge) applies O(attributes) as a JSON Merge Patch (RFC 7386). Nested dictionaries merge, a key set to
        V(null) is removed, keys not mentioned are kept.
      - V(replace) makes the attributes exactly O(attributes).
    type: str
    choices: [merge, replace]
    default: merge
  users:
    description:
      - Members, each a username (string) or a user pk (integer). See O(users_mode).
      - Users are looked up only when membership must change; an unknown user fails the task before anything
        is written.
    type: list
    elements: raw
  users_mode:
    description:
      - V(add) ensures these users are members and keeps the others.
      - V(remove) ensures they are not members; entries that are not members are ignored.
      - V(exact) makes the direct members exactly O(users).
    type: str
    choices: [add, remove, exact]
    default: add
notes:
  - Uses C(GET /core/groups/?name=), C(POST /core/groups/), C(PATCH /core/groups/{uuid}/),
    C(DELETE /core/groups/{uuid}/) and C(POST /core/groups/{uuid}/add_user/) or C(remove_user/).
seealso:
  - module: akops.authentik.authentik_group_info
  - module: akops.authentik.authentik_user
"""

EXAMPLES = r"""
- name: Ensure the users that the groups below list exist
  akops.authentik.authentik_users:
    users:
      - username: jdoe
        name: Jane Doe
      - username: asmith
        name: Al Smith

- name: Ensure the engineering group exists with two members
  akops.authentik.authentik_group:
    name: engineering
    attributes:
      cost_center: "4711"
    users:
      - jdoe
      - asmith

- name: Make a group a child of another one
  akops.authentik.authentik_group:
    name: oncall
    parent: engineering

- name: Make the members exactly this list
  akops.authentik.authentik_group:
    name: oncall
    users: [jdoe]
    users_mode: exact

- name: Remove a member
  akops.authentik.authentik_group:
    name: engineering
    users: [asmith]
    users_mode: remove

- name: Delete a group
  akops.authentik.authentik_group:
    name: legacy
    state: absent
"""

RETURN = r"""
group:
  description:
    - The group as the server returned it after the change, or as found when nothing changed; in check mode, as
      the server would return it. Empty after O(state=absent).
    - After membership changes, C(users) and C(users_obj) are computed from the calls made, not read again.
  returned: always
  type: dict
  sample:
    pk: 9e3c4c2a-5f1e-4a7e-9d55-0f1c3b8e2a11
    name: engineering
    is_superuser: false
    parents: []
    users: [42]
    attributes: {cost_center: "4711"}
changed_fields:
  description: Names of the fields the task changed (or would change in check mode); C(users) for membership.
  returned: always
  type: list
  elements: str
  sample: [attributes, users]
diff:
  description: The managed fields before and after; members as sorted usernames, the parent by name.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.akops.authentik.plugins.module_utils import resources
from ansible_collections.akops.authentik.plugins.module_utils.converge import change_group_members
from ansible_collections.akops.authentik.plugins.module_utils.errors import NotFoundError
from ansible_collections.akops.authentik.plugins.module_utils.groups import (
    build_group_patch,
    group_managed_fields,
    group_scalars,
    group_view,
    members_needing_lookup,
    membership_changes,
    new_group,
    normalize_group_params,
    parent_needing_lookup,
    planned_group_attributes,
    predict_group,
    target_members,
    target_parent,
    validate_group_params,
)
from ansible_collections.akops.authentik.plugins.module_utils.module import (
    connection_argument_spec,
    run_module,
)


def lookups(client, params, group):
    """The server lookups a change needs, and only those: members and a parent that are not already known."""
    users = resources.resolve_users(client, members_needing_lookup(params, group or {}))
    parent_entry = parent_needing_lookup(params, group)
    parent = resources.find_group(client, parent_entry) if parent_entry else None
    return users, parent


def ensure_absent(module, client, group):
    if group is None:
        return dict(changed=False, group={}, changed_fields=[], diff=dict(before={}, after={}))
    if not module.check_mode:
        resources.delete_group(client, group["pk"])
    return dict(
        changed=True,
        group={},
        changed_fields=["state"],
        diff=dict(before=dict(name=group["name"], state="present"), after=dict(name=group["name"], state="absent")),
    )


def ensure_created(module, client, params):
    users, parent = lookups(client, params, None)
    manage_parent, parent_field, group_info = target_parent(params, None, parent)
    member_pks, member_info = target_members(params, {}, users)
    body = build_group_patch({}, group_scalars(params), planned_group_attributes({}, params), parent_field,
                             manage_parent)
    if member_pks:
        # A new group may get its members in the create itself: there is nothing to replace yet.
        body["users"] = sorted(member_pks)
    group = new_group(body, member_info, group_info) if module.check_mode else resources.create_group(client, body)
    return dict(changed=True, group=group, changed_fields=sorted(body),
                diff=dict(before={}, after=group_view(group, group_managed_fields(params), group_info)))


def ensure_updated(module, client, params, group):
    users, parent = lookups(client, params, group)
    manage_parent, parent_field, group_info = target_parent(params, group, parent)
    member_pks, member_info = target_members(params, group, users)
    patch = build_group_patch(group, group_scalars(params), planned_group_attributes(group, params), parent_field,
                              manage_parent)
    to_add, to_remove = membership_changes(group.get("users") or [], member_pks)
    members_after = member_pks if (to_add or to_remove) else None
    if module.check_mode:
        after = predict_group(group, patch, members_after, member_info, group_info)
    else:
        # The PATCH answer is the new group (no re-read); membership calls follow it.
        after = resources.update_group(client, group["pk"], patch) if patch else group
        change_group_members(client, group["pk"], to_add, to_remove, fields_saved=sorted(patch))
        after = predict_group(after, {}, members_after, member_info, group_info)
    changed_fields = sorted(patch) + (["users"] if members_after is not None else [])
    managed = group_managed_fields(params)
    return dict(changed=bool(changed_fields), group=after, changed_fields=changed_fields,
                diff=dict(before=group_view(group, managed, group_info), after=group_view(after, managed, group_info)))


def run(module, client):
    params = normalize_group_params(module.params)
    validate_group_params(params)
    group = resources.find_group_by_key(client, name=params["name"], pk=params["pk"],
                                        include_users=params["users"] is not None)
    if params["state"] == "absent":
        return ensure_absent(module, client, group)
    if group is not None:
        return ensure_updated(module, client, params, group)
    if params["pk"] is not None:
        raise NotFoundError("No group with pk %s; groups are created by name, without pk" % params["pk"])
    return ensure_created(module, client, params)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        name=dict(type="str"),
        pk=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        is_superuser=dict(type="bool"),
        parent=dict(type="str"),
        attributes=dict(type="dict"),
        attributes_mode=dict(type="str", default="merge", choices=["merge", "replace"]),
        users=dict(type="list", elements="raw"),
        users_mode=dict(type="str", default="add", choices=["add", "remove", "exact"]),
    )
    return spec


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_one_of=[("name", "pk")],
        supports_check_mode=True,
    )
    run_module(module, run)


if __name__ == "__main__":
    main()
