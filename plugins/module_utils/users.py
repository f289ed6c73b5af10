# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions for users: validate parameters, compare with the server's user, build the
minimal PATCH body, the diff and the predicted result. No I/O happens here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re
from datetime import datetime, timedelta, timezone

from ansible_collections.akops.authentik.plugins.module_utils.compare import (
    canonical_uuid,
    desired_attributes,
    entries_to_resolve,
    is_uuid,
    labels_by_key,
    resolve_targets,
)
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError

# Writable scalar fields of PATCH /core/users/{id}/ that the module manages option by option.
SCALAR_FIELDS = ("username", "name", "email", "is_active", "path", "type", "last_login")
USER_TYPES = ("internal", "external", "service_account")
PASSWORD_MARKER = "********"
USERNAME_MAX = 150
EMAIL_MAX = 254

# Django's EmailValidator in spirit: one @, no spaces, a dotted domain or "localhost".
_EMAIL_RE = re.compile(r"^[^@\s]+@([^@\s.]+\.)+[^@\s.]+$|^[^@\s]+@localhost$", re.IGNORECASE)
_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)


# ---------------------------------------------------------------- validation

TRIMMED_FIELDS = ("username", "name", "email", "path")


def normalize_params(params):
    """The parameters as authentik will store them: text without surrounding spaces (its serializers trim them),
    UUIDs in canonical form. Comparing anything else would report a change on every run."""
    result = dict(params)
    for field in TRIMMED_FIELDS:
        if isinstance(result.get(field), str):
            result[field] = result[field].strip()
    if result.get("uuid") is not None:
        result["uuid"] = canonical_uuid(result["uuid"])
    if result.get("groups") is not None:
        result["groups"] = [canonical_uuid(entry.strip()) if isinstance(entry, str) else entry
                            for entry in result["groups"]]
    return result


def validate_params(params):
    """Raise ValidationError for input authentik would refuse, before any request is sent."""
    checks = (
        ("username", _username_problem),
        ("email", _email_problem),
        ("path", _path_problem),
        ("uuid", _uuid_problem),
        ("last_login", _last_login_problem),
        ("groups", _groups_problem),
        ("password", _password_problem),
    )
    for field, check in checks:
        value = params.get(field)
        if value is not None:
            problem = check(value)
            if problem:
                raise ValidationError("Invalid %s: %s" % (field, problem))


def _username_problem(value):
    if not value.strip():
        return "must not be empty or only whitespace"
    if len(value) > USERNAME_MAX:
        return "must be at most %d characters, got %d" % (USERNAME_MAX, len(value))
    return None


def _email_problem(value):
    if len(value) > EMAIL_MAX:
        return "must be at most %d characters, got %d" % (EMAIL_MAX, len(value))
    if value and not _EMAIL_RE.match(value):
        return "%r is not an email address" % value
    return None


def _path_problem(value):
    if not value:
        return "must not be empty"
    if value.startswith("/") or value.endswith("/"):
        return "%r must not start or end with a slash" % value
    if "//" in value:
        return "%r must not contain empty segments" % value
    return None


def _uuid_problem(value):
    return None if is_uuid(value) else "%r is not a UUID" % value


def _last_login_problem(value):
    return None if parse_instant(value) else "%r is not an ISO 8601 date and time" % value


def _password_problem(value):
    # authentik 2026.2 and later refuse it; older releases would set an empty, usable password.
    return "must not be empty" if not value else None


def _groups_problem(value):
    if any(not isinstance(item, str) or not item.strip() for item in value):
        return "every entry must be a non-empty group name or UUID"
    return None


# ---------------------------------------------------------------- instants


def parse_instant(value):
    """Parse ISO 8601 into an aware UTC datetime (naive means UTC); None when unparseable.

    Written by hand because datetime.fromisoformat() accepts 'Z' and arbitrary fractions
    only from Python 3.11, and modules also run on older target Pythons."""
    match = _ISO_RE.match(str(value).strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro)
    except ValueError:
        return None
    return moment.replace(tzinfo=_zone(zone)).astimezone(timezone.utc)


