"""Which authentik release is emulated, and how its API differs from 2026.2.2.

One table drives both the JSON the server sends and the schema guard, so the
two cannot disagree about which fields a release has. Release numbers are
compared as (year, month); patch levels do not change these APIs.
"""

import functools
import re

DEFAULT = "2026.2"
OLDEST = (2023, 1)

# (model, field, since, until): the field exists in releases since <= v < until.
# None means "all releases" for since and "still present" for until. Model names
# are the authentik-client class names; "UserSelf" is the item of /me.
FIELDS = [
    ("User", "type", "2023.8", None),
    ("UserRequest", "type", "2023.8", None),
    ("PatchedUserRequest", "type", "2023.8", None),
    ("UserSelf", "type", "2023.8", None),
    ("User", "uuid", "2023.10", None),
    ("UserSelf", "system_permissions", "2023.10", None),
    ("Group", "roles", "2023.10", None),
    ("Group", "roles_obj", "2023.10", None),
    ("GroupRequest", "roles", "2023.10", None),
    ("PatchedGroupRequest", "roles", "2023.10", None),
    ("User", "password_change_date", "2024.12", None),
    ("User", "date_joined", "2025.4", None),
    ("User", "last_updated", "2025.8", None),
    ("PaginatedUserList", "autocomplete", "2025.8", None),
    ("PaginatedGroupList", "autocomplete", "2025.8", None),
    ("Group", "children", "2025.8", None),
    ("Group", "children_obj", "2025.8", None),
    # children could be written only until the parent FK became a many-to-many.
    ("GroupRequest", "children", "2025.8", "2025.12"),
    ("PatchedGroupRequest", "children", "2025.8", "2025.12"),
    ("User", "roles", "2025.12", None),
    ("User", "roles_obj", "2025.12", None),
    ("UserRequest", "roles", "2025.12", None),
    ("PatchedUserRequest", "roles", "2025.12", None),
    ("UserSelf", "roles", "2025.12", None),
    ("Group", "parents", "2025.12", None),
    ("Group", "parents_obj", "2025.12", None),
    ("Group", "inherited_roles_obj", "2025.12", None),
    ("GroupRequest", "parents", "2025.12", None),
    ("PatchedGroupRequest", "parents", "2025.12", None),
    # The single parent FK that 2025.12 replaced with `parents`.
    ("Group", "parent", None, "2025.12"),
    ("Group", "parent_name", None, "2025.12"),
    ("PartialGroup", "parent", None, "2025.12"),
    ("PartialGroup", "parent_name", None, "2025.12"),
    ("GroupRequest", "parent", None, "2025.12"),
    ("PatchedGroupRequest", "parent", None, "2025.12"),
    # RBAC (API-lifecycle.md section 6). Role {pk, name} is the same in every release that has /rbac/.
    ("PaginatedRoleList", "autocomplete", "2025.8", None),
    ("PaginatedPermissionList", "autocomplete", "2025.8", None),
    ("PaginatedRoleAssignedObjectPermissionList", "autocomplete", "2025.8", None),
    # /rbac/permissions/roles/ (SmallerPagination) sends autocomplete only from 2026.5.
    ("PaginatedExtraRoleObjectPermissionList", "autocomplete", "2026.5", None),
    # assigned_by_roles items: object permissions only, under `permissions`, until 2025.12 split them.
    ("RoleAssignedObjectPermission", "object_permissions", "2025.12", None),
    ("RoleAssignedObjectPermission", "model_permissions", "2025.12", None),
    ("RoleAssignedObjectPermission", "permissions", None, "2025.12"),
    # Tokens (API-lifecycle.md section 3): the Token schema is the same in every release from 2024.12.
    ("PaginatedTokenList", "autocomplete", "2025.8", None),
]

# The minor releases whose differences this table and the switches below follow (API.md section 10,
# API-lifecycle.md section 6). Any YYYY.M from OLDEST on is accepted; a release in between behaves like the
# last listed one before it.
RELEASES = ("2023.1", "2023.2", "2023.3", "2023.4", "2023.5", "2023.6", "2023.8", "2023.10",
            "2024.2", "2024.4", "2024.6", "2024.8", "2024.10", "2024.12",
            "2025.2", "2025.4", "2025.6", "2025.8", "2025.10", "2025.12",
            "2026.2", "2026.5")


@functools.lru_cache(maxsize=None)  # at_least() parses the same few literals on every request
def parse(text):
    """"2025.10" or "2025.10.3" -> (2025, 10)."""
    match = re.fullmatch(r"(\d{4})\.(\d{1,2})(?:\.\d+)?(?:-rc\d+)?", str(text).strip())
    if not match:
        raise ValueError(f"authentik version must look like YYYY.M, got {text!r}")
    parsed = (int(match.group(1)), int(match.group(2)))
    if parsed < OLDEST:
        raise ValueError(f"versions before {OLDEST[0]}.{OLDEST[1]} are not emulated: {text!r}")
    return parsed


