"""The /api/v3/core/tokens/ handlers and POST /core/users/service_account/.

Behaviour per release follows API-lifecycle.md section 3 (B, tokens), section 4 (C, service accounts) and the
version table of section 6; where that document marks a fact "code reading" or "not verified", the docstring here
says so. Handlers follow api.py's conventions: they take a Call and return (status, body, response model name).
The token `key` leaves this server only through view_key and the one-time service_account answer (section 0,
fact 3).
"""

import re
from datetime import timedelta

from . import fields, listing
from .api import USER, forbidden, paginated, rbac, validate_passive
from .fields import FieldError
from .state import ApiError, ServerError, not_found
from .token_store import INTENTS, TOKEN_LABEL, default_expiry, now, slugify, timedelta_from_string

TOKENS = r"/api/v3/core/tokens/"
IDENTIFIER = r"(?P<identifier>[^/.]+)/"  # DRF's default lookup pattern, on lookup_field "identifier"
CREATABLE_INTENTS = ("api", "app_password")
SLUG = re.compile(r"^[-a-zA-Z0-9_]+\Z")
SLUG_MESSAGE = 'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'
ATTRIBUTE_TOKEN_EXPIRES = "goauthentik.io/user/token-expires"
ATTRIBUTE_MAXIMUM_LIFETIME = "goauthentik.io/user/token-maximum-lifetime"
VIEW_KEY = "authentik_core.view_token_key"
SET_KEY = "authentik_core.set_token_key"
SERVICE_ACCOUNT_PATH = "goauthentik.io/service-accounts"
SERVICE_ACCOUNT_LIFETIME = timedelta(days=360)
ALREADY_EXISTS = "A user/group with these details already exists"


def token_json(store, token):
    """TokenSerializer outside the blueprint context: never the key (3.1)."""
    return {
        "pk": token["pk"],
        "managed": token["managed"],
        "identifier": token["identifier"],
        "intent": token["intent"],
        "user": token["user"],
        "user_obj": store.user_json(store.users[token["user"]]),
        "description": token["description"],
        "expires": fields.format_datetime(token["expires"]),
        "expiring": token["expiring"],
    }


def _render(call):
    return lambda token: token_json(call.store, token)


# --------------------------------------------------------------- visibility (3.3)

def _visible(call):
    """The tokens get_queryset() and the ObjectFilter leave the caller: all for superusers; from 2026.2 all with
    the global authentik_core.view_token too; otherwise the caller's own (owner_field), never a 403 (3.3)."""
    tokens = call.store.tokens.all()
    if call.access.superuser:
        return tokens
    if call.version.token_list_by_view_permission and call.access.has("authentik_core.view_token"):
        return tokens
    return [t for t in tokens if t["user"] == call.owner["pk"]]


def _reachable(call):
    """view_key and set_key have filter_backends=[]: from 2026.2 they reach any token; before, get_queryset()
    still keeps a non-superuser to its own tokens (3.3)."""
    if call.access.superuser or call.version.token_list_by_view_permission:
        return call.store.tokens.all()
    return [t for t in call.store.tokens.all() if t["user"] == call.owner["pk"]]


def _lookup(call, tokens):
    wanted = call.params["identifier"]
    for token in tokens:
        if token["identifier"] == wanted:
            return token
    raise not_found("Token" if call.version.named_not_found else None)


def _owns(call, token):
    return token["user"] == call.owner["pk"]


def _holds(call, perm, token):
    """A permission globally, on the token through a role, or (up to 2025.10) on the token directly."""
    return call.access.has(perm, token["pk"]) or call.store.tokens.user_has(call.owner["pk"], perm, token)


def _token(call, method_perm=None):
    """get_object(): a visible token, then the method map's permission, held globally, on the token or as its
    owner (2025.2+; 2024.12's OwnerSuperuserPermissions lets only owners and superusers through; 3.3)."""
    token = _lookup(call, _visible(call))
    if method_perm and not _owns(call, token) and not _holds(call, method_perm, token):
        raise forbidden()
    return token


