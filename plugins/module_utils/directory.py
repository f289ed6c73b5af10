# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read many users, and the groups and roles they name, with few requests, for the bulk module. No Ansible here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.akops.authentik.plugins.module_utils import resources
from ansible_collections.akops.authentik.plugins.module_utils.errors import NotFoundError
from ansible_collections.akops.authentik.plugins.module_utils.users import entry_named


def read_users(client, usernames, page_size, everything=False):
    """{username: user} holding at least the named users that exist (all users when `everything`).

    The first list page tells how large the directory is. The rest is read the cheaper way: the remaining
    pages, or one exact lookup per named user still missing, whichever takes fewer requests."""
    query = {"page_size": page_size}
    with resources.hint_on_missing_api(client):
        first = client.get_page(resources.USERS, dict(query, page=1))
    users = index_by_username(client, first["results"])
    missing = [name for name in usernames if name not in users]
    remaining_pages = max(0, _whole_number(first["pagination"].get("total_pages"), 1) - 1)
    if everything or remaining_pages <= len(missing):
        with resources.hint_on_missing_api(client):
            return index_by_username(client, client.paginate(resources.USERS, query, first=first))
    for name in missing:
        user = resources.find_user(client, username=name)
        if user is not None:
            users[name] = user
    return users


def _whole_number(value, default):
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def index_by_username(client, users):
    """{username: user}; every user checked to be authentik's (pk and username), see resources.checked_user."""
    return dict((user["username"], user) for user in (resources.checked_user(client, user) for user in users))


def groups_seen(users):
    """({name: group}, {uuid: group}) for the groups that the users read are direct members of (groups_obj).

    Names are trusted only where authentik keeps them unique (2025.12 and later, whose group entries carry no
    `parent`): before that a name may belong to a group nobody here is in, and only a lookup can tell."""
    by_uuid = {}
    for user in users:
        for group in user.get("groups_obj") or []:
            by_uuid[group["pk"]] = group
    if any("parent" in group for group in by_uuid.values()):
        return {}, by_uuid
    return dict((group["name"], group) for group in by_uuid.values()), by_uuid


def roles_seen(users):
    """({name: role}, {uuid: role}) for the roles that the users read hold directly (roles_obj). Role names are
    unique in every release, so a name seen here needs no lookup."""
    by_uuid = {}
    for user in users:
        for role in user.get("roles_obj") or []:
            by_uuid[role["pk"]] = role
    return dict((role["name"], role) for role in by_uuid.values()), by_uuid


def resolve_group_entries(client, wanted, users):
    """{entry: group} for the group names or UUIDs that `wanted` ([(username, [entries])]) names: from the users
    already read where possible, else one lookup per distinct entry. An unknown group fails here, before any write,
    naming the first entry of the list that asks for it."""
    by_name, by_uuid = groups_seen(users)
    return _resolve_entries(wanted, by_name, by_uuid, lambda entry: resources.require_group(client, entry))


def resolve_role_entries(client, wanted, users):
    """{entry: role} for the role names or UUIDs that `wanted` ([(username, [entries])]) names, as
    resolve_group_entries does for groups: each distinct entry at most once."""
    by_name, by_uuid = roles_seen(users)
    return _resolve_entries(wanted, by_name, by_uuid, lambda entry: resources.require_role(client, entry))


def _resolve_entries(wanted, by_name, by_uuid, require):
    resolved = {}
    for username, entries in wanted:
        for entry in entries:
            if entry in resolved:
                continue
            try:
                resolved[entry] = by_uuid.get(entry) or by_name.get(entry) or require(entry)
            except NotFoundError as error:
                error.note(entry_named(username))
                raise
    return resolved
