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
from .state import ApiError, not_found


class Call:
    """One request as seen by a handler: route params, query and a lazy body."""

    def __init__(self, store, params, query, read_body, settings):
        self.store = store
        self.params = params
        self.query = query
        self._read_body = read_body
        self.settings = settings
        self.owner = None  # the token's user, set once authenticated
        self.body_model = None  # the name of the request model in schema.py

    def data(self, model):
        """Parse the body (may raise 415/400) and remember which model (by name) it is checked against."""
        self.body_model = model
        return self._read_body()

    @property
    def version(self):
        return self.store.version

    def include(self, name, default=True, since=None):
        """An include_* switch; releases before `since` ignore it and use the default."""
        if since is not None and not self.version.at_least(since):
            return default
        return listing.include(self.query, name, default)


def _paginated(call, items, render, model):
    page, envelope = listing.paginate(
        items, call.query, call.settings["page_size_default"], call.settings["page_size_max"]
    )
    body = {"pagination": envelope, "results": [render(i) for i in page], "autocomplete": {}}
    return call.version.shape(model, body)


# ----------------------------------------------------------------------- users

def _render_user(call):
    return lambda user: call.store.user_json(
        user,
        include_groups=call.include("include_groups", since="2024.4"),
        include_roles=call.include("include_roles", since="2025.12"),
    )


def list_users(call):
    users = listing.filter_users(call.store, call.query)
    return 200, _paginated(call, users, _render_user(call), "PaginatedUserList"), "PaginatedUserList"


def create_user(call):
    data = call.data("UserRequest")
    user = call.store.insert_user(call.store.validate_user(data))
    return 201, _render_user(call)(user), "User"


def retrieve_user(call):
    return 200, _render_user(call)(call.store.get_user(call.params["pk"])), "User"


def update_user(call, partial):
    user = call.store.get_user(call.params["pk"])
    data = call.data("PatchedUserRequest" if partial else "UserRequest")
    call.store.update_user(user, call.store.validate_user(data, instance=user, partial=partial))
    return 200, _render_user(call)(user), "User"


def delete_user(call):
    call.store.delete_user(call.store.get_user(call.params["pk"])["pk"])
    return 204, None, None


def set_password(call):
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
    )


def list_groups(call):
    groups = listing.filter_groups(call.store, call.query)
    return 200, _paginated(call, groups, _render_group(call), "PaginatedGroupList"), "PaginatedGroupList"


def create_group(call):
    data = call.data("GroupRequest")
    group = call.store.insert_group(call.store.validate_group(data))
    return 201, _render_group(call)(group), "Group"


def retrieve_group(call):
    return 200, _render_group(call)(call.store.get_group(call.params["pk"])), "Group"


def update_group(call, partial):
    group = call.store.get_group(call.params["pk"])
    data = call.data("PatchedGroupRequest" if partial else "GroupRequest")
    call.store.update_group(group, call.store.validate_group(data, instance=group, partial=partial))
    return 200, _render_group(call)(group), "Group"


def delete_group(call):
    call.store.delete_group(call.store.get_group(call.params["pk"])["uuid"])
    return 204, None, None


def change_membership(call, add):
    data = call.data("UserAccountRequest")
    pk = _validate_passive(data, "pk", _integer)
    group = call.store.get_group(call.params["pk"])
    if pk not in call.store.users:
        raise not_found()
    if add:
        group["users"].add(pk)
    else:
        group["users"].discard(pk)
    return 204, None, None


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


# ---------------------------------------------------------------------- routes

USER = r"/api/v3/core/users/"
GROUP = r"/api/v3/core/groups/"
KEY = r"(?P<pk>[^/.]+)/"  # DRF's default lookup pattern

# (path regex, {method: handler}); list routes come before detail routes so
# /core/users/me/ is not taken for a user pk.
ROUTES = [
    (USER, {"GET": list_users, "POST": create_user}),
    (USER + "me/", {"GET": me}),
    (USER + KEY, {
        "GET": retrieve_user,
        "PUT": lambda c: update_user(c, partial=False),
        "PATCH": lambda c: update_user(c, partial=True),
        "DELETE": delete_user,
    }),
    (USER + KEY + "set_password/", {"POST": set_password}),
    (GROUP, {"GET": list_groups, "POST": create_group}),
    (GROUP + KEY, {
        "GET": retrieve_group,
        "PUT": lambda c: update_group(c, partial=False),
        "PATCH": lambda c: update_group(c, partial=True),
        "DELETE": delete_group,
    }),
    (GROUP + KEY + "add_user/", {"POST": lambda c: change_membership(c, add=True)}),
    (GROUP + KEY + "remove_user/", {"POST": lambda c: change_membership(c, add=False)}),
]
