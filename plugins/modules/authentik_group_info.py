#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: authentik_group_info
short_description: List authentik groups
version_added: 0.1.0
description:
  - Returns the groups that match authentik's list filters; with no filter, every group.
  - Follows every page of the answer, whatever the server's page size or page size cap.
  - Never changes anything.
author:
  - akops maintainers (@akops)
extends_documentation_fragment:
  - akops.authentik.authentik
  - akops.authentik.authentik.ACTIONGROUP
  - akops.authentik.authentik.INFO_MODULE
options:
  name:
    description: Exact group name.
    type: str
  pk:
    description: The group's UUID. Selects one group with a single request; other filters are not applied.
    type: str
  is_superuser:
    description: Only superuser (V(true)) or other (V(false)) groups.
    type: bool
  members_by_username:
    description: Groups that have any of these users as direct members. authentik refuses unknown usernames.
    type: list
    elements: str
  attributes:
    description: 'Attribute values to match, for example C({"team": "ops"}).'
    type: dict
  search:
    description: Free-text search over the group name.
    type: str
  ordering:
    description: A field name to sort by, with a leading C(-) for descending order. authentik's default is V(name).
    type: str
  include_users:
    description:
      - Whether each group carries its members (C(users_obj)). Off by default because large groups make large answers.
    type: bool
    default: false
  page_size:
    description: Groups asked for per request. Servers from 2025.12 on cap it (100 by default).
    type: int
    default: 100
  output:
    description:
      - V(objects) returns the groups as the API does (RV(groups)).
      - V(specs) also returns them as options of M(akops.authentik.authentik_group) (RV(specs)), which converged
        change nothing, and the groups no task can describe exactly (RV(not_exported)). The groups are then read with
        their members whatever O(include_users) says, and every group is listed once more to tell which names are
        unique. See the collection's C(docs/audits.md).
    type: str
    choices: [objects, specs]
    default: objects
seealso:
  - module: akops.authentik.authentik_group
"""

EXAMPLES = r"""
- name: Ensure the engineering group exists
  akops.authentik.authentik_group:
    name: engineering

- name: Ensure jdoe exists, in the engineering group
  akops.authentik.authentik_user:
    username: jdoe
    groups: [engineering]

- name: Read one group with its members
  akops.authentik.authentik_group_info:
    name: engineering
    include_users: true
  register: engineering

- name: Groups that jdoe is a direct member of
  akops.authentik.authentik_group_info:
    members_by_username: [jdoe]
  register: jdoe_groups

- name: Show their names
  ansible.builtin.debug:
    msg: "{{ jdoe_groups.groups | map(attribute='name') | list }}"

- name: Export the engineering group as authentik_group options
  akops.authentik.authentik_group_info:
    name: engineering
    output: specs
  register: exported

- name: Converging the export changes nothing
  akops.authentik.authentik_group:
    name: "{{ item.name }}"
    pk: "{{ item.pk | default(omit) }}"
    is_superuser: "{{ item.is_superuser }}"
    parent: "{{ item.parent }}"
    attributes: "{{ item.attributes }}"
    attributes_mode: "{{ item.attributes_mode }}"
    users: "{{ item.users }}"
    users_mode: "{{ item.users_mode }}"
    roles: "{{ item.roles | default(omit) }}"
    roles_mode: "{{ item.roles_mode | default(omit) }}"
  loop: "{{ exported.specs }}"
  loop_control:
    label: "{{ item.name }}"
"""

RETURN = r"""
groups:
  description: The matching groups, as the API returns them, in the server's order.
  returned: always
  type: list
  elements: dict
  sample:
    - pk: 9e3c4c2a-5f1e-4a7e-9d55-0f1c3b8e2a11
      name: engineering
      is_superuser: false
      users: [42]
      attributes: {}
specs:
  description:
    - With O(output=specs), the matched groups as options of M(akops.authentik.authentik_group), sorted by name;
      each holds C(name), C(is_superuser), C(parent) (by name; V("") for none), C(attributes) with C(attributes_mode=replace),
      C(users) (members by username, sorted; by pk where a username has surrounding spaces) with
      C(users_mode=exact), and where the server's groups hold roles C(roles) as sorted names with
      C(roles_mode=exact).
    - A group whose name is not unique (possible before authentik 2025.12) also carries C(pk), which selects it; a
      parent of such a name is given by UUID. The group's own managed role C(ak-managed-role--group-<uuid>) is left
      out; C(roles_mode=exact) keeps it.
  returned: when O(output=specs)
  type: list
  elements: dict
  sample:
    - name: engineering
      is_superuser: false
      parent: ""
      attributes: {}
      attributes_mode: replace
      users: [jdoe]
      users_mode: exact
      roles: []
      roles_mode: exact
not_exported:
  description:
    - With O(output=specs), the matched groups that no task can describe exactly, with the reason. A group with
      several parents (authentik 2025.12 and later) is one, since the module's O(akops.authentik.authentik_group#module:parent)
      takes one group, and a task with one of them would drop the others.
  returned: when O(output=specs)
  type: list
  elements: dict
  sample:
    - name: berlin-oncall
      pk: 9e3c4c2a-5f1e-4a7e-9d55-0f1c3b8e2a11
      reason: has 2 parents (authentik 2025.12 and later); authentik_group manages exactly one
"""

from ansible_collections.akops.authentik.plugins.module_utils import export, resources
from ansible_collections.akops.authentik.plugins.module_utils import validation as check
from ansible_collections.akops.authentik.plugins.module_utils.compare import (
    canonical_uuid,
    is_uuid,
)
from ansible_collections.akops.authentik.plugins.module_utils.module import (
    AuthentikModule,
    connection_argument_spec,
    read_listing,
    run_module,
)

FILTERS = ("name", "is_superuser", "members_by_username", "attributes", "search", "ordering", "include_users")


def find_one(client, params):
    """The group `pk` selects; a pk that is no UUID could lead the request out of the groups endpoint."""
    check.validate(params, (("pk", lambda value: None if is_uuid(value.strip()) else "%r is not a UUID" % value),))
    return lambda pk: resources.find_group(client, pk=canonical_uuid(pk.strip()), include_users=params["include_users"])


def run(module, client):
    if module.params["output"] == "specs":
        # A spec names the members, so the groups are read with them.
        module.params["include_users"] = True
    groups = read_listing(module, client, "group", find_one(client, module.params), resources.GROUPS, FILTERS,
                          "include_users")
    if module.params["output"] != "specs":
        return dict(changed=False, groups=groups)
    every_group = resources.list_objects(client, resources.GROUPS, {"include_users": False},
                                         module.params["page_size"])
    specs, skipped = export.group_specs(groups, every_group)
    return dict(changed=False, groups=groups, specs=specs, not_exported=skipped)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        name=dict(type="str"),
        pk=dict(type="str"),
        is_superuser=dict(type="bool"),
        members_by_username=dict(type="list", elements="str"),
        attributes=dict(type="dict"),
        search=dict(type="str"),
        ordering=dict(type="str"),
        include_users=dict(type="bool", default=False),
        page_size=dict(type="int", default=100),
        output=dict(type="str", default="objects", choices=["objects", "specs"]),
    )
    return spec


def main():
    module = AuthentikModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, run)


if __name__ == "__main__":
    main()
