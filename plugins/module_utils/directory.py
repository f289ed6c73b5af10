# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read many users, and the groups and roles they name, with few requests, for the bulk module. No Ansible here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json

from ansible_collections.akops.authentik.plugins.module_utils import resources, workers
from ansible_collections.akops.authentik.plugins.module_utils import validation as check
from ansible_collections.akops.authentik.plugins.module_utils.api import API_PREFIX
from ansible_collections.akops.authentik.plugins.module_utils.errors import ApiError, AuthentikError, NotFoundError
from ansible_collections.akops.authentik.plugins.module_utils.purge import in_purge_scope
from ansible_collections.akops.authentik.plugins.module_utils.users import entry_named, user_managed_fields


# What the bulk module's plans, diffs and guards may read of a user (see fields_needed). Everything else authentik
# sends (an avatar, which can be a data URI of several kilobytes, date_joined, uid, ...) is dropped as each page
# arrives, so memory grows with the users kept, not with the size of authentik's answers.
KEPT_USER_FIELDS = ("pk", "username", "name", "email", "is_active", "last_login", "is_superuser", "path", "type",
                    "attributes", "groups", "groups_obj", "roles", "roles_obj")
# Always kept: the user's identity, and what the lock-out guard and a purge read.
BASE_FIELDS = ("pk", "username", "is_active", "is_superuser")
# A managed option that is compared through more than its own field.
FIELDS_OF_OPTION = {"groups": ("groups", "groups_obj"), "roles": ("roles", "roles_obj")}


def fields_needed(specs, scope=None):
    """The user fields that planning `specs` (and matching the purge scope) reads: the fields the entries manage,
    and BASE_FIELDS. A list that manages names and emails keeps neither attributes nor group entries."""
    fields = set(BASE_FIELDS)
    for spec in specs:
        for option in user_managed_fields(spec):
            fields.update(FIELDS_OF_OPTION.get(option, (option,)))
    if scope is not None:
        fields.update(("path", "type"))
    return tuple(field for field in KEPT_USER_FIELDS if field in fields)


def read_users(clients, usernames, page_size, scope=None, parallel=1, fields=KEPT_USER_FIELDS):
    """{username: user} for the named users that exist and, with a purge scope, every user in the scope.

    The scope is read with authentik's own filters (path_startswith, type), which may take in more than the scope
    (path_startswith is a plain string prefix): in_purge_scope decides. Named users the scope read did not find
    are then looked for in the whole directory, the cheaper way (see find_named). After each first page the other
    pages are read `parallel` at a time. Only the users kept, and only `fields` of them (see fields_needed), stay in
    memory.

    `clients` is a workers.ClientPerThread."""
    named = set(usernames)
    kept = KeptUsers(fields)
    if scope is not None:
        read_pages(clients, scope_query(scope, page_size), parallel, kept,
                   lambda user: user["username"] in named or in_purge_scope(user, scope))
    missing = [name for name in usernames if name not in kept.users]
    if scope is None or missing:
        find_named(clients, missing, page_size, parallel, kept)
    return kept.users


def scope_query(scope, page_size):
    """The list query that narrows a read to the purge scope as far as authentik's filters can. `type` is a
    multi-value filter from 2023.8; older servers ignore it and the scope check still applies."""
    query = {"page_size": page_size}
    if scope.get("path_startswith"):
        query["path_startswith"] = scope["path_startswith"]
    if scope.get("type"):
        query["type"] = list(scope["type"])
    return query


def find_named(clients, usernames, page_size, parallel, kept):
    """Add the named users that exist to `kept`. The first page of the directory tells its size; the rest is read
    the way that takes fewer requests: the remaining pages, or one exact lookup per named user still missing."""
    wanted = set(usernames)
    first = first_page(clients.get(), {"page_size": page_size})
    kept.add_all(user for user in first["results"] if user["username"] in wanted)
    missing = [name for name in usernames if name not in kept.users]
    remaining = page_count(clients.get(), first) - 1
    if not missing:
        return
    if remaining <= len(missing):
        read_pages(clients, {"page_size": page_size}, parallel, kept, lambda user: user["username"] in wanted,
                   first=first)
        return
    lookups = workers.bounded_map(lambda name: resources.find_user(clients.get(), username=name), missing, parallel)
    kept.add_all(user for user in lookups if user is not None)


def read_pages(clients, query, parallel, kept, keep, first=None):
    """Add to `kept` the users of every page of the filtered list that `keep` accepts: page 1 (unless `first`
    already holds it), then pages 2 to total_pages, `parallel` at a time."""
    if first is None:
        first = first_page(clients.get(), query)
        kept.add_all(user for user in first["results"] if keep(user))
    pages = range(2, page_count(clients.get(), first) + 1)

    def read(page):
        client = clients.get()
        with missing_page_explained(client, page, first):
            data = client.get_page(resources.USERS, dict(query, page=page))
        return [resources.checked_user(client, user) for user in data["results"] if keep(user)]

    for users in workers.bounded_map(read, pages, parallel):
        kept.add_all(users)


def first_page(client, query):
    """Page 1 of the user list, its users checked to be authentik's (see resources.checked_user)."""
    with resources.hint_on_missing_api(client):
        data = client.get_page(resources.USERS, dict(query, page=1))
    data["results"] = [resources.checked_user(client, user) for user in data["results"]]
    return data


def page_count(client, first):
    """total_pages of a first page, checked against its count and its page size: the pages after the first are
    asked for all at once, so a number no authentik would send (a wrong api_url, a proxy's answer) must not
    decide how many requests go out."""
    pagination = first["pagination"]
    total, count = pagination.get("total_pages"), pagination.get("count")
    size = len(first["results"])
    expected = max(1, -(-count // size) if size else 1) if _whole_number(count) else None
    if not _whole_number(total) or total != expected:
        raise AuthentikError(
            "GET %s%s returned pagination that authentik never sends (total_pages %s for count %s at %d per "
            "page); check api_url (%s)" % (API_PREFIX, resources.USERS, check.short_repr(total),
                                           check.short_repr(count), size, client.base_url))
    return total


@contextlib.contextmanager
def missing_page_explained(client, page, first):
    """A page that page 1 counted but that is gone by the time it is read: users were deleted meanwhile."""
    try:
        yield
    except ApiError as exc:
        if exc.status == 404:
            exc.note("page %d of %d is gone: users were deleted while the directory was read; run the task again"
                     % (page, first["pagination"]["total_pages"]))
        raise


def _whole_number(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class KeptUsers(object):
    """The users kept from a directory read, by username, trimmed to `fields`. What many users share is kept once:
    a hundred thousand users in four groups hold four group entries (groups_obj, roles_obj) and four group UUID
    strings, not a hundred thousand copies of each."""

    def __init__(self, fields=KEPT_USER_FIELDS):
        self.users = {}
        self.fields = fields
        self._shared = {}

    def add_all(self, users):
        for user in users:
            self.users[user["username"]] = self.trimmed(user)

    def trimmed(self, user):
        kept = dict((field, user[field]) for field in self.fields if field in user)
        for field in ("groups_obj", "roles_obj"):
            if isinstance(kept.get(field), list):
                kept[field] = [self._shared_entry(field, entry) for entry in kept[field]]
        for field in ("groups", "roles"):
            if isinstance(kept.get(field), list):
                kept[field] = [self._shared.setdefault(key, key) if isinstance(key, str) else key
                               for key in kept[field]]
        return kept

    def _shared_entry(self, field, entry):
        key = (field, json.dumps(entry, sort_keys=True, default=str))
        return self._shared.setdefault(key, entry)


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
