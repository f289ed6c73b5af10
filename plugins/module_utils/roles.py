# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions for RBAC roles: the roles users and groups hold, and a role's own permissions.

A permission is kept as a key (permission, model, object_pk): ("authentik_core.view_user", None, None) for a
permission on every user, ("authentik_core.change_user", "authentik_core.user", "42") for one on user 42. It is
shown as "authentik_core.view_user" or "authentik_core.change_user on authentik_core.user 42". No I/O here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re
from collections import namedtuple

from ansible_collections.akops.authentik.plugins.module_utils import validation as check
from ansible_collections.akops.authentik.plugins.module_utils.compare import (
    canonical_reference,
    canonical_uuid,
    entries_to_resolve,
    is_uuid,
    is_uuid_reference,
    labels_by_key,
    resolve_targets,
    target_set,
)
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.plan import Plan, plan_delete, plan_diff, write_action

MODES = ("add", "remove", "exact")
# The release from which users hold roles directly (before it, roles reach users only through groups).
USER_ROLES_RELEASE = "2025.12"
# authentik names the role it makes for one user's or group's own object permissions like this, and adds it to
# that user's or group's roles.
MANAGED_ROLE_PREFIX = "ak-managed-role--"
# app_label.codename, and app_label.model: lower-case identifiers, as Django writes them.
_DOTTED = re.compile(r"[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\Z")
PERMISSION_KEYS = ("permission", "model", "object_pk")
# The models whose objects the module can look up before granting a permission on one, and the form of their
# keys. authentik grants a permission whose object it cannot find on the whole model instead, silently, so a
# permission on an object of any other model is refused rather than risked.
OBJECT_MODELS = {
    "authentik_core.user": "integer",
    "authentik_core.group": "uuid",
    "authentik_rbac.role": "uuid",
}


# ---------------------------------------------------------------- roles held by users and groups


def current_roles(holder):
    """{uuid: name} of the direct roles of a user or group; names fall back to the UUID when roles_obj is null."""
    return labels_by_key((holder or {}).get("roles"), (holder or {}).get("roles_obj"), "name")


def own_managed_role(kind, pk):
    """The name of the role authentik keeps for one user's or group's own object permissions."""
    return "%s%s-%s" % (MANAGED_ROLE_PREFIX, kind, pk)


def normalize_role_references(entries):
    """Role references as they are compared: trimmed, UUIDs in lower case."""
    if not isinstance(entries, list):
        return entries
    return [canonical_reference(entry) for entry in entries]


ROLE_REFERENCES = check.list_of(check.reference, "role names or UUIDs")
# The validation rules of the two options, for USER_RULES and GROUP_RULES.
HELD_ROLE_RULES = (
    ("roles", ROLE_REFERENCES),
    ("roles_mode", check.choice(MODES)),
)


def role_option_spec():
    """The argument spec of `roles` and `roles_mode`, shared by authentik_user, each entry of authentik_users and
    authentik_group; a fresh copy each time, so no module can change another's."""
    return dict(
        roles=dict(type="list", elements="str"),
        roles_mode=dict(type="str", default="add", choices=list(MODES)),
    )


def roles_requested(spec):
    """Whether the task manages the roles of an object that is to exist."""
    return spec.get("roles") is not None and spec.get("state") != "absent"


def roles_needing_lookup(spec, holder):
    """Role names or UUIDs that only the server can resolve: those that would change the holder's roles."""
    if spec.get("state") == "absent" or spec.get("roles") is None:
        return []
    return entries_to_resolve(spec["roles"], current_roles(holder), spec.get("roles_mode") or "add")


def target_roles(spec, holder, resolved, kind):
    """(the full set of role UUIDs the holder should have, or None when roles are not managed; {uuid: name}).

    In 'exact' mode the holder keeps its own managed role (ak-managed-role--user-<pk>), as attributes merging keeps
    authentik's own keys: dropping it would strip the object permissions authentik granted on the holder's behalf.
    It goes only when named in the list."""
    if spec.get("roles") is None:
        return None, {}
    known = current_roles(holder)
    mode = spec.get("roles_mode") or "add"
    resolved_pks = dict((entry, role["pk"]) for entry, role in resolved.items())
    targets = resolve_targets(spec["roles"], known, resolved_pks, mode)
    if mode == "exact" and holder:
        own = own_managed_role(kind, holder.get("pk"))
        targets |= set(pk for pk, name in known.items() if name == own)
    names = dict(known)
    names.update((role["pk"], role["name"]) for role in resolved.values())
    return targets, names


