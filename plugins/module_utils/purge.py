# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The purge of authentik_users: which users a scope takes in, and the limits that keep a purge from taking a
whole directory. Pure: no I/O."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.akops.authentik.plugins.module_utils import validation as check
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.users import USER_TYPES

DEFAULT_LIMIT = 10
# How many of the users a refused purge would touch the message names.
NAMED_IN_MESSAGE = 5


def normalize_scope(scope):
    """The scope as it is matched: the path prefix without surrounding spaces and slashes (None when nothing is
    left), the types as a list (None when empty). Raises ValidationError when nothing is left to narrow the scope:
    an empty scope takes in every user, so `{}`, `{path_startswith: "/"}` or spaces are refused alike."""
    if not isinstance(scope, dict):
        raise ValidationError("Invalid purge: must be a mapping with path_startswith or type, got %s"
                              % check.type_name(scope))
    prefix, types = scope.get("path_startswith"), scope.get("type")
    if prefix is not None:
        problem = check.text()(prefix)
        if problem:
            check.refuse("purge.path_startswith", problem)
        prefix = _strip_slashes_and_spaces(prefix) or None
        if prefix is not None and "//" in prefix:
            check.refuse("purge.path_startswith", "%r must not contain empty segments" % prefix)
    if types is not None:
        problem = check.list_of(check.choice(USER_TYPES), "user types")(types)
        if problem:
            check.refuse("purge.type", problem)
        types = sorted(set(types)) or None
    if prefix is None and types is None:
        raise ValidationError(
            "Invalid purge: the scope is empty once normalized (path_startswith %s, type %s), so it would take in "
            "every user; give a non-empty path_startswith or type" % (
                check.short_repr(scope.get("path_startswith")), check.short_repr(scope.get("type"))))
    return {"path_startswith": prefix, "type": types}


def _strip_slashes_and_spaces(text):
    """'/ / staff / /' gives 'staff': slashes and spaces around the path, in any mix, are no part of it."""
    while True:
        stripped = text.strip().strip("/")
        if stripped == text:
            return text
        text = stripped


def in_purge_scope(user, scope):
    """Whole path segments count: staff/berlin takes in staff/berlin and staff/berlin/x, not staff/berlin2.
    Internal service accounts (outposts) are never in scope; authentik refuses to change them anyway."""
    if user.get("type") == "internal_service_account":
        return False
    prefix, types = scope["path_startswith"], scope["type"]
    path = user.get("path") or ""
    if prefix and not (path == prefix or path.startswith(prefix + "/")):
        return False
    return not types or user.get("type") in types


def purge_specs(users, specs, scope, action, owner_pk):
    """Specs that deactivate or delete the users in scope that the list does not name, in username order."""
    named = set(spec["username"] for spec in specs)
    change = {"state": "absent"} if action == "delete" else {"is_active": False}
    return [dict(change, username=user["username"]) for username, user in sorted(users.items())
            if username not in named and user["pk"] != owner_pk and in_purge_scope(user, scope)]


def check_purge_limit(plans, limit, action):
    """Refuse, before any write, a purge whose plans would deactivate or delete more users than `limit`.
    Users the purge leaves as they are (already inactive) do not count."""
    touched = [plan.before["username"] for plan in plans if plan.changed]
    if len(touched) <= limit:
        return
    names = touched[:NAMED_IN_MESSAGE]
    more = len(touched) - len(names)
    raise ValidationError(
        "Refusing to purge: it would %s %d users, more than purge_limit (%d): %s%s; raise purge_limit if this is "
        "intended" % (action, len(touched), limit, ", ".join(names), " and %d more" % more if more else ""))
