"""In-memory users and groups with authentik's validation and JSON shapes.

Records always have the 2026.2.2 layout (a group keeps a `parents` list even
when an older release with a single `parent` is emulated); only validation and
rendering follow the emulated version.

Everything here is plain data; the HTTP layer maps ApiError to responses. The
store is guarded by one re-entrant lock so handler threads see consistent state.
"""

import base64
import hashlib
import secrets
import threading
import uuid
from datetime import datetime, timezone

from . import fields
from .fields import FieldError
from .versions import Version

USER_TYPES = ("internal", "external", "service_account", "internal_service_account")
ISA = "internal_service_account"
# authentik's "none" avatar mode; the default modes need the network.
AVATAR = "/static/dist/assets/images/user_default.png"
# What a superuser's get_all_permissions() yields for authentik_rbac system permissions.
SUPERUSER_SYSTEM_PERMISSIONS = [
    "access_admin_interface",
    "edit_system_settings",
    "view_system_info",
    "view_system_settings",
]
PBKDF2_ITERATIONS = 100_000


class ApiError(Exception):
    """An HTTP error with the JSON body DRF would send (None for an empty body)."""

    def __init__(self, status, body, headers=None):
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def not_found(model=None):
    detail = f"No {model} matches the given query." if model else "Not found."
    return ApiError(404, {"detail": detail})


def now():
    return datetime.now(timezone.utc)


def hash_password(password):
    """Django's pbkdf2_sha256 format, so stored hashes look like authentik's."""
    salt = secrets.token_hex(11)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), PBKDF2_ITERATIONS)
    return f"pbkdf2_sha256${PBKDF2_ITERATIONS}${salt}${base64.b64encode(digest).decode()}"


def verify_password(password, encoded):
    parts = (encoded or "").split("$")
    if len(parts) != 4 or parts[0] != "pbkdf2_sha256":
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), parts[2].encode(), int(parts[1]))
    return secrets.compare_digest(base64.b64encode(digest).decode(), parts[3])


def num_pk(group_uuid):
    """authentik's Group.num_pk: first five digits of the UUID as an integer."""
    return int(str(uuid.UUID(group_uuid).int)[:5])


