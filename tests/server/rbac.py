"""The /api/v3/rbac/ endpoint handlers: roles, role membership and role permissions.

Behaviour per release follows API-lifecycle.md section 2 (A, RBAC roles and permissions) and its version
table; where that document marks a fact "code reading" or "not verified", the docstring here says so.
Handlers follow api.py's conventions: they take a Call and return (status, body, response model name).
"""

from . import fields, listing
from .api import KEY, integer, paginated, rbac
from .fields import FieldError
from .permissions import permission_json
from .state import ApiError, ServerError, not_found

ROLE = "authentik_rbac.role"
USER = "authentik_core.user"
# /rbac/permissions/roles/ uses SmallerPagination: a given page_size is capped at 10.
SMALL_PAGE_MAX = 10
TOGETHER = "The fields model, object_pk must be used together."
GLOBAL_DOTTED = "When assigning global permissions, codename must be given as app_label.codename"


# ------------------------------------------------------------------------ roles

def _role_json(call):
    return call.store.role_json


@rbac
def list_roles(call):
    roles = call.visible(ROLE, list(call.store.roles.values()), lambda r: r["uuid"])
    roles = listing.filter_roles(call.store, call.query, roles)
    return 200, paginated(call, roles, _role_json(call), "PaginatedRoleList"), "PaginatedRoleList"


@rbac
def create_role(call):
    call.require("authentik_rbac.add_role")
    role = call.store.insert_role(call.store.validate_role(call.data("RoleRequest")))
    return 201, call.store.role_json(role), "Role"


def _get_role(call, method_perm=None):
    """get_object() on the role viewset (ObjectFilter, then the method's permission)."""
    role = call.get_visible(ROLE, list(call.store.roles.values()), lambda r: r["uuid"],
                            lambda: call.store.get_role(call.params["pk"]),
                            "Role" if call.version.named_not_found else None)
    if method_perm:
        call.require(method_perm, obj_pk=role["uuid"])
    return role


@rbac
def retrieve_role(call):
    return 200, call.store.role_json(_get_role(call)), "Role"


@rbac
def update_role(call, partial):
    role = _get_role(call, "authentik_rbac.change_role")
    data = call.data("PatchedRoleRequest" if partial else "RoleRequest")
    call.store.update_role(role, call.store.validate_role(data, instance=role, partial=partial))
    return 200, call.store.role_json(role), "Role"


@rbac
def put_role(call):
    return update_role(call, partial=False)


@rbac
def patch_role(call):
    return update_role(call, partial=True)


@rbac
def delete_role(call):
    call.store.delete_role(_get_role(call, "authentik_rbac.delete_role")["uuid"])
    return 204, None, None


@rbac
def used_by_role(call):
    """UsedByMixin: what would go with the role. Nothing references a role here, so always []."""
    _get_role(call)
    return 200, [], None


def _role_membership(call, add):
    """add_user / remove_user (2025.12+): @permission_required("authentik_rbac.change_role") on the role,
    permission_classes=[IsAuthenticated] (no method map). The body is not validated: the user is
    get_objects_for_user(caller, "authentik_core.view_user").filter(pk=request.data.get("pk")), so a missing,
    unknown or invisible user is 404 "Not found." and a non-integer pk an ORM ValueError, a 500 (code reading).
    The role is looked up without the ObjectFilter (upstream's test grants only the object permission)."""
    role = call.store.get_role(call.params["pk"])
    call.require("authentik_rbac.change_role", obj_pk=role["uuid"])
    data = call.data("UserAccountSerializerForRoleRequest")
    raw = data.get("pk") if isinstance(data, dict) else None
    if raw is None:
        raise not_found()
    try:
        pk = integer(raw)
    except FieldError:
        raise ServerError(f"Field 'id' expected a number but got {raw!r}.") from None
    allowed = call.access.viewable(USER)
    if pk not in call.store.users or (allowed is not None and str(pk) not in allowed):
        raise not_found()
    held = call.store.users[pk]["roles"]
    if add and role["uuid"] not in held:
        held.append(role["uuid"])
    elif not add and role["uuid"] in held:
        held.remove(role["uuid"])
    return 204, None, None


@rbac
def add_user_to_role(call):
    return _role_membership(call, add=True)


@rbac
def remove_user_from_role(call):
    return _role_membership(call, add=False)


# ------------------------------------------------------------------ permissions

@rbac
def list_permissions(call):
    """Any authenticated caller may list permissions (permission_classes=[IsAuthenticated], no ObjectFilter)."""
    rows = listing.filter_permissions(call.store, call.query)
    return 200, paginated(call, rows, permission_json, "PaginatedPermissionList"), "PaginatedPermissionList"


