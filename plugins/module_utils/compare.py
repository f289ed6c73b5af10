# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure comparison helpers shared by users and groups: attribute merging and set membership modes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re
import uuid

from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError

# The form authentik writes UUIDs in (any letter case). Only this form in a reference is taken as a UUID, so a
# name of 32 hex digits, which Python's uuid module would also read as a UUID, stays a name.
_UUID_REFERENCE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z", re.IGNORECASE)


def merge_patch(target, patch):
    """RFC 7386 JSON Merge Patch: nested dicts merge, None removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def desired_attributes(current, requested, mode):
    """The whole attributes object wanted (authentik replaces it wholesale): merged onto `current`, or `requested`."""
    if mode == "replace":
        return copy.deepcopy(requested)
    return merge_patch(current or {}, requested)


def labels_by_key(keys, objects, label):
    """{key: the `label` field of the object whose pk is key} for each key; the key itself where no object
    names it (authentik sends *_obj lists as null when asked not to include them)."""
    names = dict((item["pk"], item.get(label, item["pk"])) for item in objects or [])
    return dict((key, names.get(key, key)) for key in keys or [])


def match_known(requested, known):
    """Split requested entries into ({entry: key} for entries found in `known`, [the rest]).

    `known` maps keys to labels ({group uuid: name}, {user pk: username}); an entry matches a key or a label."""
    by_label = dict((label, key) for key, label in known.items())
    found, unknown = {}, []
    for entry in requested:
        if entry in known:
            found[entry] = entry
        elif entry in by_label:
            found[entry] = by_label[entry]
        else:
            unknown.append(entry)
    return found, unknown


def entries_to_resolve(requested, known, mode):
    """Entries that need a server lookup: only those that would change membership.

    In 'remove' mode an entry that is not a member changes nothing, so it is not looked up."""
    if mode == "remove":
        return []
    return match_known(requested, known)[1]


def resolve_targets(requested, known, resolved, mode):
    """The full member set after applying the mode to requested entries.

    Entries are matched against `known` ({key: label} of current members) or looked up in `resolved`
    ({entry: key}, from the server). In 'remove' mode, entries that are neither are not members: they change
    nothing."""
    found, dummy = match_known(requested, known)
    keys = [found[entry] if entry in found else resolved[entry]
            for entry in requested if entry in found or entry in resolved]
    return target_set(known, keys, mode)


def target_set(current, requested, mode):
    """The full member set after applying the mode: 'add' (union), 'remove' (difference) or 'exact'."""
    current, requested = set(current), set(requested)
    if mode == "exact":
        return requested
    if mode == "remove":
        return current - requested
    return current | requested


def is_uuid(value):
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def is_uuid_reference(value):
    """True for an entry meant as a UUID (8-4-4-4-12 hex digits); anything else in a reference list is a name."""
    return isinstance(value, str) and bool(_UUID_REFERENCE.match(value))


def canonical_reference(entry):
    """A reference to another object (a group, a parent) as it is compared: trimmed, like every name authentik
    stores; a UUID in lower case. Other values are left for validation to refuse."""
    if not isinstance(entry, str):
        return entry
    entry = entry.strip()
    return entry.lower() if is_uuid_reference(entry) else entry


def canonical_uuid(value):
    """authentik's spelling of a UUID (lower case, with hyphens) for any form Python accepts; other values as they are.

    Without it an upper-case UUID would never equal the server's and would look like a change on every run."""
    if isinstance(value, str) and is_uuid(value):
        return str(uuid.UUID(value))
    return value


def normalize_filters(filters):
    """List filters as the state modules compare values: text trimmed (authentik stores it trimmed, so an
    untrimmed filter would match nothing), UUID references in canonical form; None dropped.

    A filter that is blank once trimmed is refused: authentik ignores an empty filter, so a template variable that
    renders blank would turn "this user" into "every user"."""
    result = {}
    for key, value in filters.items():
        if isinstance(value, str):
            value = canonical_reference(value)
            if not value:
                raise ValidationError("Invalid %s: must not be empty or only whitespace; leave the filter out to "
                                      "match everything" % key)
        elif isinstance(value, list):
            value = [canonical_reference(item) for item in value]
        if value is not None:
            result[key] = value
    return result


def ignored_by_key(params, key, filters):
    """The filters given alongside `key` (which selects one object with a single request) that it makes
    meaningless, for a warning."""
    if params.get(key) is None:
        return []
    return sorted(name for name in filters if params.get(name) not in (None, []))
