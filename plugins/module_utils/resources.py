# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The authentik endpoints the modules use, one small function each. They take a Client and
return plain data; nothing here knows about Ansible."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json

from ansible_collections.akops.authentik.plugins.module_utils.errors import (
    ApiError,
    AuthentikError,
    InvalidResponseError,
    NotFoundError,
    without_secret_answer,
)
from ansible_collections.akops.authentik.plugins.module_utils.compare import is_uuid_reference

# Lookups follow one rule: find_* returns None when the object does not exist, require_* raises NotFoundError.

USERS = "/core/users/"
GROUPS = "/core/groups/"


def user_path(pk):
    return "%s%s/" % (USERS, int(pk))


def find_user(client, username=None, pk=None, uuid=None):
    """The user selected by pk, uuid or exact username, or None. Costs exactly one request."""
    if pk is not None:
        return checked_user(client, get_or_none(client, user_path(pk)))
    query = {"uuid": uuid} if uuid is not None else {"username": username}
    results = [checked_user(client, user) for user in list_page(client, USERS, query)]
    # The filter is exact; checking again guards against a server that ignored it. Servers before 2023.10
    # filter by uuid without returning it: there the server's filter is trusted only for a single answer.
    key, value = next(iter(query.items()))
    matches = [user for user in results if str(user.get(key)) == str(value)]
    if not matches and len(results) == 1 and key not in results[0]:
        matches = results
    return matches[0] if matches else None


def checked_user(client, user):
    """The user object as authentik sends it, or an error naming api_url. An answer without a user's pk and
    username (or with groups_obj entries without a pk) is not authentik's, and acting on it (creating a user that
    seems to be missing, say) would send the token's writes to the wrong server."""
    if user is None or (isinstance(user, dict) and isinstance(user.get("pk"), int)
                        and isinstance(user.get("username"), str)
                        and all(isinstance(group, dict) and isinstance(group.get("pk"), str)
                                for group in user.get("groups_obj") or [])):
        return user
    raise AuthentikError("the answer from %s holds a user without pk or username, which authentik always sends; "
                         "check api_url" % client.base_url)


def checked_group(client, group):
    """The group object as authentik sends it (a UUID pk and a name), or an error naming api_url."""
    if group is None or (isinstance(group, dict) and isinstance(group.get("pk"), str)
                         and isinstance(group.get("name"), str)):
        return group
    raise AuthentikError("the answer from %s holds a group without pk or name, which authentik always sends; "
                         "check api_url" % client.base_url)


def is_missing(error):
    """authentik's 404 for an object that does not exist: a JSON {"detail": ...}, not some other server's page."""
    return error.status == 404 and isinstance(error.body, dict)


def get_or_none(client, path, query=None):
    try:
        return client.get(path, query=query)
    except ApiError as exc:
        if is_missing(exc):
            return None
        raise


def list_page(client, path, query):
    """The results of one list request."""
    with hint_on_missing_api(client):
        return client.get_page(path, query)["results"]


@contextlib.contextmanager
def hint_on_missing_api(client):
    """A list endpoint that answers 404 (other than for a page past the end) means no authentik API at api_url."""
    try:
        yield
    except ApiError as exc:
        if exc.status == 404 and exc.body != {"detail": "Invalid page."}:
            exc.note("expected authentik's API under %s; api_url should be the server's base URL, "
                     "like https://auth.example.com" % client.base_url)
        raise


def create_user(client, body):
    """POST the new user; after a transient failure, look it up before anything else (see _create_once). Usernames
    are unique, so a second POST can never make a second user: it is sent whenever the lookup finds none."""
    return _create_once(
        client,
        lambda: checked_user(client, client.post(USERS, body=body, expected=(201,))),
        lambda: find_user(client, username=body["username"]),
        taken=lambda error: _names_taken_field(error, "username"),
    )


def _names_taken_field(error, field):
    """authentik's answer to a create whose unique field is taken: 400 {field: ["... must be unique."]}."""
    detail = error.body.get(field) if isinstance(error, ApiError) and error.status == 400 and isinstance(
        error.body, dict) else None
    return isinstance(detail, list) and any("unique" in str(item) for item in detail)


