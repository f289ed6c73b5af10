#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: authentik_token
short_description: Manage an API token or app password in authentik, and its key
version_added: 0.1.0
description:
  - Create, update or delete one authentik token (C(/core/tokens/)), selected by its identifier, and set, rotate
    or return its key.
  - The module reads the token once, compares it with the requested options and sends one partial update
    (C(PATCH)) carrying the fields that differ. An up-to-date token costs one request; its key is read only when
    O(key) or O(return_key) asks for it.
  - Every C(PATCH) also carries the token's current owner and intent, because authentik fills in missing ones
    with the caller and V(api); without them, an update would give the token to the API token's owner and turn
    an app password into an API token.
  - Options that are not given are never sent and never shown in the diff.
author:
  - akops maintainers (@akops)
extends_documentation_fragment:
  - akops.authentik.authentik
  - akops.authentik.authentik.ACTIONGROUP
  - akops.authentik.authentik.ATTRIBUTES
options:
  identifier:
    description:
      - The token's identifier, which selects it. A slug of letters, digits, C(-) and C(_), at most 255 characters.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the token; V(absent) deletes it when it exists.
    type: str
    choices: [present, absent]
    default: present
  user:
    description:
      - The token's owner, by username (a string) or pk (an integer). A new token without it belongs to the owner
        of the API token the module runs with, as in authentik.
      - An existing token's owner is compared with the token as read (its C(user) pk and C(user_obj) username), so
        it costs no lookup; the user is looked up only for a new token or a value the token does not match. A user
        that does not exist fails the task before any write.
      - authentik cannot give a token another owner. A different owner for an existing token fails before any
        write; delete the token and create it again.
      - A pk from a template is an integer from ansible-core 2.19 on; earlier releases turn it into a string, which
        is taken as a username. Give the username there.
    type: raw
  intent:
    description:
      - V(api) tokens authenticate API calls (as a bearer token). V(app_password) tokens are passwords a user
        enters in a login flow; they cannot authenticate API calls.
      - A new token without it is an V(api) token, as in authentik. An existing token keeps its intent unless the
        option asks for another; authentik accepts a change between these two intents.
      - V(api) or V(app_password). The intents C(verification) and C(recovery) are authentik's own (its flows make
        such tokens) and are refused with an explanation. The module does not change tokens that have them, but
        deletes them with O(state=absent).
    type: str
  description:
    description:
      - A free text description. authentik trims surrounding spaces.
    type: str
  expiring:
    description:
      - Whether the token expires. authentik's default for a new token is V(true).
      - An expiring API token is not deleted when it expires, authentik gives it a new key then; an expiring app
        password is deleted. Use V(false) for tokens that automation keeps using.
    type: bool
  expires:
    description:
      - When an app password expires, as an ISO 8601 date and time (for example V(2030-01-01T00:00:00Z); without an
        offset, UTC). Compared as an instant, so other spellings of the same moment are no change.
      - Only for O(intent=app_password). authentik sets the expiry of an API token itself, to now plus the tenant's
        default token duration (a day unless changed), on every create and every update; the option is refused for
        API tokens, which cannot hold another expiry. So any update of an expiring API token also moves its expiry
        forward. For an API token that does not expire, use O(expiring=false).
      - authentik refuses an expiry beyond its maximum lifetime (the owner's group attribute
        C(goauthentik.io/user/token-maximum-lifetime), else the default token duration from now); the task then
        fails with authentik's message.
    type: str
  key:
    description:
      - The key to give the token, through C(POST /core/tokens/{identifier}/set_key/). For an existing token the key
        is read first (C(GET .../view_key/)) and set only when it differs, so the task is idempotent.
      - Never shown in output, diffs or errors; the diff shows C(key) as C(********) when the key will be set.
      - A non-empty string without spaces, line breaks or control characters (an API token's key travels in an
        HTTP header).
      - Refused together with O(rotate=true).
    type: str
  rotate:
    description:
      - V(true) gives the token a fresh random key (60 letters and digits from the operating system's secure random
        source, like authentik's own keys) on every run, so the task always reports a change.
      - The new key is returned only with O(return_key); otherwise nobody learns it.
    type: bool
    default: false
  return_key:
    description:
      - V(true) returns the token's key in the C(key) result. After O(key) or O(rotate) set it, that is the key just
        set (no further request); otherwise it is read with C(GET .../view_key/), which authentik records as a
        C(secret_view) event.
      - A returned key cannot be masked and still be usable, so Ansible shows it like any result (with C(-v) and
        more, and in callbacks). Set C(no_log) to V(true) on every task that returns a key.
      - With O(key), Ansible masks every occurrence of that no_log value, so the returned C(key) reads
        C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER); the key is the one given.
    type: bool
    default: false
