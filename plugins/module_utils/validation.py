# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks for option values, shared by every resource. Pure: no I/O.

Each check takes a value and returns None when authentik would accept it, or a short reason. Ansible's argument
spec has converted types already when a module runs, but the pure layer is also called with whatever a bulk list
or a test hands it, so every check first makes sure of the type: no value may end in anything but a plan or a
ValidationError."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError

NUL = "\x00"
# The largest integer key authentik stores (a 64-bit database column); also well inside what Python turns into
# text, which it refuses beyond 4300 digits.
INTEGER_MAX = 2 ** 63 - 1
# The longest integer that JSON may carry here: Python's json refuses to write longer ones.
JSON_INTEGER_DIGITS = 4000


def validate(params, rules, where=None):
    """Raise ValidationError('Invalid <option>: <reason>') for the first option whose value a rule refuses.

    `rules` is a sequence of (option, check); options that are None (not given) are not checked. `where` names
    the entry of a bulk list, for example "in the entry for 'jdoe'"."""
    for option, check in rules:
        problem = None if params.get(option) is None else check(params[option])
        if problem:
            refuse(option, problem, where)


def first_problem(params, rules):
    """validate() as a value: the 'Invalid <option>: <reason>' message of the first refused option, or None."""
    try:
        validate(params, rules)
    except ValidationError as error:
        return error.msg
    return None


def text(max_length=None, allow_blank=True):
    """A string as authentik's CharField takes it: trimmed, no NUL character (refused by DRF), a length limit."""

    def check(value):
        if not isinstance(value, str):
            return "must be a string, got %s" % type_name(value)
        if NUL in value:
            return "must not contain NUL characters"
        trimmed = value.strip()
        if not allow_blank and not trimmed:
            return "must not be empty or only whitespace"
        if max_length is not None and len(trimmed) > max_length:
            return "must be at most %d characters, got %d" % (max_length, len(trimmed))
        return None

    return check


def boolean(value):
    return None if isinstance(value, bool) else "must be true or false, got %s" % type_name(value)


def choice(values):
    def check(value):
        if not isinstance(value, str) or value not in values:
            return "%s is not one of %s" % (short_repr(value), ", ".join(values))
        return None

    return check


def integer(minimum=None, maximum=INTEGER_MAX):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be an integer, got %s" % type_name(value)
        if minimum is not None and value < minimum:
            return "must be at least %d, got %s" % (minimum, short_repr(value))
        if maximum is not None and value > maximum:
            return "must be at most %d, got %s" % (maximum, short_repr(value))
        return None

    return check


def number(minimum=0.0, exclusive=False, maximum=None):
    """A finite number (timeouts, delays); NaN, infinity and values beyond `maximum` are refused rather than
    slept on (time.sleep and socket timeouts overflow on huge values)."""

    def check(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "must be a finite number, got %s" % short_repr(value)
        # Integers are finite; math.isfinite() would overflow on the very large ones.
        if isinstance(value, float) and not math.isfinite(value):
            return "must be a finite number, got %s" % short_repr(value)
        if value < minimum or (exclusive and value == minimum):
            return "must be %s %s, got %s" % ("more than" if exclusive else "at least", minimum, short_repr(value))
        if maximum is not None and value > maximum:
            return "must be at most %s, got %s" % (maximum, short_repr(value))
        return None

    return check


def json_object(value):
    """A JSON object (authentik refuses anything else for attributes) whose content JSON can carry."""
    if not isinstance(value, dict):
        return "must be a mapping, got %s" % type_name(value)
    return json_problem(value, "")


def json_problem(value, where):
    """Why `value` cannot travel as JSON to authentik, or None. NaN and infinity have no JSON form."""
    if value is None or isinstance(value, (bool, str)):
        return None
    if isinstance(value, int):
        if len(_digits(value)) > JSON_INTEGER_DIGITS:
            return "%s is an integer too long for JSON" % (where or "a value")
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "%s is %r, which JSON cannot carry" % (where or "a value", value)
    if isinstance(value, list):
        for index, item in enumerate(value):
            problem = json_problem(item, "%s[%d]" % (where, index))
            if problem:
                return problem
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return "key %s%s is not a string" % (where + "." if where else "", short_repr(key))
            problem = json_problem(item, "%s.%s" % (where, key) if where else key)
            if problem:
                return problem
        return None
    return "%s is a %s, which JSON cannot carry" % (where or "a value", type_name(value))


def list_of(check_item, what):
    """A list whose every entry passes `check_item` (which returns a reason or None)."""

    def check(value):
        if not isinstance(value, list):
            return "must be a list of %s, got %s" % (what, type_name(value))
        for item in value:
            problem = check_item(item)
            if problem:
                return "entry %s: %s" % (short_repr(item), problem)
        return None

    return check


def reference(value):
    """A name or UUID that points at another object (a group, a role): a non-empty string."""
    return text(allow_blank=False)(value)


def type_name(value):
    return "null" if value is None else type(value).__name__


def short_repr(value, limit=60):
    """repr() for messages, cut so a huge value cannot flood the one-line error. Python refuses to write
    integers of more than 4300 digits (and containers holding one); those are described instead."""
    if isinstance(value, int) and not isinstance(value, bool):
        digits = _digits(value)
        if len(digits) > limit:
            return "an integer of about %d digits" % len(digits)
    try:
        shown = repr(value)
    except ValueError:
        return "a %s too large to show" % type_name(value)
    return shown if len(shown) <= limit else shown[:limit] + "..."


def _digits(value):
    """The decimal digits of an integer, estimated from its bit length when it is too long to write out."""
    bits = abs(value).bit_length()
    if bits > 13000:
        return "9" * int(bits * 0.30103)
    return str(abs(value))


def refuse(option, problem, where=None):
    error = ValidationError("Invalid %s: %s" % (option, problem))
    if where:
        error.note(where)
    raise error