# ------------------------------------------------------------------- list (3.1)

def _filter_tokens(call, tokens):
    """Exact filters identifier, intent, user__username, description, expires, expiring, managed (no `user`
    filter); search on identifier, intent, user__username and description; ordering identifier, expires. The
    400 texts of a bad intent or expires value are django-filter's (not verified)."""
    query, users = call.query, call.store.users
    errors = {}
    for name in ("identifier", "description", "managed"):
        value = listing.first(query, name)
        if value:
            tokens = [t for t in tokens if t[name] == value]
    username = listing.first(query, "user__username")
    if username:
        tokens = [t for t in tokens if users[t["user"]]["username"] == username]
    intent = listing.first(query, "intent")
    if intent and intent not in INTENTS:
        errors["intent"] = [listing.INVALID_CHOICE.format(intent)]
    elif intent:
        tokens = [t for t in tokens if t["intent"] == intent]
    expires = listing.first(query, "expires")
    if expires:
        wanted = fields.parse_datetime(expires)
        if wanted is None:
            errors["expires"] = ["Enter a valid date/time."]
        else:
            tokens = [t for t in tokens if t["expires"] == wanted]
    expiring = listing.flag(query, "expiring")
    if expiring is not None:
        tokens = [t for t in tokens if t["expiring"] is expiring]
    if errors:
        raise ApiError(400, errors)
    tokens = listing.search(tokens, listing.first(query, "search"), lambda t: (
        t["identifier"], t["intent"], users[t["user"]]["username"], t["description"]))
    return listing.order(tokens, listing.first(query, "ordering"), ("identifier", "expires"),
                         ("identifier", "expires"))


@rbac
def list_tokens(call):
    """Expired tokens stay listed until authentik's cleanup task removes them (3.1; the task is not emulated)."""
    tokens = _filter_tokens(call, _visible(call))
    return 200, paginated(call, tokens, _render(call), "PaginatedTokenList"), "PaginatedTokenList"


# ------------------------------------------------------- validation (3.1, 3.2)

def _validate(call, data, instance=None, partial=False):
    """TokenSerializer.is_valid(): field errors in field order, then validate()."""
    store = call.store
    spec = [
        ("managed", lambda value, inst: _clean_managed(store, value, inst)),
        ("identifier", lambda value, inst: _clean_identifier(store, value, inst)),
        ("intent", lambda value, _inst: fields.choice(value, INTENTS)),
        ("user", lambda value, inst: _clean_user(store, value, inst)),
        ("description", lambda value, _inst: fields.char(value, allow_blank=True)),
        ("expires", lambda value, _inst: fields.nullable_datetime(value)),
        ("expiring", lambda value, _inst: fields.boolean(value)),
    ]
    cleaned = store._clean(data, spec, ("identifier",), {}, partial, instance)
    return _validate_rules(call, cleaned)


def _clean_managed(store, value, instance):
    """A nullable, unique text field; the unique message is Django's with the field's verbose name (not
    verified)."""
    if value is None:
        return None
    managed = fields.char(value)
    if any(t["managed"] == managed and t is not instance for t in store.tokens.all()):
        raise FieldError("Token with this Managed by authentik already exists.")
    return managed


def _clean_identifier(store, value, instance):
    """SlugField(max_length=255), unique: "Token with this identifier already exists." (3.2)."""
    identifier = fields.char(value, max_length=255)
    if not SLUG.match(identifier):
        raise FieldError(SLUG_MESSAGE)
    if any(t["identifier"] == identifier and t is not instance for t in store.tokens.all()):
        raise FieldError("Token with this identifier already exists.")
    return identifier


def _clean_user(store, value, instance):
    """A user pk; a different owner than the stored one is refused: "User cannot be changed" (3.2)."""
    pk = fields.int_key(value, store.users)
    if instance is not None and instance["user"] != pk:
        raise FieldError("User cannot be changed")
    return pk


