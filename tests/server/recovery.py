"""POST /api/v3/core/users/{id}/recovery/ and /recovery_email/ (API-lifecycle.md section 5, D).

The brand's recovery flow and the email stages are the server's RecoverySetup (token_store.py; none by default,
so the "No recovery flow set." refusal is what an unconfigured server answers). authentik sends an email from
recovery_email; this server appends it to RecoverySetup.sent instead. Handlers follow api.py's conventions.
"""

import uuid
from urllib.parse import urlencode

from . import fields
from .api import KEY, USER, paginated, rbac, validate_passive
from .fields import FieldError
from .state import ApiError, ServerError, not_found
from .token_store import default_expiry, now, timedelta_from_string

NO_FLOW = "No recovery flow set."
NOT_APPLICABLE = "Recovery flow not applicable to user"
NO_EMAIL = "User does not have an email address set."
STAGE_MISSING_OLD = "Email stage does not exist."
STAGE_MISSING = "Email stage not found."
VIEW_STAGE = "authentik_stages_email.view_emailstage"


def _refuse(message):
    """These views raise ValidationError({"non_field_errors": "<text>"}) outside a serializer, so the body carries a
    bare string, not a list (section 5)."""
    return ApiError(400, {"non_field_errors": message})


def _target(call):
    """The user, looked up without the ObjectFilter (filter_backends=[]): an unknown id is 404. A non-superuser
    needs the POST method map's authentik_core.add_user (code reading) and authentik_core.reset_user_password,
    each globally or on the user."""
    user = call.store.get_user(call.params["pk"])
    call.require("authentik_core.add_user", obj_pk=user["pk"])
    call.require("authentik_core.reset_user_password", obj_pk=user["pk"])
    return user


def _duration(data):
    """token_duration: an optional non-blank string. Whether it parses is found out only when the token is made."""
    if not isinstance(data, dict):
        kind = "list" if isinstance(data, list) else type(data).__name__
        raise ApiError(400, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]})
    if "token_duration" not in data:
        return None
    try:
        return fields.char(data["token_duration"])
    except FieldError as exc:
        raise ApiError(400, {"token_duration": exc.messages}) from None


def _check_flow(call, user):
    setup = call.store.tokens.recovery
    if not setup.flow:
        raise _refuse(NO_FLOW)
    if user["pk"] in setup.inapplicable_users:
        raise _refuse(NOT_APPLICABLE)


def _recovery_token(call, user, duration):
    """FlowToken.objects.update_or_create(identifier="<user uid>-password-reset"): the key never changes, so
    repeated calls give the same link while the token exists. Up to 2025.12 a new token gets now +
    default_token_duration and an existing one keeps its expires (code reading); from 2026.2 expires is now +
    token_duration (or the default) on every call. An unparsable token_duration raises inside the view: 500 (code
    reading). FlowToken is a Token subclass, so the token is also listed by /core/tokens/; its intent is the
    model default "verification" (both from authentik's models, not stated in the facts document: not
    verified)."""
    store = call.store
    identifier = f"{store.uid(user['pk'])}-password-reset"
    expires = None
    if call.version.recovery_body:
        try:
            expires = now() + timedelta_from_string(duration) if duration else default_expiry()
        except ValueError as exc:
            raise ServerError(f"invalid token_duration: {exc}") from None
    token = store.tokens.get(identifier)
    if token is None:
        return store.tokens.insert({"identifier": identifier, "intent": "verification", "user": user["pk"],
                                    "expires": expires})
    changes = {"user": user["pk"]}
    if expires is not None:
        changes["expires"] = expires
    return store.tokens.update(token, changes)


def _link(call, token):
    """request.build_absolute_uri("/if/flow/<recovery flow slug>/") + "?flow_token=<key>"."""
    flow = call.store.tokens.recovery.flow
    return f"{call.settings['external_url']}/if/flow/{flow}/?{urlencode({'flow_token': token['key']})}"


# ----------------------------------------------------------------------- recovery

@rbac
def recovery_link(call):
    """200 {"link"}. Up to 2025.12 there is no request body; from 2026.2 an optional {token_duration}."""
    user = _target(call)
    duration = None
    if call.version.recovery_body:
        duration = _duration(call.data("UserRecoveryLinkRequest"))
    else:
        call.body_model = "NoRequestBody"
    _check_flow(call, user)
    token = _recovery_token(call, user, duration)
    return 200, {"link": _link(call, token)}, "Link"


# ----------------------------------------------------------------- recovery_email

@rbac
def recovery_email(call):
    """204, after the email is sent (recorded in RecoverySetup.sent). Check order: up to 2025.12 email, then the
    flow (the recovery token is already made), then the stage from ?email_stage=; from 2026.2 the JSON body,
    then email, stage, flow (section 5)."""
    user = _target(call)
    if call.version.recovery_body:
        return _recovery_email_from_body(call, user)
    return _recovery_email_from_query(call, user)


