"""List endpoints: django-filter filters, DRF search and ordering, authentik pagination.

`query` is always a dict of lists as produced by urllib.parse.parse_qs with
keep_blank_values=True; empty filter values are ignored like django-filter does.
"""

import json
import math
import re
import uuid

from . import fields
from .permissions import row_label
from .state import USER_TYPES, ApiError, num_pk

USER_ORDERING = ("pk", "username", "name", "is_active", "last_login", "date_joined", "email",
                 "path", "type", "uuid", "password_change_date", "last_updated")
GROUP_ORDERING = ("pk", "num_pk", "name", "is_superuser")
INVALID_CHOICE = "Select a valid choice. {} is not one of the available choices."


def first(query, name):
    """Last value wins for single-valued params, as with QueryDict.get()."""
    values = query.get(name) or [""]
    return values[-1]


def many(query, name):
    return [v for v in query.get(name, []) if v != ""]


def flag(query, name):
    """django-filter BooleanWidget: true/false/1/0, anything else disables the filter."""
    return {"true": True, "1": True, "false": False, "0": False}.get(first(query, name).lower())


def include(query, name, default):
    """authentik's include_* switches: only the literal "true" (any case) counts as true."""
    return first(query, name).lower() == "true" if name in query else default


# --------------------------------------------------------------------- filters

def filter_users(store, query):
    """The users a list request answers with, in order.

    Every filter keeps the order it is given, so with the default ordering the work starts from the store's cached
    username order and nothing is sorted per request; an exact username is looked up in the index. The answer may
    be the store's cached list itself: callers must not change it."""
    errors = {}
    # Ordering by a field the release does not have is ignored like any unknown name.
    allowed = tuple(f for f in USER_ORDERING if store.version.has("User", f))
    ordering = first(query, "ordering")
    default_order = ordering_terms(ordering, allowed) in ([], ["username"])
    username = first(query, "username")
    if username:
        found = store.user_by_username(username)
        users = [found] if found else []
    elif default_order:
        users = store.users_by_username()
    else:
        users = list(store.users.values())
    for name in ("email", "name", "path"):
        value = first(query, name)
        if value:
            users = [u for u in users if u[name] == value]
    value = flag(query, "is_active")
    if value is not None:
        users = [u for u in users if u["is_active"] is value]
    value = flag(query, "is_superuser")
    if value is not None:
        # Direct groups only, as before: members of any superuser group.
        members = _members(g for g in store.groups.values() if g["is_superuser"])
        users = [u for u in users if (u["pk"] in members) is value]
    if first(query, "path_startswith"):
        users = [u for u in users if u["path"].startswith(first(query, "path_startswith"))]
    users = _filter_uuid(users, first(query, "uuid"), errors)
    if store.version.has("User", "type"):
        users = _filter_types(users, many(query, "type"), errors)
    users = _filter_user_groups(store, users, query, errors)
    if store.version.user_roles:
        users = _filter_user_roles(store, users, query, errors)
    if store.version.last_login_filters:
        users = _filter_last_login(users, query, errors)
    users = filter_attributes(users, first(query, "attributes"))
    if errors:
        raise ApiError(400, errors)
    users = search(users, first(query, "search"), lambda u: (u["email"], u["name"], u["uuid"], u["username"]))
    return users if default_order else order(users, ordering, allowed, ("username",))


def _members(groups):
    """The pks of the users in any of these groups."""
    return set().union(*(g["users"] for g in groups))


def _filter_last_login(users, query, errors):
    """last_login (exact), __gt, __lt (IsoDateTimeFilter) and __isnull (BooleanFilter), 2026.2 and later. An
    unparsable instant is django-filter's error (its text is not verified)."""
    isnull = flag(query, "last_login__isnull")
    if isnull is not None:
        users = [u for u in users if (u["last_login"] is None) is isnull]
    for name, keep in (("last_login", lambda a, b: a == b), ("last_login__gt", lambda a, b: a > b),
                       ("last_login__lt", lambda a, b: a < b)):
        raw = first(query, name)
        if not raw:
            continue
        wanted = fields.parse_datetime(raw)
        if wanted is None:
            errors[name] = ["Enter a valid date/time."]
            continue
        users = [u for u in users if u["last_login"] is not None and keep(u["last_login"], wanted)]
    return users


def _filter_uuid(users, value, errors):
    if not value:
        return users
    try:
        wanted = str(uuid.UUID(value))
    except ValueError:
        errors["uuid"] = ["Enter a valid UUID."]
        return users
    return [u for u in users if u["uuid"] == wanted]