class Store:
    """Users keyed by integer pk, groups keyed by UUID string.

    Membership lives only in group["users"] so both directions stay in sync.
    """

    def __init__(self, version=None):
        self.version = version or Version()
        self.lock = threading.RLock()
        self.install_id = str(uuid.uuid4())
        self.users = {}
        self.groups = {}
        self.next_pk = 1

    # ----------------------------------------------------------------- seed

    def seed(self):
        """Fresh install: akadmin in the superuser group "authentik Admins"."""
        with self.lock:
            self.users.clear()
            self.groups.clear()
            self.next_pk = 1
            admins = self.insert_group({"name": "authentik Admins", "is_superuser": True})
            admin = self.insert_user({
                "username": "akadmin",
                "name": "authentik Default Admin",
                "email": "root@localhost",
                "groups": [admins["uuid"]],
            })
            return admin

    # -------------------------------------------------------------- records

    def insert_user(self, data):
        with self.lock:
            stamp = now()
            user = {
                "pk": self.next_pk,
                "username": data["username"],
                "name": data.get("name", ""),
                "is_active": data.get("is_active", True),
                "last_login": data.get("last_login"),
                "date_joined": stamp,
                "email": data.get("email", ""),
                "attributes": data.get("attributes", {}),
                "path": data.get("path", "users"),
                "type": data.get("type", "internal"),
                "uuid": str(uuid.uuid4()),
                "roles": data.get("roles", []),
                "password_change_date": stamp,
                "last_updated": stamp,
                # Users created through the API get an unusable password.
                "password": "!" + secrets.token_urlsafe(30),
            }
            self.next_pk += 1
            self.users[user["pk"]] = user
            self.set_user_groups(user["pk"], data.get("groups", []))
            return user

    def update_user(self, user, data):
        with self.lock:
            for key, value in data.items():
                if key == "groups":
                    self.set_user_groups(user["pk"], value)
                else:
                    user[key] = value
            user["last_updated"] = now()
            return user

    def delete_user(self, pk):
        with self.lock:
            self.users.pop(pk, None)
            for group in self.groups.values():
                group["users"].discard(pk)

    def set_user_groups(self, pk, group_uuids):
        """Set-replacement, like the ORM's .set(list) on update."""
        wanted = set(group_uuids)
        for key, group in self.groups.items():
            if key in wanted:
                group["users"].add(pk)
            else:
                group["users"].discard(pk)

    def set_password(self, user, password):
        with self.lock:
            user["password"] = hash_password(password)
            user["password_change_date"] = now()

    def set_unusable_password(self, user):
        with self.lock:
            user["password"] = "!" + secrets.token_urlsafe(30)
            user["password_change_date"] = now()

    def insert_group(self, data):
        with self.lock:
            group_uuid = str(uuid.uuid4())
            group = {
                "uuid": group_uuid,
                "name": data["name"],
                "is_superuser": data.get("is_superuser", False),
                "parents": list(data.get("parents", [])),
                "users": set(data.get("users", [])),
                "attributes": data.get("attributes", {}),
                "roles": data.get("roles", []),
            }
            self.groups[group_uuid] = group
            if "children" in data:
                self.set_children(group, data["children"])
            return group

    def update_group(self, group, data):
        with self.lock:
            for key, value in data.items():
                if key == "children":
                    self.set_children(group, value)
                else:
                    group[key] = set(value) if key == "users" else value
            return group

    def set_children(self, group, child_uuids):
        """2025.8-2025.10: writing `children` re-points the children's single parent FK."""
        wanted = set(child_uuids)
        for key, child in self.groups.items():
            if key in wanted:
                child["parents"] = [group["uuid"]]
            elif group["uuid"] in child["parents"]:
                child["parents"] = []

    def delete_group(self, group_uuid):
        with self.lock:
            self.groups.pop(group_uuid, None)
            for group in self.groups.values():
                if group_uuid in group["parents"]:
                    group["parents"].remove(group_uuid)

    # -------------------------------------------------------------- lookups

    def get_user(self, raw_pk):
        """Detail lookup: a non-integer id is a plain 404, an unknown one names the model."""
        try:
            pk = int(raw_pk)
        except (TypeError, ValueError):
            raise not_found() from None
        user = self.users.get(pk)
        if user is None:
            raise not_found("User")
        return user

    def get_group(self, raw_uuid):
        try:
            key = str(uuid.UUID(raw_uuid))
        except (TypeError, ValueError):
            raise not_found() from None
        group = self.groups.get(key)
        if group is None:
            raise not_found("Group")
        return group

    def user_groups(self, pk):
        """Direct groups, ordered by name for stable output."""
        found = [g for g in self.groups.values() if pk in g["users"]]
        return sorted(found, key=lambda g: (g["name"], g["uuid"]))

    def all_groups(self, pk):
        """Direct groups plus every ancestor reachable through parents."""
        seen = {}
        pending = [g["uuid"] for g in self.user_groups(pk)]
        while pending:
            key = pending.pop()
            if key in seen or key not in self.groups:
                continue
            seen[key] = self.groups[key]
            pending.extend(self.groups[key]["parents"])
        return sorted(seen.values(), key=lambda g: (g["name"], g["uuid"]))

    def is_superuser(self, pk):
        return any(g["is_superuser"] for g in self.all_groups(pk))

    def uid(self, pk):
        return hashlib.sha256(f"{pk}-{self.install_id}".encode("ascii")).hexdigest()

    # -------------------------------------------------------- serialisation

    def user_json(self, user, include_groups=True, include_roles=True):
        groups = self.user_groups(user["pk"])
        body = {
            "pk": user["pk"],
            "username": user["username"],
            "name": user["name"],
            "is_active": user["is_active"],
            "last_login": fields.format_datetime(user["last_login"]),
            "date_joined": fields.format_datetime(user["date_joined"]),
            "is_superuser": self.is_superuser(user["pk"]),
            "groups": [g["uuid"] for g in groups],
            "groups_obj": [self.partial_group_json(g) for g in groups] if include_groups else None,
            "roles": list(user["roles"]),
            "roles_obj": [] if include_roles else None,
            "email": user["email"],
            "avatar": AVATAR,
            "attributes": user["attributes"],
            "uid": self.uid(user["pk"]),
            "path": user["path"],
            "type": user["type"],
            "uuid": user["uuid"],
            "password_change_date": fields.format_datetime(user["password_change_date"]),
            "last_updated": fields.format_datetime(user["last_updated"]),
        }
        return self.version.shape("User", body)

    def partial_user_json(self, user):
        return {
            "pk": user["pk"],
            "username": user["username"],
            "name": user["name"],
            "is_active": user["is_active"],
            "last_login": fields.format_datetime(user["last_login"]),
            "email": user["email"],
            "attributes": user["attributes"],
            "uid": self.uid(user["pk"]),
        }

    def user_self_json(self, user):
        superuser = self.is_superuser(user["pk"])
        body = {
            "pk": user["pk"],
            "username": user["username"],
            "name": user["name"],
            "is_active": user["is_active"],
            "is_superuser": superuser,
            "groups": [{"name": g["name"], "pk": g["uuid"]} for g in self.all_groups(user["pk"])],
            "roles": [],
            "email": user["email"],
            "avatar": AVATAR,
            "uid": self.uid(user["pk"]),
            "settings": {},
            "type": user["type"],
            "system_permissions": list(SUPERUSER_SYSTEM_PERMISSIONS) if superuser else [],
        }
        return self.version.shape("UserSelf", body)

    def partial_group_json(self, group):
        body = {
            "pk": group["uuid"],
            "num_pk": num_pk(group["uuid"]),
            "name": group["name"],
            "is_superuser": group["is_superuser"],
            **self._single_parent_json(group),
            "attributes": group["attributes"],
        }
        return self.version.shape("PartialGroup", body)

    def _single_parent_json(self, group):
        """`parent` and `parent_name` of releases before 2025.12 (empty from then on)."""
        if self.version.multiple_parents:
            return {}
        parent = self.groups.get(group["parents"][0]) if group["parents"] else None
        return {"parent": parent["uuid"] if parent else None, "parent_name": parent["name"] if parent else None}

    @staticmethod
    def related_group_json(group):
        return {
            "pk": group["uuid"],
            "name": group["name"],
            "is_superuser": group["is_superuser"],
            "attributes": group["attributes"],
            "group_uuid": group["uuid"],
        }

    def group_json(self, group, include_users=True, include_children=False, include_parents=False):
        members = [self.users[pk] for pk in sorted(group["users"]) if pk in self.users]
        parents = [self.groups[p] for p in group["parents"] if p in self.groups]
        children = [g for g in self.groups.values() if group["uuid"] in g["parents"]]
        body = {
            "pk": group["uuid"],
            "num_pk": num_pk(group["uuid"]),
            "name": group["name"],
            "is_superuser": group["is_superuser"],
            **self._single_parent_json(group),
            "parents": [p["uuid"] for p in parents],
            "parents_obj": [self.related_group_json(p) for p in parents] if include_parents else None,
            "users": [u["pk"] for u in members],
            "users_obj": [self.partial_user_json(u) for u in members] if include_users else None,
            "attributes": group["attributes"],
            "roles": list(group["roles"]),
            "roles_obj": [],
            "inherited_roles_obj": [],
            "children": [c["uuid"] for c in children],
            "children_obj": [self.related_group_json(c) for c in children] if include_children else None,
        }
        return self.version.shape("Group", body)

    # ----------------------------------------------------------- validation

    def validate_user(self, data, instance=None, partial=False):
        """UserSerializer.is_valid(): field errors first, then validate()."""
        spec = [
            ("username", self._clean_username),
            ("name", _plain(lambda v: fields.char(v, allow_blank=True))),
            ("is_active", _plain(fields.boolean)),
            ("last_login", _plain(fields.nullable_datetime)),
            ("groups", _plain(self._uuid_list(self.groups))),
            ("roles", _plain(self._uuid_list(()))),
            ("email", _plain(fields.email)),
            ("attributes", _plain(fields.json_dict)),
            ("path", _plain(fields.user_path)),
            ("type", self._clean_type),
        ]
        spec = self._known(spec, "UserRequest")
        required = ("username", "name")
        # groups and roles declare default=list, applied on create and full update.
        defaults = {} if partial else {"groups": [], "roles": []}
        if self.version.groups_required:
            required, defaults = required + ("groups",), {}
        cleaned = self._clean(data, spec, required, defaults, partial, instance)
        if instance is not None and instance["type"] == ISA:
            raise ApiError(400, {"non_field_errors": ["Can't modify internal service account users"]})
        return cleaned

    def _clean_username(self, value, instance):
        username = fields.char(value, max_length=150)
        for user in self.users.values():
            if user["username"] == username and user is not instance:
                raise FieldError("This field must be unique.")
        return username

    @staticmethod
    def _clean_type(value, instance):
        user_type = fields.choice(value, USER_TYPES)
        if instance is not None and instance["type"] == ISA and user_type != ISA:
            raise FieldError("Can't change internal service account to other user type.")
        if instance is None and user_type == ISA:
            raise FieldError("Setting a user to internal service account is not allowed.")
        return user_type

    def validate_group(self, data, instance=None, partial=False):
        spec = [
            ("name", self._clean_group_name),
            ("is_superuser", _plain(fields.boolean)),
            ("parent", _plain(self._nullable_uuid(self.groups))),
            ("parents", _plain(self._uuid_list(self.groups))),
            ("users", _plain(self._int_list(self.users))),
            ("attributes", _plain(fields.json_dict)),
            # No roles exist in this double, so any role key is unknown.
            ("roles", _plain(self._uuid_list(()))),
            ("children", _plain(self._uuid_list(self.groups))),
        ]
        spec = self._known(spec, "GroupRequest")
        # Many-to-many fields default to [] on create and full update; the old
        # `parent` FK has no default, so a PUT without it keeps the parent.
        defaults = {} if partial else {"users": [], "parents": [], "children": []}
        cleaned = self._clean(data, spec, ("name",), defaults, partial, instance)
        if "parent" in cleaned:
            parent = cleaned.pop("parent")
            cleaned["parents"] = [parent] if parent else []
        if not self.version.unique_group_names:
            self._check_name_parent_unique(cleaned, instance)
        return cleaned

    def _known(self, spec, model):
        """Fields the emulated release does not have are ignored like any unknown key."""
        return [(name, parser) for name, parser in spec if self.version.has(model, name)]

    @staticmethod
    def _nullable_uuid(existing):
        return lambda value: None if value is None else fields.uuid_key(value, existing)

    def _check_name_parent_unique(self, cleaned, instance):
        """DRF's UniqueTogetherValidator for (name, parent); it skips NULL parents."""
        name = cleaned.get("name", instance["name"] if instance else None)
        parents = cleaned.get("parents", instance["parents"] if instance else [])
        if not parents:
            return
        for group in self.groups.values():
            if group is not instance and group["name"] == name and group["parents"] == parents:
                raise ApiError(400, {"non_field_errors": ["The fields name, parent must make a unique set."]})

    @staticmethod
    def _uuid_list(existing):
        return lambda value: fields.related_list(value, lambda item: fields.uuid_key(item, existing))

    @staticmethod
    def _int_list(existing):
        return lambda value: fields.related_list(value, lambda item: fields.int_key(item, existing))

    def _clean_group_name(self, value, instance):
        name = fields.char(value)
        if not self.version.unique_group_names:
            return name
        for group in self.groups.values():
            if group["name"] == name and group is not instance:
                raise FieldError("Group with this name already exists.")
        return name

    @staticmethod
    def _clean(data, spec, required, defaults, partial, instance):
        """Run every field parser and gather errors in serializer field order."""
        if not isinstance(data, dict):
            kind = "list" if isinstance(data, list) else type(data).__name__
            raise ApiError(400, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]})
        cleaned, errors = {}, {}
        for name, parser in spec:
            if name not in data:
                if name in required and not partial:
                    errors[name] = [fields.REQUIRED]
                elif name in defaults:
                    cleaned[name] = defaults[name]
                continue
            try:
                cleaned[name] = parser(data[name], instance)
            except FieldError as exc:
                errors[name] = exc.messages
        if errors:
            raise ApiError(400, errors)
        return cleaned


def _plain(parser):
    """Adapt a value-only parser to the (value, instance) signature."""
    return lambda value, _instance: parser(value)
