#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: authentik_service_account
short_description: Manage a service account in authentik
version_added: 0.1.0
description:
  - Create or delete an authentik service account, a user of type C(service_account) made by
    C(POST /core/users/service_account/), and manage the expiry of its app password.
  - authentik's endpoint is not idempotent (a second call with the same name fails). The module looks the user up
    first (one request) and creates the account only when there is no user of that name; an existing account is
    compared, never created again. After a lost answer the account is looked up again before anything else, so a
    retry never creates it twice.
  - authentik creates the account together with an B(app password), a token of intent C(app_password) named
    C(service-account-<name>-password). An app password B(cannot call authentik's API); it is meant for logging in
    through flows such as LDAP or OAuth client credentials. A machine that calls the API needs an API token (intent
    C(api)), which M(akops.authentik.authentik_token) creates for the account (see the examples).
  - 'The machine-identity pattern: this module makes the account, M(akops.authentik.authentik_token) gives it an API
    token (C(intent: api), C(expiring: false)), M(akops.authentik.authentik_role) defines what it may do, and
    M(akops.authentik.authentik_user) with O(akops.authentik.authentik_user#module:roles) gives it the role
    (authentik 2025.12 and later; before, put the account in a group that holds the role).'
author:
  - akops maintainers (@akops)
extends_documentation_fragment:
  - akops.authentik.authentik
  - akops.authentik.authentik.ACTIONGROUP
  - akops.authentik.authentik.ATTRIBUTES
options:
  name:
    description:
      - The service account's name, which authentik uses as its username (and display name); it selects the
        account (exact match). 1 to 150 characters; surrounding spaces are trimmed.
      - A user of that name that is not of type C(service_account) is never changed or deleted; the task fails
        before anything is written.
    type: str
    required: true
  state:
    description:
      - V(present) creates the account when there is no user of that name and, for an existing account, brings the
        expiry of its app password in line with O(expiring) and O(expires).
      - V(absent) deletes the account (C(DELETE /core/users/{pk}/)) when it exists. authentik deletes the account's
        tokens with it, its API tokens included. A group made by O(create_group) is not deleted.
      - Deleting the user that owns the API token the task runs with is refused, in check mode too, unless
        O(allow_self_lockout=true).
    type: str
    choices: [present, absent]
    default: present
  create_group:
    description:
      - Also create a group with the account's name, holding the account. authentik does this only when the API
        token's owner holds the global C(authentik_core.add_group) permission and otherwise skips it silently.
      - Used only when the account is created. For an existing account the module neither looks for nor creates a
        group (any group of that name may belong to something else), so the option changes nothing later.
      - A new account with V(true) next to an existing group of the same name is refused before anything is written;
        authentik before 2025.12 would create a second group of that name, later releases refuse the account.
      - authentik's default is V(false).
    type: bool
  expiring:
    description:
      - Whether the app password expires. authentik's default for a new account is V(true).
      - For an existing account, a different value is set on its app password (C(PATCH /core/tokens/{identifier}/)).
      - authentik also stores the value given at creation in the user attribute
        C(goauthentik.io/user/token-expires); the module does not change that attribute later.
    type: bool
  expires:
    description:
      - When the app password expires, as ISO 8601, for example V(2030-01-01T00:00:00Z). Compared as an instant;
        a value without a time zone is taken as UTC.
      - A new account without it gets an app password valid for 360 days.
      - For an existing account, a different instant is set on its app password. authentik limits a later change of
        an app password's expiry to its maximum token lifetime (the tenant's default token duration, one day unless
        changed, or the C(goauthentik.io/user/token-maximum-lifetime) group attribute) and refuses one beyond it.
    type: str
  return_token:
    description:
      - Return the new app password in RV(token) when the account is created. authentik shows it only in the answer
        to the create; it is never returned for an existing account.
      - 'The app password is a credential. A returned value cannot be masked and still be usable, so Ansible cannot
        hide it for you: put C(no_log: true) on the task. It never appears in the diff, an error or a warning.'
      - Remember that the app password cannot call the API; for that, create an API token.
    type: bool
    default: false
  allow_self_lockout:
    description:
      - Delete the account even when it owns the API token the task runs with; the task's token stops working.
    type: bool
    default: false
notes:
  - Uses C(GET /core/users/?username=), C(POST /core/users/service_account/), C(GET /core/tokens/{identifier}/),
    C(PATCH /core/tokens/{identifier}/), C(GET /core/tokens/{identifier}/view_key/) (only to read back the app
    password after a lost answer, with O(return_token=true)), C(GET /core/groups/?name=) (only to create with
    O(create_group=true)) and C(DELETE /core/users/{pk}/).
  - An existing, up-to-date account costs one request; with O(expiring) or O(expires), two (the app password is
    read). A new account costs two reads before the create (the user, and the app password's identifier, which must
    be free), three with O(create_group=true) (also the group name). authentik allows the create only with the
    global C(authentik_core.add_user) and C(authentik_core.add_token) permissions (in practice, a superuser token).
  - A PATCH of the app password always carries its current C(user) and C(intent); authentik would otherwise give
    the token to the caller and make it an API token.
  - When the app password of an existing account no longer exists (deleted by hand), O(expiring) and O(expires)
    cannot be compared; the task warns and changes nothing. The module does not create app passwords.
  - Up to authentik 2025.8 the server does not trim the name; the module sends it trimmed, so every release stores
    the same username.
seealso:
  - module: akops.authentik.authentik_token
  - module: akops.authentik.authentik_role
  - module: akops.authentik.authentik_user
"""

EXAMPLES = r"""
- name: A service account for a backup job
  akops.authentik.authentik_service_account:
    name: backup-bot

- name: A service account whose app password does not expire, returned once, when it is created
  akops.authentik.authentik_service_account:
    name: ldap-sync
    expiring: false
    return_token: true
  # The app password is a credential; a returned value cannot be masked, so keep the task out of the output.
  no_log: true
  register: ldap_sync

- name: Keep the app password for the LDAP client, in the run that created it (it cannot call the API)
  ansible.builtin.set_fact:
    ldap_sync_password: "{{ ldap_sync.token }}"
  when: ldap_sync.token is defined
  no_log: true

- name: A service account whose app password expires at a given time
  akops.authentik.authentik_service_account:
    name: report-reader
    expires: "2030-01-01T00:00:00Z"

- name: Stop the app password of an existing account from expiring
  akops.authentik.authentik_service_account:
    name: backup-bot
    expiring: false

# The machine-identity pattern: an account, a role, and an API token to call authentik's API with.
- name: A service account for a provisioning job
  akops.authentik.authentik_service_account:
    name: provisioner

- name: What the job may do
  akops.authentik.authentik_role:
    name: provisioner
    permissions:
      - authentik_core.view_user
      - authentik_core.add_user

- name: Give the role to the account (authentik 2025.12 and later; before, through a group)
  akops.authentik.authentik_user:
    username: provisioner
    roles: [provisioner]

- name: An API token for the account; only intent api can call the API, and it should not expire for automation
  akops.authentik.authentik_token:
    identifier: provisioner-api
    user: provisioner
    intent: api
    expiring: false
    return_key: true
  no_log: true
  register: provisioner_token

- name: Delete a service account, with its tokens
  akops.authentik.authentik_service_account:
    name: backup-bot
    state: absent
"""

RETURN = r"""
service_account:
  description:
    - The account after the task, or as found when nothing changed; in check mode, as it would be. Empty after
      O(state=absent).
    - C(pk), C(username) and C(uid) are the user's; C(token_identifier) names its app password. C(group_pk) is
      there when the task created a group. C(expiring) and C(expires) are the app password's, when the task read or
      set them (C(expires) of a new account only when O(expires) was given). Never the app password itself.
  returned: always
  type: dict
  sample:
    pk: 42
    username: ldap-sync
    uid: 9f2c4e1ab0d35e7c8a61f4b2c9e7d3051f6a8e0b7c429b3f0e4c7a9f2d1f6a8e
    token_identifier: service-account-ldap-sync-password
    expiring: false
token:
  description:
    - The new account's app password (a token of intent C(app_password), which cannot call the API).
    - 'Only with O(return_token=true), and only in the run that creates the account (not in check mode). Put
      C(no_log: true) on the task.'
  returned: when the account was created and O(return_token=true)
  type: str
changed_fields:
  description: What the task changed (or would change in check mode); on creation the fields sent, later C(expiring)
    and C(expires), and C(state) for a deletion.
  returned: always
  type: list
  elements: str
  sample: [expires]
diff:
  description: The account's name, with C(create_group) when given and the managed expiry fields; never a token.
  returned: always
  type: dict
"""

from ansible_collections.akops.authentik.plugins.module_utils import resources
from ansible_collections.akops.authentik.plugins.module_utils.converge import apply_plan, guard_self_lockout
from ansible_collections.akops.authentik.plugins.module_utils.errors import AuthentikError
from ansible_collections.akops.authentik.plugins.module_utils.module import (
    AuthentikModule,
    connection_argument_spec,
    run_module,
)
from ansible_collections.akops.authentik.plugins.module_utils.service_accounts import (
    manages_expiry,
    normalize_service_account_params,
    password_token_identifier,
    plan_service_account,
    refuse_other_users,
    refuse_taken_group_name,
    refuse_taken_identifier,
    service_account_diff,
    token_secret_free,
    validate_service_account_params,
)


def refuse_clashes_of_new_account(client, params):
    """What would make authentik refuse the new account (or make a second group), checked before the create and in
    check mode too: its token identifier taken, and with create_group a group of its name."""
    refuse_taken_identifier(params, resources.find_token(client, password_token_identifier(params["name"])))
    if params["create_group"]:
        refuse_taken_group_name(params, resources.find_group(client, name=params["name"]))


def read_password_token(module, client, params, user):
    """The existing account's app password, when the expiry options ask for it; a warning when it is gone."""
    if user is None or not manages_expiry(params):
        return None
    identifier = password_token_identifier(user["username"])
    token = resources.find_token(client, identifier)
    if token is None:
        module.warn("service account %r has no app password %r any more (it was deleted), so expiring and expires "
                    "were not compared and nothing was changed" % (user["username"], identifier))
    return token


def create(module, client, plan, params):
    """The create, with the app password taken out of the answer: returned only when asked, hidden otherwise."""
    try:
        account = apply_plan(client, plan, module.check_mode)
    except AuthentikError as error:
        raise token_secret_free(error)
    account = dict(plan.predicted, **account)
    token = account.pop("token", None)
    if module.check_mode or not params["return_token"]:
        if token:
            # Never returned, so Ansible may mask it wherever it might still turn up.
            module.no_log_values.add(token)
        return account, None
    return account, token or read_back_token(module, client, account)


def read_back_token(module, client, account):
    """After a lost answer the account was found again without its app password; view_key reads it back."""
    try:
        return resources.view_token_key(client, account["token_identifier"])
    except AuthentikError as error:
        module.warn("service account %r was created, but the answer holding its app password was lost and "
                    "reading it back failed (%s); no token is returned" % (account["username"], error.msg))
        return None


def run(module, client):
    """One lookup, the app password when the expiry options are given, one plan, then at most one write."""
    params = normalize_service_account_params(module.params)
    validate_service_account_params(params)
    user = resources.find_user(client, username=params["name"])
    refuse_other_users(params, user)
    if user is None and params["state"] == "present":
        refuse_clashes_of_new_account(client, params)
    token = read_password_token(module, client, params, user)
    plan = plan_service_account(params, user, token)
    if plan.action == "delete" and not params["allow_self_lockout"]:
        # Only the deletion is a user plan; a token change cannot lock the task out.
        guard_self_lockout(client, [plan])
    result = dict(changed=plan.changed, changed_fields=plan.changed_fields)
    if plan.action == "create":
        after, secret = create(module, client, plan, params)
        if secret:
            result["token"] = secret
    else:
        after = apply_plan(client, plan, module.check_mode)
    result.update(service_account=after, diff=service_account_diff(params, plan, after))
    return result


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        create_group=dict(type="bool"),
        expiring=dict(type="bool"),
        expires=dict(type="str"),
        return_token=dict(type="bool", default=False, no_log=False),
        allow_self_lockout=dict(type="bool", default=False),
    )
    return spec


def main():
    module = AuthentikModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, run)


if __name__ == "__main__":
    main()
