"""In-memory users, groups and RBAC roles with authentik's validation and JSON shapes.

Records always have the 2026.2.2 layout (a group keeps a `parents` list even
when an older release with a single `parent` is emulated); only validation and
rendering follow the emulated version.

Everything here is plain data; the HTTP layer maps ApiError to responses. The
store is guarded by one re-entrant lock so handler threads see consistent state.
"""

import base64
import copy
import hashlib
import secrets
import threading
import uuid
from datetime import datetime, timezone

from . import fields
from .fields import FieldError
from .permissions import Catalogue, row_label
from .token_store import TokenStore
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
SINGLE_GROUP = "Roles can only be used with a single group."
MANAGED_ROLE = "ak-managed-role--{kind}-{pk}"


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


class ServerError(Exception):
    """Where authentik raises an unhandled exception in a view: Django's plain 500 page, no JSON."""


class Access:
    """What the token owner may do: superuser, or the permissions of its roles.

    model holds "app_label.codename" strings granted globally; objects maps each such string to the
    object pks (strings) it is granted on."""

    def __init__(self, superuser, model=(), objects=None):
        self.superuser = superuser
        self.model = set(model)
        self.objects = objects or {}

    def has(self, perm, obj_pk=None):
        if self.superuser or perm in self.model:
            return True
        return obj_pk is not None and str(obj_pk) in self.objects.get(perm, ())

    def viewable(self, label):
        """authentik's ObjectFilter: None when view_<model> is global (everything), else the object pks."""
        app_label, model = label.split(".")
        perm = f"{app_label}.view_{model}"
        if self.superuser or perm in self.model:
            return None
        return set(self.objects.get(perm, ()))