def _create_once(client, create, find_again, taken=None):
    """A create is never sent twice without a lookup confirming it was not created: a blind second POST could
    make a duplicate or fail on the now-taken name.

    After a transient failure the object is looked up; found, the create went through and only its answer was
    lost. Not found, the create is sent again only when that cannot make a second object: when the failure shows
    that the server did not act on it (authentik's 429 throttle answer, a connection that was never made), or when
    `taken` is given, because the object's name is unique and a late first create makes the second one fail with
    the answer `taken` recognises, after which the object is looked up again. The client's retry budget, backoff
    and Retry-After apply. Otherwise, after a 5xx, a timeout or a reset the create may still be running behind a
    proxy, where a lookup cannot rule it out, so the error says what the lookup found and is raised."""
    attempt = 1
    while True:
        try:
            return create()
        except AuthentikError as error:
            if attempt > 1 and taken is not None and taken(error):
                found = find_again()
                if found is not None:
                    return found
            if not error.transient:
                raise
            found = find_again()
            if found is not None:
                return found
            if not (error.unprocessed or taken is not None):
                error.note("it was not created as far as a lookup right after could tell; running the task "
                           "again is safe")
                raise
            if attempt > client.retries:
                error.note("it was not created; gave up after %d attempt%s" % (attempt, "s" if attempt > 1 else ""))
                raise
            client.wait(attempt, getattr(error, "retry_after", None))
            attempt += 1


def update_user(client, pk, patch):
    return checked_user(client, _update(client, user_path(pk), patch, "user"))


def _update(client, path, patch, what):
    """PATCH, turning a 404 into a clear error: the object was deleted between the lookup and the write."""
    try:
        return client.patch(path, body=patch)
    except ApiError as exc:
        if is_missing(exc):
            exc.msg = "%s %s returned HTTP %s: the %s was deleted after it was read; nothing was changed" % (
                exc.method, exc.path, exc.status, what)
            exc.args = (exc.msg,)
        raise


def delete_user(client, pk):
    _delete(client, user_path(pk))


def set_password(client, pk, password):
    # Setting the same password twice has the same effect as once, so a lost answer may be retried.
    client.post(user_path(pk) + "set_password/", body={"password": password}, expected=(204,), retry=True)


def _delete(client, path):
    """DELETE that treats 'already gone' as done: a retried DELETE whose first answer was lost meets a 404."""
    try:
        client.delete(path)
    except ApiError as exc:
        if not is_missing(exc):
            raise


def require_group(client, entry):
    """The group named by a reference (a UUID, else an exact name); raise NotFoundError when it does not exist."""
    group = find_group(client, pk=entry) if is_uuid_reference(entry) else find_group(client, name=entry)
    if group is None:
        raise NotFoundError("Group %r does not exist" % entry)
    return group


def resolve_groups(client, entries):
    """{entry: group object} for names or UUIDs; fails on the first unknown one, before any write."""
    return dict((entry, require_group(client, entry)) for entry in entries)


def group_path(pk):
    return "%s%s/" % (GROUPS, pk)


def group_query(include_users):
    # include_parents exists from 2025.12 on; older servers ignore unknown query parameters.
    return {"include_users": "true" if include_users else "false", "include_parents": "true"}


def find_group(client, name=None, pk=None, include_users=False):
    """The group selected by UUID or exact name, or None; more than one group of that name is an error."""
    query = group_query(include_users)
    if pk is not None:
        return checked_group(client, get_or_none(client, group_path(pk), query))
    results = [checked_group(client, group) for group in list_page(client, GROUPS, dict(query, name=name))]
    matches = [group for group in results if group.get("name") == name]
    if len(matches) > 1:
        # Before 2025.12 group names were unique only per parent.
        raise AuthentikError(
            "Group name %r matches %d groups; use the group's UUID instead" % (name, len(matches))
        )
    return matches[0] if matches else None


def create_group(client, body):
    """POST the new group; after a transient failure, look it up before anything else (see _create_once)."""
    return _create_once(
        client,
        lambda: checked_group(client, client.post(GROUPS, body=body, expected=(201,))),
        lambda: find_group(client, name=body["name"]),
    )


def update_group(client, pk, patch):
    return checked_group(client, _update(client, group_path(pk), patch, "group"))


