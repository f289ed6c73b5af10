"""The /api/v3 endpoint handlers for users and groups.

Each handler takes a Call and returns (status, body, response_model), where the
model is named by a string: the name of a model in schema.py, which the server
imports only when it validates traffic (so this module never loads the
authentik-client models). Errors are raised as ApiError. The HTTP layer holds the store lock around every handler.
The order of checks follows DRF: update views look the object up before parsing
the body, while @validate-style actions (set_password, add_user, remove_user)
validate the body first.
"""

from . import fields, listing
from .fields import FieldError
from .state import Access, ApiError, not_found

FORBIDDEN = "You do not have permission to perform this action."


def rbac(handler):
    """Mark a handler that makes authentik's permission checks itself (Call.require, visible, get_visible).

    For any other handler only superusers pass; these also let a non-superuser through as far as its
    roles' permissions reach (API-lifecycle.md section 1, "Permission checks")."""
    handler.rbac = True
    return handler


def forbidden():
    return ApiError(403, {"detail": FORBIDDEN})


class Call:
    """One request as seen by a handler: route params, query and a lazy body."""

    def __init__(self, store, params, query, read_body, settings):
        self.store = store
        self.params = params
        self.query = query
        self._read_body = read_body
        self.settings = settings
        self.owner = None  # the token's user, set once authenticated
        self.access = Access(True)  # the owner's permissions, set once authenticated
        self.body_model = None  # the name of the request model in schema.py

    def data(self, model):
        """Parse the body (may raise 415/400) and remember which model (by name) it is checked against."""
        self.body_model = model
        return self._read_body()

    @property
    def version(self):
        return self.store.version

    # -------------------------------------------------------- permission checks
    # Superusers pass every check; the others hold what Access says (global or per-object permissions).

    def require(self, *perms, obj_pk=None):
        """Each permission globally or on the object (obj_pk), else 403."""
        if not all(self.access.has(perm, obj_pk) for perm in perms):
            raise forbidden()

    def visible(self, label, items, key):
        """authentik's ObjectFilter on a list: all with the global view_<model>, else the objects viewable
        through object permissions, and 403 when there are none."""
        allowed = self.access.viewable(label)
        if allowed is None:
            return items
        items = [item for item in items if str(key(item)) in allowed]
        if not items:
            raise forbidden()
        return items

    def get_visible(self, label, items, key, lookup, model_name):
        """DRF get_object(): the ObjectFilter (403 when nothing is viewable), then the lookup; an object
        outside the viewable set gets the lookup's 404 for a missing `model_name`."""
        allowed = self.access.viewable(label)
        if allowed is None:
            return lookup()
        viewable = {str(key(item)) for item in items} & allowed
        if not viewable:
            raise forbidden()
        found = lookup()
        if str(key(found)) not in viewable:
            raise not_found(model_name)
        return found

    def include(self, name, default=True, since=None):
        """An include_* switch; releases before `since` ignore it and use the default."""
        if since is not None and not self.version.at_least(since):
            return default
        return listing.include(self.query, name, default)


def paginated(call, items, render, model):
    return _paginated(call, items, render, model)


def _paginated(call, items, render, model):
    page, envelope = listing.paginate(
        items, call.query, call.settings["page_size_default"], call.settings["page_size_max"]
    )
    body = {"pagination": envelope, "results": [render(i) for i in page], "autocomplete": {}}
    return call.version.shape(model, body)


# ----------------------------------------------------------------------- users
# Non-superusers: authentik_core.view_user lists and shows users (ObjectFilter), add_user creates, and the
# method map needs change_user (PUT, PATCH), delete_user (DELETE) or add_user (a detail POST action), each
# globally or on the user. Superusers pass every check, in the order these handlers always had.

USER_LABEL = "authentik_core.user"
GROUP_LABEL = "authentik_core.group"


def _render_user(call):
    return lambda user: call.store.user_json(
        user,
        include_groups=call.include("include_groups", since="2024.4"),
        include_roles=call.include("include_roles", since="2025.12"),
    )


def _user(call, method_perm=None):
    store = call.store
    user = call.get_visible(USER_LABEL, store.users.values(), lambda u: u["pk"],
                            lambda: store.get_user(call.params["pk"]), "User")
    if method_perm:
        call.require(method_perm, obj_pk=user["pk"])
    return user


