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
  - The module reads the group once and compares it with the requested options. Field changes (roles included)
    go out as one partial update (C(PATCH)) with only the differing keys; membership changes use C(add_user) and
    C(remove_user), never a write that replaces the whole member list. An up-to-date group costs one request.
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
      - The name is stored as given (authentik trims surrounding spaces), also when it looks like a UUID.
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
      - A value written as a UUID (8-4-4-4-12 hexadecimal digits) is taken as the parent's UUID, any other value
        as its name.
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
  roles:
    description:
      - RBAC role names or role UUIDs that the group holds; its members get the roles' permissions. See
        O(roles_mode).
      - An entry written as a UUID (8-4-4-4-12 hexadecimal digits, any letter case) is taken as the role's UUID;
        every other entry is a name, matched exactly.
      - Names are looked up only when the group's roles must change; an unknown role fails the task before
        anything is written.
      - Before authentik 2025.12 a role can belong to one group only; giving a group a role that another group
        already has then fails with the server's error (C(Roles can only be used with a single group.)), and the
        module sends nothing after it. Check mode cannot foresee this refusal. authentik raises it while it saves
        the roles, so a group created in the same request may already exist; a rerun then finds it.
    type: list
    elements: str
  roles_mode:
    description:
      - V(add) ensures the group holds O(roles) and keeps its other roles.
      - V(remove) ensures the group does not hold O(roles); roles it does not hold are ignored, and nothing is
        looked up.
      - V(exact) makes the group's roles exactly O(roles), except that the group's own managed role
        C(ak-managed-role--group-<pk>) (authentik 2025.12 and later) stays even when the list does not name it, as
        O(attributes_mode=merge) keeps authentik's own keys. authentik keeps in it the permissions it grants on
        the group's behalf; name it with V(remove) to take it away.
    type: str
    choices: [add, remove, exact]
    default: add
  allow_self_lockout:
    description:
      - The module refuses changes that would cut off the API token it runs with, since the task would lock itself
        (and often its operator) out. For a group these are deleting it, turning its O(is_superuser) off,
        moving it under another O(parent), or removing members, whenever that leaves the user that owns the token
        without superuser status (held directly or through a parent group). V(true) allows it.
      - The owner (C(GET /core/users/me/)) and, when it is a superuser, the group list are read only when the task
        would delete the group, turn O(is_superuser) off, change O(parent) or remove members.
      - Roles are not weighed. An owner that is not a superuser holds its rights through roles, and a task that
        takes such a role from the group is not refused; run such changes with a superuser's token.
    type: bool
    default: false
notes:
  - Uses C(GET /core/groups/?name=), C(POST /core/groups/), C(PATCH /core/groups/{uuid}/),
    C(DELETE /core/groups/{uuid}/) and C(POST /core/groups/{uuid}/add_user/) or C(remove_user/). Role names are
    looked up with C(GET /rbac/roles/?name=).
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

- name: Ensure the roles that the groups below hold exist
  akops.authentik.authentik_role:
    name: "{{ item }}"
  loop:
    - engineering-readers
    - oncall-responders

- name: Give a group a role; its members get the role's permissions
  akops.authentik.authentik_group:
    name: oncall
    roles:
      - oncall-responders

- name: Make the group's roles exactly these; its own managed role stays
  akops.authentik.authentik_group:
    name: engineering
    roles: [engineering-readers]
    roles_mode: exact

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
    roles: [0d5e7c1a-9b3f-4c2e-8a61-5f4b2c9e7d30]
    attributes: {cost_center: "4711"}
changed_fields:
  description: Names of the fields the task changed (or would change in check mode); C(users) for membership.
  returned: always
  type: list
  elements: str
  sample: [attributes, users]
diff:
  description: The managed fields before and after; members as sorted usernames, roles as sorted names, the parent
    by name.
  returned: always
  type: dict
"""

from ansible_collections.akops.authentik.plugins.module_utils import resources
from ansible_collections.akops.authentik.plugins.module_utils.converge import (
    apply_plan,
    guard_self_lockout,
    refuse_taken_name,
)
from ansible_collections.akops.authentik.plugins.module_utils.errors import NotFoundError
from ansible_collections.akops.authentik.plugins.module_utils.groups import (
    group_diff,
    members_needing_lookup,
    normalize_group_params,
    parent_needing_lookup,
    plan_group,
    uses_parents_list,
    validate_group_params,
)
from ansible_collections.akops.authentik.plugins.module_utils.module import (
    AuthentikModule,
    connection_argument_spec,
    run_module,
)
from ansible_collections.akops.authentik.plugins.module_utils.roles import (
    refuse_group_roles,
    role_option_spec,
    roles_needing_lookup,
    roles_requested,
)


def find_selected_group(client, params):
    group = resources.find_group(client, name=params["name"], pk=params["pk"],
                                 include_users=params["users"] is not None)
    if group is None and params["pk"] is not None and params["state"] == "present":
        raise NotFoundError("No group with pk %s; groups are created by name, without pk" % params["pk"])
    return group


def refuse_taken_rename(client, params, group):
    """Only servers that keep group names unique (2025.12 and later, recognised by their `parents` list) are asked."""
    if group is None or params["state"] == "absent" or not uses_parents_list(group):
        return
    refuse_taken_name(lambda name: resources.find_group(client, name=name), "group", params["name"], group)


def lookups(client, params, group):
    """The server lookups a change needs, and only those: members, a parent and roles that are not already known."""
    users = resources.resolve_users(client, members_needing_lookup(params, group))
    parent_entry = parent_needing_lookup(params, group)
    parent = resources.require_group(client, parent_entry) if parent_entry else None
    roles = resources.resolve_roles(client, roles_needing_lookup(params, group))
    return users, parent, roles


def run(module, client):
    """One lookup, the lookups a change needs, one plan, then at most one write (plus membership calls)."""
    params = normalize_group_params(module.params)
    validate_group_params(params)
    group = find_selected_group(client, params)
    refuse_taken_rename(client, params, group)
    if roles_requested(params):
        refuse_group_roles(group)
    users, parent, roles = lookups(client, params, group)
    plan = plan_group(params, group, users, parent, roles)
    if not params["allow_self_lockout"]:
        guard_self_lockout(client, [plan])
    after = apply_plan(client, plan, module.check_mode)
    return dict(changed=plan.changed, group=after, changed_fields=plan.changed_fields,
                diff=group_diff(params, plan, after))


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
        allow_self_lockout=dict(type="bool", default=False),
    )
    spec.update(role_option_spec())
    return spec


def main():
    module = AuthentikModule(
        argument_spec=argument_spec(),
        required_one_of=[("name", "pk")],
        supports_check_mode=True,
    )
    run_module(module, run)


if __name__ == "__main__":
    main()