def delete_group(client, pk):
    _delete(client, group_path(pk))


def add_user_to_group(client, group_pk, user_pk):
    # add_user and remove_user are idempotent in authentik, so they are safe to retry.
    client.post(group_path(group_pk) + "add_user/", body={"pk": user_pk}, expected=(204,), retry=True)


def remove_user_from_group(client, group_pk, user_pk):
    client.post(group_path(group_pk) + "remove_user/", body={"pk": user_pk}, expected=(204,), retry=True)


def token_owner(client):
    """The user that owns the API token (GET /core/users/me/)."""
    answer = client.get(USERS + "me/")
    owner = answer.get("user") if isinstance(answer, dict) else None
    if not isinstance(owner, dict) or not isinstance(owner.get("pk"), int):
        raise AuthentikError("the answer from %s/core/users/me/ names no user; check api_url" % client.base_url)
    return owner


def all_groups(client, page_size=100):
    """Every group with its parents and without members: the tree that decides who is a superuser."""
    groups = list_objects(client, GROUPS, {"include_users": False, "include_parents": True}, page_size)
    return [checked_group(client, group) for group in groups]


def require_user(client, entry):
    """A user named by username (str) or pk (int); raise NotFoundError when it does not exist."""
    if isinstance(entry, int):
        user = find_user(client, pk=entry)
    else:
        user = find_user(client, username=entry)
    if user is None:
        raise NotFoundError("User %r does not exist" % (entry,))
    return user


def resolve_users(client, entries):
    """{entry: user} for usernames or pks; fails on the first unknown one, before any write."""
    return dict((entry, require_user(client, entry)) for entry in entries)


def list_query(filters):
    """Query parameters for a list endpoint: booleans as true/false, dicts as JSON, lists repeated, None dropped."""
    query = {}
    for key, value in filters.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, dict):
            value = json.dumps(value, sort_keys=True)
        query[key] = value
    return query


def list_objects(client, path, filters, page_size):
    """Every object a list endpoint returns for these filters, across all pages."""
    query = list_query(filters)
    query["page_size"] = page_size
    with hint_on_missing_api(client):
        return list(client.paginate(path, query))


# ---------------------------------------------------------------- RBAC roles and their permissions

ROLES = "/rbac/roles/"
PERMISSIONS = "/rbac/permissions/"
# Object permissions are read from their own list, whose page size authentik caps at 10.
ROLE_OBJECT_PERMISSIONS = "/rbac/permissions/roles/"
OBJECT_PERMISSION_PAGE_SIZE = 10


def role_path(pk):
    return "%s%s/" % (ROLES, pk)


# The models whose objects the role module can look up before granting a permission on one: authentik grants a
# permission whose object it cannot find on the whole model instead (see plugins/modules/authentik_role.py).
OBJECT_PATHS = {
    "authentik_core.user": user_path,
    "authentik_core.group": group_path,
    "authentik_rbac.role": role_path,
}


def checked_role(client, role):
    """The role as authentik sends it (a UUID pk and a name), or an error naming api_url."""
    if role is None or (isinstance(role, dict) and isinstance(role.get("pk"), str)
                        and isinstance(role.get("name"), str)):
        return role
    raise AuthentikError("the answer from %s holds a role without pk or name, which authentik always sends; "
                         "check api_url" % client.base_url)


def find_role(client, name=None, pk=None):
    """The role selected by UUID or exact name, or None.

    authentik filters roles by `name` from 2025.10 on and ignores the parameter before (it filtered on the name the
    role had when it was created), so the name is matched here and every page is read: one request on servers
    that filter, the whole (short) role list on older ones."""
    if pk is not None:
        return checked_role(client, get_or_none(client, role_path(pk)))
    for role in list_objects(client, ROLES, {"name": name}, 100):
        role = checked_role(client, role)
        if role["name"] == name:
            return role
    return None


def require_role(client, entry):
    """The role named by a reference (a UUID, else an exact name); raise NotFoundError when it does not exist."""
    role = find_role(client, pk=entry) if is_uuid_reference(entry) else find_role(client, name=entry)
    if role is None:
        raise NotFoundError("Role %r does not exist" % entry)
    return role