def _filter_types(users, values, errors):
    if not values:
        return users
    bad = [v for v in values if v not in USER_TYPES]
    if bad:
        errors["type"] = [INVALID_CHOICE.format(bad[0])]
        return users
    return [u for u in users if u["type"] in values]


def _filter_user_groups(store, users, query, errors):
    """groups_by_name / groups_by_pk: users in any of the given groups."""
    by_name = many(query, "groups_by_name")
    if by_name:
        names = {g["name"] for g in store.groups.values()}
        unknown = [n for n in by_name if n not in names]
        if unknown:
            errors["groups_by_name"] = [INVALID_CHOICE.format(unknown[0])]
        else:
            members = _members(g for g in store.groups.values() if g["name"] in by_name)
            users = [u for u in users if u["pk"] in members]
    by_pk = many(query, "groups_by_pk")
    if by_pk:
        keys = _model_choices(by_pk, _as_uuid, store.groups, "groups_by_pk", errors)
        if keys is not None:
            members = _members(store.groups[key] for key in keys)
            users = [u for u in users if u["pk"] in members]
    return users


def _filter_user_roles(store, users, query, errors):
    """roles_by_name / roles_by_pk (2025.12 and later): users holding any of the roles directly.

    Unknown values are refused like groups_by_*; django-filter's message is not verified for roles."""
    by_name = many(query, "roles_by_name")
    if by_name:
        names = {r["name"] for r in store.roles.values()}
        unknown = [n for n in by_name if n not in names]
        if unknown:
            errors["roles_by_name"] = [INVALID_CHOICE.format(unknown[0])]
        else:
            keys = {r["uuid"] for r in store.roles.values() if r["name"] in by_name}
            users = [u for u in users if not keys.isdisjoint(u["roles"])]
    by_pk = many(query, "roles_by_pk")
    if by_pk:
        keys = _model_choices(by_pk, _as_uuid, store.roles, "roles_by_pk", errors)
        if keys is not None:
            users = [u for u in users if set(u["roles"]) & keys]
    return users


def filter_groups(store, query):
    groups = list(store.groups.values())
    errors = {}
    if first(query, "name"):
        groups = [g for g in groups if g["name"] == first(query, "name")]
    superuser = flag(query, "is_superuser")
    if superuser is not None:
        groups = [g for g in groups if g["is_superuser"] is superuser]
    by_pk = many(query, "members_by_pk")
    if by_pk:
        keys = _model_choices(by_pk, int, store.users, "members_by_pk", errors)
        if keys is not None:
            groups = [g for g in groups if g["users"] & keys]
    by_username = many(query, "members_by_username")
    if by_username:
        known = {u["username"]: u["pk"] for u in store.users.values()}
        unknown = [n for n in by_username if n not in known]
        if unknown:
            errors["members_by_username"] = [INVALID_CHOICE.format(unknown[0])]
        else:
            groups = [g for g in groups if g["users"] & {known[n] for n in by_username}]
    groups = filter_attributes(groups, first(query, "attributes"))
    if errors:
        raise ApiError(400, errors)
    groups = search(groups, first(query, "search"), lambda g: (g["name"], str(g["is_superuser"]).lower()))
    return order(groups, first(query, "ordering"), GROUP_ORDERING, ("name",), _group_value)


def filter_roles(store, query, roles=None):
    """GET /rbac/roles/ as the emulated release filters, searches and orders it (API-lifecycle.md 2.3).

    Filters a release does not have are ignored like any unknown parameter. The 400 texts for a bad
    `users` number or group UUID are django-filter's (not verified for these filters).

    django-filter applies the filters in the FilterSet's order: name, managed, managed__isnull, then users
    and the group filter, which are method filters. With inherited=true these answer with user.all_roles() or
    group.all_roles() instead of narrowing what came before, so the name and managed filters, the visibility
    filter (ObjectFilter, which runs first) and, for the group filter, the users filter are dropped
    (code reading of a 2026.2-era roles.py, not of a release tag). Only the literal "true" counts for
    inherited there (`self.data.get("inherited", "").lower() == "true"`)."""
    version = store.version
    roles = list(store.roles.values()) if roles is None else roles
    errors = {}
    by_name = version.role_list_by_name
    name_key = "name" if by_name else "group_name"
    exact = first(query, "name" if by_name else "group__name")
    if exact:
        roles = [r for r in roles if r[name_key] == exact]
    if version.user_roles:
        roles = _filter_roles_by_managed(store, roles, query, errors)
        inherited = first(query, "inherited").lower() == "true"
        roles = _filter_roles_by_user(store, roles, first(query, "users"), inherited, errors)
        roles = _filter_roles_by_group(store, roles, query, version.role_group_filter, inherited, errors)
    if errors:
        raise ApiError(400, errors)
    roles = search(roles, first(query, "search"), lambda r: (r[name_key],))
    # Ordering names: the serializer's fields; the default is group__name, then name from 2025.10.
    return order(roles, first(query, "ordering"), ("pk", "name"), (name_key,), _role_value)


