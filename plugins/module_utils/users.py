# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions for users: normalize and validate the parameters, compare them with the server's user, and
plan the change (the minimal PATCH or POST body, the diff and the predicted result). No I/O happens here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.akops.authentik.plugins.module_utils import validation as check
from ansible_collections.akops.authentik.plugins.module_utils.compare import (
    canonical_reference,
    canonical_uuid,
    desired_attributes,
    entries_to_resolve,
    is_uuid,
    labels_by_key,
    resolve_targets,
)
from ansible_collections.akops.authentik.plugins.module_utils.emails import email_problem
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.instants import (
    format_instant,
    instant_problem,
    same_instant,
)
from ansible_collections.akops.authentik.plugins.module_utils.plan import Plan, plan_delete, plan_diff, write_action
from ansible_collections.akops.authentik.plugins.module_utils.roles import (
    HELD_ROLE_RULES,
    normalize_role_references,
    role_names,
    roles_obj,
    target_roles,
)

# Writable scalar fields of PATCH /core/users/{id}/ that the module manages option by option.
SCALAR_FIELDS = ("username", "name", "email", "is_active", "path", "type", "last_login")
USER_TYPES = ("internal", "external", "service_account")
PASSWORD_MARKER = "********"
USERNAME_MAX = 150
TRIMMED_FIELDS = ("username", "name", "email", "path")
MODES = ("add", "remove", "exact")


# ---------------------------------------------------------------- parameters


def normalize_user_params(params):
    """The parameters as authentik will store them: text without surrounding spaces (its serializers trim them),
    UUIDs in canonical form. Comparing anything else would report a change on every run. Values of the wrong
    type are left for validate_user_params to refuse."""
    result = dict(params)
    for field in TRIMMED_FIELDS:
        if isinstance(result.get(field), str):
            result[field] = result[field].strip()
    if isinstance(result.get("uuid"), str):
        result["uuid"] = canonical_uuid(result["uuid"].strip())
    if isinstance(result.get("groups"), list):
        result["groups"] = [canonical_reference(entry) for entry in result["groups"]]
    if "roles" in result:
        result["roles"] = normalize_role_references(result["roles"])
    return result


def _path_problem(value):
    problem = check.text(allow_blank=False)(value)
    if problem:
        return problem
    if value.startswith("/") or value.endswith("/"):
        return "%r must not start or end with a slash" % value
    if "//" in value:
        return "%r must not contain empty segments" % value
    return None


def _uuid_problem(value):
    return None if isinstance(value, str) and is_uuid(value) else "%s is not a UUID" % check.short_repr(value)


def _password_problem(value):
    if not isinstance(value, str):
        return "must be a string, got %s" % check.type_name(value)
    if check.NUL in value:
        return "must not contain NUL characters"
    # authentik trims the password it is sent, so one of only whitespace would be empty: refused from 2026.2 on,
    # an unusable password before.
    return "must not be empty or only whitespace" if not value.strip() else None


USER_RULES = (
    ("username", check.text(max_length=USERNAME_MAX, allow_blank=False)),
    ("state", check.choice(("present", "absent"))),
    ("pk", check.integer(minimum=1)),
    ("uuid", _uuid_problem),
    ("name", check.text()),
    ("email", lambda value: check.text()(value) or email_problem(value)),
    ("is_active", check.boolean),
    ("path", _path_problem),
    ("type", check.choice(USER_TYPES)),
    ("last_login", lambda value: check.text()(value) or instant_problem(value)),
    ("attributes", check.json_object),
    ("attributes_mode", check.choice(("merge", "replace"))),
    ("groups", check.list_of(check.reference, "group names or UUIDs")),
    ("groups_mode", check.choice(MODES)),
) + HELD_ROLE_RULES + (
    ("password", _password_problem),
    ("update_password", check.choice(("on_create", "always"))),
    ("allow_self_lockout", check.boolean),
)


def validate_user_params(params, where=None):
    """Raise ValidationError for input authentik would refuse, before any request is sent."""
    check.validate(params, USER_RULES, where)