def resolve_roles(client, entries):
    """{entry: role} for names or UUIDs; fails on the first unknown one, before any write."""
    return dict((entry, require_role(client, entry)) for entry in entries)


def create_role(client, body):
    """POST the new role; after a transient failure, look it up before anything else (see _create_once)."""
    return _create_once(
        client,
        lambda: checked_role(client, client.post(ROLES, body=body, expected=(201,))),
        lambda: find_role(client, name=body["name"]),
    )


def update_role(client, pk, patch):
    return checked_role(client, _update(client, role_path(pk), patch, "role"))


def delete_role(client, pk):
    _delete(client, role_path(pk))


def role_global_permissions(client, pk):
    """The role's permissions on whole models (GET /rbac/permissions/?role=): Permission objects."""
    return list_objects(client, PERMISSIONS, {"role": pk}, 100)


def role_object_permissions(client, pk):
    """The role's permissions on single objects (GET /rbac/permissions/roles/?uuid=), which the list above leaves
    out."""
    return list_objects(client, ROLE_OBJECT_PERMISSIONS, {"uuid": pk}, OBJECT_PERMISSION_PAGE_SIZE)


def find_permissions(client, app_label, codename):
    """The permissions with this codename in this app (normally one). Any authenticated caller may list them."""
    return list_page(client, PERMISSIONS, {"codename": codename, "content_type__app_label": app_label})


def object_exists(client, model, object_pk):
    """Whether the object a permission would be granted on exists; the model must be one of OBJECT_PATHS."""
    return get_or_none(client, OBJECT_PATHS[model](object_pk)) is not None


def assign_permissions(client, role_pk, batch):
    """Grant the batch's permissions (globally, or on its object). authentik's get_or_create makes a repeat
    harmless, so a lost answer may be retried."""
    try:
        client.post("%sassigned_by_roles/%s/assign/" % (PERMISSIONS, role_pk), body=batch.body(), expected=(200,),
                    retry=True)
    except InvalidResponseError as error:
        # The one authentik success answer that is a JSON list: [{"id": ...}], an entry per permission.
        if not (isinstance(error.body, list) and all(isinstance(item, dict) and "id" in item for item in error.body)):
            raise


def unassign_permissions(client, role_pk, batch):
    """Take the batch's permissions away; removing what is not assigned is still a 204, so retries are safe."""
    client.request("PATCH", "%sassigned_by_roles/%s/unassign/" % (PERMISSIONS, role_pk), body=batch.body(),
                   expected=(204,), retry=True)


def server_has_user_roles(client):
    """Whether users can hold roles directly (authentik 2025.12 and later): /core/users/me/ lists the owner's
    roles from that release on. Older servers drop a user's `roles` without an error."""
    answer = client.get(USERS + "me/")
    owner = answer.get("user") if isinstance(answer, dict) else None
    return isinstance(owner, dict) and "roles" in owner


# ---------------------------------------------------------------- tokens, service accounts, recovery

TOKENS = "/core/tokens/"
SERVICE_ACCOUNTS = USERS + "service_account/"
EMAIL_STAGES = "/stages/email/"


def token_path(identifier):
    # The identifier is a slug (letters, digits, - and _), so it is safe in a path once validated.
    return "%s%s/" % (TOKENS, identifier)


def checked_token(client, token):
    """The token as authentik sends it (a UUID pk, its identifier, an integer owner), or an error naming api_url."""
    if token is None or (isinstance(token, dict) and isinstance(token.get("identifier"), str)
                         and isinstance(token.get("user"), int) and not isinstance(token.get("user"), bool)
                         and isinstance(token.get("intent"), str)):
        return token
    raise AuthentikError("the answer from %s holds a token without identifier, user or intent, which authentik "
                         "always sends; check api_url" % client.base_url)


def find_token(client, identifier):
    """The token with this identifier, or None. One request."""
    return checked_token(client, get_or_none(client, token_path(identifier)))


def create_token(client, body):
    """POST the new token; after a transient failure, look it up before anything else (see _create_once)."""
    return _create_once(
        client,
        lambda: checked_token(client, client.post(TOKENS, body=body, expected=(201,))),
        lambda: find_token(client, body["identifier"]),
    )