def _zone(zone):
    if not zone or zone.upper() == "Z":
        return timezone.utc
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
    return timezone(sign * timedelta(minutes=minutes))


def format_instant(value):
    """The form authentik returns: UTC, 'Z' suffix, microseconds only when non-zero."""
    return parse_instant(value).isoformat().replace("+00:00", "Z")


def same_value(field, current, desired):
    if field == "last_login" and current is not None and desired is not None:
        return parse_instant(current) == parse_instant(desired)
    return current == desired


# ---------------------------------------------------------------- groups


def current_groups(user):
    """{uuid: name} of the user's direct groups; names fall back to the UUID when groups_obj is null."""
    return labels_by_key(user.get("groups"), user.get("groups_obj"), "name")


# ---------------------------------------------------------------- comparison


def desired_scalars(params):
    """The scalar fields the task sets: omitted options are never sent."""
    return dict((field, params[field]) for field in SCALAR_FIELDS if params.get(field) is not None)


def build_patch(user, scalars, attributes=None, group_pks=None):
    """The minimal PATCH body: only the fields whose desired value differs from the current one."""
    patch = dict(
        (field, value) for field, value in scalars.items() if not same_value(field, user.get(field), value)
    )
    if attributes is not None and attributes != (user.get("attributes") or {}):
        patch["attributes"] = attributes
    if group_pks is not None and set(group_pks) != set(user.get("groups") or []):
        patch["groups"] = sorted(group_pks)
    return patch


def create_body(scalars, attributes=None, group_pks=None):
    """POST body for a new user. authentik requires `name` on create; it may be empty."""
    body = dict(scalars)
    body.setdefault("name", "")
    if attributes:
        body["attributes"] = attributes
    if group_pks:
        body["groups"] = sorted(group_pks)
    return body


# ---------------------------------------------------------------- prediction and diff


def apply_patch(user, patch, group_info):
    """What the server will return after the PATCH (check mode's answer). `group_info` maps uuid -> group object."""
    result = copy.deepcopy(user)
    for field, value in patch.items():
        result[field] = format_instant(value) if field == "last_login" else copy.deepcopy(value)
    if "groups" in patch:
        result["groups_obj"] = [_partial_group(pk, group_info) for pk in patch["groups"]]
        result["is_superuser"] = predicted_superuser(user, result["groups_obj"])
    return result


def predicted_superuser(user, new_groups):
    """authentik derives is_superuser from the user's groups and their ancestors. A direct superuser group
    decides it; without one, a flag that no direct group explained came from an ancestor and stays, as far as
    the module can tell without reading the group tree."""
    if any(group.get("is_superuser") for group in new_groups):
        return True
    explained = any(group.get("is_superuser") for group in user.get("groups_obj") or [])
    return bool(user.get("is_superuser")) and not explained


def new_user(body, group_info):
    """What the server will return after creating a user from `body` (authentik's defaults filled in)."""
    user = {
        "pk": None,
        "username": body["username"],
        "name": "",
        "is_active": True,
        "last_login": None,
        "is_superuser": False,
        "groups": [],
        "groups_obj": [],
        "email": "",
        "attributes": {},
        "path": "users",
        "type": "internal",
    }
    return apply_patch(user, dict(body, groups=body.get("groups", [])), group_info)


def _partial_group(pk, group_info):
    group = group_info.get(pk, {})
    return {
        "pk": pk,
        "num_pk": group.get("num_pk"),
        "name": group.get("name", pk),
        "is_superuser": bool(group.get("is_superuser")),
        "attributes": group.get("attributes", {}),
    }


def managed_view(user, managed, set_password=False):
    """The user as the diff shows it: only managed fields, groups as sorted names, never a password."""
    if not user:
        return {}
    view = {}
    for field in managed:
        if field == "groups":
            view["groups"] = sorted(current_groups(user).values())
        elif field == "last_login" and user.get(field):
            view[field] = format_instant(user[field])
        else:
            view[field] = copy.deepcopy(user.get(field))
    if set_password:
        view["password"] = PASSWORD_MARKER
    return view


def managed_fields(params):
    """The fields a task manages, in display order."""
    fields = [field for field in SCALAR_FIELDS if params.get(field) is not None]
    fields += [field for field in ("attributes", "groups") if params.get(field) is not None]
    return fields