@rbac
def list_users(call):
    call.visible(USER_LABEL, call.store.users.values(), lambda u: u["pk"])
    allowed = call.access.viewable(USER_LABEL)
    users = listing.filter_users(call.store, call.query)
    if allowed is not None:
        users = [u for u in users if str(u["pk"]) in allowed]
    return 200, _paginated(call, users, _render_user(call), "PaginatedUserList"), "PaginatedUserList"


@rbac
def create_user(call):
    call.require("authentik_core.add_user")
    data = call.data("UserRequest")
    user = call.store.insert_user(call.store.validate_user(data))
    return 201, _render_user(call)(user), "User"


@rbac
def retrieve_user(call):
    return 200, _render_user(call)(_user(call)), "User"


def update_user(call, partial):
    user = _user(call, "authentik_core.change_user")
    data = call.data("PatchedUserRequest" if partial else "UserRequest")
    call.store.update_user(user, call.store.validate_user(data, instance=user, partial=partial))
    return 200, _render_user(call)(user), "User"


@rbac
def put_user(call):
    return update_user(call, partial=False)


@rbac
def patch_user(call):
    return update_user(call, partial=True)


@rbac
def delete_user(call):
    call.store.delete_user(_user(call, "authentik_core.delete_user")["pk"])
    return 204, None, None


@rbac
def set_password(call):
    if not call.access.superuser:
        # @permission_required("authentik_core.reset_user_password") plus the POST method map (code reading).
        _user(call, "authentik_core.reset_user_password")
        call.require("authentik_core.add_user", obj_pk=_user(call)["pk"])
    if not call.version.validated_set_password:
        return _set_password_unvalidated(call)
    data = call.data("UserPasswordSetRequest")
    password = _validate_passive(data, "password", fields.char)
    call.store.set_password(call.store.get_user(call.params["pk"]), password)
    return 204, None, None


def _set_password_unvalidated(call):
    """Before 2026.2: get_object() first, then set_password(request.data.get("password")).

    Django's set_password(None) stores an unusable password, so a missing key still gives 204.
    """
    user = call.store.get_user(call.params["pk"])
    data = call.data("UserPasswordSetRequest")
    password = data.get("password") if isinstance(data, dict) else None
    if password is None:
        call.store.set_unusable_password(user)
    else:
        call.store.set_password(user, str(password))
    return 204, None, None


def me(call):
    return 200, {"user": call.store.user_self_json(call.owner)}, "SessionUser2026_2"


# ---------------------------------------------------------------------- groups

def _render_group(call):
    return lambda group: call.store.group_json(
        group,
        include_users=call.include("include_users", since="2024.4"),
        include_children=call.include("include_children", False, since="2025.8"),
        include_parents=call.include("include_parents", False, since="2025.12"),
        include_inherited_roles=call.include("include_inherited_roles", False, since="2025.12"),
    )


def _group(call, method_perm=None):
    store = call.store
    group = call.get_visible(GROUP_LABEL, list(store.groups.values()), lambda g: g["uuid"],
                             lambda: store.get_group(call.params["pk"]), "Group")
    if method_perm:
        call.require(method_perm, obj_pk=group["uuid"])
    return group


@rbac
def list_groups(call):
    call.visible(GROUP_LABEL, list(call.store.groups.values()), lambda g: g["uuid"])
    allowed = call.access.viewable(GROUP_LABEL)
    groups = listing.filter_groups(call.store, call.query)
    if allowed is not None:
        groups = [g for g in groups if g["uuid"] in allowed]
    return 200, _paginated(call, groups, _render_group(call), "PaginatedGroupList"), "PaginatedGroupList"


def _check_superuser_flag(call, cleaned, group):
    """2025.x and later: changing is_superuser needs enable_/disable_group_superuser (global or on the group);
    without it the serializer answers 400. Superusers always have both."""
    if call.access.superuser or not call.version.at_least("2025.2") or "is_superuser" not in cleaned:
        return
    wanted = cleaned["is_superuser"]
    if wanted == (group["is_superuser"] if group else False):
        return
    perm = "authentik_core.enable_group_superuser" if wanted else "authentik_core.disable_group_superuser"
    if not call.access.has(perm, group["uuid"] if group else None):
        raise ApiError(400, {"is_superuser": [f"User does not have permission to set superuser status to {wanted}."]})


