"""plugins/module_utils/validation.py: every check returns None or a short reason, and never raises."""

import pytest
from hypothesis import given, settings

from ansible_collections.akops.authentik.plugins.module_utils import validation as check
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from tests.unit.plugins.module_utils.strategies import anything

NAN, INF = float("nan"), float("inf")
HUGE = 10 ** 5000  # more digits than Python's int-to-str limit (4300) allows to print


# ---------------------------------------------------------------- validate


RULES = (("name", check.text(max_length=3)), ("flag", check.boolean))


def test_validate_passes_valid_and_skips_absent_options():
    check.validate({"name": "abc", "flag": True, "other": object()}, RULES)
    check.validate({"name": None, "flag": None}, RULES)
    check.validate({}, RULES)


@pytest.mark.parametrize("value, message", [
    (0, "Invalid count: must be at least 1, got 0"),
    ("", "Invalid count: must be an integer, got str"),
    (False, "Invalid count: must be an integer, got bool"),
    ([], "Invalid count: must be an integer, got list"),
])
def test_validate_checks_values_that_are_given_but_false(value, message):
    with pytest.raises(ValidationError) as caught:
        check.validate({"count": value}, (("count", check.integer(minimum=1)),))
    assert caught.value.msg == message


def test_validate_names_the_first_refused_option():
    with pytest.raises(ValidationError) as caught:
        check.validate({"name": "abcd", "flag": "yes"}, RULES)
    assert caught.value.msg == "Invalid name: must be at most 3 characters, got 4"


def test_validate_names_the_entry_of_a_list():
    with pytest.raises(ValidationError) as caught:
        check.validate({"flag": 1}, RULES, where="in the entry for 'jdoe'")
    assert caught.value.msg == "Invalid flag: must be true or false, got int; in the entry for 'jdoe'"


def test_refuse():
    with pytest.raises(ValidationError) as caught:
        check.refuse("purge.type", "is wrong", "in the entry for 'x'")
    assert caught.value.msg == "Invalid purge.type: is wrong; in the entry for 'x'"
    with pytest.raises(ValidationError, match=r"^Invalid a: b$"):
        check.refuse("a", "b")


# ---------------------------------------------------------------- text


@pytest.mark.parametrize("value, options, reason", [
    ("jdoe", {}, None),
    ("", {}, None),
    ("   ", {}, None),
    ("\ud800", {}, None),
    ("", {"allow_blank": False}, "must not be empty or only whitespace"),
    (" \t\n\u00a0", {"allow_blank": False}, "must not be empty or only whitespace"),
    ("a\x00b", {}, "must not contain NUL characters"),
    ("\x00", {"allow_blank": False}, "must not contain NUL characters"),
    ("abc", {"max_length": 3}, None),
    ("  abc  ", {"max_length": 3}, None),
    ("abcd", {"max_length": 3}, "must be at most 3 characters, got 4"),
    ("x" * 100000, {"max_length": 150}, "must be at most 150 characters, got 100000"),
    (5, {}, "must be a string, got int"),
    (None, {}, "must be a string, got null"),
    (True, {}, "must be a string, got bool"),
    (NAN, {}, "must be a string, got float"),
    (["a"], {}, "must be a string, got list"),
    ({"a": 1}, {}, "must be a string, got dict"),
    (b"abc", {}, "must be a string, got bytes"),
])
def test_text(value, options, reason):
    assert check.text(**options)(value) == reason


# ---------------------------------------------------------------- boolean, choice, integer, number


@pytest.mark.parametrize("value, reason", [
    (True, None), (False, None),
    (1, "must be true or false, got int"), (0, "must be true or false, got int"),
    ("true", "must be true or false, got str"), (None, "must be true or false, got null"),
    (NAN, "must be true or false, got float"),
])
def test_boolean(value, reason):
    assert check.boolean(value) == reason


@pytest.mark.parametrize("value, reason", [
    ("merge", None), ("replace", None),
    ("Merge", "'Merge' is not one of merge, replace"),
    (" merge", "' merge' is not one of merge, replace"),
    ("", "'' is not one of merge, replace"),
    (1, "1 is not one of merge, replace"),
    (True, "True is not one of merge, replace"),
    (None, "None is not one of merge, replace"),
    (["merge"], "['merge'] is not one of merge, replace"),
    ("m" * 100, "'%s... is not one of merge, replace" % ("m" * 59)),
])
def test_choice(value, reason):
    assert check.choice(("merge", "replace"))(value) == reason


@pytest.mark.parametrize("value, reason", [
    (1, None), (5, None), (2 ** 63 - 1, None),
    (0, "must be at least 1, got 0"),
    (-7, "must be at least 1, got -7"),
    (True, "must be an integer, got bool"),
    (False, "must be an integer, got bool"),
    (1.0, "must be an integer, got float"),
    (NAN, "must be an integer, got float"),
    ("1", "must be an integer, got str"),
    (None, "must be an integer, got null"),
])
def test_integer(value, reason):
    assert check.integer(minimum=1)(value) == reason


def test_integer_without_minimum():
    assert check.integer()(-(2 ** 70)) is None


def test_integer_maximum_is_what_authentik_stores():
    assert check.integer()(2 ** 63 - 1) is None
    assert check.integer()(2 ** 63) == "must be at most 9223372036854775807, got 9223372036854775808"
    assert check.integer(maximum=None)(2 ** 63) is None
    assert check.integer()(10 ** 5000) == "must be at most 9223372036854775807, got an integer of about 5000 digits"


