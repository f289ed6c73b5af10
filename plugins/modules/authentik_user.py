#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: authentik_user
short_description: Manage a user in authentik
version_added: 0.1.0
description:
  - Create, update or delete one authentik user through the REST API.
  - The module reads the user once, compares it with the requested options and sends one partial
    update (C(PATCH)) carrying only the fields that differ. An up-to-date user costs one request.
  - Options that are not given are never sent and never shown in the diff.
author:
  - akops maintainers (@akops)
extends_documentation_fragment:
  - akops.authentik.authentik
  - akops.authentik.authentik.ACTIONGROUP
  - akops.authentik.authentik.ATTRIBUTES
options:
  username:
    description:
      - The username, 1 to 150 characters. Usernames are case-sensitive in authentik.
      - Without O(pk) or O(uuid) it selects the user (exact match) and is required.
      - With O(pk) or O(uuid), a different value renames the selected user.
    type: str
  pk:
    description:
      - Select an existing user by its integer primary key instead of its username.
      - A user selected by O(pk) cannot be created; O(state=absent) on a missing pk is not an error.
    type: int
  uuid:
    description:
      - Select an existing user by its UUID (authentik 2023.10 and later).
    type: str
  state:
    description:
      - V(present) creates or updates the user; V(absent) deletes it when it exists.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The display name. A user created without it gets an empty name, as authentik allows.
    type: str
  email:
    description:
      - The email address, at most 254 characters; an empty string clears it.
    type: str
  is_active:
    description:
      - Whether the user can log in. Deactivating a user also ends its sessions.
    type: bool
  path:
    description:
      - The user's path in the directory, for example V(users) or V(staff/berlin);
        no leading or trailing slash, no empty segment.
    type: str
  type:
    description:
      - The user type (authentik 2023.8 and later).
    type: str
    choices: [internal, external, service_account]
  last_login:
    description:
      - The last login time as ISO 8601, for example when migrating users from another system.
      - Compared as an instant, so V(2024-05-01T10:00:17.885Z) and V(2024-05-01T10:00:17.885000+00:00) are equal.
        A value without a time zone is taken as UTC.
    type: str
  attributes:
    description:
      - Custom attributes of the user. See O(attributes_mode).
      - authentik replaces the whole attributes object on every write, so the module always sends the complete
        resulting object, and only when it differs from the current one.
    type: dict
  attributes_mode:
    description:
      - V(merge) applies O(attributes) as a JSON Merge Patch (RFC 7386) onto the current attributes. Nested
        dictionaries merge, a key set to V(null) is removed, keys not mentioned are kept (including authentik's
        own C(goauthentik.io/...) and C(settings) keys).
      - V(replace) makes the attributes exactly O(attributes).
    type: str
    choices: [merge, replace]
    default: merge
  groups:
    description:
      - Group names or group UUIDs. See O(groups_mode).
      - An entry written as a UUID (8-4-4-4-12 hexadecimal digits, any letter case) is taken as the group's UUID;
        every other entry is a name, matched exactly. A group whose name itself is written like a UUID is
        therefore referenced by its own UUID (its C(pk)).
      - Names are looked up only when membership must change; an unknown group fails the task before anything
        is written.
    type: list
    elements: str
  groups_mode:
    description:
      - V(add) ensures membership in O(groups) and keeps other groups.
      - V(remove) ensures the user is not a member of O(groups); entries the user is not a member of are ignored.
      - V(exact) makes the user's direct memberships exactly O(groups).
    type: str
    choices: [add, remove, exact]
    default: add
  roles:
    description:
      - RBAC role names or role UUIDs that the user holds directly (authentik 2025.12 and later). See O(roles_mode).
      - An entry written as a UUID (8-4-4-4-12 hexadecimal digits, any letter case) is taken as the role's UUID;
        every other entry is a name, matched exactly.
      - Names are looked up only when the user's roles must change; an unknown role fails the task before anything
        is written.
      - The roles go in the same single write as the other fields.
      - Servers before authentik 2025.12 cannot give users roles directly (only through groups, see
        M(akops.authentik.authentik_group)) and would ignore the field, so the task fails there, before any write
        and in check mode too. To tell, the module reads the user; when it is about to create the user, it asks
        C(GET /core/users/me/) instead.
    type: list
    elements: str
  roles_mode:
    description:
      - V(add) ensures the user holds O(roles) and keeps its other roles.
      - V(remove) ensures the user does not hold O(roles); roles the user does not hold are ignored, and nothing is
        looked up.
      - V(exact) makes the user's direct roles exactly O(roles), except that the user's own managed role
        C(ak-managed-role--user-<pk>) stays even when the list does not name it, as O(attributes_mode=merge) keeps
        authentik's own keys. authentik keeps in it the permissions it grants on the user's behalf (on the tokens
        the user creates, for example); name it with V(remove) to take it away.
    type: str
    choices: [add, remove, exact]
    default: add
  password:
    description:
      - The password to set, through C(POST /core/users/{pk}/set_password/). See O(update_password).
      - Never shown in output or diffs; the diff shows C(********) when the password will be set.
      - If setting the password of a user created in the same task fails, the new user is deleted again.
    type: str
  update_password:
    description:
      - V(on_create) sets O(password) only when the user is created.
      - V(always) sets it on every run, and the task then always reports changed, because passwords cannot be read back
        to compare, so this choice is not idempotent.
    type: str
    choices: [on_create, always]
    default: on_create
  allow_self_lockout:
    description:
      - The module refuses changes that would cut off the API token it runs with, since the task would lock itself
        (and often its operator) out. V(true) allows them.
      - These are deactivating or deleting the user that owns the token, and removing that user from groups
        (O(groups_mode=exact) or V(remove)) when it would then no longer be a superuser, through a direct group
        or a parent group.
      - The owner is looked up (C(GET /core/users/me/)) only when a task would deactivate or delete a user, or
        take a superuser out of groups; the group list only when the owner's own superuser status is at stake.
      - Roles are not weighed. An owner that is not a superuser holds its rights through roles, and a task that
        takes those roles away is not refused; run such changes with a superuser's token.
    type: bool
    default: false
