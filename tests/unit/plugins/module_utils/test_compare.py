"""plugins/module_utils/compare.py: attribute merging, membership modes and how references are read."""

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.akops.authentik.plugins.module_utils import compare

A, B, C, N = (str(uuid.UUID(int=n)) for n in (1, 2, 3, 14))
UPPER = "0A1B2C3D-4E5F-6A7B-8C9D-0E1F2A3B4C5D"


# ---------------------------------------------------------------- merge_patch: RFC 7386, appendix A


@pytest.mark.parametrize("target, patch, expected", [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
])
def test_merge_patch_rfc7386_examples(target, patch, expected):
    assert compare.merge_patch(target, patch) == expected


def test_merge_patch_does_not_mutate_or_share_its_inputs():
    target, patch = {"a": {"b": 1}, "l": [1]}, {"a": {"c": {"d": 2}}}
    result = compare.merge_patch(target, patch)
    assert target == {"a": {"b": 1}, "l": [1]} and patch == {"a": {"c": {"d": 2}}}
    result["a"]["c"]["d"] = 3
    result["l"].append(2)
    assert patch == {"a": {"c": {"d": 2}}} and target["l"] == [1]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=8,
)
json_objects = st.dictionaries(st.text(max_size=3), json_values, max_size=4)


@given(json_objects, json_objects)
def test_merge_patch_is_idempotent(target, patch):
    once = compare.merge_patch(target, patch)
    assert compare.merge_patch(once, patch) == once


@given(json_objects, json_objects)
def test_merge_patch_result_holds_no_null_the_patch_set(target, patch):
    result = compare.merge_patch(target, patch)
    for key, value in patch.items():
        assert key not in result if value is None else result[key] == compare.merge_patch(target.get(key), value)


# ---------------------------------------------------------------- desired_attributes


def test_desired_attributes_merge_keeps_authentiks_own_keys():
    current = {"goauthentik.io/user/sources": ["x"], "settings": {"locale": "de"}, "team": "a"}
    assert compare.desired_attributes(current, {"team": "b", "settings": {"theme": "dark"}}, "merge") == {
        "goauthentik.io/user/sources": ["x"], "settings": {"locale": "de", "theme": "dark"}, "team": "b"}


def test_desired_attributes_merge_onto_nothing():
    assert compare.desired_attributes(None, {"a": 1, "b": None}, "merge") == {"a": 1}


def test_desired_attributes_replace_is_a_copy_of_the_request():
    requested = {"a": {"b": 1}, "c": None}
    result = compare.desired_attributes({"old": 1}, requested, "replace")
    assert result == requested
    result["a"]["b"] = 2
    assert requested == {"a": {"b": 1}, "c": None}


# ---------------------------------------------------------------- membership


def test_labels_by_key():
    objects = [{"pk": A, "name": "alpha"}, {"pk": C, "name": "gamma"}]
    assert compare.labels_by_key([A, B], objects, "name") == {A: "alpha", B: B}
    assert compare.labels_by_key([A], None, "name") == {A: A}
    assert compare.labels_by_key(None, objects, "name") == {}
    assert compare.labels_by_key([7], [{"pk": 7}], "username") == {7: 7}


def test_match_known_by_key_or_label():
    found, unknown = compare.match_known(["alpha", B, "nope", 5], {A: "alpha", B: "beta"})
    assert found == {"alpha": A, B: B}
    assert unknown == ["nope", 5]


def test_match_known_user_pks_and_usernames():
    assert compare.match_known([3, "bob", "3"], {3: "alice", 4: "bob"}) == ({3: 3, "bob": 4}, ["3"])


@pytest.mark.parametrize("mode, expected", [("add", ["gamma", N]), ("exact", ["gamma", N]), ("remove", [])])
def test_entries_to_resolve_only_those_that_change_membership(mode, expected):
    assert compare.entries_to_resolve(["alpha", A, "gamma", N], {A: "alpha"}, mode) == expected