@pytest.mark.parametrize("value, options, reason", [
    (0, {}, None), (0.5, {}, None), (30, {}, None),
    (-1, {}, "must be at least 0.0, got -1"),
    (0, {"exclusive": True}, "must be more than 0.0, got 0"),
    (0.0, {"minimum": 0.0, "exclusive": True}, "must be more than 0.0, got 0.0"),
    (NAN, {}, "must be a finite number, got nan"),
    (INF, {}, "must be a finite number, got inf"),
    (-INF, {}, "must be a finite number, got -inf"),
    (True, {}, "must be a finite number, got True"),
    ("1", {}, "must be a finite number, got '1'"),
    (None, {}, "must be a finite number, got None"),
])
def test_number(value, options, reason):
    assert check.number(**options)(value) == reason


# ---------------------------------------------------------------- json_object


@pytest.mark.parametrize("value, reason", [
    ({}, None),
    ({"a": [1, 2.5, None, True, "x", {"b": {"c": []}}]}, None),
    ({"a": "\x00"}, None),  # JSON carries NUL in a string; authentik stores it in a JSONField
    ([], "must be a mapping, got list"),
    ("{}", "must be a mapping, got str"),
    (None, "must be a mapping, got null"),
    ({"a": NAN}, "a is nan, which JSON cannot carry"),
    ({"a": {"b": [1, INF]}}, "a.b[1] is inf, which JSON cannot carry"),
    ({"a": [{"b": -INF}]}, "a[0].b is -inf, which JSON cannot carry"),
    ({1: "x"}, "key 1 is not a string"),
    ({None: "x"}, "key None is not a string"),
    ({True: "x"}, "key True is not a string"),
    ({"a": {("t",): 1}}, "key a.('t',) is not a string"),
    ({"a": (1, 2)}, "a is a tuple, which JSON cannot carry"),
    ({"a": {1, 2}}, "a is a set, which JSON cannot carry"),
    ({"a": b"x"}, "a is a bytes, which JSON cannot carry"),
    ({"a": object()}, "a is a object, which JSON cannot carry"),
])
def test_json_object(value, reason):
    assert check.json_object(value) == reason


def test_json_object_refuses_an_integer_json_cannot_write():
    # Python's json (here and in authentik) cannot write or read an int of more than 4300 digits: json.dumps raises
    # ValueError when the module sends it, so it must be refused here, before any request.
    assert check.json_object({"a": HUGE}) is not None


# ---------------------------------------------------------------- list_of, reference


def test_list_of():
    names = check.list_of(check.reference, "group names or UUIDs")
    assert names(["a", "b"]) is None
    assert names([]) is None
    assert names("a") == "must be a list of group names or UUIDs, got str"
    assert names({"a": 1}) == "must be a list of group names or UUIDs, got dict"
    assert names(["a", ""]) == "entry '': must not be empty or only whitespace"
    assert names(["a", 5]) == "entry 5: must be a string, got int"
    assert names([None]) == "entry None: must be a string, got null"
    assert names(["a\x00"]) == "entry 'a\\x00': must not contain NUL characters"


@pytest.mark.parametrize("value, refused", [
    ("ops", False), (" ops ", False), ("", True), ("  ", True), ("\x00", True), (1, True), (None, True),
])
def test_reference(value, refused):
    assert (check.reference(value) is not None) is refused


# ---------------------------------------------------------------- messages


@pytest.mark.parametrize("value, name", [
    (None, "null"), (True, "bool"), (1, "int"), (1.5, "float"), ("s", "str"), ([], "list"), ({}, "dict"),
])
def test_type_name(value, name):
    assert check.type_name(value) == name


def test_short_repr_cuts_long_values():
    assert check.short_repr("abc") == "'abc'"
    assert check.short_repr("x" * 100) == "'" + "x" * 59 + "..."
    assert check.short_repr(list(range(100)), limit=10) == "[0, 1, 2, ..."


# ---------------------------------------------------------------- no check raises


CHECKS = {
    "text": check.text(max_length=150, allow_blank=False),
    "boolean": check.boolean,
    "choice": check.choice(("a", "b")),
    "integer": check.integer(minimum=1),
    "number": check.number(minimum=0.0, exclusive=True),
    "json_object": check.json_object,
    "list_of": check.list_of(check.choice(("a",)), "letters"),
    "reference": check.reference,
    "short_repr": check.short_repr,
}


def test_no_check_raises_on_huge_integers():
    raised = []
    for name, subject in sorted(CHECKS.items()):
        for shown, value in (("10**5000", HUGE), ("-10**5000", -HUGE), ("[10**5000]", [HUGE]),
                             ("{'a': -10**5000}", {"a": -HUGE})):
            try:
                result = subject(value)
            except Exception as error:  # pylint: disable=broad-exception-caught
                raised.append("%s(%s): %s" % (name, shown, type(error).__name__))
            else:
                assert result is None or isinstance(result, str)
    assert not raised, "checks that raise: " + ", ".join(raised)


@settings(max_examples=300, deadline=None)
@given(value=anything())
def test_no_check_raises(value):
    for subject in (check.text(max_length=150, allow_blank=False), check.text(), check.boolean,
                    check.choice(("a", "b")), check.integer(minimum=1), check.number(), check.json_object,
                    check.list_of(check.reference, "names"), check.reference):
        result = subject(value)
        assert result is None or isinstance(result, str)
    assert isinstance(check.short_repr(value), str) and isinstance(check.type_name(value), str)