notes:
  - Uses C(GET /core/users/?username=), C(POST /core/users/), C(PATCH /core/users/{pk}/),
    C(DELETE /core/users/{pk}/) and C(POST /core/users/{pk}/set_password/); never C(PUT), which would clear
    group memberships and roles that are not sent. Role names are looked up with C(GET /rbac/roles/?name=).
seealso:
  - name: authentik users API
    description: The API the module talks to.
    link: https://docs.goauthentik.io/developer-docs/api/
"""

EXAMPLES = r"""
# The connection (api_url, api_token) comes from module_defaults (see the last example)
# or from the AUTHENTIK_URL and AUTHENTIK_TOKEN environment variables.

- name: Ensure the groups that the users below join exist
  akops.authentik.authentik_group:
    name: "{{ item }}"
  loop:
    - engineering
    - oncall

- name: Ensure a user exists with name, email and groups
  akops.authentik.authentik_user:
    username: jdoe
    name: Jane Doe
    email: jdoe@example.com
    groups:
      - engineering
    attributes:
      team: platform
      legacy_id: "1042"

- name: Create a user with an initial password (set only when the user is created)
  akops.authentik.authentik_user:
    username: svc-backup
    name: Backup service
    type: service_account
    # Generated once and kept in credentials/svc-backup next to the playbook.
    password: "{{ lookup('ansible.builtin.password', 'credentials/svc-backup', length=32) }}"

- name: Make group membership exactly these groups
  akops.authentik.authentik_user:
    username: jdoe
    groups:
      - engineering
      - oncall
    groups_mode: exact

- name: Ensure the roles that the user below holds exist
  akops.authentik.authentik_role:
    name: "{{ item }}"
  loop:
    - helpdesk
    - auditors

- name: Give a user a role directly (authentik 2025.12 and later)
  akops.authentik.authentik_user:
    username: jdoe
    roles:
      - helpdesk

- name: Make the user's roles exactly these; its own managed role stays
  akops.authentik.authentik_user:
    username: jdoe
    roles: [auditors]
    roles_mode: exact

- name: Take a role away
  akops.authentik.authentik_user:
    username: jdoe
    roles: [auditors]
    roles_mode: remove

- name: Remove an attribute key and keep the others
  akops.authentik.authentik_user:
    username: jdoe
    attributes:
      legacy_id: null

- name: Create a user and keep the result
  akops.authentik.authentik_user:
    username: asmith
    name: Alex Smith
  register: created

- name: Rename a user selected by its primary key
  akops.authentik.authentik_user:
    pk: "{{ created.user.pk }}"
    username: alex.smith

- name: Deactivate a user
  akops.authentik.authentik_user:
    username: jdoe
    is_active: false

- name: Delete a user
  akops.authentik.authentik_user:
    username: jdoe
    state: absent

- name: Set the connection once for every authentik task
  module_defaults:
    group/akops.authentik.authentik:
      api_url: "{{ authentik_url }}"  # for example https://auth.example.com
      api_token: "{{ authentik_token }}"  # for example from Ansible Vault
  block:
    - name: Ensure the user exists
      akops.authentik.authentik_user:
        username: jdoe