def _validate_rules(call, cleaned):
    """TokenSerializer.validate() (3.2). It fills in user = the caller and intent = api when the body lacks them,
    on PATCH and PUT too, so an update without them re-owns the token and turns it into an API token (code
    reading, not verified by an upstream test; fact 5 of section 0)."""
    cleaned.setdefault("user", call.owner["pk"])
    cleaned.setdefault("intent", "api")
    intent = cleaned["intent"]
    if intent not in CREATABLE_INTENTS:
        raise ApiError(400, {"intent": [f"Invalid intent {intent}"]})
    if intent == "api":
        # The client's expires is ignored on every create and update (fact 4).
        cleaned["expires"] = default_expiry()
    elif "expires" in cleaned:
        _check_app_password_expiry(call, cleaned)
    return cleaned


def _check_app_password_expiry(call, cleaned):
    """app_password: expires at most now + the user's token-maximum-lifetime group attribute, else + the tenant
    default. `null` was a 500 up to 2025.12.2 (3.2). The attribute is read through User.group_attributes(),
    which also merges the user's own attributes (code reading, not in the facts document); the rendering of the
    datetime in the message is str() of it (not verified)."""
    expires = cleaned["expires"]
    if expires is None:
        if call.version.app_password_null_expires_fails:
            raise ServerError("'>' not supported between instances of 'NoneType' and 'datetime.datetime'")
        return
    limit = now() + _maximum_lifetime(call.store, cleaned["user"])
    if expires > limit:
        raise ApiError(400, {"expires": [f"Token expires exceeds maximum lifetime ({limit} UTC)."]})


def _maximum_lifetime(store, user_pk):
    attributes = {}
    for group in sorted(store.all_groups(user_pk), key=lambda g: g["name"]):
        attributes.update(group["attributes"])
    attributes.update(store.users[user_pk]["attributes"])
    try:
        return timedelta_from_string(attributes.get(ATTRIBUTE_MAXIMUM_LIFETIME))
    except (TypeError, ValueError):
        return timedelta_from_string("days=1")


# ---------------------------------------------------------------- CRUD (3.1-3.3)

@rbac
def create_token(call):
    """201 without the key. Any authenticated user may create (rbac_allow_create_without_perm). A non-superuser's
    token is forced to be its own, with `expiring` from its own attribute goauthentik.io/user/token-expires, and
    it gets authentik_core.view_token_key on it: on its managed role from 2025.12, directly before (3.2)."""
    cleaned = _validate(call, call.data("TokenRequest"))
    if not call.access.superuser:
        cleaned["user"] = call.owner["pk"]
        cleaned["expiring"] = call.owner["attributes"].get(ATTRIBUTE_TOKEN_EXPIRES, True)
    token = call.store.tokens.insert(cleaned)
    if not call.access.superuser:
        _grant_key_view(call, token)
    return 201, token_json(call.store, token), "Token"


def _grant_key_view(call, token):
    store, owner = call.store, call.owner
    if call.version.user_roles:
        role = store.managed_role("user", owner, create=True)
        store.assign_permissions(role, [VIEW_KEY], (TOKEN_LABEL, token["pk"]))
    else:
        store.tokens.grant_user(owner["pk"], VIEW_KEY, token)


@rbac
def retrieve_token(call):
    return 200, token_json(call.store, _token(call)), "Token"


def _update_token(call, partial):
    """perform_update is not overridden: a later PATCH of `expiring` is honoured for non-superusers too (code
    reading)."""
    token = _token(call, "authentik_core.change_token")
    cleaned = _validate(call, call.data("PatchedTokenRequest" if partial else "TokenRequest"), token, partial)
    call.store.tokens.update(token, cleaned)
    return 200, token_json(call.store, token), "Token"