def _role_value(role, name):
    return role["uuid"] if name == "pk" else role[name]


def _filter_roles_by_managed(store, roles, query, errors):
    """managed (repeatable) and managed__isnull (2025.12 and later)."""
    managed = many(query, "managed")
    if managed:
        # AllValuesMultipleFilter: the choices are the values present in the table.
        present = {r["managed"] for r in store.roles.values() if r["managed"] is not None}
        unknown = [m for m in managed if m not in present]
        if unknown:
            errors["managed"] = [INVALID_CHOICE.format(unknown[0])]
        else:
            roles = [r for r in roles if r["managed"] in managed]
    isnull = flag(query, "managed__isnull")
    if isnull is not None:
        roles = [r for r in roles if (r["managed"] is None) is isnull]
    return roles


def _filter_roles_by_user(store, roles, raw, inherited, errors):
    """users=<int>: the user's direct roles among `roles`, or, with inherited, all_roles() in their place; an
    unknown user gives []."""
    if not raw:
        return roles
    try:
        pk = int(float(raw)) if float(raw).is_integer() else None
    except ValueError:
        pk = None
        errors["users"] = ["Enter a number."]
        return roles
    if pk not in store.users:
        return []
    if inherited:
        return store.all_roles(pk)
    keys = {r["uuid"] for r in store.user_roles(pk)}
    return [r for r in roles if r["uuid"] in keys]


def _filter_roles_by_group(store, roles, query, name, inherited, errors):
    """ak_groups (2025.12.x) / groups (2026.2+)=<uuid>: the group's direct roles among `roles`, or, with
    inherited, Group.all_roles() in their place."""
    raw = first(query, name) if name else ""
    if not raw:
        return roles
    try:
        key = _as_uuid(raw)
    except ValueError:
        errors[name] = ["Enter a valid UUID."]
        return roles
    group = store.groups.get(key)
    if group is None:
        return []
    if inherited:
        return store.group_all_roles(group)
    keys = {r["uuid"] for r in store.group_roles(group)}
    return [r for r in roles if r["uuid"] in keys]


def filter_permissions(store, query):
    """GET /rbac/permissions/: exact codename / content type filters, role= (the role's global permissions),
    user= (legacy direct user permissions, until 2025.12.x: none exist here), search, ordering by name."""
    version = store.version
    rows = list(store.permissions.rows)
    for name, key in (("codename", "codename"), ("content_type__model", "model"),
                      ("content_type__app_label", "app_label")):
        value = first(query, name)
        if value:
            rows = [r for r in rows if r[key] == value]
    role_key = first(query, "role")
    if role_key:
        # An unknown or malformed role UUID matches nothing (not verified).
        try:
            role = store.roles.get(_as_uuid(role_key))
        except ValueError:
            role = None
        held = set(role["model_perms"]) if role else set()
        rows = [r for r in rows if r["id"] in held]
    if version.permission_user_filter and first(query, "user"):
        rows = []
    fields = ("codename", "model", "app_label") + (("name",) if version.permission_search_name else ())
    rows = search(rows, first(query, "search"), lambda r: tuple(r[f] for f in fields))
    return order(rows, first(query, "ordering"), ("name", "codename", "id"), ("name", "id"))


def filter_roles_for_object(store, query, roles):
    """GET /rbac/permissions/assigned_by_roles/?model=&object_pk= (model required).

    2025.12+: roles with a global permission of the model or an object permission on object_pk.
    Up to 2025.10 (rbac_assigned_by_roles.py of that era, code reading): roles holding the model's
    permissions globally or on any object, and, with object_pk, some object permission on that pk."""
    label = first(query, "model")
    if not label:
        raise ApiError(400, {"model": ["This field is required."]})
    if label not in store.permissions.models():
        raise ApiError(400, {"model": [INVALID_CHOICE.format(label)]})
    object_pk = first(query, "object_pk")
    found = []
    for role in roles:
        globals_ = {row_label(r) for _i, r in store.role_model_permissions(role)}
        objects = store.role_object_permissions(role)
        if store.version.split_role_permissions:
            hit = label in globals_ or bool(object_pk) and any(
                row_label(r) == label and pk == object_pk for _i, r, pk in objects)
        else:
            hit = (label in globals_ or any(row_label(r) == label for _i, r, _pk in objects)) and (
                not object_pk or any(pk == object_pk for _i, _r, pk in objects))
        if hit:
            found.append(role)
    return order(found, first(query, "ordering"), ("name",), ("name",))