def roles_obj(pks, names):
    """roles_obj as the server writes it: the roles ordered by name."""
    return sorted(({"pk": pk, "name": names.get(pk, pk)} for pk in pks), key=lambda role: (role["name"], role["pk"]))


def role_names(holder):
    """The holder's direct roles as sorted names, for diffs."""
    return sorted(current_roles(holder).values())


def user_roles_known(users):
    """Whether users hold roles directly on this server, as the users read from it tell (a user object carries
    `roles` from 2025.12 on), or None when no user was read."""
    for user in users:
        if user:
            return "roles" in user
    return None


def refuse_user_roles(release_has_them, where=None):
    """Users of servers before 2025.12 cannot hold roles, and those servers drop the field without an error: a
    task that asked for them would report a change that never happened."""
    if release_has_them:
        return
    error = ValidationError("Invalid roles: users hold roles directly only from authentik %s on, and this server "
                            "does not support it (it would ignore the field); give the roles to a group instead; "
                            "nothing was changed" % USER_ROLES_RELEASE)
    if where:
        error.note(where)
    raise error


def refuse_group_roles(group):
    """Groups of servers without RBAC (before authentik 2023.10) carry no `roles`, and those servers drop the
    field without an error: a task that asked for them would report a change that never happened."""
    if group is None or "roles" in group:
        return
    raise ValidationError("Invalid roles: this server's groups hold no roles (RBAC roles exist from authentik "
                          "2023.10 on; the server would ignore the field); nothing was changed")


# ---------------------------------------------------------------- a role's permissions: parameters


def normalize_role_params(params):
    """The role's name trimmed (authentik trims it), its pk in canonical form, permissions as keys where valid."""
    result = dict(params)
    if isinstance(result.get("name"), str):
        result["name"] = result["name"].strip()
    if isinstance(result.get("pk"), str):
        result["pk"] = canonical_uuid(result["pk"].strip())
    return result


def _dotted_problem(value, what, example):
    if not isinstance(value, str):
        return "give the %s as a string like %s, got %s" % (what, example, check.type_name(value))
    if not _DOTTED.match(value.strip()):
        return "%s is not an %s like %s" % (check.short_repr(value), what, example)
    return None


def _permission_problem(value):
    return _dotted_problem(value, "app_label.codename", "authentik_core.view_user")


def _object_pk_problem(model, object_pk):
    if isinstance(object_pk, bool) or not isinstance(object_pk, (str, int)):
        return "object_pk must be a string or an integer, got %s" % check.type_name(object_pk)
    text = str(object_pk).strip()
    kind = OBJECT_MODELS.get(model.strip())
    if kind is None:
        supported = ", ".join(sorted(OBJECT_MODELS))
        return ("permissions on single %s objects are not supported: the module cannot check that object %s "
                "exists, and authentik grants a permission whose object it cannot find on every object of the "
                "model instead; supported models: %s" % (model.strip(), check.short_repr(text), supported))
    if kind == "integer" and not (text.isdigit() and text.isascii() and 0 < int(text) <= check.INTEGER_MAX):
        return "object_pk for %s is the user pk, a positive integer; got %s" % (model.strip(), check.short_repr(object_pk))
    if kind == "uuid" and not is_uuid_reference(text):
        return "object_pk for %s is a UUID; got %s" % (model.strip(), check.short_repr(object_pk))
    return None