@rbac
def put_token(call):
    return _update_token(call, partial=False)


@rbac
def patch_token(call):
    return _update_token(call, partial=True)


@rbac
def delete_token(call):
    call.store.tokens.delete(_token(call, "authentik_core.delete_token"))
    return 204, None, None


@rbac
def used_by_token(call):
    """UsedByMixin: nothing here references a token, so always []."""
    _token(call)
    return 200, [], None


# ------------------------------------------------------------- view_key, set_key (3.3)

@rbac
def view_key(call):
    """200 {"key"} with authentik_core.view_token_key globally or on the token; owning it is not enough. The
    secret_view event authentik logs is not emulated."""
    token = _lookup(call, _reachable(call))
    if not _holds(call, VIEW_KEY, token):
        raise forbidden()
    return 200, {"key": token["key"]}, "TokenView"


@rbac
def set_key(call):
    """204. get_object() with the POST method map (global add_token, ownership or object add_token), then
    authentik_core.set_token_key (global or object), then the body: up to 2025.10 a missing or empty key is 400
    with an empty body; from 2025.12 @validate gives field errors. The key is not validated otherwise and need
    not be unique. The model_updated event is not emulated."""
    token = _lookup(call, _reachable(call))
    if not _owns(call, token) and not _holds(call, "authentik_core.add_token", token):
        raise forbidden()
    if not _holds(call, SET_KEY, token):
        raise forbidden()
    data = call.data("TokenSetKeyRequest")
    if call.version.validated_set_key:
        key = validate_passive(data, "key", fields.char)
    else:
        key = data.get("key") if isinstance(data, dict) else None
        if not key:
            raise ApiError(400, None)
        key = key if isinstance(key, str) else str(key)
    token["key"] = key
    return 204, None, None


# ------------------------------------------------------------- service accounts (section 4)

@rbac
def create_service_account(call):
    """200 (not 201) {username, user_uid, user_pk, group_pk?, token}: a service_account user, optionally a group
    (only with the global authentik_core.add_group), and an app_password token whose key is answered this once.
    Needs the global add_user and add_token. Everything is one transaction: a clash leaves nothing behind (code
    reading). Not idempotent: a repeat is a 400 (section 4)."""
    call.require("authentik_core.add_user", "authentik_core.add_token")
    data = call.data("UserServiceAccountRequest")
    if call.version.validated_service_account:
        request = _validated_service_account(call.store, data)
        _refuse_clashes(call, request, lambda _kind: ALREADY_EXISTS)
    else:
        request = _raw_service_account(data)
        _refuse_clashes(call, request, _raw_clash_text)
    return 200, _create_service_account(call, request), "UserServiceAccountResponse"


def _validated_service_account(store, data):
    """UserServiceAccountSerializer (2025.10+): name required, trimmed, unique among usernames."""
    def clean_name(value, _instance):
        name = fields.char(value)
        if store.user_by_username(name) is not None:
            raise FieldError("This field must be unique.")
        return name

    spec = [
        ("name", clean_name),
        ("create_group", lambda value, _inst: fields.boolean(value)),
        ("expiring", lambda value, _inst: fields.boolean(value)),
        ("expires", lambda value, _inst: _required_datetime(value)),
    ]
    cleaned = store._clean(data, spec, ("name",), {"create_group": False, "expiring": True}, False, None)
    cleaned.setdefault("expires", now() + SERVICE_ACCOUNT_LIFETIME)
    return cleaned


def _required_datetime(value):
    if value is None:
        raise FieldError(fields.NOT_NULL)
    return fields.nullable_datetime(value)


