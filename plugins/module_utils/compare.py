# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure comparison helpers shared by users and groups: attribute merging and set membership modes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import uuid


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


def canonical_uuid(value):
    """authentik's spelling of a UUID (lower case, with hyphens) for any form Python accepts; other values as they are.

    Without it an upper-case UUID would never equal the server's and would look like a change on every run."""
    if isinstance(value, str) and is_uuid(value):
        return str(uuid.UUID(value))
    return value