def permission_entry_problem(entry):
    """Why an entry of `permissions` is not a codename string or a {permission, model, object_pk} dict, or None."""
    if isinstance(entry, str):
        return _permission_problem(entry)
    if not isinstance(entry, dict):
        return "give a codename like authentik_core.view_user, or a dict with permission, model and object_pk"
    unknown = sorted(str(key) for key in entry if key not in PERMISSION_KEYS)
    if unknown:
        return "unknown key %s; a permission on one object has the keys %s" % (
            ", ".join(unknown), ", ".join(PERMISSION_KEYS))
    if entry.get("permission") is None:
        return "the permission (an app_label.codename) is missing"
    problem = _permission_problem(entry["permission"])
    if problem:
        return problem
    model, object_pk = entry.get("model"), entry.get("object_pk")
    if (model is None) != (object_pk is None):
        return ("model and object_pk go together: give both for a permission on one object, neither for a "
                "permission on the whole model")
    if model is None:
        return None
    return _dotted_problem(model, "app_label.model", "authentik_core.user") or _object_pk_problem(model, object_pk)


ROLE_RULES = (
    ("name", check.text(allow_blank=False)),
    ("pk", lambda value: None if isinstance(value, str) and is_uuid(value) else
     "%s is not a UUID (role keys are UUIDs)" % check.short_repr(value)),
    ("state", check.choice(("present", "absent"))),
    ("permissions", check.list_of(permission_entry_problem, "permissions")),
    ("permissions_mode", check.choice(MODES)),
)


def validate_role_params(params):
    """Raise ValidationError for input authentik would refuse or misread, before any request is sent."""
    check.validate(params, ROLE_RULES)


def permission_key(entry):
    """The key of a valid `permissions` entry: (permission, model or None, object_pk or None)."""
    if isinstance(entry, str):
        return (entry.strip(), None, None)
    model = entry.get("model")
    if model is None:
        return (entry["permission"].strip(), None, None)
    model = model.strip()
    object_pk = str(entry["object_pk"]).strip()
    object_pk = object_pk.lower() if OBJECT_MODELS.get(model) == "uuid" else str(int(object_pk))
    return (entry["permission"].strip(), model, object_pk)


def requested_permissions(params):
    """The keys of the requested permissions (each once), or None when permissions are not managed."""
    if params.get("permissions") is None:
        return None
    return set(permission_key(entry) for entry in params["permissions"])


def permission_label(key):
    permission, model, object_pk = key
    return permission if model is None else "%s on %s %s" % (permission, model, object_pk)


def permission_labels(keys):
    return sorted(permission_label(key) for key in keys)


# ---------------------------------------------------------------- a role's permissions: the server's side


def held_permissions(global_permissions, object_permissions):
    """The keys of what a role holds, from GET /rbac/permissions/?role= (on whole models) and
    GET /rbac/permissions/roles/?uuid= (on single objects)."""
    keys = set()
    for item in global_permissions or []:
        keys.add(("%s.%s" % (item["app_label"], item["codename"]), None, None))
    for item in object_permissions or []:
        model = "%s.%s" % (item["app_label"], item["model"])
        object_pk = str(item["object_pk"])
        keys.add(("%s.%s" % (item["app_label"], item["codename"]), model,
                  object_pk.lower() if OBJECT_MODELS.get(model) == "uuid" else object_pk))
    return keys


def permission_changes(held, params):
    """(keys to assign, keys to unassign) for the mode; two empty sets when permissions are not managed or the
    role is to be deleted."""
    requested = requested_permissions(params)
    if requested is None or params.get("state") == "absent":
        return set(), set()
    target = target_set(held, requested, params.get("permissions_mode") or "add")
    return target - held, held - target


def codenames_to_check(to_assign):
    """The (app_label, codename) pairs a task is about to grant: each must exist, so it is looked up first."""
    return sorted(set(tuple(permission.split(".", 1)) for permission, dummy, dummy_pk in to_assign))


def objects_to_check(to_assign):
    """The (model, object_pk) pairs a task is about to grant permissions on: each must exist (see OBJECT_MODELS)."""
    return sorted(set((model, object_pk) for dummy, model, object_pk in to_assign if model is not None))


