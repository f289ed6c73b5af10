# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The authentik endpoints the modules use, one small function each. They take a Client and
return plain data; nothing here knows about Ansible."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.akops.authentik.plugins.module_utils.errors import (
    ApiError,
    AuthentikError,
    NotFoundError,
)
from ansible_collections.akops.authentik.plugins.module_utils.users import is_uuid

USERS = "/core/users/"
GROUPS = "/core/groups/"


def user_path(pk):
    return "%s%s/" % (USERS, int(pk))


def find_user(client, username=None, pk=None, uuid=None):
    """The user selected by pk, uuid or exact username, or None. Costs exactly one request."""
    if pk is not None:
        try:
            return client.get(user_path(pk))
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
    query = {"uuid": uuid} if uuid is not None else {"username": username}
    results = client.get(USERS, query=query).get("results", [])
    # The filter is exact; checking again guards against a server that ignored it.
    key, value = next(iter(query.items()))
    matches = [user for user in results if str(user.get(key)) == str(value)]
    return matches[0] if matches else None


def create_user(client, body):
    return client.post(USERS, body=body, expected=(201,))


def update_user(client, pk, patch):
    return client.patch(user_path(pk), body=patch)


def delete_user(client, pk):
    client.delete(user_path(pk))


def set_password(client, pk, password):
    client.post(user_path(pk) + "set_password/", body={"password": password}, expected=(204,))


def find_group(client, entry):
    """Look a group up by UUID or exact name; raise NotFoundError when it does not exist."""
    if is_uuid(entry):
        try:
            return client.get("%s%s/" % (GROUPS, entry), query={"include_users": "false"})
        except ApiError as exc:
            if exc.status != 404:
                raise
        raise NotFoundError("Group %r does not exist" % entry)
    results = client.get(GROUPS, query={"name": entry, "include_users": "false"}).get("results", [])
    matches = [group for group in results if group.get("name") == entry]
    if not matches:
        raise NotFoundError("Group %r does not exist" % entry)
    if len(matches) > 1:
        # Before 2025.12 group names were unique only per parent.
        raise AuthentikError(
            "Group name %r matches %d groups; give the group's UUID instead" % (entry, len(matches))
        )
    return matches[0]


def resolve_groups(client, entries):
    """{entry: group object} for names or UUIDs; fails on the first unknown one, before any write."""
    return dict((entry, find_group(client, entry)) for entry in entries)