def update_token(client, identifier, patch):
    return checked_token(client, _update(client, token_path(identifier), patch, "token"))


def delete_token(client, identifier):
    _delete(client, token_path(identifier))


@contextlib.contextmanager
def answer_holds(what):
    """For calls whose success answer holds a credential: an error about that answer never shows it."""
    try:
        yield
    except ApiError as error:
        raise without_secret_answer(error, what)


def view_token_key(client, identifier):
    """The token's key (GET view_key/, which authentik records as a secret_view event)."""
    with answer_holds("the token's key"):
        answer = client.get(token_path(identifier) + "view_key/")
    key = answer.get("key") if isinstance(answer, dict) else None
    if not isinstance(key, str):
        raise AuthentikError("the answer from %s to view_key holds no key; check api_url" % client.base_url)
    return key


def set_token_key(client, identifier, key):
    # Setting the same key twice has the same effect as once, so a lost answer may be retried.
    client.post(token_path(identifier) + "set_key/", body={"key": key}, expected=(204,), retry=True)


def create_service_account(client, body):
    """POST /core/users/service_account/ (200, not 201): the user, its app-password token (the key, once) and,
    when asked and allowed, a group. authentik's endpoint is not idempotent: after a transient failure the user is
    looked up (see _create_once) and, when found, its answer is rebuilt without the key, which is lost."""

    def find_again():
        user = find_user(client, username=body["name"])
        if user is None:
            return None
        return {"username": user["username"], "user_uid": user.get("uid"), "user_pk": user["pk"]}

    return _create_once(client, lambda: client.post(SERVICE_ACCOUNTS, body=body, expected=(200,)), find_again)


def recovery_link(client, user_pk, body):
    """POST recovery/: a link to the brand's recovery flow for the user. `body` ({} or {"token_duration"}) is sent
    only when it holds something: servers before 2026.2 take no body."""
    with answer_holds("the recovery link"):
        answer = _recovery_action(client, user_path(user_pk) + "recovery/", None, body or None, (200,))
    link = answer.get("link") if isinstance(answer, dict) else None
    if not isinstance(link, str):
        raise AuthentikError("the answer from %s to recovery holds no link; check api_url" % client.base_url)
    return link


def send_recovery_email(client, user_pk, stage_pk, token_duration=None, json_body=True):
    """POST recovery_email/. authentik 2026.2 moved the stage from the query string into a JSON body (and added
    token_duration); `json_body` says which form this server reads."""
    if not json_body:
        _recovery_action(client, user_path(user_pk) + "recovery_email/", {"email_stage": stage_pk}, None, (204,))
        return
    body = {"email_stage": stage_pk}
    if token_duration is not None:
        body["token_duration"] = token_duration
    _recovery_action(client, user_path(user_pk) + "recovery_email/", None, body, (204,))


def _recovery_action(client, path, query, body, expected):
    """The recovery actions are POSTs from authentik 2024.4 on and GETs before. A 405 means the server did nothing,
    so the GET form follows it; neither is retried, since each call issues a recovery token."""
    try:
        return client.request("POST", path, query=query, body=body, expected=expected, retry=False)
    except ApiError as error:
        if error.status != 405:
            raise
    return client.request("GET", path, query=query, expected=expected, retry=False)


def require_email_stage(client, entry):
    """The email stage named by a UUID or an exact name; NotFoundError when there is none."""
    if is_uuid_reference(entry):
        stage = get_or_none(client, "%s%s/" % (EMAIL_STAGES, entry))
    else:
        stage = next((item for item in list_objects(client, EMAIL_STAGES, {"name": entry}, 100)
                      if item.get("name") == entry), None)
    if stage is None:
        raise NotFoundError("Email stage %r does not exist" % entry)
    return stage


def server_has_json_recovery(client, user):
    """Whether the server is authentik 2026.2 or later, whose recovery actions take token_duration (older ones
    drop it without an error). The users list filters by last_login__isnull from 2026.2 on and ignores it before:
    asking for `user` with the opposite of its own last_login state finds it only on an older server."""
    query = {"username": user["username"], "last_login__isnull": "false" if user.get("last_login") is None else "true"}
    return not any(found.get("pk") == user["pk"] for found in list_page(client, USERS, query))
