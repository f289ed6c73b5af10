#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: authentik_role
short_description: Manage an RBAC role and its permissions in authentik
version_added: 0.1.0
description:
  - Create, rename or delete one authentik role, and manage the permissions it grants.
  - Since authentik 2025.12 permissions are granted only through roles; a role reaches people directly (the
    O(akops.authentik.authentik_user#module:roles) option) or through a group
    (O(akops.authentik.authentik_group#module:roles)). Before 2025.12 roles reach users only through groups.
  - When O(permissions) is given, the module reads the role's current permissions and sends only the assign and
    unassign calls that are needed. A role that is already up to date costs its read requests (the role, its
    permissions on whole models, and its permissions on single objects, ten to a page) and no write.
author:
  - akops maintainers (@akops)
extends_documentation_fragment:
  - akops.authentik.authentik
  - akops.authentik.authentik.ACTIONGROUP
  - akops.authentik.authentik.ATTRIBUTES
options:
  name:
    description:
      - The role name (role names are unique). Without O(pk) it selects the role (exact match) and is required.
      - With O(pk), a different value renames the role. A rename to a name another role has fails before anything
        is written, in check mode too.
      - authentik trims surrounding spaces. Before 2026.2 names are at most 150 characters.
    type: str
  pk:
    description:
      - Select an existing role by its UUID instead of its name.
    type: str
  state:
    description:
      - V(present) creates or updates the role; V(absent) deletes it when it exists.
      - Deleting a role takes its permissions away from every user and group that holds it. authentik does not
        protect its own managed roles (C(ak-managed-role--*)) from deletion; neither does this module.
    type: str
    choices: [present, absent]
    default: present
  permissions:
    description:
      - Permissions of the role. See O(permissions_mode).
      - A string is a permission on every object of its model, written C(app_label.codename), for example
        V(authentik_core.view_user).
      - 'A dict C({permission, model, object_pk}) is a permission on one object, for example
        C({permission: authentik_core.change_user, model: authentik_core.user, object_pk: 42}).'
      - Permissions that are about to be granted are looked up first (one request each); one authentik does not
        know fails the task before any write.
      - authentik grants a permission on an object it cannot find on the whole model instead, without an error.
        So the object of each new object permission is looked up first, and object permissions are supported only
        on the models whose objects the module can look up, C(authentik_core.user) (C(object_pk) is
        the user's pk), C(authentik_core.group) and C(authentik_rbac.role) (their UUID); others are refused.
    type: list
    elements: raw
  permissions_mode:
    description:
      - V(add) grants the permissions and keeps the others.
      - V(remove) takes them away; permissions the role does not hold are ignored.
      - V(exact) makes the role's permissions, on whole models and on single objects, exactly O(permissions).
    type: str
    choices: [add, remove, exact]
    default: add
notes:
  - Uses C(GET /rbac/roles/?name=), C(POST /rbac/roles/), C(PATCH /rbac/roles/{uuid}/), C(DELETE /rbac/roles/{uuid}/),
    C(GET /rbac/permissions/?role=), C(GET /rbac/permissions/roles/?uuid=),
    C(POST /rbac/permissions/assigned_by_roles/{uuid}/assign/) and C(PATCH .../unassign/).
  - Reading a role's permissions on single objects needs a superuser token in practice (authentik checks a
    permission on its internal permission rows that only superusers hold).
  - Servers before 2025.10 do not filter roles by name; the module then reads the whole role list to find one.
seealso:
  - module: akops.authentik.authentik_role_info
  - module: akops.authentik.authentik_user
  - module: akops.authentik.authentik_group
"""

EXAMPLES = r"""
- name: A role that may read users and groups
  akops.authentik.authentik_role:
    name: directory-readers
    permissions:
      - authentik_core.view_user
      - authentik_core.view_group

- name: Let the help desk reset passwords, and nothing else
  akops.authentik.authentik_role:
    name: helpdesk
    permissions:
      - authentik_core.view_user
      - authentik_core.reset_user_password
    permissions_mode: exact

- name: Ensure the group that the next role manages exists
  akops.authentik.authentik_group:
    name: engineering
  register: engineering

- name: Let a role manage the members of that one group only
  akops.authentik.authentik_role:
    name: engineering-leads
    permissions:
      - permission: authentik_core.add_user_to_group
        model: authentik_core.group
        object_pk: "{{ engineering.group.pk }}"
      - permission: authentik_core.remove_user_from_group
        model: authentik_core.group
        object_pk: "{{ engineering.group.pk }}"

- name: Give the role to a group, whose members then hold its permissions
  akops.authentik.authentik_group:
    name: engineering
    roles: [engineering-leads]

- name: Take one permission away
  akops.authentik.authentik_role:
    name: helpdesk
    permissions: [authentik_core.reset_user_password]
    permissions_mode: remove

- name: Delete a role
  akops.authentik.authentik_role:
    name: legacy-admins
    state: absent
"""

RETURN = r"""
role:
  description:
    - The role as the server returned it after the change, or as found when nothing changed; in check mode, as
      the server would return it. Empty after O(state=absent).
    - When O(permissions) is given, C(permissions) holds the role's permissions after the task as sorted readable
      strings, computed from the calls made, not read again.
  returned: always
  type: dict
  sample:
    pk: 5b1e9a0c-3f0e-4c7a-9f2d-1f6a8e0b7c42
    name: helpdesk
    permissions:
      - authentik_core.change_user on authentik_core.user 42
      - authentik_core.view_user
changed_fields:
  description: Names of the fields the task changed (or would change in check mode), among C(name) and C(permissions).
  returned: always
  type: list
  elements: str
  sample: [permissions]
diff:
  description: The name, and the permissions as sorted readable strings when O(permissions) is given.
  returned: always
  type: dict
"""

from ansible_collections.akops.authentik.plugins.module_utils import resources
from ansible_collections.akops.authentik.plugins.module_utils.converge import apply_plan, refuse_taken_name
from ansible_collections.akops.authentik.plugins.module_utils.errors import NotFoundError
from ansible_collections.akops.authentik.plugins.module_utils.module import (
    AuthentikModule,
    connection_argument_spec,
    run_module,
)
from ansible_collections.akops.authentik.plugins.module_utils.roles import (
    codenames_to_check,
    held_permissions,
    normalize_role_params,
    objects_to_check,
    permission_changes,
    plan_role,
    refuse_unknown_permissions,
    role_diff,
    validate_role_params,
)


def find_selected_role(client, params):
    role = resources.find_role(client, name=params["name"], pk=params["pk"])
    if role is None and params["pk"] is not None and params["state"] == "present":
        raise NotFoundError("No role with pk %s; roles are created by name, without pk" % params["pk"])
    return role


def read_held_permissions(client, params, role):
    """The role's permissions as keys, or None when the task does not manage them. A new role holds none."""
    if params["permissions"] is None or params["state"] == "absent":
        return None
    if role is None:
        return set()
    return held_permissions(resources.role_global_permissions(client, role["pk"]),
                            resources.role_object_permissions(client, role["pk"]))


def refuse_unknown_grants(client, to_assign):
    """Look up what is about to be granted, and fail before any write when authentik does not know it."""
    catalogue = dict((pair, resources.find_permissions(client, *pair)) for pair in codenames_to_check(to_assign))
    objects = dict((pair, resources.object_exists(client, *pair)) for pair in objects_to_check(to_assign))
    refuse_unknown_permissions(to_assign, catalogue, objects)


def run(module, client):
    """One lookup, the role's permissions when managed, lookups of what is new, one plan, then its writes."""
    params = normalize_role_params(module.params)
    validate_role_params(params)
    role = find_selected_role(client, params)
    if params["state"] == "present":
        refuse_taken_name(lambda name: resources.find_role(client, name=name), "role", params["name"], role)
    held = read_held_permissions(client, params, role)
    refuse_unknown_grants(client, permission_changes(held or set(), params)[0])
    plan = plan_role(params, role, held)
    after = apply_plan(client, plan, module.check_mode)
    if after and "permissions" in plan.predicted:
        # Assign and unassign answer with no role: the permissions are those the calls made.
        after = dict(after, permissions=plan.predicted["permissions"])
    return dict(changed=plan.changed, role=after, changed_fields=plan.changed_fields,
                diff=role_diff(params, plan, after))


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        name=dict(type="str"),
        pk=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        permissions=dict(type="list", elements="raw"),
        permissions_mode=dict(type="str", default="add", choices=["add", "remove", "exact"]),
    )
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