def refuse_unknown_permissions(to_assign, catalogue, objects):
    """Raise ValidationError, before any write, for a permission authentik does not have, one that belongs to
    another model than the object it is granted on, or an object that does not exist.

    `catalogue` maps (app_label, codename) to the permissions the server listed for it; `objects` maps
    (model, object_pk) to whether the object exists."""
    for permission, model, object_pk in sorted(to_assign, key=lambda key: (key[0], key[1] or "", key[2] or "")):
        app_label, codename = permission.split(".", 1)
        found = catalogue.get((app_label, codename)) or []
        if not found:
            raise ValidationError("Invalid permissions: %s is not a permission authentik knows; permissions are "
                                  "written app_label.codename, like authentik_core.view_user; nothing was changed"
                                  % permission)
        if model is None:
            continue
        models = sorted("%s.%s" % (item["app_label"], item["model"]) for item in found)
        if model not in models:
            raise ValidationError("Invalid permissions: %s is a permission on %s, so it cannot be granted on %s %s; "
                                  "nothing was changed" % (permission, " and ".join(models), model, object_pk))
        if not objects.get((model, object_pk)):
            raise ValidationError("Invalid permissions: there is no %s %s to grant %s on (authentik would grant it "
                                  "on every %s instead); nothing was changed" % (model, object_pk, permission, model))


class PermissionBatch(namedtuple("PermissionBatch", ("model", "object_pk", "permissions"))):
    """The permissions one assign or unassign call carries: all on the same object, or all on whole models."""

    __slots__ = ()

    def body(self):
        body = {"permissions": list(self.permissions)}
        if self.model is not None:
            body.update(model=self.model, object_pk=self.object_pk)
        return body

    def __str__(self):
        return ", ".join(permission_label((permission, self.model, self.object_pk)) for permission in self.permissions)


def batches(keys):
    """One batch per object (and one for whole-model permissions), in a stable order."""
    grouped = {}
    for permission, model, object_pk in keys:
        grouped.setdefault((model or "", object_pk or ""), []).append(permission)
    return [PermissionBatch(model or None, object_pk or None, tuple(sorted(permissions)))
            for (model, object_pk), permissions in sorted(grouped.items())]


# ---------------------------------------------------------------- one task, one plan


def role_view(role, managed):
    """The role as the diff shows it: its name, and its permissions as sorted readable strings when managed."""
    if not role:
        return {}
    view = {"name": role.get("name")}
    if "permissions" in managed:
        view["permissions"] = list(role.get("permissions") or [])
    return view


def role_managed_fields(params):
    return ["name"] + (["permissions"] if params.get("permissions") is not None else [])


def plan_role(params, role, held):
    """The Plan for what the task asks of one role (None when it does not exist); no I/O.

    `held` is the set of permission keys the role holds now (empty for a new role; None when permissions are not
    managed). The before and predicted objects carry `permissions` as sorted readable strings."""
    if params.get("state") == "absent":
        return plan_delete("role", role)
    to_assign, to_unassign = permission_changes(held or set(), params)
    calls = tuple([("assign", batch) for batch in batches(to_assign)]
                  + [("unassign", batch) for batch in batches(to_unassign)])
    managed = params.get("permissions") is not None
    after_keys = ((held or set()) | to_assign) - to_unassign
    if role is None:
        body = {"name": params["name"]}
        predicted = {"pk": None, "name": params["name"]}
        if managed:
            predicted["permissions"] = permission_labels(after_keys)
        changed = ["name"] + (["permissions"] if calls else [])
        return Plan("role", "create", None, body, calls, changed, predicted)
    before = copy.deepcopy(role)
    if managed:
        before["permissions"] = permission_labels(held or set())
    patch = {}
    if params.get("name") is not None and params["name"] != role.get("name"):
        patch["name"] = params["name"]
    predicted = dict(before, **patch)
    if managed:
        predicted["permissions"] = permission_labels(after_keys)
    changed = sorted(patch) + (["permissions"] if calls else [])
    action = write_action(role, patch, calls)
    return Plan("role", action, before, patch if action != "none" else None, calls, changed, predicted)


def role_diff(params, plan, after=None):
    managed = role_managed_fields(params)

    def view(role):
        return role_view(role, managed)

    return plan_diff(plan, view, view, "name", after)