notes:
  - Uses C(GET /core/tokens/{identifier}/), C(POST /core/tokens/), C(PATCH /core/tokens/{identifier}/),
    C(DELETE /core/tokens/{identifier}/), C(GET .../view_key/) and C(POST .../set_key/); a new token's owner is
    looked up with C(GET /core/users/?username=) or C(GET /core/users/{pk}/). Never C(PUT).
  - In check mode nothing is written. The key is read only when O(key) or O(return_key) asks for it. The C(key)
    result is left out when the task would create the token or set its key, since that key does not exist yet;
    otherwise it is the current key.
  - Tokens that authentik manages itself (C(managed) is set, such as an outpost's API token, which the outpost
    needs and authentik recreates) are left alone. A task that would change, set the key of or delete one fails
    before any write; one that matches it reports no change.
  - Non-superuser API tokens see and change only their owner's tokens (from authentik 2026.2 also others' with the
    global C(authentik_core.view_token) and C(change_token)), and create tokens only for their owner, whose
    expiry authentik then takes from the owner's C(goauthentik.io/user/token-expires) attribute. Reading a key
    needs C(authentik_core.view_token_key), which owning the token does not give; setting one needs
    C(authentik_core.set_token_key). Creating tokens for other users, service accounts included, needs a
    superuser. authentik creates a non-superuser's token for that user whatever O(user) says, so the module then
    deletes it again and fails. An O(expiring) that authentik overrode on such a create is set right with one more
    request.
  - With O(state=absent), a given O(user) must be the token's owner; a token of another user is not deleted.
seealso:
  - module: akops.authentik.authentik_user
  - name: authentik tokens API
    description: The API the module talks to.
    link: https://docs.goauthentik.io/developer-docs/api/
"""

EXAMPLES = r"""
- name: Ensure the service account that owns the tokens below exists
  akops.authentik.authentik_user:
    username: ci-bot
    name: CI bot
    type: service_account

- name: An API token for automation that does not expire
  akops.authentik.authentik_token:
    identifier: ci-bot-api
    user: ci-bot
    intent: api
    expiring: false
    description: Used by the CI pipeline

- name: Read the token's key once, for a vault (no_log, since the result holds the key)
  akops.authentik.authentik_token:
    identifier: ci-bot-api
    user: ci-bot
    return_key: true
  register: ci_bot_token
  no_log: true

- name: Give the token a known key, set only when it differs
  akops.authentik.authentik_token:
    identifier: ci-bot-api
    user: ci-bot
    key: "{{ lookup('ansible.builtin.password', 'credentials/ci-bot-api', length=48, chars=['ascii_letters', 'digits']) }}"
  no_log: true

- name: Rotate the key and keep the new one (the task always reports a change)
  akops.authentik.authentik_token:
    identifier: ci-bot-api
    user: ci-bot
    rotate: true
    return_key: true
  register: rotated
  no_log: true

- name: An app password that expires in twelve hours (authentik allows a day ahead by default)
  akops.authentik.authentik_token:
    identifier: ci-bot-login
    user: ci-bot
    intent: app_password
    expires: "{{ '%Y-%m-%dT%H:%M:%SZ' | ansible.builtin.strftime(now().timestamp() + 43200, utc=true) }}"

- name: Delete a token
  akops.authentik.authentik_token:
    identifier: ci-bot-login
    state: absent
"""

RETURN = r"""
token:
  description:
    - The token as the server returned it after the change, or as found when nothing changed; never its key.
    - In check mode, the token as the server would return it; an API token's C(expires) is then the old one,
      though authentik moves it forward on the write. Empty after O(state=absent).
  returned: always
  type: dict
  sample:
    pk: 0e5c7a52-8d1f-4b7e-9a3c-2f6d1b4e8a90
    managed: null
    identifier: ci-bot-api
    intent: api
    user: 7
    user_obj: {pk: 7, username: ci-bot, name: CI bot}
    description: Used by the CI pipeline
    expires: "2026-05-02T10:00:00Z"
    expiring: false
key:
  description:
    - The token's key. Treat it as a secret; see O(return_key).
    - Left out in check mode when the task would create the token or set its key.
  returned: when O(return_key=true)
  type: str
  sample: 2Yx7qLmN0pQ4rS6tU8vW1aB3cD5eF7gH9iJ0kL2mN4oP6qR8sT0uV2wX4yZ6