@rbac
def create_group(call):
    call.require("authentik_core.add_group")
    data = call.data("GroupRequest")
    cleaned = call.store.validate_group(data)
    _check_superuser_flag(call, cleaned, None)
    group = call.store.insert_group(cleaned)
    return 201, _render_group(call)(group), "Group"


@rbac
def retrieve_group(call):
    return 200, _render_group(call)(_group(call)), "Group"


def update_group(call, partial):
    group = _group(call, "authentik_core.change_group")
    data = call.data("PatchedGroupRequest" if partial else "GroupRequest")
    cleaned = call.store.validate_group(data, instance=group, partial=partial)
    _check_superuser_flag(call, cleaned, group)
    call.store.update_group(group, cleaned)
    return 200, _render_group(call)(group), "Group"


@rbac
def put_group(call):
    return update_group(call, partial=False)


@rbac
def patch_group(call):
    return update_group(call, partial=True)


@rbac
def delete_group(call):
    call.store.delete_group(_group(call, "authentik_core.delete_group")["uuid"])
    return 204, None, None


def change_membership(call, add):
    if not call.access.superuser:
        # @permission_required(add_user_to_group / remove_user_from_group) plus the POST method map.
        perm = "authentik_core.add_user_to_group" if add else "authentik_core.remove_user_from_group"
        group = _group(call, perm)
        call.require("authentik_core.add_group", obj_pk=group["uuid"])
    data = call.data("UserAccountRequest")
    pk = _validate_passive(data, "pk", _integer)
    group = call.store.get_group(call.params["pk"])
    allowed = call.access.viewable(USER_LABEL)
    if pk not in call.store.users or (allowed is not None and str(pk) not in allowed):
        raise not_found()
    if add:
        group["users"].add(pk)
    else:
        group["users"].discard(pk)
    return 204, None, None


@rbac
def add_group_member(call):
    return change_membership(call, add=True)


@rbac
def remove_group_member(call):
    return change_membership(call, add=False)


def _integer(value):
    """DRF IntegerField: ints, integral floats and digit strings."""
    if value is None:
        raise FieldError(fields.NOT_NULL)
    if isinstance(value, bool):
        raise FieldError("A valid integer is required.")
    try:
        number = float(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise FieldError("A valid integer is required.") from None
    if number != int(number):
        raise FieldError("A valid integer is required.")
    return int(number)


integer = _integer


def _validate_passive(data, name, parser):
    """A one-field PassiveSerializer, as used by authentik's @validate decorator."""
    if not isinstance(data, dict):
        kind = "list" if isinstance(data, list) else type(data).__name__
        raise ApiError(400, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]})
    if name not in data:
        raise ApiError(400, {name: [fields.REQUIRED]})
    try:
        return parser(data[name])
    except FieldError as exc:
        raise ApiError(400, {name: exc.messages}) from None


validate_passive = _validate_passive


# ---------------------------------------------------------------------- routes

USER = r"/api/v3/core/users/"
GROUP = r"/api/v3/core/groups/"
KEY = r"(?P<pk>[^/.]+)/"  # DRF's default lookup pattern

# (path regex, {method: handler}); list routes come before detail routes so
# /core/users/me/ is not taken for a user pk. The /rbac/ routes are in rbac.py.
ROUTES = [
    (USER, {"GET": list_users, "POST": create_user}),
    (USER + "me/", {"GET": me}),
    (USER + KEY, {"GET": retrieve_user, "PUT": put_user, "PATCH": patch_user, "DELETE": delete_user}),
    (USER + KEY + "set_password/", {"POST": set_password}),
    (GROUP, {"GET": list_groups, "POST": create_group}),
    (GROUP + KEY, {"GET": retrieve_group, "PUT": put_group, "PATCH": patch_group, "DELETE": delete_group}),
    (GROUP + KEY + "add_user/", {"POST": add_group_member}),
    (GROUP + KEY + "remove_user/", {"POST": remove_group_member}),
]