@pytest.mark.parametrize("requested, resolved, mode, expected", [
    (["alpha", "gamma"], {"gamma": C}, "add", {A, B, C}),
    (["alpha", "gamma"], {"gamma": C}, "exact", {A, C}),
    (["alpha", "gamma"], {}, "remove", {B}),
    ([B, "ghost"], {}, "remove", {A}),
    ([], {}, "exact", set()),
    ([], {}, "add", {A, B}),
])
def test_resolve_targets(requested, resolved, mode, expected):
    assert compare.resolve_targets(requested, {A: "alpha", B: "beta"}, resolved, mode) == expected


@pytest.mark.parametrize("mode, expected", [("add", {A, B, C}), ("remove", {A}), ("exact", {B, C})])
def test_target_set(mode, expected):
    assert compare.target_set([A, B], [B, C], mode) == expected


# ---------------------------------------------------------------- references and UUIDs


@pytest.mark.parametrize("value, expected", [
    (A, True), (UPPER, True), (UPPER.replace("-", ""), True), ("{%s}" % A, True), ("urn:uuid:%s" % A, True),
    ("123", False), ("", False), ("team", False), (A[:-1], False), (None, False), (5, False),
])
def test_is_uuid(value, expected):
    assert compare.is_uuid(value) is expected


@pytest.mark.parametrize("value, expected", [
    (A, True), (UPPER, True), (UPPER.lower(), True), ("0a1B2c3D-4e5F-6a7B-8c9D-0e1F2a3B4c5D", True),
    # Forms Python's uuid module reads, but a reference list reads as names.
    (UPPER.replace("-", ""), False), ("0" * 32, False), ("{%s}" % A, False), ("urn:uuid:%s" % A, False),
    (" %s" % A, False), ("%s " % A, False), ("%s\n" % A, False), (A[:-1], False), (A + "0", False),
    ("g" + A[1:], False), ("team", False), ("", False), (None, False), (1, False), (uuid.UUID(A), False),
])
def test_is_uuid_reference_is_only_the_8_4_4_4_12_form(value, expected):
    assert compare.is_uuid_reference(value) is expected


@pytest.mark.parametrize("entry, expected", [
    ("  team  ", "team"),
    ("\tTeam Name\n", "Team Name"),
    (" %s " % UPPER, UPPER.lower()),
    (UPPER.replace("-", ""), UPPER.replace("-", "")),
    ("ABC", "ABC"),
    (5, 5), (None, None), (["x "], ["x "]),
])
def test_canonical_reference(entry, expected):
    assert compare.canonical_reference(entry) == expected


@pytest.mark.parametrize("value, expected", [
    (UPPER, UPPER.lower()),
    (UPPER.replace("-", ""), UPPER.lower()),
    ("{%s}" % UPPER, UPPER.lower()),
    ("urn:uuid:%s" % A, A),
    (A, A),
    ("team", "team"), ("", ""), (5, 5), (None, None),
])
def test_canonical_uuid(value, expected):
    assert compare.canonical_uuid(value) == expected


def test_normalize_filters():
    filters = {"username": " jdoe ", "groups_by_pk": [" %s " % UPPER, "ops "], "is_active": False, "path": None,
               "attributes": {"a": " b "}, "pk": 5}
    assert compare.normalize_filters(filters) == {
        "username": "jdoe", "groups_by_pk": [UPPER.lower(), "ops"], "is_active": False, "attributes": {"a": " b "},
        "pk": 5}


@pytest.mark.parametrize("params, expected", [
    ({"username": "jdoe", "email": "e@x", "groups": [], "path": None, "is_active": False, "type": "internal"},
     ["email", "is_active", "type"]),
    ({"username": "jdoe"}, []),
    ({"username": None, "email": "e@x"}, []),
])
def test_ignored_by_key(params, expected):
    assert compare.ignored_by_key(params, "username", ["email", "groups", "path", "is_active", "type"]) == expected
