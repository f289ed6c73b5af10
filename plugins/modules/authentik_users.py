#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: authentik_users
short_description: Converge many authentik users in one task
version_added: 0.1.0
description:
  - Brings a whole list of users to the requested state in one module run, with the same options and semantics
    as M(akops.authentik.authentik_user) for each entry.
  - Reads the directory with as few list requests as possible (whole pages, or exact lookups when the list is
    small next to the directory), resolves each group and role name once, and sends one write per user that
    differs. Users that are already up to date cost no request of their own.
  - After the first list page, which tells how many there are, the other pages are read O(parallel) at a time.
  - Keeps only the users the list names or the purge scope holds, and only the fields it compares, so memory grows
    with those users, not with the directory.
  - Optionally deactivates or deletes the users of a scope that the list does not name (O(purge)).
  - With C(--check --diff) it is a drift audit of the whole list, with one diff per user that would change.
author:
  - akops maintainers (@akops)
extends_documentation_fragment:
  - akops.authentik.authentik
  - akops.authentik.authentik.ACTIONGROUP
  - akops.authentik.authentik.ATTRIBUTES
options:
  users:
    description:
      - The users to converge. Each entry takes the options of M(akops.authentik.authentik_user), selected by
        O(users[].username).
    type: list
    elements: dict
    required: true
    suboptions:
      username:
        description: The username; selects the user (exact match). Each username may appear once.
        type: str
        required: true
      state:
        description: V(present) creates or updates the user; V(absent) deletes it when it exists.
        type: str
        choices: [present, absent]
        default: present
      name:
        description: The display name.
        type: str
      email:
        description: The email address.
        type: str
      is_active:
        description: Whether the user can log in.
        type: bool
      path:
        description: The user's path, without leading or trailing slash.
        type: str
      type:
        description: The user type.
        type: str
        choices: [internal, external, service_account]
      last_login:
        description: The last login time as ISO 8601, compared as an instant.
        type: str
      attributes:
        description: Custom attributes, applied as O(users[].attributes_mode) says.
        type: dict
      attributes_mode:
        description: V(merge) (JSON Merge Patch onto the current attributes) or V(replace).
        type: str
        choices: [merge, replace]
        default: merge
      groups:
        description: Group names or UUIDs, applied as O(users[].groups_mode) says.
        type: list
        elements: str
      groups_mode:
        description: V(add), V(remove) or V(exact) membership.
        type: str
        choices: [add, remove, exact]
        default: add
      roles:
        description:
          - RBAC role names or UUIDs the user holds directly, applied as O(users[].roles_mode) says (authentik
            2025.12 and later; on older servers a list that asks for roles fails before any write).
          - Each role is looked up at most once for the whole list, and only when some user's roles must change
            and no user read already holds it.
        type: list
        elements: str
      roles_mode:
        description:
          - V(add), V(remove) or V(exact), as for M(akops.authentik.authentik_user).
          - V(exact) keeps the user's own managed role C(ak-managed-role--user-<pk>) even when the list does not
            name it, as attributes merging keeps authentik's own keys; V(remove) takes it away when it is named.
        type: str
        choices: [add, remove, exact]
        default: add
      password:
        description: The password; never shown. See O(users[].update_password).
        type: str
      update_password:
        description:
          - V(on_create) sets the password only when the user is created; V(always) on every run (not idempotent).
        type: str
        choices: [on_create, always]
        default: on_create
  purge:
    description:
      - A scope of users that the list must account for. Users inside it that O(users) does not name are
        deactivated or deleted, as O(purge_action) says. Users outside the scope are never touched, and neither is
        the user that owns the API token.
      - A scope that is empty once normalized is refused, so that a typo cannot purge the whole directory. That is
        C({}), a O(purge.path_startswith) of only slashes or spaces (V(/) is stripped to nothing), and an empty
        O(purge.type) list.
      - O(purge_limit) caps how many users one run may deactivate or delete.
      - The scope is read with authentik's own C(path_startswith) and C(type) filters, so a purge costs the pages
        of its scope, not of the whole directory. Named users outside the scope are then found by exact lookup or
        by reading the directory's pages, whichever takes fewer requests.
    type: dict
    suboptions:
      path_startswith:
        description:
          - Users whose path is this path or lies below it, by whole segments (V(staff/berlin) takes in
            V(staff/berlin/x), not V(staff/berlin2)). Surrounding slashes and spaces are ignored.
        type: str
      type:
        description: Users of these types.
        type: list
        elements: str
        choices: [internal, external, service_account]
  purge_action:
    description: What happens to users found by O(purge).
    type: str
    choices: [deactivate, delete]
    default: deactivate
  purge_limit:
    description:
      - The most users one run may deactivate or delete through O(purge). A purge that would touch more fails
        before any write, in check mode too, with the count and the first few usernames; users that a purge leaves
        as they are (already inactive) do not count.
      - The default is deliberately small, like the deletion thresholds of directory-sync tools, so that a wrong
        scope or an incomplete list cannot empty a directory; raise it for a planned large clean-up.
    type: int
    default: 10
  allow_self_lockout:
    description:
      - Allow the list to cut off the API token the task runs with. Without it the task refuses, before any write
        and in check mode too, to deactivate or delete the user that owns the token, or to take that user out of
        groups when it would then no longer be a superuser (through a direct or a parent group).
    type: bool
    default: false
  page_size:
    description:
      - Users asked for per list request. Servers from 2025.12 on cap it (100 by default); older servers return
        as many as asked for, so a large value saves requests there.
    type: int
    default: 1000
  parallel:
    description:
      - How many requests run at once, each on its own connection. It bounds the list pages read after the first
        one, the exact lookups, and the writes. V(1) sends everything one after the other. Results keep the order
        of O(users) whatever the setting.
      - The default, V(4), takes at most half of what a default authentik deployment serves at once (2 web workers
        with 4 threads each), so that the sign-ins and other clients of the same server are not starved by one
        task. Against a server that takes 170 ms per list page, the module reads a directory about three times as
        fast as with V(1) (see the collection's docs/performance.md); raise it for a larger deployment.
      - Check mode sends its reads with the same concurrency and no write.
    type: int
    default: 4
notes:
  - A failed write does not stop the others; the task then fails with one line per failed user, and the
    result still lists what was done.
seealso:
  - module: akops.authentik.authentik_user
"""

EXAMPLES = r"""
- name: Ensure the groups that the users below join exist
  akops.authentik.authentik_group:
    name: "{{ item }}"
  loop:
    - engineering
    - oncall

- name: Ensure the role that a user below holds exists
  akops.authentik.authentik_role:
    name: helpdesk

- name: Converge the engineering team
  akops.authentik.authentik_users:
    users:
      - username: jdoe
        name: Jane Doe
        email: jdoe@example.com
        groups: [engineering]
        roles: [helpdesk]  # authentik 2025.12 and later
      - username: asmith
        name: Al Smith
        email: al@example.com
        groups: [engineering, oncall]
      - username: leaver
        state: absent

- name: Make staff/berlin exactly this list; deactivate anybody else in it
  akops.authentik.authentik_users:
    users: "{{ berlin_staff }}"
    purge:
      path_startswith: staff/berlin
      type: [internal]
  vars:
    berlin_staff:
      - username: jdoe
        path: staff/berlin
"""

RETURN = r"""
counts:
  description: How many users were created, updated, deleted, deactivated (by O(purge)) and left unchanged.
  returned: always
  type: dict
  sample: {created: 1, updated: 2, deleted: 0, deactivated: 1, unchanged: 996}
summary:
  description: The usernames behind each count.
  returned: always
  type: dict
  sample: {created: [jdoe], updated: [asmith, bking], deleted: [], deactivated: [leaver], unchanged: []}
results:
  description: One entry per user of O(users) in their order, then the users found by O(purge).
  returned: always
  type: list
  elements: dict
  sample:
    - {username: jdoe, action: create, changed: true, changed_fields: [email, name, username]}
    - {username: asmith, action: none, changed: false, changed_fields: []}
diff:
  description: One before/after pair per changed user, each headed by the username.
  returned: when changed
  type: list
  elements: dict
"""

from ansible_collections.akops.authentik.plugins.module_utils import directory, resources
from ansible_collections.akops.authentik.plugins.module_utils import validation as check
from ansible_collections.akops.authentik.plugins.module_utils.converge import apply_plan, guard_self_lockout
from ansible_collections.akops.authentik.plugins.module_utils.errors import AuthentikError
from ansible_collections.akops.authentik.plugins.module_utils.module import (
    AuthentikModule,
    build_client,
    connection_argument_spec,
    fail_from,
    user_option_spec,
)
from ansible_collections.akops.authentik.plugins.module_utils.purge import (
    DEFAULT_LIMIT,
    check_purge_limit,
    normalize_scope,
    purge_specs,
)
from ansible_collections.akops.authentik.plugins.module_utils.roles import (
    refuse_user_roles,
    role_option_spec,
    roles_needing_lookup,
    roles_requested,
    user_roles_known,
)
from ansible_collections.akops.authentik.plugins.module_utils.users import (
    USER_TYPES,
    entry_named,
    groups_needing_lookup,
    normalize_user_params,
    plan_user,
    user_diff,
    validate_user_specs,
)
from ansible_collections.akops.authentik.plugins.module_utils.workers import ClientPerThread, bounded_map


COUNTS = ("created", "updated", "deleted", "deactivated", "unchanged")
OUTCOME = {"create": "created", "update": "updated", "delete": "deleted", "none": "unchanged"}
TASK_RULES = (
    ("purge_limit", check.integer(minimum=0)),
    ("page_size", check.integer(minimum=1)),
    ("parallel", check.integer(minimum=1)),
)


def validate_task(params):
    """Everything the task asks, before the first request: the options, every entry, the purge scope."""
    check.validate(params, TASK_RULES)
    specs = [compact(normalize_user_params(spec)) if isinstance(spec, dict) else spec for spec in params["users"]]
    validate_user_specs(specs)
    scope = normalize_scope(params["purge"]) if params["purge"] is not None else None
    return specs, scope


def compact(spec):
    """The entry without the options it leaves out: Ansible fills in every suboption of every entry, and a list of
    100,000 users would otherwise hold sixteen keys per user where it asks for five."""
    return dict((key, value) for key, value in spec.items() if value is not None)


def compact_entries(entries):
    """Drop, in place, the options each entry leaves out. Ansible fills in all sixteen options of every entry (nulls
    included); at 100,000 users those empty slots alone take tens of MiB, held until Ansible echoes the arguments
    back (module_args, shown from -vvv), which then lists each entry with the options it gives."""
    entries[:] = [compact(entry) for entry in entries]


def refuse_roles_the_server_would_ignore(client, specs, users):
    """A list that gives users roles fails before any write, in check mode too, on a server that cannot hold them.
    The users read tell which release answers; only an empty directory costs a request (GET /core/users/me/)."""
    asking = [spec["username"] for spec in specs if roles_requested(spec)]
    if not asking:
        return
    known = user_roles_known(users)
    refuse_user_roles(known if known is not None else resources.server_has_user_roles(client), entry_named(asking[0]))


def lookups_wanted(specs, users, needing_lookup):
    """[(username, [entries])]: what each spec needs looked up, given the user read for it."""
    return [(spec["username"], needing_lookup(spec, users.get(spec["username"]))) for spec in specs]


def plan_all(clients, params):
    """(specs, plans) for the list and the purge, after reading the directory and resolving groups and roles."""
    specs, scope = validate_task(params)
    users = directory.read_users(clients, [spec["username"] for spec in specs], params["page_size"], scope=scope,
                                 parallel=params["parallel"], fields=directory.fields_needed(specs, scope))
    client = clients.get()
    owner = None
    listed = len(specs)
    if scope is not None:
        owner = resources.token_owner(client)
        specs = specs + purge_specs(users, specs, scope, params["purge_action"], owner["pk"])
    refuse_roles_the_server_would_ignore(client, specs, users.values())
    resolved = directory.resolve_group_entries(client, lookups_wanted(specs, users, groups_needing_lookup),
                                               users.values())
    resolved_roles = directory.resolve_role_entries(client, lookups_wanted(specs, users, roles_needing_lookup),
                                                    users.values())
    plans = [plan_user(spec, users.get(spec["username"]), resolved, resolved_roles) for spec in specs]
    if scope is not None:
        check_purge_limit(plans[listed:], params["purge_limit"], params["purge_action"])
    if not params["allow_self_lockout"]:
        guard_self_lockout(client, plans, owner)
    return specs, plans


def carry_out(module, clients, specs, plans):
    """Apply every plan with bounded concurrency; [(user after, error or None)] in the order of the plans."""

    def apply(index):
        try:
            secrets = {"password": specs[index].get("password")}
            after = apply_plan(clients.get(), plans[index], module.check_mode, secrets)
            return after, None
        except AuthentikError as error:
            return None, error
        except Exception as error:  # pylint: disable=broad-exception-caught
            # One user's unexpected failure must not lose the report of the others' writes.
            return None, AuthentikError("unexpected %s: %s" % (type(error).__name__, error))

    parallel = 1 if module.check_mode else module.params["parallel"]
    return list(bounded_map(apply, range(len(plans)), parallel))


def outcome(plan, purged):
    if purged and plan.action == "update":
        return "deactivated"
    return OUTCOME[plan.action]


def report(specs, plans, outcomes, listed):
    summary = dict((name, []) for name in COUNTS)
    results, diffs, failures = [], [], []
    for index, (spec, plan, (after, error)) in enumerate(zip(specs, plans, outcomes)):
        username = spec["username"]
        if error is not None:
            failures.append("%s: %s" % (username, error.msg))
            results.append(dict(username=username, action=plan.action, changed=False, failed=True,
                                changed_fields=plan.changed_fields, msg=error.msg))
            continue
        summary[outcome(plan, index >= listed)].append(username)
        results.append(dict(username=username, action=plan.action, changed=plan.changed,
                            changed_fields=plan.changed_fields))
        if plan.changed:
            diff = user_diff(spec, plan, after)
            diff.update(before_header="user %s" % username, after_header="user %s" % username)
            diffs.append(diff)
    counts = dict((name, len(usernames)) for name, usernames in summary.items())
    return dict(changed=bool(diffs), counts=counts, summary=summary, results=results, diff=diffs), failures


def argument_spec():
    spec = connection_argument_spec()
    entry = user_option_spec()
    entry.update(role_option_spec())
    entry["username"]["required"] = True
    spec.update(
        users=dict(type="list", elements="dict", required=True, options=entry),
        purge=dict(type="dict", options=dict(
            path_startswith=dict(type="str"),
            type=dict(type="list", elements="str", choices=list(USER_TYPES)),
        )),
        purge_action=dict(type="str", default="deactivate", choices=["deactivate", "delete"]),
        purge_limit=dict(type="int", default=DEFAULT_LIMIT),
        allow_self_lockout=dict(type="bool", default=False),
        page_size=dict(type="int", default=1000),
        parallel=dict(type="int", default=4),
    )
    return spec


def main():
    module = AuthentikModule(argument_spec=argument_spec(), supports_check_mode=True)
    compact_entries(module.params["users"])
    clients = ClientPerThread(lambda first: build_client(module, warn=first))
    try:
        specs, plans = plan_all(clients, module.params)
    except AuthentikError as error:
        fail_from(module, error)
    outcomes = carry_out(module, clients, specs, plans)
    result, failures = report(specs, plans, outcomes, listed=len(module.params["users"]))
    writes = sum(1 for plan in plans if plan.changed)
    # Ansible copies the whole result to mask secrets and then encodes it: the users read and the plans are let go
    # first, so that at 100,000 users those copies reuse their memory instead of adding to the peak.
    del specs, plans, outcomes
    if failures:
        module.fail_json(msg="%d of %d writes failed: %s" % (len(failures), writes, " | ".join(failures)), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
