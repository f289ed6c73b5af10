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
      - The module refuses to deactivate or delete the user that owns the API token it runs with, since the
        task would lock itself (and often its operator) out. V(true) allows it.
      - The owner is looked up (C(GET /core/users/me/)) only when a task would deactivate or delete a user.
    type: bool
    default: false
notes:
  - Uses C(GET /core/users/?username=), C(POST /core/users/), C(PATCH /core/users/{pk}/),
    C(DELETE /core/users/{pk}/) and C(POST /core/users/{pk}/set_password/); never C(PUT), which would clear
    group memberships that are not sent.
seealso:
  - name: authentik users API
    description: The API the module talks to.
    link: https://docs.goauthentik.io/developer-docs/api/
"""

EXAMPLES = r"""
- name: Ensure a user exists with name, email and groups
  akops.authentik.authentik_user:
    api_url: https://auth.example.com
    api_token: "{{ authentik_token }}"
    username: jdoe
    name: Jane Doe
    email: jdoe@example.com
    groups:
      - engineering
    attributes:
      team: platform

- name: Create a user with an initial password (set only when the user is created)
  akops.authentik.authentik_user:
    username: svc-backup
    name: Backup service
    type: service_account
    password: "{{ vault_backup_password }}"

- name: Make group membership exactly these groups
  akops.authentik.authentik_user:
    username: jdoe
    groups:
      - engineering
      - oncall
    groups_mode: exact

- name: Remove an attribute key and keep the others
  akops.authentik.authentik_user:
    username: jdoe
    attributes:
      legacy_id: null

- name: Rename a user selected by its primary key
  akops.authentik.authentik_user:
    pk: 42
    username: jane.doe

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
      api_url: https://auth.example.com
      api_token: "{{ authentik_token }}"
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
    attributes:
      team: platform
changed_fields:
  description: Names of the fields the task changed (or would change in check mode); C(password) when it is set.
  returned: always
  type: list
  elements: str
  sample: [email, groups]
diff:
  description: The managed fields before and after, groups as sorted names; the password as C(********).
  returned: always
  type: dict
  sample:
    before: {email: old@example.com, groups: [staff]}
    after: {email: jdoe@example.com, groups: [engineering, staff]}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.akops.authentik.plugins.module_utils import resources
from ansible_collections.akops.authentik.plugins.module_utils.compare import (
    desired_attributes,
    entries_to_resolve,
    match_known,
    target_set,
)
from ansible_collections.akops.authentik.plugins.module_utils.errors import (
    AuthentikError,
    NotFoundError,
    ValidationError,
)
from ansible_collections.akops.authentik.plugins.module_utils.module import (
    connection_argument_spec,
    run_module,
)
from ansible_collections.akops.authentik.plugins.module_utils.users import (
    USER_TYPES,
    apply_patch,
    build_patch,
    create_body,
    current_groups,
    desired_scalars,
    managed_fields,
    managed_view,
    new_user,
    validate_params,
)


def plan_groups(client, user, params):
    """(target set of group UUIDs or None, {uuid: group object}); looks up only groups that change membership."""
    requested = params["groups"]
    if requested is None:
        return None, {}
    mode = params["groups_mode"]
    known = current_groups(user)
    found, dummy = match_known(requested, known)
    resolved = resources.resolve_groups(client, entries_to_resolve(requested, known, mode))
    requested_pks = [found[entry] if entry in found else resolved[entry]["pk"]
                     for entry in requested if entry in found or entry in resolved]
    group_info = dict((group["pk"], group) for group in user.get("groups_obj") or [])
    group_info.update((group["pk"], group) for group in resolved.values())
    return target_set(known, requested_pks, mode), group_info


def planned_attributes(user, params):
    if params["attributes"] is None:
        return None
    return desired_attributes(user.get("attributes"), params["attributes"], params["attributes_mode"])


def result(changed_fields, before, after, managed, password_set):
    return dict(
        changed=bool(changed_fields),
        user=after,
        changed_fields=changed_fields,
        diff=dict(
            before=managed_view(before, managed),
            after=managed_view(after, managed, set_password=password_set),
        ),
    )


