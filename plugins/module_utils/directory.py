# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read many users and groups with few requests, for the bulk module. No Ansible here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.akops.authentik.plugins.module_utils import resources


def read_users(client, usernames, page_size, everything=False):
    """{username: user} holding at least the named users that exist (all users when `everything`).

    The first list page tells how large the directory is. The rest is read the cheaper way: the remaining
    pages, or one exact lookup per named user still missing, whichever takes fewer requests."""
    first = client.get(resources.USERS, query={"page_size": page_size, "page": 1})
    users = index_by_username(first.get("results", []))
    pagination = first.get("pagination") or {}
    missing = [name for name in usernames if name not in users]
    remaining_pages = max(0, int(pagination.get("total_pages") or 1) - 1)
    if everything or remaining_pages <= len(missing):
        query = {"page_size": page_size}
        page = pagination.get("next") or 0
        while page:
            query["page"] = page
            data = client.get(resources.USERS, query=query)
            users.update(index_by_username(data.get("results", [])))
            page = (data.get("pagination") or {}).get("next") or 0
        return users
    for name in missing:
        user = resources.find_user(client, username=name)
        if user is not None:
            users[name] = user
    return users


def index_by_username(users):
    return dict((user["username"], user) for user in users)


def groups_seen(users):
    """{name: group} for every group that some user is a direct member of, from the users' groups_obj.

    Names shared by several groups (possible before authentik 2025.12) are left out, so that a lookup by
    name reports the ambiguity."""
    by_name, ambiguous = {}, set()
    for user in users:
        for group in user.get("groups_obj") or []:
            known = by_name.setdefault(group["name"], group)
            if known["pk"] != group["pk"]:
                ambiguous.add(group["name"])
    by_uuid = dict((group["pk"], group) for group in by_name.values())
    return dict((name, group) for name, group in by_name.items() if name not in ambiguous), by_uuid


def resolve_group_entries(client, entries, users):
    """{entry: group} for group names or UUIDs: from the users already read where possible, else one lookup
    per distinct entry. An unknown group fails here, before any write."""
    by_name, by_uuid = groups_seen(users)
    resolved = {}
    for entry in sorted(set(entries)):
        resolved[entry] = by_uuid.get(entry) or by_name.get(entry) or resources.find_group(client, entry)
    return resolved
