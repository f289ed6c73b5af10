"""Hypothesis strategies shared by the tests of plugins/module_utils."""

import uuid

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from ansible_collections.akops.authentik.plugins.module_utils.compare import is_uuid_reference

# The properties that ask the Django oracle: many examples, each a round trip to its subprocess.
ORACLE_SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def anything():
    """Whatever a task, a bulk list or a test could hand the pure layer: text with NUL characters, surrogates,
    whitespace or of huge length, integers past Python's 4300-digit str() limit, NaN and infinity, booleans, None,
    lists, and dicts nested in both with keys that are not strings.

    Huge values are built, not sampled: hypothesis would print (or fail to repr()) a strategy that holds them."""
    huge_text = st.builds(lambda size, char: char * size, st.sampled_from([151, 5000, 100000]),
                          st.sampled_from(["x", " ", "\x00"]))
    texts = st.text(st.characters(exclude_categories=()), max_size=12) | huge_text | st.sampled_from([
        "", " ", "\t\n ", "\x00", "a\x00b", "\ud800", "x\udfffy", "\u2028", "\u00a0a\u00a0", "/", " / ", "//",
        "j@example.com", "00000000-0000-0000-0000-00000000000A", "a" * 32, "users/x", "internal", "merge", "add",
    ])
    huge_int = st.builds(lambda digits, sign: sign * 10 ** digits, st.integers(4300, 5000), st.sampled_from([1, -1]))
    numbers = (st.integers() | huge_int | st.sampled_from([2 ** 64, -1, 0, 1])
               | st.floats() | st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0]))
    scalars = st.none() | st.booleans() | numbers | texts
    keys = st.text(max_size=4) | st.integers() | st.none() | st.booleans() | st.floats() | st.tuples(st.integers())
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                        max_leaves=6)


@st.composite
def mutations(draw, base, character, most):
    """A near miss of `base`: one to `most` characters inserted, removed or replaced by `character`."""
    text = draw(base)
    for unused in range(draw(st.integers(1, most))):
        index = draw(st.integers(0, len(text)))
        operation = draw(st.sampled_from(["insert", "remove", "replace"]))
        if operation == "insert":
            text = text[:index] + draw(character) + text[index:]
        elif operation == "remove":
            text = text[:index] + text[index + 1:]
        else:
            text = text[:index] + draw(character) + text[index + 1:]
    return text


# ---------------------------------------------------------------- roles held by users and groups

# The roles the properties of users and groups draw from: three ordinary ones, and the managed roles of user 7 and
# of group ...01f4 (the user and the group that conftest's builders and the tests' server objects describe).
USER_PK = 7
GROUP_PK = str(uuid.UUID(int=500))
ROLE_NAMES = dict((str(uuid.UUID(int=200 + number)), name) for number, name in enumerate(
    ["readers", "writers", "Auditors", "ak-managed-role--user-%d" % USER_PK, "ak-managed-role--group-%s" % GROUP_PK],
    start=1))
ROLE_PKS = sorted(ROLE_NAMES)
ROLES_BY_ENTRY = dict((pk, {"pk": pk, "name": name}) for pk, name in ROLE_NAMES.items())
ROLES_BY_ENTRY.update((name, {"pk": pk, "name": name}) for pk, name in ROLE_NAMES.items())


def held_roles():
    """{"roles": [uuid], "roles_obj": [Role] or None} of a user or group, as authentik sends them."""
    return st.lists(st.sampled_from(ROLE_PKS), unique=True, max_size=4).flatmap(lambda pks: st.sampled_from([
        {"roles": pks, "roles_obj": [ROLES_BY_ENTRY[pk] for pk in pks]},
        {"roles": pks, "roles_obj": None},
    ]))


def role_entries():
    """A task's `roles`: names, UUIDs (some in upper case), names with spaces around them."""
    return st.lists(st.sampled_from(sorted(ROLE_NAMES.values()) + ROLE_PKS[:2]
                                    + [ROLE_PKS[2].upper(), " readers "]), max_size=4)


def resolve_roles(entries):
    """{entry: role} as resources.resolve_roles answers for entries of role_entries() once normalized; a name that
    is not in the table is a role of that name with a fresh UUID."""
    return dict((entry, ROLES_BY_ENTRY.get(entry) or {"pk": _pk_for(entry, index), "name": entry})
                for index, entry in enumerate(entries))


def _pk_for(entry, index):
    return entry if is_uuid_reference(entry) else str(uuid.UUID(int=900 + index))
