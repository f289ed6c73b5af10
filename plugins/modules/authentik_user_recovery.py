#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: authentik_user_recovery
short_description: Give an authentik user a way in, as a recovery link or a recovery email
version_added: 0.1.0
description:
  - Makes authentik issue a recovery token for one user, for a first login or a lost password, and either returns
    the link to the brand's recovery flow (O(method=link)) or has authentik email it to the user through an email
    stage (O(method=email)).
  - This is an action, not a state. Every run issues the recovery token again (authentik keeps one per user, so a
    new call replaces the lifetime of the previous one), so the task always reports C(changed).
  - The link is a credential. It is returned only by O(method=link), which exists to give it; it never appears in
    a diff, an error or a warning. Set C(no_log) to V(true) on the task (and on any task that shows the registered
    result), since a returned value cannot be masked and still be usable.
author:
  - akops maintainers (@akops)
extends_documentation_fragment:
  - akops.authentik.authentik
  - akops.authentik.authentik.ACTIONGROUP
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying the server.
    support: full
    details: Looks up the user (and the email stage) and reports what it would do; sends nothing and returns no link.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: none
options:
  username:
    description:
      - The user, by exact username. One of O(username) and O(pk) is required.
    type: str
  pk:
    description:
      - The user, by its pk.
    type: int
  method:
    description:
      - V(link) returns a link to the brand's recovery flow in RV(link), to hand over by other means.
      - V(email) makes authentik send the recovery email through O(email_stage). The user needs an email address;
        a user without one fails before anything is sent.
    type: str
    choices: [link, email]
    default: link
  email_stage:
    description:
      - The email stage that sends the message, by name or UUID; required for O(method=email).
      - A value written as a UUID (8-4-4-4-12 hexadecimal digits) is taken as the stage's UUID, any other value as
        its exact name. The token's owner must be allowed to view the stage.
    type: str
  token_duration:
    description:
      - How long the recovery token stays valid, in authentik's duration format, for example V(days=3) or
        V(hours=12;minutes=30) (keys C(weeks), C(days), C(hours), C(minutes), C(seconds), C(milliseconds),
        C(microseconds)). Without it, authentik's default token duration applies (one day unless changed).
      - Needs authentik 2026.2 or later, where every call sets the token's lifetime again. Older servers would ignore
        it, so the task fails there before anything is sent; the release is told by one list request.
      - An unknown key, a negative or zero duration, or one longer than 1000 years is refused before any request.
    type: str
notes:
  - Uses C(GET /core/users/?username=) (or C(/core/users/{pk}/)), C(GET /stages/email/?name=) for a stage given by
    name, and C(POST /core/users/{pk}/recovery/) or C(POST /core/users/{pk}/recovery_email/) (C(GET) on servers
    before 2024.4). authentik 2026.2 moved C(recovery_email)'s stage from the query string into a JSON body; the
    module tells the release by one list request (a filter that exists from 2026.2 on) and sends the form the
    server reads.
  - The token's owner needs C(authentik_core.reset_user_password) (and C(authentik_core.add_user)) on the user.
  - authentik refuses when the brand has no recovery flow, when the flow's policies do not apply to the user, and
    when the email stage is unknown; each gives a one-line error saying what to set up.
seealso:
  - module: akops.authentik.authentik_user
  - module: akops.authentik.authentik_service_account
"""

EXAMPLES = r"""
- name: Ensure the new user exists
  akops.authentik.authentik_user:
    username: jdoe
    name: Jane Doe
    email: jdoe@example.com

- name: A recovery link for Jane's first login, valid for three days (authentik 2026.2 and later)
  akops.authentik.authentik_user_recovery:
    username: jdoe
    method: link
    token_duration: days=3
  register: jdoe_recovery
  # The link logs Jane in: keep it out of logs and task output.
  no_log: true

- name: Have authentik email Jane the recovery link
  akops.authentik.authentik_user_recovery:
    username: jdoe
    method: email
    email_stage: default-recovery-email
"""

RETURN = r"""
link:
  description:
    - The recovery link, C(https://<authentik>/if/flow/<recovery flow>/?flow_token=<token>). A credential.
  returned: when O(method=link), not in check mode
  type: str
action:
  description: What the task did (or would do in check mode), in words; never the link.
  returned: always
  type: str
  sample: recovery link for jdoe
user:
  description: The user's pk and username.
  returned: always
  type: dict
  sample: {pk: 42, username: jdoe}
email_stage:
  description: The pk and name of the email stage that sent the email.
  returned: when O(method=email)
  type: dict
"""

from ansible_collections.akops.authentik.plugins.module_utils import resources
from ansible_collections.akops.authentik.plugins.module_utils.errors import ApiError, NotFoundError
from ansible_collections.akops.authentik.plugins.module_utils.module import (
    AuthentikModule,
    connection_argument_spec,
    run_module,
)
from ansible_collections.akops.authentik.plugins.module_utils.recovery import (
    describe,
    link_body,
    needs_release,
    normalize_recovery_params,
    plan_recovery,
    refusal_hint,
    validate_recovery_params,
)


def find_selected_user(client, params):
    user = resources.find_user(client, username=params["username"], pk=params["pk"])
    if user is None:
        raise NotFoundError("User %r does not exist; nothing was sent" % (params["username"] or params["pk"]))
    return user


def lookups(client, params, user):
    """The email stage (method email) and, only when the task depends on it, whether the server is 2026.2 or
    later."""
    stage = resources.require_email_stage(client, params["email_stage"]) if params["method"] == "email" else None
    json_release = resources.server_has_json_recovery(client, user) if needs_release(params) else None
    return stage, json_release


def send(client, recovery):
    """The one request; authentik's refusals get a hint saying what to set up."""
    try:
        if recovery.method == "email":
            resources.send_recovery_email(client, recovery.user_pk, recovery.stage_pk, recovery.token_duration,
                                          recovery.json_body)
            return None
        return resources.recovery_link(client, recovery.user_pk, link_body(recovery))
    except ApiError as error:
        hint = refusal_hint(error.msg) if error.status == 400 else None
        if hint:
            error.note(hint)
        raise


def run(module, client):
    params = normalize_recovery_params(module.params)
    validate_recovery_params(params)
    user = find_selected_user(client, params)
    stage, json_release = lookups(client, params, user)
    recovery = plan_recovery(params, user, stage, json_release)
    result = dict(changed=True, action=describe(recovery), user=dict(pk=user["pk"], username=user["username"]))
    if stage is not None:
        result["email_stage"] = dict(pk=stage["pk"], name=stage.get("name"))
    if module.check_mode:
        return result
    link = send(client, recovery)
    if link is not None:
        result["link"] = link
    return result


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        username=dict(type="str"),
        pk=dict(type="int"),
        method=dict(type="str", default="link", choices=["link", "email"]),
        email_stage=dict(type="str"),
        # A lifetime, not a secret.
        token_duration=dict(type="str", no_log=False),
    )
    return spec


def main():
    module = AuthentikModule(
        argument_spec=argument_spec(),
        required_one_of=[("username", "pk")],
        mutually_exclusive=[("username", "pk")],
        supports_check_mode=True,
    )
    run_module(module, run)


if __name__ == "__main__":
    main()