changed_fields:
  description: Names of the fields the task changed (or would change in check mode); C(key) when the key is set.
  returned: always
  type: list
  elements: str
  sample: [description, key]
diff:
  description: The managed fields before and after, the owner as a username; a key being set as C(********).
  returned: always
  type: dict
  sample:
    before: {identifier: ci-bot-api, intent: api, description: old}
    after: {identifier: ci-bot-api, intent: api, description: Used by the CI pipeline, key: "********"}
"""

from ansible_collections.akops.authentik.plugins.module_utils import resources
from ansible_collections.akops.authentik.plugins.module_utils.converge import apply_plan
from ansible_collections.akops.authentik.plugins.module_utils.errors import AuthentikError
from ansible_collections.akops.authentik.plugins.module_utils.module import (
    AuthentikModule,
    connection_argument_spec,
    run_module,
)
from ansible_collections.akops.authentik.plugins.module_utils.tokens import (
    key_read_needed,
    new_token_key,
    normalize_token_params,
    overridden_on_create,
    owner_needing_lookup,
    plan_token,
    refuse_untouchable,
    token_diff,
    validate_token_params,
)


def lookup_owner(client, params, token):
    """The user `user` names, when the token read does not tell (a new token, or another owner)."""
    entry = owner_needing_lookup(params, token)
    return None if entry is None else resources.require_user(client, entry)


def key_to_set(module, params):
    """The key the task sets, if any: the one given, or a fresh one for rotate. A fresh key is hidden from every
    output unless the task returns it."""
    if params["key"] is not None:
        return params["key"]
    if not params["rotate"]:
        return None
    key = new_token_key()
    if not params["return_key"]:
        module.no_log_values.add(key)
    return key


def key_to_return(client, params, plan, secrets, current_key, check_mode):
    """The key for the `key` result: the one just set (no request), the one read to compare with `key`, or a read
    of the current key. In check mode a key that would be set or created does not exist yet: None."""
    if plan.calls_named("set_key"):
        return None if check_mode else secrets["key"]
    if current_key is not None:
        return current_key
    if plan.action == "create" and check_mode:
        return None
    return resources.view_token_key(client, params["identifier"])


def undo_overrides(client, plan, created):
    """A token authentik made for another owner than asked (the caller is not a superuser) is deleted again and
    the task fails; an `expiring` it overrode is set right with one PATCH."""
    owner_overridden, expiring_patch = overridden_on_create(plan, created)
    if owner_overridden:
        resources.delete_token(client, created["identifier"])
        raise AuthentikError("authentik created token %r for the token's own owner (pk %s) instead of user %s: only "
                             "a superuser can create tokens for other users; the token was deleted again, so nothing "
                             "was changed" % (created["identifier"], created["user"], plan.body["user"]))
    if expiring_patch:
        return resources.update_token(client, created["identifier"], expiring_patch)
    return created


def run(module, client):
    """One lookup, the owner and key reads a change needs, one plan, then at most one write plus set_key."""
    params = normalize_token_params(module.params)
    validate_token_params(params)
    token = resources.find_token(client, params["identifier"])
    refuse_untouchable(params, token)
    owner = lookup_owner(client, params, token)
    current_key = resources.view_token_key(client, params["identifier"]) if key_read_needed(params, token) else None
    plan = plan_token(params, token, owner, current_key)
    secrets = {"key": key_to_set(module, params)}
    after = apply_plan(client, plan, module.check_mode, secrets)
    if not module.check_mode:
        after = undo_overrides(client, plan, after)
    result = dict(changed=plan.changed, token=after, changed_fields=plan.changed_fields,
                  diff=token_diff(params, plan, after))
    if params["return_key"]:
        key = key_to_return(client, params, plan, secrets, current_key, module.check_mode)
        if key is not None:
            result["key"] = key
    return result


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        identifier=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        user=dict(type="raw"),
        # Not `choices`: validate_token_params explains why the other intents of authentik are refused.
        intent=dict(type="str"),
        description=dict(type="str"),
        expiring=dict(type="bool"),
        expires=dict(type="str"),
        key=dict(type="str", no_log=True),
        rotate=dict(type="bool", default=False),
        return_key=dict(type="bool", default=False, no_log=False),
    )
    return spec


def main():
    module = AuthentikModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
    )
    run_module(module, run)


if __name__ == "__main__":
    main()
