"""Schema guard: checks traffic against the official authentik-client models.

The server itself behaves like authentik (unknown body fields are ignored); this
module only reports what a strict client-side model would reject, so tests can
fail on requests or responses that drift from the published API schema.

The client models describe 2026.2.2. for_version() derives models for an older
release from the table in versions.py: fields the release lacks become optional
(and count as unknown when sent), fields it had but 2026.2.2 dropped are added.
"""

import typing
import uuid
from typing import Annotated, Dict, List, Optional, Union

from authentik_client.models.email_stage import EmailStage
from authentik_client.models.extra_role_object_permission import ExtraRoleObjectPermission
from authentik_client.models.group import Group
from authentik_client.models.group_request import GroupRequest
from authentik_client.models.link import Link
from authentik_client.models.paginated_extra_role_object_permission_list import (
    PaginatedExtraRoleObjectPermissionList,
)
from authentik_client.models.paginated_email_stage_list import PaginatedEmailStageList
from authentik_client.models.paginated_group_list import PaginatedGroupList
from authentik_client.models.paginated_permission_list import PaginatedPermissionList
from authentik_client.models.paginated_role_assigned_object_permission_list import (
    PaginatedRoleAssignedObjectPermissionList,
)
from authentik_client.models.paginated_role_list import PaginatedRoleList
from authentik_client.models.paginated_token_list import PaginatedTokenList
from authentik_client.models.paginated_user_list import PaginatedUserList
from authentik_client.models.patched_group_request import PatchedGroupRequest
from authentik_client.models.patched_permission_assign_request import PatchedPermissionAssignRequest
from authentik_client.models.patched_role_request import PatchedRoleRequest
from authentik_client.models.patched_token_request import PatchedTokenRequest
from authentik_client.models.patched_user_request import PatchedUserRequest
from authentik_client.models.permission import Permission
from authentik_client.models.permission_assign_request import PermissionAssignRequest
from authentik_client.models.permission_assign_result import PermissionAssignResult
from authentik_client.models.role import Role
from authentik_client.models.role_assigned_object_permission import RoleAssignedObjectPermission
from authentik_client.models.role_object_permission import RoleObjectPermission
from authentik_client.models.role_request import RoleRequest
from authentik_client.models.session_user import SessionUser
from authentik_client.models.token import Token
from authentik_client.models.token_request import TokenRequest
from authentik_client.models.token_set_key_request import TokenSetKeyRequest
from authentik_client.models.token_view import TokenView
from authentik_client.models.user import User
from authentik_client.models.user_account_request import UserAccountRequest
from authentik_client.models.user_account_serializer_for_role_request import UserAccountSerializerForRoleRequest
from authentik_client.models.user_password_set_request import UserPasswordSetRequest
from authentik_client.models.user_recovery_email_request import UserRecoveryEmailRequest
from authentik_client.models.user_recovery_link_request import UserRecoveryLinkRequest
from authentik_client.models.user_request import UserRequest
from authentik_client.models.user_self import UserSelf
from authentik_client.models.user_service_account_request import UserServiceAccountRequest
from authentik_client.models.user_service_account_response import UserServiceAccountResponse
from pydantic import BaseModel, Field, RootModel, StrictBool, StrictStr, ValidationError, create_model

# The client (2026.8.5) adds `is_current` to UserSelf and a required `users` list
# to SessionUser; the emulated 2026.2.2 server sends neither, so both are optional.
UserSelf2026_2 = create_model("UserSelf", __base__=UserSelf, is_current=(Optional[StrictBool], None))
SessionUser2026_2 = create_model(
    "SessionUser",
    __base__=SessionUser,
    user=(UserSelf2026_2, ...),
    original=(Optional[UserSelf2026_2], None),
    users=(Optional[List[UserSelf2026_2]], None),
)

# assign/ answers with a bare JSON list of PermissionAssignResult.
PermissionAssignResultList = RootModel[List[PermissionAssignResult]]
PermissionAssignResultList.__name__ = "PermissionAssignResultList"
# Up to 2025.10 /rbac/permissions/roles/{id}/ could be written: only object_pk (no client model any more).
ExtraRoleObjectPermissionRequest = create_model(
    "ExtraRoleObjectPermissionRequest", object_pk=(Annotated[str, Field(min_length=1, strict=True)], ...))
PatchedExtraRoleObjectPermissionRequest = create_model(
    "PatchedExtraRoleObjectPermissionRequest",
    object_pk=(Optional[Annotated[str, Field(min_length=1, strict=True)]], None))
# Actions that take no request body in the emulated release (recovery and recovery_email before 2026.2): every
# key sent counts as unknown.
NoRequestBody = create_model("NoRequestBody")