# ---------------------------------------------------------------- one spec, one plan


def groups_needing_lookup(spec, user):
    """Group entries of a spec that only the server can resolve: those that would change membership."""
    if spec.get("state") == "absent" or spec.get("groups") is None:
        return []
    return entries_to_resolve(spec["groups"], current_groups(user or {}), spec.get("groups_mode") or "add")


def plan_user(spec, user, resolved):
    """What one spec asks of one user (None when it does not exist); no I/O.

    `resolved` maps the entries named by groups_needing_lookup() to group objects. The plan says which
    request to send (`action`: create, update, delete or none, with its `body`), whether to set the
    password, the changed field names, and the user as the server will return it (`predicted`)."""
    if spec.get("state") == "absent":
        action = "delete" if user else "none"
        return _plan(action, user, None, False, ["state"] if user else [], {})
    group_pks, group_info = _target_groups(spec, user or {}, resolved)
    attributes = None
    if spec.get("attributes") is not None:
        current = (user or {}).get("attributes")
        attributes = desired_attributes(current, spec["attributes"], spec.get("attributes_mode") or "merge")
    if user is None:
        body = create_body(desired_scalars(spec), attributes, group_pks)
        password = spec.get("password") is not None
        return _plan("create", None, body, password, sorted(body), new_user(body, group_info))
    patch = build_patch(user, desired_scalars(spec), attributes, group_pks)
    password = spec.get("password") is not None and spec.get("update_password") == "always"
    action = "update" if patch or password else "none"
    return _plan(action, user, patch, password, sorted(patch), apply_patch(user, patch, group_info))


def _plan(action, before, body, set_password, changed_fields, predicted):
    return dict(
        action=action,
        before=before,
        body=body,
        set_password=set_password,
        changed_fields=changed_fields + (["password"] if set_password else []),
        predicted=predicted,
    )


def _target_groups(spec, user, resolved):
    """(the full set of group UUIDs to send, or None when groups are not managed; {uuid: group object})."""
    requested = spec.get("groups")
    if requested is None:
        return None, {}
    resolved_pks = dict((entry, group["pk"]) for entry, group in resolved.items())
    targets = resolve_targets(requested, current_groups(user), resolved_pks, spec.get("groups_mode") or "add")
    group_info = dict((group["pk"], group) for group in user.get("groups_obj") or [])
    group_info.update((group["pk"], group) for group in resolved.values())
    return targets, group_info


def locks_out(plan):
    """The action the plan takes that would lock the user out (delete or deactivate), or None."""
    if plan["action"] == "delete":
        return "delete"
    if plan["action"] == "update" and plan["body"].get("is_active") is False:
        return "deactivate"
    return None


def plan_diff(spec, plan, after):
    """Before/after of the managed fields; a deletion shows as a change of state."""
    before = plan["before"]
    if plan["action"] == "delete":
        return dict(before=dict(username=before["username"], state="present"),
                    after=dict(username=before["username"], state="absent"))
    if before is None and plan["action"] == "none":
        return dict(before={}, after={})
    managed = managed_fields(spec)
    return dict(before=managed_view(before, managed), after=managed_view(after, managed, plan["set_password"]))


# ---------------------------------------------------------------- lists of specs (authentik_users)


def validate_specs(specs):
    seen = set()
    for spec in specs:
        if not spec.get("username"):
            raise ValidationError("Every entry of users needs a username")
        if spec["username"] in seen:
            raise ValidationError("Username %r appears more than once in users" % spec["username"])
        seen.add(spec["username"])
        try:
            validate_params(spec)
        except ValidationError as error:
            error.note("in the entry for %r" % spec["username"])
            raise


def in_purge_scope(user, scope):
    """Whole path segments count: staff/berlin takes in staff/berlin and staff/berlin/x, not staff/berlin2.
    Internal service accounts (outposts) are never in scope; authentik refuses to change them anyway."""
    if user.get("type") == "internal_service_account":
        return False
    prefix, types = (scope.get("path_startswith") or "").strip("/"), scope.get("type")
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