class Store:
    """Users keyed by integer pk, groups keyed by UUID string.

    Membership lives only in group["users"] so both directions stay in sync.
    """

    def __init__(self, version=None):
        self.version = version or Version()
        self.lock = threading.RLock()
        self.install_id = str(uuid.uuid4())
        self.users = {}
        # username -> user record, so uniqueness checks and lookups by name do not scan every user.
        self.by_username = {}
        # Bumped whenever a user is added, removed or renamed: all the cached username order depends on.
        self.generation = 0
        self._ordered = (None, [])
        self.groups = {}
        self.next_pk = 1
        self.permissions = Catalogue(self.version)
        # Roles keyed by UUID string. A role's permissions live on it: model_perms {permission id: row id},
        # object_perms {(permission id, object_pk): row id}. Users and groups hold role UUIDs in "roles".
        self.roles = {}
        self.next_row = {"model": 1, "object": 1}
        # Tokens and the recovery setup (token_store.py; served by tokens.py and recovery.py).
        self.tokens = TokenStore()

    # ----------------------------------------------------------------- seed

    def seed(self):
        """Fresh install: akadmin in the superuser group "authentik Admins"."""
        with self.lock:
            self.users.clear()
            self._index_users()
            self.groups.clear()
            self.roles.clear()
            self.tokens.clear()
            self.next_pk = 1
            self.next_row = {"model": 1, "object": 1}
            admins = self.insert_group({"name": "authentik Admins", "is_superuser": True})
            admin = self.insert_user({
                "username": "akadmin",
                "name": "authentik Default Admin",
                "email": "root@localhost",
                "groups": [admins["uuid"]],
            })
            return admin

    def snapshot(self):
        """Everything a request can change, for undoing it (unprocessed truncation faults)."""
        with self.lock:
            return copy.deepcopy((self.users, self.groups, self.roles, self.next_pk, self.next_row, self.tokens))

    def restore(self, saved):
        with self.lock:
            self.users, self.groups, self.roles, self.next_pk, self.next_row, self.tokens = saved
            self._index_users()

    def _index_users(self):
        """Rebuild the username index after self.users was replaced wholesale."""
        self.by_username = {user["username"]: user for user in self.users.values()}
        self.generation += 1

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
                "roles": _unique(data.get("roles", [])),
                "password_change_date": stamp,
                "last_updated": stamp,
                # Users created through the API get an unusable password.
                "password": "!" + secrets.token_urlsafe(30),
            }
            self.next_pk += 1
            self.users[user["pk"]] = user
            self.by_username[user["username"]] = user
            self.generation += 1
            self.set_user_groups(user["pk"], data.get("groups", []))
            return user

    def update_user(self, user, data):
        with self.lock:
            for key, value in data.items():
                if key == "username" and value != user["username"]:
                    self._forget_username(user)
                    self.by_username[value] = user
                    self.generation += 1
                if key == "groups":
                    self.set_user_groups(user["pk"], value)
                elif key == "roles":
                    user["roles"] = _unique(value)  # the ORM's .set(list)
                else:
                    user[key] = value
            user["last_updated"] = now()
            return user

    def delete_user(self, pk):
        with self.lock:
            user = self.users.pop(pk, None)
            if user is not None:
                self._forget_username(user)
                self.generation += 1
            self.tokens.delete_owned_by(pk)
            for group in self.groups.values():
                group["users"].discard(pk)

    def _forget_username(self, user):
        if self.by_username.get(user["username"]) is user:
            del self.by_username[user["username"]]

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
                "roles": _unique(data.get("roles", [])),
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
                elif key == "roles":
                    group["roles"] = _unique(value)
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

    def user_by_username(self, username):
        """The user with exactly this username, or None."""
        return self.by_username.get(username)

    def users_by_username(self):
        """Every user in the API's default order (by username), kept until a user is added, removed or renamed.

        The list is shared between calls: callers must not change it. The length check catches records added or
        removed behind the Store's back (straight into self.users)."""
        generation, ordered = self._ordered
        if generation != self.generation or len(ordered) != len(self.users):
            ordered = sorted(self.users.values(), key=lambda u: u["username"])
            self._ordered = (self.generation, ordered)
        return ordered

    def get_group(self, raw_uuid):
        try:
            key = str(uuid.UUID(raw_uuid))
        except (TypeError, ValueError):
            raise not_found() from None
        group = self.groups.get(key)
        if group is None:
            raise not_found("Group")
        return group

    def get_role(self, raw_uuid):
        """Detail lookup by the role's UUID, with the 404 detail of the emulated release's DRF."""
        try:
            key = str(uuid.UUID(raw_uuid))
        except (TypeError, ValueError, AttributeError):
            raise not_found() from None
        role = self.roles.get(key)
        if role is None:
            raise not_found("Role" if self.version.named_not_found else None)
        return role

    def user_roles(self, pk):
        """A user's direct roles (2025.12 and later), ordered by name."""
        user = self.users.get(pk)
        return self._roles_by_name(user["roles"] if user else [])

    def group_roles(self, group):
        return self._roles_by_name(group["roles"])

    def _roles_by_name(self, keys):
        found = [self.roles[key] for key in keys if key in self.roles]
        return sorted(found, key=lambda r: (r["name"], r["uuid"]))

    def ancestors(self, group):
        """Every group above `group` through parents, without the group itself."""
        seen = {}
        pending = list(group["parents"])
        while pending:
            key = pending.pop()
            if key in seen or key not in self.groups or key == group["uuid"]:
                continue
            seen[key] = self.groups[key]
            pending.extend(self.groups[key]["parents"])
        return list(seen.values())

    def group_all_roles(self, group):
        """Group.all_roles(): the roles of the group and of its ancestors."""
        keys = list(group["roles"])
        for ancestor in self.ancestors(group):
            keys.extend(ancestor["roles"])
        return self._roles_by_name(_unique(keys))

    def all_roles(self, pk):
        """User.all_roles(): direct roles plus those of every group and its ancestors (2025.12 and later).

        Before 2025.12 roles reach users only through their direct groups."""
        groups = self.all_groups(pk) if self.version.inherited_group_roles else self.user_groups(pk)
        keys = list(self.users[pk]["roles"]) if pk in self.users and self.version.user_roles else []
        for group in groups:
            keys.extend(group["roles"])
        return self._roles_by_name(_unique(keys))

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
            "roles": [r["uuid"] for r in self.user_roles(user["pk"])],
            "roles_obj": [self.role_json(r) for r in self.user_roles(user["pk"])] if include_roles else None,
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
            "roles": [{"name": r["name"], "pk": r["uuid"]} for r in self.all_roles(user["pk"])],
            "email": user["email"],
            "avatar": AVATAR,
            "uid": self.uid(user["pk"]),
            "settings": {},
            "type": user["type"],
            "system_permissions": list(SUPERUSER_SYSTEM_PERMISSIONS) if superuser else self.system_permissions(user),
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

    def group_json(self, group, include_users=True, include_children=False, include_parents=False,
                   include_inherited_roles=False):
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
            "roles": [r["uuid"] for r in self.group_roles(group)],
            "roles_obj": [self.role_json(r) for r in self.group_roles(group)],
            "inherited_roles_obj": self._inherited_roles_json(group) if include_inherited_roles else None,
            "children": [c["uuid"] for c in children],
            "children_obj": [self.related_group_json(c) for c in children] if include_children else None,
        }
        return self.version.shape("Group", body)

    def _inherited_roles_json(self, group):
        """Roles of the ancestors that the group does not hold itself."""
        direct = set(group["roles"])
        return [self.role_json(r) for r in self.group_all_roles(group) if r["uuid"] not in direct]

    @staticmethod
    def role_json(role):
        return {"pk": role["uuid"], "name": role["name"]}

    # ----------------------------------------------------------------- roles

    def validate_role(self, data, instance=None, partial=False):
        """RoleSerializer: only `name` (pk is read-only; managed, users and permissions are not exposed)."""
        return self._clean(data, [("name", self._clean_role_name)], ("name",), {}, partial, instance)

    def _clean_role_name(self, value, instance):
        name = fields.char(value, max_length=self.version.role_name_max_length)
        for role in self.roles.values():
            if role["name"] == name and role is not instance:
                raise FieldError("Role with this name already exists.")
        return name

    def insert_role(self, data, managed=None):
        with self.lock:
            role = {
                "uuid": str(uuid.uuid4()),
                "name": data["name"],
                # The hidden Django group (up to 2025.10) keeps the name the role was created with:
                # rbac_role_pre_save never renames it, and group__name filters on it.
                "group_name": data["name"],
                "managed": managed,
                "model_perms": {},
                "object_perms": {},
            }
            self.roles[role["uuid"]] = role
            return role

    def update_role(self, role, data):
        with self.lock:
            role.update(data)
            return role

    def delete_role(self, key):
        """The API does not protect managed roles; memberships go with the role."""
        with self.lock:
            self.roles.pop(key, None)
            for holder in list(self.users.values()) + list(self.groups.values()):
                if key in holder["roles"]:
                    holder["roles"].remove(key)

    def managed_role(self, kind, holder, create=True):
        """get_managed_role(create=True) of 2025.12 and later: the role named and `managed`
        ak-managed-role--user-<pk> (groups: --group-<pk>), added to the holder's roles when created.

        authentik creates it on demand, e.g. when a non-superuser creates a token; nothing here creates it
        by itself. The group's <pk> is taken to be its UUID (not verified)."""
        if not self.version.user_roles:
            raise ValueError("managed roles exist from authentik 2025.12 on")
        key = holder["pk"] if kind == "user" else holder["uuid"]
        name = MANAGED_ROLE.format(kind=kind, pk=key)
        with self.lock:
            for role in self.roles.values():
                if role["managed"] == name:
                    return role
            if not create:
                return None
            if any(role["name"] == name for role in self.roles.values()):
                raise ValueError(f"a role named {name!r} already exists")
            role = self.insert_role({"name": name}, managed=name)
            holder["roles"].append(role["uuid"])
            return role

    def role_users(self, role):
        return [u for u in self.users.values() if role["uuid"] in u["roles"]]

    # ----------------------------------------------------------- permissions

    def find_object(self, label, object_pk):
        """model_class.objects.filter(pk=object_pk).first() for the models this server holds, as (pk, object);
        anything else matches nothing (an unparsable pk is taken as no match: not verified)."""
        try:
            if label == "authentik_core.user":
                pk = int(str(object_pk).strip())
                return (str(pk), self.users[pk]) if pk in self.users else None
            key = str(uuid.UUID(str(object_pk)))
        except (TypeError, ValueError):
            return None
        table = {"authentik_core.group": self.groups, "authentik_rbac.role": self.roles}.get(label)
        table = self.tokens.objects(label) if table is None else table
        return (key, table[key]) if key in table else None

    @staticmethod
    def object_description(label, obj):
        """str() of the object (not verified for every model): User is its username, Group and Role
        are "Group <name>" / "Role <name>"."""
        if label == "authentik_core.user":
            return obj["username"]
        if label == "authentik_core.group":
            return f"Group {obj['name']}"
        if label == "authentik_rbac.role":
            return f"Role {obj['name']}"
        return None

    def resolve_permission(self, perm, label):
        """The catalogue row that assign_perm() would use, or raise ServerError where authentik fails.

        Global (label None): "app_label.codename" is needed (else ValueError) and must exist
        (Permission.DoesNotExist). On an object: a permission of another model fails (ak-guardian's
        RoleObjectPermission.save raises ValidationError; django-guardian up to 2025.10 finds no such
        permission for the object's content type); a bare codename is looked up in the object's content
        type until 2025.12.x (django-guardian behaviour for 2025.10 and earlier: not verified) and is a
        ValueError from 2026.2. All of these are 500s (API-lifecycle.md 2.7, code reading)."""
        if "." in perm:
            app_label, codename = perm.split(".", 1)
            row = self.permissions.get(app_label, codename)
            if row is None or (label is not None and row_label(row) != label):
                raise ServerError(f"no permission {perm!r}" + (f" for {label}" if label else ""))
            return row
        if label is None or not self.version.bare_object_codenames:
            raise ServerError(f"permission {perm!r} is not app_label.codename")
        row = self.permissions.for_model(label, perm)
        if row is None:
            raise ServerError(f"no permission {perm!r} for {label}")
        return row

    def assign_permissions(self, role, perms, target):
        """Assign each permission globally (target None) or on target (label, object pk), atomically.

        Returns the ids authentik answers with: from 2025.12 the RoleModelPermission/RoleObjectPermission
        row (get_or_create, so a repeat gives the same id). Up to 2025.10 django-guardian decided them:
        here the Permission's own id for a global assignment and the GroupObjectPermission row for an
        object one (not verified)."""
        label = target[0] if target else None
        rows = [self.resolve_permission(perm, label) for perm in perms]
        ids = []
        with self.lock:
            for row in rows:
                if target is None:
                    row_id = self._row(role["model_perms"], row["id"], "model")
                    ids.append(str(row_id if self.version.split_role_permissions else row["id"]))
                else:
                    ids.append(str(self._row(role["object_perms"], (row["id"], target[1]), "object")))
        return ids

    def _row(self, table, key, kind):
        if key not in table:
            table[key] = self.next_row[kind]
            self.next_row[kind] += 1
        return table[key]

    def unassign_permissions(self, role, perms, target):
        """Filter and delete: what is not assigned, or does not resolve, is skipped (still 204)."""
        label = target[0] if target else None
        with self.lock:
            for perm in perms:
                try:
                    row = self.resolve_permission(perm, label)
                except ServerError:
                    continue
                if target is None:
                    role["model_perms"].pop(row["id"], None)
                else:
                    role["object_perms"].pop((row["id"], target[1]), None)

    def role_model_permissions(self, role):
        """(row id, catalogue row) of the role's global permissions, by row id."""
        found = [(rid, self.permissions.by_id.get(pid)) for pid, rid in role["model_perms"].items()]
        return sorted((item for item in found if item[1] is not None), key=lambda item: item[0])

    def role_object_permissions(self, role):
        """(row id, catalogue row, object_pk) of the role's object permissions, by row id."""
        found = [(rid, self.permissions.by_id.get(pid), object_pk)
                 for (pid, object_pk), rid in role["object_perms"].items()]
        return sorted((item for item in found if item[1] is not None), key=lambda item: item[0])

    def find_object_permission(self, row_id):
        """(role, key) of the object permission row with this id, or None."""
        for role in self.roles.values():
            for key, rid in role["object_perms"].items():
                if rid == row_id:
                    return role, key
        return None

    @staticmethod
    def model_permission_json(row_id, row):
        return {"id": row_id, "codename": row["codename"], "model": row["model"], "app_label": row["app_label"],
                "name": row["name"]}

    @staticmethod
    def object_permission_json(row_id, row, object_pk):
        return {"id": row_id, "codename": row["codename"], "model": row["model"], "app_label": row["app_label"],
                "object_pk": object_pk, "name": row["name"]}

    def extra_object_permission_json(self, role, row_id, row, object_pk):
        """ExtraRoleObjectPermission: object_description only when the role may view the object."""
        label = row_label(row)
        view = self.permissions.get(row["app_label"], f"view_{row['model']}")
        described = None
        if view is not None and (view["id"] in role["model_perms"] or (view["id"], object_pk) in role["object_perms"]):
            found = self.find_object(label, object_pk)
            described = self.object_description(label, found[1]) if found else None
        return {**self.object_permission_json(row_id, row, object_pk),
                "app_label_verbose": row["app_label_verbose"], "model_verbose": row["model_verbose"],
                "object_description": described}

    def access(self, user):
        """The token owner's Access: superusers pass everything; others hold their roles' permissions."""
        if self.is_superuser(user["pk"]):
            return Access(True)
        model, objects = set(), {}
        for role in self.all_roles(user["pk"]):
            for _row_id, row in self.role_model_permissions(role):
                model.add(f"{row['app_label']}.{row['codename']}")
            for _row_id, row, object_pk in self.role_object_permissions(role):
                objects.setdefault(f"{row['app_label']}.{row['codename']}", set()).add(object_pk)
        return Access(False, model, objects)

    def system_permissions(self, user):
        """/me's system_permissions of a non-superuser: the authentik_rbac system permissions it holds."""
        held = self.access(user).model
        return sorted(p.split(".", 1)[1] for p in held
                      if (row := self.permissions.get(*p.split(".", 1))) and row["model"] == "systempermission")

    # ----------------------------------------------------------- validation

    def validate_user(self, data, instance=None, partial=False):
        """UserSerializer.is_valid(): field errors first, then validate()."""
        spec = [
            ("username", self._clean_username),
            ("name", _plain(lambda v: fields.char(v, allow_blank=True))),
            ("is_active", _plain(fields.boolean)),
            ("last_login", _plain(fields.nullable_datetime)),
            ("groups", _plain(self._uuid_list(self.groups))),
            ("roles", _plain(self._uuid_list(self.roles))),
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
        other = self.by_username.get(username)
        if other is not None and other is not instance:
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
            ("roles", _plain(self._uuid_list(self.roles))),
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
        if "roles" in cleaned:
            self._check_single_group(cleaned["roles"], instance)
        return cleaned

    def _check_single_group(self, role_keys, instance):
        """Up to 2025.10 the m2m_changed pre_add signal refuses a role that another group already has.

        It raises during save, so DRF renders a bare list (API-lifecycle.md 2.6; code reading). Here nothing of
        the request is stored; whether the rest of the write persisted in authentik is not verified."""
        if not self.version.one_group_per_role:
            return
        current = set(instance["roles"]) if instance else set()
        for key in role_keys:
            if key in current:
                continue
            if any(key in g["roles"] for g in self.groups.values() if g is not instance):
                raise ApiError(400, [SINGLE_GROUP])

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


def _unique(keys):
    """Many-to-many .set(list): each key once, first occurrence kept."""
    return list(dict.fromkeys(keys))
