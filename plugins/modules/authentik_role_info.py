#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: authentik_role_info
short_description: List authentik RBAC roles
version_added: 0.1.0
description:
  - Returns the RBAC roles that match the filters; with no filter, every role. Optionally, what each role may do.
  - Follows every page of the answer, whatever the server's page size or page size cap.
  - Never changes anything.
  - Roles exist from authentik 2023.10 on. The filters O(user), O(group) and O(managed) need authentik 2025.12 or
    later; older servers would ignore them and list every role, so there the task fails instead.
author:
  - akops maintainers (@akops)
extends_documentation_fragment:
  - akops.authentik.authentik
  - akops.authentik.authentik.ACTIONGROUP
  - akops.authentik.authentik.INFO_MODULE
options:
  name:
    description:
      - Exact role name (case-sensitive).
      - authentik filters by name from 2025.10 on. The module also compares the names itself, so older servers,
        which ignore the filter, give the same answer (after the whole role list is read).
    type: str
  pk:
    description: The role's UUID. Selects one role with a single request; other filters are not applied.
    type: str
  user:
    description:
      - Roles held by this user, given by username (a string) or user pk (an integer). A quoted number is a
        username.
      - Direct roles only, unless O(inherited) is V(true).
      - The task fails when the user does not exist.
      - authentik 2025.12 and later.
    type: raw
  group:
    description:
      - Roles held by this group, given by name or UUID.
      - Direct roles only, unless O(inherited) is V(true).
      - The task fails when the group does not exist, or when several groups have that name (give the UUID then).
      - authentik 2025.12 and later.
    type: str
  managed:
    description:
      - V(true) keeps only the roles authentik manages itself (such as C(ak-managed-role--user-42), which holds
        the permissions authentik grants a user on its own objects); V(false) keeps only the others.
      - authentik 2025.12 and later.
    type: bool
  inherited:
    description:
      - With O(user), also the roles the user holds through its groups and their ancestor groups; with O(group),
        also the roles of the group's ancestor groups.
      - Has no effect without O(user) or O(group); the task warns then.
      - authentik 2025.12 and later, like O(user) and O(group).
    type: bool
    default: false
  permissions:
    description:
      - Whether each role carries C(permissions), what it may do, as sorted readable strings.
      - Costs two more requests for each role listed, and one more for each further ten permissions on single
        objects (authentik returns those ten to a page). Reading permissions on single objects needs a superuser
        token.
    type: bool
    default: false
  page_size:
    description: Roles asked for per request. Servers from 2025.12 on cap it (100 by default).
    type: int
    default: 100
notes:
  - Only superusers and holders of the C(authentik_rbac.view_role) permission see roles; others are refused.
seealso:
  - module: akops.authentik.authentik_role
  - module: akops.authentik.authentik_user_info
"""

EXAMPLES = r"""
- name: Ensure a help desk role exists
  akops.authentik.authentik_role:
    name: helpdesk
    permissions:
      - authentik_core.view_user
      - authentik_core.reset_user_password

- name: Ensure the support group exists and holds the role
  akops.authentik.authentik_group:
    name: support
    roles: [helpdesk]

- name: Ensure jdoe exists, in the support group
  akops.authentik.authentik_user:
    username: jdoe
    groups: [support]

- name: Read the role with its permissions
  akops.authentik.authentik_role_info:
    name: helpdesk
    permissions: true
  register: helpdesk

- name: Show what the help desk may do
  ansible.builtin.debug:
    msg: "{{ helpdesk.roles[0].permissions }}"

- name: Every role jdoe holds, directly or through its groups and their parents
  akops.authentik.authentik_role_info:
    user: jdoe
    inherited: true
  register: jdoe_roles

- name: The roles the support group holds itself
  akops.authentik.authentik_role_info:
    group: support

- name: Every role that people made, leaving out the ones authentik manages itself
  akops.authentik.authentik_role_info:
    managed: false
  register: custom_roles