def refuse_self_lockout(module, client, user, action):
    """Fail before writing when the change would deactivate or delete the token's own user."""
    if module.params["allow_self_lockout"]:
        return
    if resources.token_owner(client)["pk"] == user["pk"]:
        raise ValidationError(
            "Refusing to %s user %r: it owns the API token this task runs with, so the task would lock itself out; "
            "set allow_self_lockout: true to do it anyway" % (action, user["username"]))


def ensure_absent(module, client, user):
    if user is None:
        return dict(changed=False, user={}, changed_fields=[], diff=dict(before={}, after={}))
    refuse_self_lockout(module, client, user, "delete")
    if not module.check_mode:
        resources.delete_user(client, user["pk"])
    return dict(
        changed=True,
        user={},
        changed_fields=["state"],
        diff=dict(before=dict(username=user["username"], state="present"),
                  after=dict(username=user["username"], state="absent")),
    )


def set_password_or_undo_create(client, user, password):
    """A new user whose password could not be set is deleted again, so no account is left half-made."""
    try:
        resources.set_password(client, user["pk"], password)
    except AuthentikError as error:
        try:
            resources.delete_user(client, user["pk"])
            error.msg += "; the user created in this run was deleted again, so a rerun starts clean"
        except AuthentikError as cleanup_error:
            error.msg += "; deleting the half-created user also failed: %s" % cleanup_error.msg
        error.args = (error.msg,)
        raise error


def ensure_created(module, client):
    params = module.params
    group_pks, group_info = plan_groups(client, {}, params)
    body = create_body(desired_scalars(params), planned_attributes({}, params), group_pks)
    password_set = params["password"] is not None
    if module.check_mode:
        user = new_user(body, group_info)
    else:
        user = resources.create_user(client, body)
        if password_set:
            set_password_or_undo_create(client, user, params["password"])
    changed_fields = sorted(body) + (["password"] if password_set else [])
    return result(changed_fields, {}, user, managed_fields(params), password_set)


def ensure_updated(module, client, user):
    params = module.params
    group_pks, group_info = plan_groups(client, user, params)
    patch = build_patch(user, desired_scalars(params), planned_attributes(user, params), group_pks)
    password_set = params["password"] is not None and params["update_password"] == "always"
    if patch.get("is_active") is False:
        refuse_self_lockout(module, client, user, "deactivate")
    after = apply_patch(user, patch, group_info)
    if not module.check_mode:
        if patch:
            # The PATCH answer is the new user: no re-read.
            after = resources.update_user(client, user["pk"], patch)
        if password_set:
            resources.set_password(client, user["pk"], params["password"])
    changed_fields = sorted(patch) + (["password"] if password_set else [])
    return result(changed_fields, user, after, managed_fields(params), password_set)


def run(module, client):
    params = module.params
    validate_params(params)
    user = resources.find_user(client, username=params["username"], pk=params["pk"], uuid=params["uuid"])
    if params["state"] == "absent":
        return ensure_absent(module, client, user)
    if user is not None:
        return ensure_updated(module, client, user)
    if params["pk"] is not None or params["uuid"] is not None:
        raise NotFoundError("No user with %s; users are created by username, without pk or uuid" % (
            "pk %s" % params["pk"] if params["pk"] is not None else "uuid %s" % params["uuid"]))
    return ensure_created(module, client)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        username=dict(type="str"),
        pk=dict(type="int"),
        uuid=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        name=dict(type="str"),
        email=dict(type="str"),
        is_active=dict(type="bool"),
        path=dict(type="str"),
        type=dict(type="str", choices=list(USER_TYPES)),
        last_login=dict(type="str"),
        attributes=dict(type="dict"),
        attributes_mode=dict(type="str", default="merge", choices=["merge", "replace"]),
        groups=dict(type="list", elements="str"),
        groups_mode=dict(type="str", default="add", choices=["add", "remove", "exact"]),
        password=dict(type="str", no_log=True),
        update_password=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
        allow_self_lockout=dict(type="bool", default=False),
    )
    return spec


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_one_of=[("username", "pk", "uuid")],
        mutually_exclusive=[("pk", "uuid")],
        supports_check_mode=True,
    )
    run_module(module, run)


if __name__ == "__main__":
    main()
