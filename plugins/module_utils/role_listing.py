# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions for listing roles (authentik_role_info) and users by role (authentik_user_info): which filters
need a recent server, the role-list queries a set of filters takes, and how their answers combine. No I/O."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.akops.authentik.plugins.module_utils import validation as check
from ansible_collections.akops.authentik.plugins.module_utils.compare import is_uuid
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.roles import (
    USER_ROLES_RELEASE,
    held_permissions,
    permission_labels,
)

# authentik_role_info's filters that only servers from 2025.12 on apply. Older servers drop unknown query
# parameters without an error and answer with every role.
ROLE_FILTERS_SINCE_USER_ROLES = ("user", "group", "managed")
# authentik_user_info's role filters (2025.12 on); older servers answer with every user.
USER_FILTERS_SINCE_USER_ROLES = ("roles_by_name", "roles_by_pk")


def user_reference_problem(value):
    """Why `value` names no user: a username is a string, a user pk a positive integer."""
    if isinstance(value, int) and not isinstance(value, bool):
        return check.integer(minimum=1)(value)
    if isinstance(value, str):
        # Blank text is refused with the other blank filters (compare.normalize_filters).
        return check.text()(value)
    return "give a username (a string) or a user pk (an integer), got %s" % check.type_name(value)


def _uuid_problem(value):
    return None if isinstance(value, str) and is_uuid(value.strip()) else "%s is not a UUID" % check.short_repr(value)


ROLE_INFO_RULES = (
    ("pk", _uuid_problem),
    ("name", check.text()),
    ("user", user_reference_problem),
    ("group", check.text()),
)

# normalize_filters refuses blank text but not a blank entry of a list filter, which a template can render as
# easily; refused here before any request.
USER_LIST_FILTER_RULES = (
    ("groups_by_name", check.list_of(check.reference, "group names")),
    ("groups_by_pk", check.list_of(check.reference, "group UUIDs")),
    ("roles_by_name", check.list_of(check.reference, "role names")),
    ("roles_by_pk", check.list_of(check.reference, "role UUIDs")),
)


def filters_given(filters, names):
    """The filters among `names` that the task gives (an empty list counts as not given, as for every filter)."""
    return [name for name in names if filters.get(name) not in (None, [])]


def refuse_before_user_roles(given, release_has_them, kind):
    """Raise ValidationError when `given` filters reach a server before 2025.12, which would ignore them and
    answer with every `kind` unfiltered: wrong data that looks right."""
    if not given or release_has_them:
        return
    raise ValidationError("Invalid %s: this filter needs authentik %s or later; this server is older and would "
                          "ignore it and list every %s unfiltered" % (", ".join(given), USER_ROLES_RELEASE, kind))


def role_list_queries(name=None, user_pk=None, group_pk=None, managed=None, inherited=False):
    """The GET /rbac/roles/ queries whose answers, intersected, are the roles the filters select.

    The group goes under both of its names: `ak_groups` in 2025.12.x, `groups` from 2026.2; each release ignores
    the other. `managed` true keeps only authentik's managed roles (managed__isnull=false).

    Without `inherited` one query carries every filter. With it, authentik answers a user or group filter with
    all of that holder's roles instead of narrowing the filters applied before it (the name, managed, and for the
    group filter the user), so each holder is asked in a query of its own, and the managed filter, which a role
    object does not show, in one more. The name is matched on the answers (see matching_roles)."""
    base = {}
    if name is not None:
        base["name"] = name
    if managed is not None:
        base["managed__isnull"] = not managed
    holders = []
    if user_pk is not None:
        holders.append({"users": user_pk})
    if group_pk is not None:
        holders.append({"ak_groups": group_pk, "groups": group_pk})
    if not inherited or not holders:
        query = dict(base)
        for holder in holders:
            query.update(holder)
        return [query]
    queries = [dict(base, inherited=True, **holder) for holder in holders]
    if managed is not None:
        queries.append(base)
    return queries


def matching_roles(answers, name=None):
    """The roles found in every answer, in the order of the first, and only those named `name` when it is given.

    The name is matched here too: servers before 2025.10 ignore the `name` filter, and with `inherited` later
    ones drop it."""
    roles = list(answers[0]) if answers else []
    for answer in answers[1:]:
        keys = set(role["pk"] for role in answer)
        roles = [role for role in roles if role["pk"] in keys]
    if name is not None:
        roles = [role for role in roles if role["name"] == name]
    return roles


def with_permissions(role, global_permissions, object_permissions):
    """The role with `permissions`: what it holds as sorted readable strings, as authentik_role returns them
    (authentik_core.view_user, authentik_core.change_user on authentik_core.user 42)."""
    return dict(role, permissions=permission_labels(held_permissions(global_permissions, object_permissions)))