@rbac
def retrieve_permission(call):
    try:
        row = call.store.permissions.by_id.get(int(call.params["pk"]))
    except ValueError:
        raise not_found() from None
    if row is None:
        raise not_found("Permission" if call.version.named_not_found else None)
    return 200, permission_json(row), "Permission"


@rbac
def list_assigned_by_roles(call):
    """Which roles touch a model or object; access is view_role through the ObjectFilter on Role."""
    roles = call.visible(ROLE, list(call.store.roles.values()), lambda r: r["uuid"])
    roles = listing.filter_roles_for_object(call.store, call.query, roles)
    return 200, paginated(call, roles, lambda r: _assigned_json(call, r),
                          "PaginatedRoleAssignedObjectPermissionList"), "PaginatedRoleAssignedObjectPermissionList"


def _assigned_json(call, role):
    """Each item holds all of the role's rows; up to 2025.10 only its object permissions, as `permissions`."""
    store = call.store
    objects = [store.object_permission_json(*item) for item in store.role_object_permissions(role)]
    body = {"role_pk": role["uuid"], "name": role["name"], "permissions": objects, "object_permissions": objects,
            "model_permissions": [store.model_permission_json(*item) for item in store.role_model_permissions(role)]}
    return call.version.shape("RoleAssignedObjectPermission", body)


def _assign_target(call, data):
    """PermissionAssignSerializer: field errors, then validate(); returns (permissions, target or None).

    target is (model label, object pk) when model and object_pk name an existing object. When they match
    nothing, model_instance is None and the permissions go global (API-lifecycle.md 2.7; code reading)."""
    if not isinstance(data, dict):
        kind = "list" if isinstance(data, list) else type(data).__name__
        raise ApiError(400, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]})
    errors = {}
    perms = None
    if "permissions" not in data:
        errors["permissions"] = [fields.REQUIRED]
    else:
        try:
            perms = _char_list(data["permissions"])
        except _ListError as exc:
            errors["permissions"] = exc.errors
    label = object_pk = None
    if "model" in data:
        try:
            label = fields.choice(data["model"], call.store.permissions.models())
        except FieldError as exc:
            errors["model"] = exc.messages
    if "object_pk" in data:
        try:
            object_pk = fields.char(data["object_pk"])
        except FieldError as exc:
            errors["object_pk"] = exc.messages
    if errors:
        raise ApiError(400, errors)
    if (label is None) != (object_pk is None):
        raise ApiError(400, {"non_field_errors": [TOGETHER]})
    if label is None:
        if any("." not in perm for perm in perms):
            raise ApiError(400, {"permissions": [GLOBAL_DOTTED]})
        return perms, None
    found = call.store.find_object(label, object_pk)
    return perms, (label, found[0]) if found else None


class _ListError(Exception):
    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def _char_list(value):
    """ListField(child=CharField()): a list of non-blank strings; item errors keyed by index."""
    if value is None:
        raise _ListError([fields.NOT_NULL])
    if isinstance(value, (str, dict)) or not isinstance(value, list):
        raise _ListError([f'Expected a list of items but got type "{type(value).__name__}".'])
    cleaned, errors = [], {}
    for index, item in enumerate(value):
        try:
            cleaned.append(fields.char(item))
        except FieldError as exc:
            errors[str(index)] = exc.messages
    if errors:
        raise _ListError(errors)
    return cleaned


def _assign_role(call, *perms):
    """The role of assign/unassign: no ObjectFilter (filter_backends=[]); `perms` global or on the role.

    @permission_required adds its own permission to the method map's (POST add_role, PATCH change_role;
    code reading)."""
    role = call.store.get_role(call.params["pk"])
    for perm in perms:
        call.require(perm, obj_pk=role["uuid"])
    return role


@rbac
def assign_permissions(call):
    role = _assign_role(call, "authentik_rbac.assign_role_permissions", "authentik_rbac.add_role")
    perms, target = _assign_target(call, call.data("PermissionAssignRequest"))
    ids = call.store.assign_permissions(role, perms, target)
    return 200, [{"id": i} for i in ids], "PermissionAssignResultList"


@rbac
def unassign_permissions(call):
    """PATCH with the same serializer: `permissions` is required although the schema's Patched model marks
    nothing required. 204 also when nothing was assigned."""
    role = _assign_role(call, "authentik_rbac.unassign_role_permissions", "authentik_rbac.change_role")
    perms, target = _assign_target(call, call.data("PatchedPermissionAssignRequest"))
    call.store.unassign_permissions(role, perms, target)
    return 204, None, None