def _raw_service_account(data):
    """Up to 2025.8 the view reads request.data.get() without validation. A missing name reaches the database as a
    NULL username (an IntegrityError, 400); a value the model fields cannot convert raises inside the view, a 500
    (code reading, not verified)."""
    if not isinstance(data, dict):
        raise ServerError(f"'{type(data).__name__}' object has no attribute 'get'")
    name = data.get("name")
    expires = data.get("expires", now() + SERVICE_ACCOUNT_LIFETIME)
    if isinstance(expires, str):
        parsed = fields.parse_datetime(expires)
        if parsed is None:
            raise ServerError(f"\u201c{expires}\u201d value has an invalid format.")
        expires = parsed
    return {"name": None if name is None else str(name), "create_group": bool(data.get("create_group", False)),
            "expiring": _django_boolean(data.get("expiring", True)), "expires": expires}


def _django_boolean(value):
    """Django's BooleanField.to_python, run when the token is saved."""
    if value in (True, False):
        return bool(value)
    if value in ("t", "True", "1"):
        return True
    if value in ("f", "False", "0"):
        return False
    raise ServerError(f"\u201c{value}\u201d value must be either True or False.")


def _token_identifier(name):
    return slugify(f"service-account-{name}-password")


def _refuse_clashes(call, request, message):
    """The IntegrityErrors of the transaction: the username (only up to 2025.8, later the serializer catches it),
    the group name (unique from 2025.12) and the token identifier."""
    store = call.store
    name = request["name"]
    if name is None:
        raise ApiError(400, {"non_field_errors": [message("null")]})
    if store.user_by_username(name) is not None:
        raise ApiError(400, {"non_field_errors": [message("username")]})
    if (_creates_group(call, request) and store.version.unique_group_names
            and any(g["name"] == name for g in store.groups.values())):
        raise ApiError(400, {"non_field_errors": [message("group")]})
    if store.tokens.get(_token_identifier(name)) is not None:
        raise ApiError(400, {"non_field_errors": [message("token")]})


def _raw_clash_text(kind):
    """PostgreSQL's error text as str(IntegrityError) gives it (wording not verified; upstream asserts only the
    status)."""
    if kind == "null":
        return 'null value in column "username" of relation "authentik_core_user" violates not-null constraint'
    table = {"username": "authentik_core_user_username_key", "group": "authentik_core_group_name_key",
             "token": "authentik_core_token_identifier_key"}[kind]
    return f'duplicate key value violates unique constraint "{table}"'


def _creates_group(call, request):
    return bool(request["create_group"]) and call.access.has("authentik_core.add_group")


def _create_service_account(call, request):
    store, name = call.store, request["name"]
    user = store.insert_user({
        "username": name, "name": name, "type": "service_account", "path": SERVICE_ACCOUNT_PATH,
        "attributes": {ATTRIBUTE_TOKEN_EXPIRES: request["expiring"]},
    })
    answer = {"username": user["username"], "user_uid": store.uid(user["pk"]), "user_pk": user["pk"]}
    if _creates_group(call, request):
        group = store.insert_group({"name": name, "users": [user["pk"]]})
        answer["group_pk"] = group["uuid"]
    token = store.tokens.insert({"identifier": _token_identifier(name), "intent": "app_password",
                                 "user": user["pk"], "expires": request["expires"],
                                 "expiring": request["expiring"]})
    answer["token"] = token["key"]
    return answer


# ---------------------------------------------------------------------- routes

def routes(version):
    """The token routes and POST /core/users/service_account/ (all releases); they come before api.ROUTES so that
    service_account/ is not taken for a user pk (DRF's router lists list-actions before the detail route)."""
    return [
        (USER + "service_account/", {"POST": create_service_account}),
        (TOKENS, {"GET": list_tokens, "POST": create_token}),
        (TOKENS + IDENTIFIER, {"GET": retrieve_token, "PUT": put_token, "PATCH": patch_token,
                               "DELETE": delete_token}),
        (TOKENS + IDENTIFIER + "used_by/", {"GET": used_by_token}),
        (TOKENS + IDENTIFIER + "view_key/", {"GET": view_key}),
        (TOKENS + IDENTIFIER + "set_key/", {"POST": set_key}),
    ]