class Version:
    """An emulated release with feature switches named after what a client sees."""

    def __init__(self, text=DEFAULT):
        self.number = parse(text)
        self.text = f"{self.number[0]}.{self.number[1]}"
        # has() answers and the keys shape() drops, asked per field of every request and rendered object:
        # FIELDS is a list to scan.
        self._has = {}
        self._gone = {}

    def __repr__(self):
        return f"Version({self.text!r})"

    def at_least(self, text):
        return self.number >= parse(text)

    def has(self, model, field):
        """Whether `field` of `model` exists in this release (fields not in FIELDS always do)."""
        if (model, field) not in self._has:
            self._has[model, field] = self._lookup(model, field)
        return self._has[model, field]

    def _lookup(self, model, field):
        for name, key, since, until in FIELDS:
            if (name, key) == (model, field):
                return (since is None or self.at_least(since)) and (until is None or not self.at_least(until))
        return True

    def absent(self, model):
        """Fields of the 2026.2.2 model that this release does not have."""
        return {f for m, f, since, until in FIELDS if m == model and until is None and not self.has(m, f)}

    def extra(self, model):
        """Fields this release has that the 2026.2.2 model lacks."""
        return {f for m, f, since, until in FIELDS if m == model and until is not None and self.has(m, f)}

    def shape(self, model, body):
        """Drop the keys this release does not send."""
        if model not in self._gone:
            self._gone[model] = {row[1] for row in FIELDS if row[0] == model and not self.has(row[0], row[1])}
        gone = self._gone[model]
        return {k: v for k, v in body.items() if k not in gone}

    # ------------------------------------------------------------ behaviour

    @property
    def multiple_parents(self):
        """2025.12 turned the single `parent` FK into `parents`."""
        return self.at_least("2025.12")

    @property
    def unique_group_names(self):
        """Before 2025.12 only (name, parent) was unique, and NULL parents never clash."""
        return self.at_least("2025.12")

    @property
    def writable_children(self):
        return self.at_least("2025.8") and not self.at_least("2025.12")

    @property
    def include_switches(self):
        """include_groups (users) and include_users (groups) arrived in 2024.4."""
        return self.at_least("2024.4")

    @property
    def groups_required(self):
        """UserRequest.groups had no default before 2023.6."""
        return not self.at_least("2023.6")

    @property
    def validated_set_password(self):
        """Older handlers read request.data.get("password") without a serializer."""
        return self.at_least("2026.2")

    # ---------------------------------------------------------------- RBAC
    # Releases 2023.10-2024.10 are not covered by the facts documents; they are emulated like 2024.12.

    @property
    def rbac(self):
        """/rbac/ (roles, permissions) and group roles first appear in 2023.10."""
        return self.at_least("2023.10")

    @property
    def role_name_max_length(self):
        """Role.name was a 150-character field until 2026.2 made it a TextField."""
        return None if self.at_least("2026.2") else 150

    @property
    def role_list_by_name(self):
        """The role list filters, searches and orders by `name` from 2025.10, by the hidden `group__name` before."""
        return self.at_least("2025.10")

    @property
    def user_roles(self):
        """2025.12: users hold roles directly (User.roles, add_user/remove_user, roles_by_*, include_roles)."""
        return self.at_least("2025.12")

    @property
    def role_group_filter(self):
        """The role list's group filter: `ak_groups` in 2025.12.x, `groups` from 2026.2, none before."""
        if self.at_least("2026.2"):
            return "groups"
        return "ak_groups" if self.at_least("2025.12") else None

    @property
    def one_group_per_role(self):
        """Until 2025.10 an m2m_changed signal allowed each role on at most one group."""
        return not self.at_least("2025.12")

    @property
    def inherited_group_roles(self):
        """From 2025.12 members also get the roles of their groups' ancestors."""
        return self.at_least("2025.12")

    @property
    def permission_user_filter(self):
        """GET /rbac/permissions/?user= (legacy direct user permissions) until 2025.12.x."""
        return not self.at_least("2026.2")

    @property
    def permission_search_name(self):
        """The permission list also searches `name` from 2025.4."""
        return self.at_least("2025.4")

    @property
    def split_role_permissions(self):
        """2025.12 moved permissions to RoleModelPermission/RoleObjectPermission rows (ak-guardian)."""
        return self.at_least("2025.12")

    @property
    def bare_object_codenames(self):
        """Object assignments take a bare codename until 2025.12.x; 2026.2 requires app_label.codename."""
        return not self.at_least("2026.2")

    @property
    def named_not_found(self):
        """DRF 3.15+ (authentik 2025.2 on; 2024.12 had 3.14) names the model in a detail 404."""
        return self.at_least("2025.2")

    # ------------------------------------------------- tokens, service accounts, recovery
    # API-lifecycle.md sections 3 to 6; releases before 2024.12 are emulated like 2024.12.

    @property
    def token_list_by_view_permission(self):
        """2026.2 (#18684): a global authentik_core.view_token shows a non-superuser every token, and view_key /
        set_key reach any token; before, get_queryset() keeps non-superusers to their own tokens (3.3)."""
        return self.at_least("2026.2")

    @property
    def validated_set_key(self):
        """set_key validates its body with @validate from 2025.12; before, a missing or empty key is a bare 400 (3.3)."""
        return self.at_least("2025.12")

    @property
    def app_password_null_expires_fails(self):
        """`expires: null` on an app_password token was a 500 through 2025.12.2 (fixed in 2025.12.3 and 2026.2.0,
        #19913; 3.2). Release 2025.12 is emulated as its first patches here."""
        return not self.at_least("2026.2")

    @property
    def validated_service_account(self):
        """POST /core/users/service_account/ validates its body (UserServiceAccountSerializer) from 2025.10;
        before, it reads request.data raw (section 4)."""
        return self.at_least("2025.10")

    @property
    def recovery_body(self):
        """2026.2: recovery takes {token_duration?}, recovery_email {email_stage, token_duration?} as JSON, and the
        recovery token's expiry is reset on every call (section 5)."""
        return self.at_least("2026.2")

    @property
    def last_login_filters(self):
        """2026.2: the user list filters by last_login, last_login__gt, __lt and __isnull (API.md section 5)."""
        return self.at_least("2026.2")

    def page_sizes(self):
        """(default, maximum); before 2025.12 DRF's PAGE_SIZE applied with no cap."""
        return (20, 100) if self.at_least("2025.12") else (100, None)