"""

RETURN = r"""
user:
  description:
    - The user as the server returned it after the change, or as found when nothing changed.
    - In check mode, the user as the server would return it.
    - Empty after O(state=absent).
    - The user's direct roles are in C(roles) and C(roles_obj), from authentik 2025.12 on.
  returned: always
  type: dict
  sample:
    pk: 42
    username: jdoe
    name: Jane Doe
    email: jdoe@example.com
    is_active: true
    path: users
    type: internal
    groups: [4b1cf5c2-6a52-4f0e-9a4e-0d7b0a7b2b11]
    groups_obj:
      - pk: 4b1cf5c2-6a52-4f0e-9a4e-0d7b0a7b2b11
        name: engineering
    roles: [0d5e7c1a-9b3f-4c2e-8a61-5f4b2c9e7d30]
    roles_obj:
      - pk: 0d5e7c1a-9b3f-4c2e-8a61-5f4b2c9e7d30
        name: helpdesk
    attributes:
      team: platform
changed_fields:
  description: Names of the fields the task changed (or would change in check mode); C(password) when it is set.
  returned: always
  type: list
  elements: str
  sample: [email, groups]
diff:
  description: The managed fields before and after, groups and roles as sorted names; the password as C(********).
  returned: always
  type: dict
  sample:
    before: {email: old@example.com, groups: [staff]}
    after: {email: jdoe@example.com, groups: [engineering, staff]}
"""

from ansible_collections.akops.authentik.plugins.module_utils import resources
from ansible_collections.akops.authentik.plugins.module_utils.converge import apply_plan, guard_self_lockout
from ansible_collections.akops.authentik.plugins.module_utils.errors import NotFoundError, ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.module import (
    AuthentikModule,
    connection_argument_spec,
    run_module,
    user_option_spec,
)
from ansible_collections.akops.authentik.plugins.module_utils.roles import (
    refuse_user_roles,
    role_option_spec,
    roles_needing_lookup,
    roles_requested,
    user_roles_known,
)
from ansible_collections.akops.authentik.plugins.module_utils.users import (
    groups_needing_lookup,
    normalize_user_params,
    plan_user,
    user_diff,
    validate_user_params,
)


def find_selected_user(client, params):
    user = resources.find_user(client, username=params["username"], pk=params["pk"], uuid=params["uuid"])
    selected_by_key = params["pk"] is not None or params["uuid"] is not None
    if user is None and selected_by_key and params["state"] == "present":
        raise NotFoundError("No user with %s; users are created by username, without pk or uuid" % (
            "pk %s" % params["pk"] if params["pk"] is not None else "uuid %s" % params["uuid"]))
    return user


def refuse_taken_username(client, params, user):
    """A rename to a username another user has fails here, in check mode too, not with the server's 400 later.
    Costs one lookup, and only when renaming."""
    wanted = params["username"]
    if user is None or params["state"] == "absent" or wanted is None or wanted == user["username"]:
        return
    holder = resources.find_user(client, username=wanted)
    if holder is not None and holder["pk"] != user["pk"]:
        raise ValidationError("Invalid username: %r is already taken by the user with pk %s; renaming user %r "
                              "would fail, so nothing was changed" % (wanted, holder["pk"], user["username"]))


def refuse_roles_the_server_would_ignore(client, params, user):
    """Roles on a server that cannot hold them on users fail here, in check mode too. The user read tells which
    release answers; only a user about to be created costs one more request (GET /core/users/me/)."""
    if not roles_requested(params):
        return
    known = user_roles_known([user])
    refuse_user_roles(known if known is not None else resources.server_has_user_roles(client))


def run(module, client):
    """One lookup, the lookups a change needs, one plan, then at most one write (plus set_password)."""
    params = normalize_user_params(module.params)
    validate_user_params(params)
    user = find_selected_user(client, params)
    refuse_taken_username(client, params, user)
    refuse_roles_the_server_would_ignore(client, params, user)
    resolved = resources.resolve_groups(client, groups_needing_lookup(params, user))
    resolved_roles = resources.resolve_roles(client, roles_needing_lookup(params, user))
    plan = plan_user(params, user, resolved, resolved_roles)
    if not params["allow_self_lockout"]:
        guard_self_lockout(client, [plan])
    after = apply_plan(client, plan, module.check_mode, {"password": params["password"]})
    return dict(changed=plan.changed, user=after, changed_fields=plan.changed_fields,
                diff=user_diff(params, plan, after))


def argument_spec():
    spec = connection_argument_spec()
    spec.update(user_option_spec())
    spec.update(role_option_spec())
    spec.update(
        pk=dict(type="int"),
        uuid=dict(type="str"),
        allow_self_lockout=dict(type="bool", default=False),
    )
    return spec


def main():
    module = AuthentikModule(
        argument_spec=argument_spec(),
        required_one_of=[("username", "pk", "uuid")],
        mutually_exclusive=[("pk", "uuid")],
        supports_check_mode=True,
    )
    run_module(module, run)


if __name__ == "__main__":
    main()