def list_role_object_permissions(call):
    """GET /rbac/permissions/roles/?uuid=: a role's object permissions (all roles' without uuid).

    The ObjectFilter is on the permission rows (guardian view_roleobjectpermission /
    view_groupobjectpermission), which only superusers hold here. An invalid uuid is django-filter's
    UUIDFilter error (not verified)."""
    store = call.store
    roles = list(store.roles.values())
    raw = listing.first(call.query, "uuid")
    if raw:
        try:
            roles = [r for r in roles if r["uuid"] == listing._as_uuid(raw)]
        except ValueError:
            raise ApiError(400, {"uuid": ["Enter a valid UUID."]}) from None
    items = [(role, *item) for role in roles for item in store.role_object_permissions(role)]
    items.sort(key=lambda item: item[1])
    page, envelope = listing.paginate(items, call.query, call.settings["page_size_default"], SMALL_PAGE_MAX)
    body = {"pagination": envelope, "results": [store.extra_object_permission_json(*item) for item in page],
            "autocomplete": {}}
    model = "PaginatedExtraRoleObjectPermissionList"
    return 200, call.version.shape(model, body), model


def _object_permission(call):
    """Up to 2025.10: /rbac/permissions/roles/{id}/, one object permission row by id."""
    try:
        found = call.store.find_object_permission(int(call.params["pk"]))
    except ValueError:
        raise not_found() from None
    if found is None:
        raise not_found("GroupObjectPermission" if call.version.named_not_found else None)
    return found


def _object_permission_response(call, role, key):
    row_id = role["object_perms"][key]
    body = call.store.extra_object_permission_json(role, row_id, call.store.permissions.by_id[key[0]], key[1])
    return 200, body, "ExtraRoleObjectPermission"


def retrieve_object_permission(call):
    return _object_permission_response(call, *_object_permission(call))


def update_object_permission(call, partial):
    """Only object_pk is writable (ExtraRoleObjectPermissionRequest of those releases; not verified)."""
    role, key = _object_permission(call)
    data = call.data("PatchedExtraRoleObjectPermissionRequest" if partial else "ExtraRoleObjectPermissionRequest")
    cleaned = call.store._clean(data, [("object_pk", lambda value, _instance: fields.char(value))],
                                ("object_pk",), {}, partial, None)
    if "object_pk" in cleaned and cleaned["object_pk"] != key[1]:
        new_key = (key[0], cleaned["object_pk"])
        role["object_perms"][new_key] = role["object_perms"].pop(key)
        key = new_key
    return _object_permission_response(call, role, key)


def delete_object_permission(call):
    role, key = _object_permission(call)
    role["object_perms"].pop(key, None)
    return 204, None, None


# ---------------------------------------------------------------------- routes

RBAC = r"/api/v3/rbac/"


def routes(version):
    """The /rbac/ routes of the emulated release (none before 2023.10)."""
    if not version.rbac:
        return []
    table = [
        (RBAC + "roles/", {"GET": list_roles, "POST": create_role}),
        (RBAC + "roles/" + KEY, {"GET": retrieve_role, "PUT": put_role, "PATCH": patch_role, "DELETE": delete_role}),
        (RBAC + "roles/" + KEY + "used_by/", {"GET": used_by_role}),
        (RBAC + "permissions/", {"GET": list_permissions}),
        (RBAC + "permissions/assigned_by_roles/", {"GET": list_assigned_by_roles}),
        (RBAC + "permissions/assigned_by_roles/" + KEY + "assign/", {"POST": assign_permissions}),
        (RBAC + "permissions/assigned_by_roles/" + KEY + "unassign/", {"PATCH": unassign_permissions}),
        (RBAC + "permissions/roles/", {"GET": list_role_object_permissions}),
    ]
    if version.user_roles:
        table += [
            (RBAC + "roles/" + KEY + "add_user/", {"POST": add_user_to_role}),
            (RBAC + "roles/" + KEY + "remove_user/", {"POST": remove_user_from_role}),
        ]
    else:
        table.append((RBAC + "permissions/roles/" + KEY, {
            "GET": retrieve_object_permission,
            "PUT": lambda c: update_object_permission(c, partial=False),
            "PATCH": lambda c: update_object_permission(c, partial=True),
            "DELETE": delete_object_permission,
        }))
    # Detail routes of /rbac/permissions/ come last so that assigned_by_roles/ and roles/ are not taken for ids.
    table.append((RBAC + "permissions/" + KEY, {"GET": retrieve_permission}))
    return table