# ---------------------------------------------------------------- comparison


def current_groups(user):
    """{uuid: name} of the user's direct groups; names fall back to the UUID when groups_obj is null."""
    return labels_by_key(user.get("groups"), user.get("groups_obj"), "name")


def same_value(field, current, desired):
    if field == "last_login" and current is not None and desired is not None:
        return same_instant(current, desired)
    return current == desired


def user_scalars(params):
    """The scalar fields the task sets: omitted options are never sent."""
    return dict((field, params[field]) for field in SCALAR_FIELDS if params.get(field) is not None)


def build_user_patch(user, scalars, attributes=None, group_pks=None, role_pks=None):
    """The minimal PATCH body: only the fields whose desired value differs from the current one. Groups and roles,
    when they differ, are sent whole: authentik replaces each set with what it is sent."""
    patch = dict(
        (field, value) for field, value in scalars.items() if not same_value(field, user.get(field), value)
    )
    if attributes is not None and attributes != (user.get("attributes") or {}):
        patch["attributes"] = attributes
    if group_pks is not None and set(group_pks) != set(user.get("groups") or []):
        patch["groups"] = sorted(group_pks)
    if role_pks is not None and set(role_pks) != set(user.get("roles") or []):
        patch["roles"] = sorted(role_pks)
    return patch


def build_user_body(scalars, attributes=None, group_pks=None, role_pks=None):
    """POST body for a new user. authentik requires `name` on create; it may be empty."""
    body = dict(scalars)
    body.setdefault("name", "")
    if attributes:
        body["attributes"] = attributes
    if group_pks:
        body["groups"] = sorted(group_pks)
    if role_pks:
        body["roles"] = sorted(role_pks)
    return body


# ---------------------------------------------------------------- prediction and diff


def predict_user(user, patch, group_info, role_info=None):
    """What the server will return after the PATCH (check mode's answer). `group_info` maps uuid -> group object,
    `role_info` uuid -> role name. With nothing to change the answer is the user itself: a bulk run of up-to-date
    users holds one copy of each, not two."""
    if not patch:
        return user
    result = copy.deepcopy(user)
    for field, value in patch.items():
        result[field] = format_instant(value) if field == "last_login" else copy.deepcopy(value)
    if "groups" in patch:
        result["groups_obj"] = [_partial_group(pk, group_info) for pk in patch["groups"]]
        result["is_superuser"] = predicted_superuser(user, result["groups_obj"])
    if "roles" in patch:
        result["roles_obj"] = roles_obj(patch["roles"], role_info or {})
        result["roles"] = [role["pk"] for role in result["roles_obj"]]
    return result


def predicted_superuser(user, new_groups):
    """authentik derives is_superuser from the user's groups and their ancestors. A direct superuser group
    decides it; without one, a flag that no direct group explained came from an ancestor and stays, as far as
    the module can tell without reading the group tree."""
    if any(group.get("is_superuser") for group in new_groups):
        return True
    explained = any(group.get("is_superuser") for group in user.get("groups_obj") or [])
    return bool(user.get("is_superuser")) and not explained


def new_user(body, group_info, role_info=None):
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
    return predict_user(user, dict(body, groups=body.get("groups", [])), group_info, role_info)


def _partial_group(pk, group_info):
    group = group_info.get(pk, {})
    return {
        "pk": pk,
        "num_pk": group.get("num_pk"),
        "name": group.get("name", pk),
        "is_superuser": bool(group.get("is_superuser")),
        "attributes": group.get("attributes", {}),
    }


def user_view(user, managed, set_password=False):
    """The user as the diff shows it: only managed fields, groups as sorted names, never a password."""
    if not user:
        return {}
    view = {}
    for field in managed:
        if field == "groups":
            view["groups"] = sorted(current_groups(user).values())
        elif field == "roles":
            view["roles"] = role_names(user)
        elif field == "last_login" and user.get(field):
            view[field] = format_instant(user[field])
        else:
            view[field] = copy.deepcopy(user.get(field))
    if set_password:
        view["password"] = PASSWORD_MARKER
    return view