def _recovery_email_from_query(call, user):
    call.body_model = "NoRequestBody"
    if not user["email"]:
        raise _refuse(NO_EMAIL)
    _check_flow(call, user)
    token = _recovery_token(call, user, None)
    raw = call.query.get("email_stage", [None])[-1]  # QueryDict.get(): the last value
    stage = _stage(call, None if raw is None else _query_uuid(raw), STAGE_MISSING_OLD)
    return _send(call, user, stage, token)


def _query_uuid(raw):
    """filter(pk=<text>) on a UUIDField: a value that is not a UUID raises Django's ValidationError inside the
    view, a 500 (code reading, not verified)."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise ServerError(f"\u201c{raw}\u201d is not a valid UUID.") from None


def _recovery_email_from_body(call, user):
    data = call.data("UserRecoveryEmailRequest")
    duration = _duration(data)
    stage_pk = validate_passive(data, "email_stage", _body_uuid)
    if not user["email"]:
        raise _refuse(NO_EMAIL)
    stage = _stage(call, stage_pk, STAGE_MISSING)
    _check_flow(call, user)
    token = _recovery_token(call, user, duration)
    return _send(call, user, stage, token)


def _body_uuid(value):
    """DRF UUIDField."""
    if value is None:
        raise FieldError(fields.NOT_NULL)
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise FieldError("Must be a valid UUID.") from None


def _stage(call, stage_pk, missing):
    """get_objects_for_user(caller, "authentik_stages_email.view_emailstage").filter(pk=...).first()."""
    stage = call.store.tokens.recovery.email_stages.get(stage_pk) if stage_pk else None
    if stage is None or not call.access.has(VIEW_STAGE, stage["pk"]):
        raise _refuse(missing)
    return stage


def _send(call, user, stage, token):
    call.store.tokens.recovery.sent.append({
        "to": user["email"], "user": user["pk"], "username": user["username"],
        "email_stage": stage["pk"], "stage_name": stage["name"], "link": _link(call, token),
        "token": token["identifier"], "expires": fields.format_datetime(token["expires"]),
    })
    return 204, None, None


# ------------------------------------------------------------------ email stages

def email_stage_json(stage):
    """An EmailStage as GET /stages/email/ returns it, with the stage model's defaults for what is not kept here."""
    return {
        "pk": stage["pk"], "name": stage["name"], "component": "ak-stage-email-form",
        "verbose_name": "Email Stage", "verbose_name_plural": "Email Stages",
        "meta_model_name": "authentik_stages_email.emailstage", "flow_set": [], "use_global_settings": False,
        "host": "localhost", "port": 25, "username": "", "use_tls": False, "use_ssl": False, "timeout": 10,
        "from_address": "system@authentik.local", "token_expiry": "minutes=30", "subject": "authentik",
        "template": "email/password_reset.html", "activate_user_on_success": False, "recovery_max_attempts": 5,
        "recovery_cache_timeout": "minutes=5",
    }


def _visible_stages(call):
    """The email stages the caller may view (view_emailstage, globally or on the stage), ordered by name."""
    stages = sorted(call.store.tokens.recovery.email_stages.values(), key=lambda stage: (stage["name"], stage["pk"]))
    return [stage for stage in stages if call.access.has(VIEW_STAGE, stage["pk"])]


def list_email_stages(call):
    """GET /stages/email/: exact `name` filter (StageViewSet filterset_fields), pages as every list."""
    stages = _visible_stages(call)
    name = call.query.get("name", [""])[-1]
    if name:
        stages = [stage for stage in stages if stage["name"] == name]
    return 200, paginated(call, stages, email_stage_json, "PaginatedEmailStageList"), "PaginatedEmailStageList"


def retrieve_email_stage(call):
    try:
        key = str(uuid.UUID(call.params["pk"]))
    except ValueError:
        raise not_found() from None
    stage = next((stage for stage in _visible_stages(call) if stage["pk"] == key), None)
    if stage is None:
        raise not_found("EmailStage" if call.version.named_not_found else None)
    return 200, email_stage_json(stage), "EmailStage"


# ---------------------------------------------------------------------- routes

def routes(version):
    """POST from 2024.4; GET before (API.md section 3). The email stages a recovery email names."""
    method = "POST" if version.at_least("2024.4") else "GET"
    return [
        (USER + KEY + "recovery/", {method: recovery_link}),
        (USER + KEY + "recovery_email/", {method: recovery_email}),
        ("/api/v3/stages/email/", {"GET": list_email_stages}),
        ("/api/v3/stages/email/" + KEY, {"GET": retrieve_email_stage}),
    ]
