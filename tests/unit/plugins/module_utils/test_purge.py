"""plugins/module_utils/purge.py: the scope of a purge, who it takes in, and the limit on how many it may touch."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.akops.authentik.plugins.module_utils import purge
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.plan import Plan
from tests.unit.plugins.module_utils.strategies import anything

EMPTY = ("Invalid purge: the scope is empty once normalized (path_startswith %s, type %s), so it would take in "
         "every user; give a non-empty path_startswith or type")


# ---------------------------------------------------------------- normalize_scope


@pytest.mark.parametrize("scope, shown", [
    ({}, ("None", "None")),
    ({"path_startswith": None, "type": None}, ("None", "None")),
    ({"path_startswith": ""}, ("''", "None")),
    ({"path_startswith": "/"}, ("'/'", "None")),
    ({"path_startswith": "///"}, ("'///'", "None")),
    ({"path_startswith": "  "}, ("'  '", "None")),
    ({"path_startswith": " / "}, ("' / '", "None")),
    ({"path_startswith": "\t/ /\n"}, ("'\\t/ /\\n'", "None")),
    ({"type": []}, ("None", "[]")),
    ({"path_startswith": "/", "type": []}, ("'/'", "[]")),
    ({"path": "staff"}, ("None", "None")),  # a misspelt key narrows nothing
])
def test_a_scope_that_is_empty_once_normalized_is_refused(scope, shown):
    with pytest.raises(ValidationError) as caught:
        purge.normalize_scope(scope)
    assert caught.value.msg == EMPTY % shown


@pytest.mark.parametrize("scope, expected", [
    ({"path_startswith": "staff"}, {"path_startswith": "staff", "type": None}),
    ({"path_startswith": "/staff/berlin/"}, {"path_startswith": "staff/berlin", "type": None}),
    ({"path_startswith": " //staff/ "}, {"path_startswith": "staff", "type": None}),
    ({"path_startswith": " / staff / "}, {"path_startswith": "staff", "type": None}),
    ({"type": ["service_account", "external", "external"]},
     {"path_startswith": None, "type": ["external", "service_account"]}),
    ({"path_startswith": "/", "type": ["internal"]}, {"path_startswith": None, "type": ["internal"]}),
    ({"path_startswith": "staff", "type": ["internal"]}, {"path_startswith": "staff", "type": ["internal"]}),
])
def test_normalize_scope(scope, expected):
    assert purge.normalize_scope(scope) == expected


@pytest.mark.parametrize("prefix", ["staff/ /", "/ /staff", " / / staff / / ", "staff / "])
def test_no_surrounding_slash_or_space_is_left_in_the_prefix(prefix):
    # A prefix that kept a slash at either end ("staff/") would match no user's path, so the purge would silently
    # do nothing: it must be stripped to "staff" (or refused).
    try:
        normalized = purge.normalize_scope({"path_startswith": prefix})["path_startswith"]
    except ValidationError:
        return
    assert normalized == "staff"


@pytest.mark.parametrize("scope, message", [
    (None, "Invalid purge: must be a mapping with path_startswith or type, got null"),
    ("staff", "Invalid purge: must be a mapping with path_startswith or type, got str"),
    ([{"path_startswith": "staff"}], "Invalid purge: must be a mapping with path_startswith or type, got list"),
    ({"path_startswith": 5}, "Invalid purge.path_startswith: must be a string, got int"),
    ({"path_startswith": ["staff"]}, "Invalid purge.path_startswith: must be a string, got list"),
    ({"path_startswith": "staff\x00"}, "Invalid purge.path_startswith: must not contain NUL characters"),
    ({"path_startswith": "staff//berlin"}, "Invalid purge.path_startswith: 'staff//berlin' must not contain empty "
                                           "segments"),
    ({"type": "internal"}, "Invalid purge.type: must be a list of user types, got str"),
    ({"type": ["robot"]}, "Invalid purge.type: entry 'robot': 'robot' is not one of internal, external, "
                          "service_account"),
    ({"type": ["internal_service_account"]},
     "Invalid purge.type: entry 'internal_service_account': 'internal_service_account' is not one of internal, "
     "external, service_account"),
    ({"type": [None]}, "Invalid purge.type: entry None: None is not one of internal, external, service_account"),
    ({"path_startswith": "staff", "type": ["robot"]},
     "Invalid purge.type: entry 'robot': 'robot' is not one of internal, external, service_account"),
])
def test_an_invalid_scope_is_refused(scope, message):
    with pytest.raises(ValidationError) as caught:
        purge.normalize_scope(scope)
    assert caught.value.msg == message


scopes = st.fixed_dictionaries({}, optional={
    "path_startswith": st.sampled_from(["", "/", " / ", "staff", "/staff/", "a//b", "  "]) | anything(),
    "type": st.lists(st.sampled_from(["internal", "external", "service_account", "robot"]), max_size=3)
    | anything(),
})


@settings(max_examples=400, deadline=None)
@given(scope=scopes | anything())
def test_any_scope_is_a_narrowing_scope_or_a_validation_error(scope):
    try:
        normalized = purge.normalize_scope(scope)
    except ValidationError:
        return
    assert normalized["path_startswith"] or normalized["type"]
    assert normalized["path_startswith"] is None or (
        normalized["path_startswith"] == normalized["path_startswith"].strip().strip("/")
        and "//" not in normalized["path_startswith"])


def test_huge_integers_in_a_scope_give_a_validation_error():
    raised = []
    for shown, scope in (("path_startswith=10**5000", {"path_startswith": 10 ** 5000}),
                         ("type=10**5000", {"type": 10 ** 5000}), ("type=[10**5000]", {"type": [10 ** 5000]}),
                         ("type=[-10**5000]", {"type": [-10 ** 5000]})):
        try:
            purge.normalize_scope(scope)
            raised.append("%s: accepted" % shown)
        except ValidationError:
            pass
        except Exception as error:  # pylint: disable=broad-exception-caught
            raised.append("%s: %s" % (shown, type(error).__name__))
    assert not raised, "scopes that are not refused: " + ", ".join(raised)


# ---------------------------------------------------------------- in_purge_scope


def user(path="users", type="internal"):  # noqa: A002 - authentik's field name
    return {"pk": 2, "username": "u", "path": path, "type": type}


@pytest.mark.parametrize("path, inside", [
    ("staff/berlin", True),
    ("staff/berlin/x", True),
    ("staff/berlin/x/y", True),
    ("staff/berlin2", False),
    ("staff/berliner/x", False),
    ("staff", False),
    ("staff/berli", False),
    ("xstaff/berlin", False),
    ("users", False),
    ("", False),
    (None, False),
])
def test_path_prefix_takes_in_whole_segments(path, inside):
    assert purge.in_purge_scope(user(path=path), {"path_startswith": "staff/berlin", "type": None}) is inside


@pytest.mark.parametrize("scope", [
    {"path_startswith": "goauthentik.io", "type": None},
    {"path_startswith": None, "type": ["internal", "external", "service_account"]},
])
def test_internal_service_accounts_are_never_in_scope(scope):
    outpost = user(path="goauthentik.io/outposts", type="internal_service_account")
    assert purge.in_purge_scope(outpost, scope) is False
    assert purge.in_purge_scope(user(path="goauthentik.io/x", type="service_account"), scope) is True


@pytest.mark.parametrize("path, type_, inside", [
    ("staff", "external", True), ("staff", "internal", False), ("users", "external", False),
])
def test_path_and_type_must_both_match(path, type_, inside):
    scope = {"path_startswith": "staff", "type": ["external"]}
    assert purge.in_purge_scope(user(path=path, type=type_), scope) is inside


def test_type_scope_alone():
    scope = {"path_startswith": None, "type": ["external"]}
    assert purge.in_purge_scope(user(type="external"), scope) is True
    assert purge.in_purge_scope(user(type="internal"), scope) is False


# ---------------------------------------------------------------- purge_specs


DIRECTORY = {
    "akadmin": {"pk": 1, "username": "akadmin", "path": "staff", "type": "internal"},
    "listed": {"pk": 2, "username": "listed", "path": "staff", "type": "internal"},
    "zed": {"pk": 3, "username": "zed", "path": "staff/x", "type": "internal"},
    "amy": {"pk": 4, "username": "amy", "path": "staff", "type": "external"},
    "other": {"pk": 5, "username": "other", "path": "users", "type": "internal"},
    "ak-outpost": {"pk": 6, "username": "ak-outpost", "path": "staff", "type": "internal_service_account"},
}
STAFF = {"path_startswith": "staff", "type": None}


def test_purge_specs_deactivates_the_unnamed_users_of_the_scope_in_username_order():
    assert purge.purge_specs(DIRECTORY, [{"username": "listed"}], STAFF, "deactivate", 1) == [
        {"is_active": False, "username": "amy"}, {"is_active": False, "username": "zed"}]


def test_purge_specs_deletes():
    assert purge.purge_specs(DIRECTORY, [{"username": "listed"}, {"username": "zed"}], STAFF, "delete", 1) == [
        {"state": "absent", "username": "amy"}]


def test_purge_specs_never_the_owner():
    everyone = {"path_startswith": None, "type": ["internal", "external", "service_account"]}
    names = [spec["username"] for spec in purge.purge_specs(DIRECTORY, [], everyone, "delete", 1)]
    assert names == ["amy", "listed", "other", "zed"]
    names = [spec["username"] for spec in purge.purge_specs(DIRECTORY, [], everyone, "delete", 5)]
    assert names == ["akadmin", "amy", "listed", "zed"]


def test_purge_specs_never_a_named_user_even_one_the_list_deletes():
    specs = [{"username": "amy", "state": "absent"}, {"username": "zed", "is_active": False}]
    assert [spec["username"] for spec in purge.purge_specs(DIRECTORY, specs, STAFF, "delete", 1)] == ["listed"]


# ---------------------------------------------------------------- check_purge_limit


def purge_plan(username, changed=True):
    before = {"pk": 10, "username": username, "is_active": True}
    if changed:
        return Plan("user", "update", before, {"is_active": False}, (), ["is_active"], dict(before, is_active=False))
    return Plan("user", "none", before, None, (), [], before)


def test_check_purge_limit_passes_up_to_the_limit():
    purge.check_purge_limit([purge_plan("u%d" % n) for n in range(5)], 5, "deactivate")
    purge.check_purge_limit([], 0, "delete")


def test_check_purge_limit_does_not_count_unchanged_plans():
    plans = [purge_plan("u%d" % n, changed=False) for n in range(20)] + [purge_plan("x")]
    purge.check_purge_limit(plans, 1, "deactivate")
    with pytest.raises(ValidationError) as caught:
        purge.check_purge_limit(plans, 0, "deactivate")
    assert caught.value.msg == ("Refusing to purge: it would deactivate 1 users, more than purge_limit (0): x; "
                                "raise purge_limit if this is intended")


def test_check_purge_limit_names_the_first_five_and_counts_the_rest():
    plans = [purge_plan("u%d" % n, changed=n % 3 != 0) for n in range(12)]  # 8 changed: u1 u2 u4 u5 u7 u8 u10 u11
    with pytest.raises(ValidationError) as caught:
        purge.check_purge_limit(plans, 5, "delete")
    assert caught.value.msg == ("Refusing to purge: it would delete 8 users, more than purge_limit (5): "
                                "u1, u2, u4, u5, u7 and 3 more; raise purge_limit if this is intended")


@pytest.mark.parametrize("count, tail", [(3, "u0, u1, u2"), (5, "u0, u1, u2, u3, u4"),
                                         (6, "u0, u1, u2, u3, u4 and 1 more")])
def test_check_purge_limit_message_tail(count, tail):
    with pytest.raises(ValidationError) as caught:
        purge.check_purge_limit([purge_plan("u%d" % n) for n in range(count)], 2, "deactivate")
    assert caught.value.msg == ("Refusing to purge: it would deactivate %d users, more than purge_limit (2): %s; "
                                "raise purge_limit if this is intended" % (count, tail))
