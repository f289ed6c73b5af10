"""Which authentik release is emulated, and how its API differs from 2026.2.2.

One table drives both the JSON the server sends and the schema guard, so the
two cannot disagree about which fields a release has. Release numbers are
compared as (year, month); patch levels do not change these APIs.
"""

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
]


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

    def __repr__(self):
        return f"Version({self.text!r})"

    def at_least(self, text):
        return self.number >= parse(text)

    def has(self, model, field):
        """Whether `field` of `model` exists in this release (fields not in FIELDS always do)."""
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
        gone = {row[1] for row in FIELDS if row[0] == model and not self.has(row[0], row[1])}
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

    def page_sizes(self):
        """(default, maximum); before 2025.12 DRF's PAGE_SIZE applied with no cap."""
        return (20, 100) if self.at_least("2025.12") else (100, None)