__all__ = [
    "ExtraRoleObjectPermission", "ExtraRoleObjectPermissionRequest", "Group", "GroupRequest",
    "PaginatedExtraRoleObjectPermissionList", "PaginatedGroupList", "PaginatedPermissionList",
    "PaginatedRoleAssignedObjectPermissionList", "PaginatedRoleList", "PaginatedUserList",
    "PatchedExtraRoleObjectPermissionRequest", "PatchedGroupRequest", "PatchedPermissionAssignRequest",
    "PatchedRoleRequest", "PatchedUserRequest", "Permission", "PermissionAssignRequest",
    "PermissionAssignResultList", "Role", "RoleAssignedObjectPermission", "RoleRequest", "SessionUser2026_2",
    "User", "UserAccountRequest", "UserAccountSerializerForRoleRequest", "UserPasswordSetRequest",
    "UserRequest", "check_request", "check_response", "for_version",
    # tokens, service accounts, recovery (tokens.py, recovery.py)
    "Link", "NoRequestBody", "PaginatedTokenList", "PatchedTokenRequest", "Token", "TokenRequest",
    "TokenSetKeyRequest", "TokenView", "UserRecoveryEmailRequest", "UserRecoveryLinkRequest",
    "UserServiceAccountRequest", "UserServiceAccountResponse",
    # the email stages a recovery email names (recovery.py)
    "EmailStage", "PaginatedEmailStageList",
]

# Types of the fields that releases before 2025.12 had and the client lacks.
_OLD_FIELD_TYPES = {
    "parent": Optional[uuid.UUID],
    "parent_name": Optional[StrictStr],
    "children": Optional[List[uuid.UUID]],
    # RoleAssignedObjectPermission up to 2025.10: the role's object permissions only.
    "permissions": Optional[List[RoleObjectPermission]],
}
# Derived model -> the fields it only keeps so that their absence validates.
_ABSENT = {}
_CACHE = {}


def for_version(model, version):
    """The model as `version` (a versions.Version) defines it; the model itself for 2026.2.2."""
    if model is None:
        return None
    key = (model, version.text)
    if key not in _CACHE:
        _CACHE[key] = _adapt(model, version, {})
    return _CACHE[key]


def _adapt(model, version, done):
    if model in done:
        return done[model]
    absent = version.absent(model.__name__)
    overrides = {name: (_OLD_FIELD_TYPES[name], None) for name in version.extra(model.__name__)}
    for name, field in model.model_fields.items():
        annotation = _substitute(field.annotation, lambda nested: _adapt(nested, version, done))
        if name in absent:
            overrides[name] = (Optional[annotation], None)
        elif annotation is not field.annotation:
            overrides[name] = (annotation, field)
    if not overrides:
        done[model] = model
        return model
    adapted = create_model(model.__name__, __base__=model, **overrides)
    _ABSENT[adapted] = frozenset(absent)
    done[model] = adapted
    return adapted


def _substitute(annotation, adapt):
    """Rebuild Optional/List/Dict/Annotated around nested models replaced by adapt()."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return adapt(annotation)
    args = typing.get_args(annotation)
    if not args:
        return annotation
    new = tuple(_substitute(arg, adapt) for arg in args)
    if all(a is b for a, b in zip(new, args)):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is Union:
        return Union[new]
    if origin is list:
        return List[new[0]]
    if origin is dict:
        return Dict[new[0], new[1]]
    if origin is Annotated:
        return Annotated[new]
    raise TypeError(f"cannot rebuild {annotation!r}")


def _known(model, key):
    return key in model.model_fields and key not in _ABSENT.get(model, ())


def check_request(model, body):
    """Return (unknown_fields, errors) for a request body against a request model."""
    unknown = sorted(k for k in body if not _known(model, k)) if isinstance(body, dict) else []
    return unknown, _validation_errors("request", model, body)


def check_response(model, body):
    """Return errors for a response body: model validation plus unexpected keys."""
    if issubclass(model, RootModel):
        item = _nested_model(model.model_fields["root"].annotation)
        extra = [f"[{index}].{path}" for index, value in enumerate(body if isinstance(body, list) else [])
                 for path in _extra_keys(item, value, "")]
    else:
        extra = _extra_keys(model, body, "")
    return _validation_errors("response", model, body) + [
        f"response {model.__name__}: unexpected field {path}" for path in extra
    ]


def _validation_errors(kind, model, body):
    try:
        model.model_validate(body)
    except ValidationError as exc:
        return [
            f"{kind} {model.__name__}: {'.'.join(str(p) for p in err['loc']) or '<body>'}: {err['msg']}"
            for err in exc.errors()
        ]
    return []


def _extra_keys(model, body, prefix):
    """Keys in body (recursively through nested models) that the model does not define."""
    if not isinstance(body, dict):
        return []
    found = []
    for key, value in body.items():
        field = model.model_fields.get(key)
        if field is None or not _known(model, key):
            found.append(prefix + key)
            continue
        nested = _nested_model(field.annotation)
        if nested is None:
            continue
        for index, item in enumerate(value if isinstance(value, list) else [value]):
            found.extend(_extra_keys(nested, item, f"{prefix}{key}[{index}]."))
    return found


def _nested_model(annotation):
    """The BaseModel inside Optional[...] / List[...], if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        nested = _nested_model(arg)
        if nested is not None:
            return nested
    return None