- name: Show their names
  ansible.builtin.debug:
    msg: "{{ custom_roles.roles | map(attribute='name') | list }}"
"""

RETURN = r"""
roles:
  description: The matching roles, as the API returns them, in the server's order (by name).
  returned: always
  type: list
  elements: dict
  contains:
    pk:
      description: The role's UUID.
      type: str
      returned: always
    name:
      description: The role's name.
      type: str
      returned: always
    permissions:
      description:
        - What the role may do, sorted. A permission on every object of a model is its C(app_label.codename); one
          on a single object adds C(on), the model and the object's key, as in the sample.
      type: list
      elements: str
      returned: when O(permissions=true)
  sample:
    - pk: 5b1e9a0c-3f0e-4c7a-9f2d-1f6a8e0b7c42
      name: helpdesk
      permissions:
        - authentik_core.change_user on authentik_core.user 42
        - authentik_core.reset_user_password
        - authentik_core.view_user
"""

from ansible_collections.akops.authentik.plugins.module_utils import resources
from ansible_collections.akops.authentik.plugins.module_utils import role_listing
from ansible_collections.akops.authentik.plugins.module_utils import validation as check
from ansible_collections.akops.authentik.plugins.module_utils.compare import canonical_uuid
from ansible_collections.akops.authentik.plugins.module_utils.module import (
    AuthentikModule,
    connection_argument_spec,
    read_listing,
    run_module,
)

FILTERS = ("name", "user", "group", "managed", "inherited")


def find_one(client):
    return lambda pk: resources.find_role(client, pk=canonical_uuid(pk.strip()))


def holder_pks(client, filters):
    """(user pk, group UUID) for the holders the filters name, each looked up so that a typo fails the task: the
    role list answers an unknown holder with no roles, which would look like a true answer."""
    user_pk = group_pk = None
    if filters.get("user") is not None:
        user_pk = resources.require_user(client, filters["user"])["pk"]
    if filters.get("group") is not None:
        group_pk = resources.require_group(client, filters["group"])["pk"]
    return user_pk, group_pk


def list_roles(module, client, filters):
    """Every role the filters select, all pages of each query read."""
    given = role_listing.filters_given(filters, role_listing.ROLE_FILTERS_SINCE_USER_ROLES)
    # Only these filters need the release, so the check costs a request only when they are used.
    if given:
        role_listing.refuse_before_user_roles(given, resources.server_has_user_roles(client), "role")
    if filters.get("inherited") and filters.get("user") is None and filters.get("group") is None:
        module.warn("inherited applies only together with user or group; it was not applied")
    user_pk, group_pk = holder_pks(client, filters)
    queries = role_listing.role_list_queries(filters.get("name"), user_pk, group_pk, filters.get("managed"),
                                             filters.get("inherited"))
    answers = [[resources.checked_role(client, role)
                for role in resources.list_objects(client, resources.ROLES, query, module.params["page_size"])]
               for query in queries]
    return role_listing.matching_roles(answers, filters.get("name"))


def with_permissions(client, role):
    return role_listing.with_permissions(role, resources.role_global_permissions(client, role["pk"]),
                                         resources.role_object_permissions(client, role["pk"]))


def run(module, client):
    check.validate(module.params, role_listing.ROLE_INFO_RULES)
    roles = read_listing(module, client, "role", find_one(client), resources.ROLES, FILTERS, "inherited",
                         lambda filters: list_roles(module, client, filters))
    if module.params["permissions"]:
        roles = [with_permissions(client, role) for role in roles]
    return dict(changed=False, roles=roles)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        name=dict(type="str"),
        pk=dict(type="str"),
        user=dict(type="raw"),
        group=dict(type="str"),
        managed=dict(type="bool"),
        inherited=dict(type="bool", default=False),
        permissions=dict(type="bool", default=False),
        page_size=dict(type="int", default=100),
    )
    return spec


def main():
    module = AuthentikModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, run)


if __name__ == "__main__":
    main()