def user_managed_fields(params):
    """The fields a task manages, in display order."""
    fields = [field for field in SCALAR_FIELDS if params.get(field) is not None]
    fields += [field for field in ("attributes", "groups", "roles") if params.get(field) is not None]
    return fields


def user_diff(spec, plan, after=None):
    """Before/after of the managed fields (the password as a marker); a deletion as a change of state."""
    managed = user_managed_fields(spec)
    sets_password = bool(plan.calls_named("set_password"))
    return plan_diff(plan, lambda user: user_view(user, managed),
                     lambda user: user_view(user, managed, sets_password), "username", after)


# ---------------------------------------------------------------- one spec, one plan


def groups_needing_lookup(spec, user):
    """Group entries of a spec that only the server can resolve: those that would change membership."""
    if spec.get("state") == "absent" or spec.get("groups") is None:
        return []
    return entries_to_resolve(spec["groups"], current_groups(user or {}), spec.get("groups_mode") or "add")


def plan_user(spec, user, resolved, resolved_roles=None):
    """The Plan for what one spec asks of one user (None when it does not exist); no I/O.

    `resolved` maps the entries named by groups_needing_lookup() to group objects, `resolved_roles` those named by
    roles.roles_needing_lookup() to roles. Whether the server can hold roles on users is the caller's to check
    (roles.refuse_user_roles)."""
    if spec.get("state") == "absent":
        return plan_delete("user", user)
    group_pks, group_info = _target_groups(spec, user or {}, resolved)
    role_pks, role_info = target_roles(spec, user, resolved_roles or {}, "user")
    attributes = None
    if spec.get("attributes") is not None:
        current = (user or {}).get("attributes")
        attributes = desired_attributes(current, spec["attributes"], spec.get("attributes_mode") or "merge")
    if user is None:
        body = build_user_body(user_scalars(spec), attributes, group_pks, role_pks)
        calls = (("set_password", None),) if spec.get("password") is not None else ()
        return _plan(None, body, calls, new_user(body, group_info, role_info))
    patch = build_user_patch(user, user_scalars(spec), attributes, group_pks, role_pks)
    always = spec.get("password") is not None and spec.get("update_password") == "always"
    calls = (("set_password", None),) if always else ()
    return _plan(user, patch, calls, predict_user(user, patch, group_info, role_info))


def _plan(user, body, calls, predicted):
    changed = sorted(body) + (["password"] if calls else [])
    action = write_action(user, body, calls)
    return Plan("user", action, user, body if action != "none" else None, calls, changed, predicted)


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


def removed_groups(plan):
    """UUIDs of the groups a user plan takes the user out of (all of them when it deletes the user)."""
    before = set((plan.before or {}).get("groups") or [])
    if plan.action == "delete":
        return before
    if plan.action == "update" and "groups" in plan.body:
        return before - set(plan.body["groups"])
    return set()


# ---------------------------------------------------------------- lists of specs (authentik_users)


def entry_label(spec, index):
    """How errors name an entry of a bulk list: by its username, or by its position when that is blank."""
    username = spec.get("username")
    if isinstance(username, str) and username.strip():
        return entry_named(username)
    return "in entry %d of users" % index


def entry_named(username):
    return "in the entry for %s" % check.short_repr(username)


def validate_user_specs(specs):
    """Every entry of a bulk list, before the first request: a list with one bad entry writes nothing."""
    if not isinstance(specs, list):
        raise ValidationError("Invalid users: must be a list of entries, got %s" % check.type_name(specs))
    seen = set()
    for index, spec in enumerate(specs):
        if not isinstance(spec, dict):
            raise ValidationError("Invalid users: entry %d must be a mapping, got %s" % (
                index + 1, check.type_name(spec)))
        if spec.get("username") is None:
            raise ValidationError("Invalid users: entry %d has no username; every entry needs one" % (index + 1))
        validate_user_params(spec, entry_label(spec, index + 1))
        if spec["username"] in seen:
            raise ValidationError("Username %r appears more than once in users" % spec["username"])
        seen.add(spec["username"])
