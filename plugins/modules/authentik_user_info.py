#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: authentik_user_info
short_description: List authentik users
version_added: 0.1.0
description:
  - Returns the users that match authentik's list filters; with no filter, every user.
  - Follows every page of the answer, whatever the server's page size or page size cap.
  - Never changes anything.
author:
  - akops maintainers (@akops)
extends_documentation_fragment:
  - akops.authentik.authentik
  - akops.authentik.authentik.ACTIONGROUP
  - akops.authentik.authentik.INFO_MODULE
options:
  username:
    description: Exact username (case-sensitive).
    type: str
  email:
    description: Exact email address.
    type: str
  name:
    description: Exact display name.
    type: str
  pk:
    description: The user's integer key. Selects one user with a single request; other filters are not applied.
    type: int
  uuid:
    description: The user's UUID.
    type: str
  path:
    description: Exact path.
    type: str
  path_startswith:
    description: Path prefix, for example V(users/berlin).
    type: str
  type:
    description: Users of any of these types.
    type: list
    elements: str
    choices: [internal, external, service_account, internal_service_account]
  is_active:
    description: Only active (V(true)) or inactive (V(false)) users.
    type: bool
  is_superuser:
    description: Only users in (V(true)) or not in (V(false)) a superuser group.
    type: bool
  groups_by_name:
    description:
      - Users in any of these groups, by name. authentik refuses unknown names, and so does the task.
    type: list
    elements: str
  groups_by_pk:
    description: Users in any of these groups, by UUID.
    type: list
    elements: str
  roles_by_name:
    description:
      - Users that hold any of these RBAC roles directly, by name. Roles reached through groups do not count.
        authentik refuses unknown names, and so does the task.
      - authentik 2025.12 and later; older servers would ignore the filter and list every user, so there the task
        fails instead.
    type: list
    elements: str
  roles_by_pk:
    description:
      - Users that hold any of these RBAC roles directly, by UUID. Roles reached through groups do not count.
      - authentik 2025.12 and later, like O(roles_by_name).
    type: list
    elements: str
  attributes:
    description:
      - 'Attribute values to match, for example C({"team": "ops"}); C(__) in a key reaches into nested objects.'
    type: dict
  search:
    description:
      - Free-text search over username, name, email and UUID. Not an exact match; use the other filters for lookups.
    type: str
  ordering:
    description: A field name to sort by, with a leading C(-) for descending order. authentik's default is V(username).
    type: str
  include_groups:
    description:
      - Whether each user carries C(groups_obj), the names and details of its groups (authentik 2024.4 and later).
    type: bool
    default: true
  page_size:
    description:
      - Users asked for per request. Servers from 2025.12 on cap it (100 by default); the module follows every page.
    type: int
    default: 100
  output:
    description:
      - V(objects) returns the users as the API does (RV(users)).
      - V(specs) also returns them as entries of the O(akops.authentik.authentik_users#module:users) option of
        M(akops.authentik.authentik_users) (RV(specs)), which converged change nothing, and the users no entry
        can describe exactly (RV(not_exported)). It costs one more listing, of every group, to tell which group names
        are unique. See the collection's C(docs/audits.md).
    type: str
    choices: [objects, specs]
    default: objects
seealso:
  - module: akops.authentik.authentik_user
"""

EXAMPLES = r"""
- name: Ensure the engineering and oncall groups exist
  akops.authentik.authentik_group:
    name: "{{ item }}"
  loop:
    - engineering
    - oncall

- name: Ensure jdoe exists, in the engineering group
  akops.authentik.authentik_user:
    username: jdoe
    groups: [engineering]

- name: Read one user
  akops.authentik.authentik_user_info:
    username: jdoe
  register: found

- name: List inactive users in the Berlin part of the directory
  akops.authentik.authentik_user_info:
    path_startswith: users/berlin
    is_active: false
  register: inactive

- name: Every member of the engineering or oncall groups
  akops.authentik.authentik_user_info:
    groups_by_name: [engineering, oncall]
    include_groups: false
  register: members

- name: Show their usernames
  ansible.builtin.debug:
    msg: "{{ members.users | map(attribute='username') | list }}"

- name: Ensure a help desk role exists
  akops.authentik.authentik_role:
    name: helpdesk
    permissions: [authentik_core.view_user]

- name: Ensure jdoe holds the role
  akops.authentik.authentik_user:
    username: jdoe
    roles: [helpdesk]

- name: Every user holding the help desk role directly
  akops.authentik.authentik_user_info:
    roles_by_name: [helpdesk]
  register: helpdesk_users

- name: Export the users below users/ as authentik_users entries
  akops.authentik.authentik_user_info:
    path_startswith: users
    output: specs
  register: exported

- name: Converging the export changes nothing
  akops.authentik.authentik_users:
    users: "{{ exported.specs }}"
"""

RETURN = r"""
users:
  description:
    - The matching users, as the API returns them, in the server's order.
    - From authentik 2025.12 on each user also carries C(roles), the UUIDs of the RBAC roles it holds directly,
      and C(roles_obj), those roles with their names.
  returned: always
  type: list
  elements: dict
  sample:
    - pk: 42
      username: jdoe
      name: Jane Doe
      email: jdoe@example.com
      is_active: true
      path: users
      type: internal
      groups: []
      roles: [5b1e9a0c-3f0e-4c7a-9f2d-1f6a8e0b7c42]
      roles_obj:
        - pk: 5b1e9a0c-3f0e-4c7a-9f2d-1f6a8e0b7c42
          name: helpdesk
      attributes: {}
specs:
  description:
    - With O(output=specs), the matched users as entries of M(akops.authentik.authentik_users), sorted by username,
      each with every key sorted when written with C(to_nice_yaml), holding C(username), C(name), C(email), C(is_active),
      C(path), C(type), C(attributes) with C(attributes_mode=replace), C(groups) as sorted names with
      C(groups_mode=exact), and on servers whose users hold roles (authentik 2025.12 and later) C(roles) as
      sorted names with C(roles_mode=exact).
    - A group is named by its UUID where its name is not unique (possible before authentik 2025.12) or would be
      read as something else (surrounding spaces, the form of a UUID). The user's own managed role
      C(ak-managed-role--user-<pk>) is left out; C(roles_mode=exact) keeps it.
    - C(last_login) and the password are not part of a spec.
  returned: when O(output=specs)
  type: list
  elements: dict
  sample:
    - username: jdoe
      name: Jane Doe
      email: jdoe@example.com
      is_active: true
      path: users
      type: internal
      attributes: {}
      attributes_mode: replace
      groups: [engineering]
      groups_mode: exact
      roles: [helpdesk]
      roles_mode: exact
not_exported:
  description:
    - With O(output=specs), the matched users that no entry can describe exactly, with the reason, sorted by
      username. Internal service accounts (outposts' own users, which authentik refuses to change) are always
      here; so are users whose stored fields authentik_users would refuse or trim.
    - A purge over a scope that holds them would deactivate them; see the collection's C(docs/audits.md).
  returned: when O(output=specs)
  type: list
  elements: dict
  sample:
    - username: ak-outpost-1
      reason: "an internal service account (an outpost's own user): authentik refuses any change to it"
"""

from ansible_collections.akops.authentik.plugins.module_utils import export, resources
from ansible_collections.akops.authentik.plugins.module_utils import role_listing
from ansible_collections.akops.authentik.plugins.module_utils import validation as check
from ansible_collections.akops.authentik.plugins.module_utils.module import (
    AuthentikModule,
    connection_argument_spec,
    read_listing,
    run_module,
)

FILTERS = ("username", "email", "name", "uuid", "path", "path_startswith", "type", "is_active", "is_superuser",
           "groups_by_name", "groups_by_pk", "roles_by_name", "roles_by_pk", "attributes", "search", "ordering",
           "include_groups")


def list_users(module, client, filters):
    """Every user the filters select, all pages read; role filters only where the server applies them."""
    given = role_listing.filters_given(filters, role_listing.USER_FILTERS_SINCE_USER_ROLES)
    # Only the role filters need the release, so the check costs a request only when they are used.
    if given:
        role_listing.refuse_before_user_roles(given, resources.server_has_user_roles(client), "user")
    return resources.list_objects(client, resources.USERS, filters, module.params["page_size"])


def run(module, client):
    check.validate(module.params, role_listing.USER_LIST_FILTER_RULES)
    users = read_listing(module, client, "user", lambda pk: resources.find_user(client, pk=pk), resources.USERS,
                         FILTERS, "include_groups", lambda filters: list_users(module, client, filters))
    if module.params["output"] != "specs":
        return dict(changed=False, users=users)
    every_group = resources.list_objects(client, resources.GROUPS, {"include_users": False},
                                         module.params["page_size"])
    specs, skipped = export.user_specs(users, every_group)
    warn_templated(module, [spec["username"] for spec in specs if export.templated_strings(spec)])
    return dict(changed=False, users=users, specs=specs, not_exported=skipped)


def warn_templated(module, usernames):
    if usernames:
        module.warn("%d exported users hold Jinja markers ({{, {%%, {#) that Ansible templates when a variables file "
                    "is read; tag those values !unsafe in the file (%s)" % (len(usernames), ", ".join(usernames[:5])))


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        username=dict(type="str"),
        email=dict(type="str"),
        name=dict(type="str"),
        pk=dict(type="int"),
        uuid=dict(type="str"),
        path=dict(type="str"),
        path_startswith=dict(type="str"),
        type=dict(type="list", elements="str",
                  choices=["internal", "external", "service_account", "internal_service_account"]),
        is_active=dict(type="bool"),
        is_superuser=dict(type="bool"),
        groups_by_name=dict(type="list", elements="str"),
        groups_by_pk=dict(type="list", elements="str"),
        roles_by_name=dict(type="list", elements="str"),
        roles_by_pk=dict(type="list", elements="str"),
        attributes=dict(type="dict"),
        search=dict(type="str"),
        ordering=dict(type="str"),
        include_groups=dict(type="bool", default=True),
        page_size=dict(type="int", default=100),
        output=dict(type="str", default="objects", choices=["objects", "specs"]),
    )
    return spec


def main():
    module = AuthentikModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, run)


if __name__ == "__main__":
    main()