def _as_uuid(value):
    return str(uuid.UUID(value))


def _model_choices(values, convert, existing, name, errors):
    """ModelMultipleChoiceFilter by primary key; returns the key set or None on error."""
    keys = set()
    for value in values:
        try:
            key = convert(value)
        except ValueError:
            errors[name] = [f"\u201c{value}\u201d is not a valid value."]
            return None
        if key not in existing:
            errors[name] = [INVALID_CHOICE.format(value)]
            return None
        keys.add(key)
    return keys


def filter_attributes(items, raw):
    """authentik's filter_attributes: {"a__b": v} means attributes["a"]["b"] == v."""
    if not raw:
        return items
    try:
        wanted = json.loads(raw)
    except ValueError:
        raise ApiError(400, ["filter: failed to parse JSON"]) from None
    if not isinstance(wanted, dict):
        raise ApiError(400, ["filter: value must be key:value mapping"])
    return [i for i in items if all(_json_path_equals(i["attributes"], k, v) for k, v in wanted.items())]


_MISSING = object()


def _json_path_equals(document, key, expected):
    current = document
    for segment in key.split("__"):
        if isinstance(current, dict):
            current = current.get(segment, _MISSING)
        elif isinstance(current, list) and segment.isdigit() and int(segment) < len(current):
            current = current[int(segment)]
        else:
            current = _MISSING
        if current is _MISSING:
            return False
    return _json_equal(current, expected)


def _json_equal(left, right):
    """JSON equality: booleans never equal numbers, unlike Python's True == 1."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_json_equal(a, b) for a, b in zip(left, right))
    return left == right


# ------------------------------------------------------------ search, ordering

def search(items, text, values):
    """DRF SearchFilter: every term must be an icontains match on some field."""
    terms = [t for t in re.split(r"[\s,]+", text.strip()) if t]
    if not terms:
        return items
    return [i for i in items if all(any(t.lower() in v.lower() for v in values(i)) for t in terms)]


def ordering_terms(raw, allowed):
    """The ordering terms DRF's OrderingFilter keeps: unknown names are dropped."""
    return [t.strip() for t in raw.split(",") if t.strip().lstrip("-") in allowed] if raw else []


def order(items, raw, allowed, default, value=lambda item, name: item[name]):
    """DRF OrderingFilter: unknown names are dropped; none left means the default."""
    terms = ordering_terms(raw, allowed)
    for term in reversed(terms or list(default)):
        name = term.lstrip("-")
        items = sorted(items, key=lambda i, n=name: _nulls_last(value(i, n)), reverse=term.startswith("-"))
    return items


def _nulls_last(value):
    """PostgreSQL puts NULLs last ascending and first descending; this key does both."""
    return (value is None, "" if value is None else value)


def _group_value(group, name):
    if name == "pk":
        return group["uuid"]
    if name == "num_pk":
        return num_pk(group["uuid"])
    return group[name]


# ------------------------------------------------------------------ pagination

def page_size(query, default, maximum):
    """DRF _positive_int(strict=True, cutoff=max): invalid or non-positive means default."""
    try:
        size = int(first(query, "page_size"))
    except ValueError:
        return default
    if size <= 0:
        return default
    return min(size, maximum) if maximum else size


def paginate(items, query, default_size, max_size):
    """Slice one page and build authentik's envelope (page numbers, 0 for none)."""
    size = page_size(query, default_size, max_size)
    count = len(items)
    total_pages = max(1, math.ceil(count / size))
    raw_page = first(query, "page") or "1"
    number = total_pages if raw_page == "last" else _page_number(raw_page)
    if number is None or number < 1 or number > total_pages:
        raise ApiError(404, {"detail": "Invalid page."})
    start = (number - 1) * size
    page = items[start:start + size]
    return page, {
        "next": number + 1 if number < total_pages else 0,
        "previous": number - 1 if number > 1 else 0,
        "count": count,
        "current": number,
        "total_pages": total_pages,
        "start_index": start + 1 if count else 0,
        "end_index": start + len(page),
    }


def _page_number(raw):
    """Django Paginator.validate_number accepts integral floats such as "2.0"."""
    try:
        value = float(raw)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None
