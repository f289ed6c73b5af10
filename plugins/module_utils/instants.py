# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Instants (a user's last_login) exactly as authentik reads and writes them. Pure; no I/O.

authentik takes a datetime through Django REST framework's DateTimeField, which runs Django's parse_datetime()
and then converts the result to UTC (authentik's TIME_ZONE). parse_datetime() tries the running Python's
datetime.fromisoformat() first and falls back to Django's own ISO 8601 regular expression only when that raises
ValueError. authentik runs on Python 3.13, while this module also runs on the target Pythons 3.8 to 3.13, whose
fromisoformat() accepts much less (3.8 to 3.10) or is not the one the server runs. So the grammar is
implemented here by hand, in three steps that follow the server one for one:

1. ``_from_isoformat``: what CPython 3.13's C implementation of datetime.fromisoformat() accepts, quirks
   included, because those quirks decide what reaches the server's database:
   any single character separates date and time (``2024-05-01t10:00Z`` is fine); basic and week-date forms
   (``20240501``, ``2024-W18-3``); a date alone means midnight; only an upper-case ``Z``; offsets up to
   ``+HH:MM:SS.ffffff`` whose minutes and seconds are not range-checked (``+05:99`` is 6:39 hours); one stray
   character just before the offset is skipped (``10:00:00 +01:00``); a colon may stand for the decimal point
   of the seconds, and digits right after HHMMSS are a fraction; a decimal point with no digits passes before
   an offset; everything after a NUL character is ignored where the C code looks for the end of the string;
   an offset whose whole seconds are zero is taken as UTC, dropping any fraction (``+00:00:00.5``). Several of
   these are C bugs that later CPython releases fix or discuss (gh-152079, gh-152157, gh-155175); this follows
   3.13.0, the release the tests run.
2. ``_from_django_match``: Django's fallback pattern. It reads any Unicode decimal digit (Unicode 15.1, the
   database of Python 3.13), allows whitespace before the zone and one trailing newline, and takes the zone as
   ``Z``, ``+HH``, ``+HHMM`` or ``+HH:MM``; values it matches but that are not a valid date, time or offset
   (``T24:00``, ``+24:00``) are refused.
3. What DRF adds: when parse_datetime() finds nothing, DRF still tries ``strptime(value, "iso-8601")``, the
   name of its input format, so the literal text ``iso-8601`` (matched without regard to case) is accepted as
   1900-01-01T00:00:00. A naive result is taken as UTC; an aware one is converted to UTC, and a conversion that
   leaves the years 1 to 9999 (``0001-01-01T00:00:00+01:00``) is refused with DRF's "out of range" error.

The unit tests compare every function here with Django and DRF running on Python 3.13.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import bisect
import re
from datetime import date, datetime, timedelta, timezone

# DRF's error codes for a refused datetime: any unreadable value, and an aware value whose UTC form overflows.
INVALID = "invalid"
OVERFLOW = "overflow"

# The first code point of every run of ten Unicode decimal digits (category Nd) in Unicode 15.1, the database
# of Python 3.13: what authentik's regular expressions mean by \d and what its int() reads. Spelled out because
# older target Pythons know fewer digits (Python 3.11 lacks Kawi and Nag Mundari, for example).
_DIGIT_ZEROS = (
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50,
    0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40,
    0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066,
    0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950,
    0x11C50, 0x11D50, 0x11DA0, 0x11F50, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC,
    0x1D7F6, 0x1E140, 0x1E2F0, 0x1E4F0, 0x1E950, 0x1FBF0,
)
# What Python's \s and str.isspace() match (the same in every Python 3 release so far).
_WHITESPACE = (
    u"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    u"\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _django_pattern():
    """Django's ISO 8601 fallback, written with explicit character classes so that every Python reads it the
    way Python 3.13 reads Django's \\d, \\s and $ (end of text, or before a final newline)."""
    digit = u"[%s]" % u"".join(u"%s-%s" % (re.escape(chr(zero)), re.escape(chr(zero + 9))) for zero in _DIGIT_ZEROS)
    space = u"[%s]" % u"".join(re.escape(char) for char in _WHITESPACE)
    return re.compile(
        u"({d}{{4}})-({d}{{1,2}})-({d}{{1,2}})[T ]({d}{{1,2}}):({d}{{1,2}})"
        u"(?::({d}{{1,2}})(?:[.,]({d}{{1,6}}){d}{{0,6}})?)?"
        u"{s}*(Z|[+-]{d}{{2}}(?::?{d}{{2}})?)?\n?\\Z".format(d=digit, s=space)
    )


_DJANGO_DATETIME = _django_pattern()
_EPOCH_OF_STRPTIME = datetime(1900, 1, 1)
# strptime() compiles its format case-insensitively, and Python's case-insensitive matching also lets the
# dotless and dotted i (U+0131, U+0130) stand for "i" and the long s (U+017F) for "s".
_ISO_8601_LETTERS = (u"iI\u0130\u0131", u"sS\u017f", u"oO")


# ---------------------------------------------------------------- public functions


def read_instant(value):
    """(aware UTC datetime, None) when authentik accepts `value` as a datetime, else (None, DRF's error code:
    INVALID or OVERFLOW). Non-strings are INVALID: JSON has no datetime type, and DRF refuses numbers."""
    if not isinstance(value, str):
        return None, INVALID
    moment = _from_isoformat(value)
    if moment is None:
        match = _DJANGO_DATETIME.match(value)
        if match:
            try:
                moment = _from_django_match(match)
            except ValueError:  # parse_datetime() raises it, DRF turns it into "wrong format"
                return None, INVALID
        elif _is_format_name(value):
            moment = _EPOCH_OF_STRPTIME
        else:
            return None, INVALID
    offset = moment.utcoffset()
    if offset is None:  # naive: authentik's TIME_ZONE is UTC
        return moment.replace(tzinfo=timezone.utc), None
    try:
        return (moment.replace(tzinfo=None) - offset).replace(tzinfo=timezone.utc), None
    except OverflowError:  # DRF: "Datetime value out of range."
        return None, OVERFLOW


def parse_instant(value):
    """The aware UTC datetime authentik stores for `value`, or None for anything it refuses (any type)."""
    return read_instant(value)[0]


def instant_problem(value):
    """None when authentik accepts `value` as a datetime, else a short reason for a person."""
    code = read_instant(value)[1]
    if code is None:
        return None
    if not isinstance(value, str):
        return "must be a string with an ISO 8601 date and time, got %s" % type(value).__name__
    if code == OVERFLOW:
        return "%r is out of range: converted to UTC it falls outside the years 1 to 9999" % value
    return "%r is not an ISO 8601 date and time that authentik accepts (for example 2024-05-01T10:00:00Z)" % value


def format_instant(value):
    """`value` (a string authentik accepts, or a datetime; naive means UTC) in the form authentik returns:
    UTC, a 'Z' suffix, microseconds only when they are not zero. None when `value` is not an instant."""
    moment = _as_utc(value)
    if moment is None:
        return None
    return moment.replace(tzinfo=None).isoformat() + "Z"


def same_instant(a, b):
    """Whether two last_login values denote the same moment (strings authentik accepts, datetimes, or None for
    no login). Values that are not instants are only equal to themselves, so an unreadable value never matches
    a real one."""
    if a is None or b is None:
        return a is None and b is None
    moment_a, moment_b = _as_utc(a), _as_utc(b)
    if moment_a is None or moment_b is None:
        return a == b
    return moment_a == moment_b


def _as_utc(value):
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            return value.replace(tzinfo=timezone.utc)
        try:
            return (value.replace(tzinfo=None) - value.utcoffset()).replace(tzinfo=timezone.utc)
        except OverflowError:
            return None
    return parse_instant(value)


# ---------------------------------------------------------------- step 1: CPython 3.13's fromisoformat()
#
# The C code works on the UTF-8 bytes of the text, followed by a NUL byte, and several of its checks look for
# that NUL rather than at the length. The helpers below do the same on `buf` (the bytes plus b"\0"); they
# return None where the C code raises ValueError.

_NUL, _DASH, _COLON, _DOT, _COMMA = 0, ord("-"), ord(":"), ord("."), ord(",")
_ZONE_MARKS = (ord("Z"), ord("+"), ord("-"))


def _byte(buf, index):
    return buf[index] if index < len(buf) else _NUL


def _is_ascii_digit(byte):
    return 0x30 <= byte <= 0x39


def _number(buf, index, count):
    """The value of `count` ASCII digits at `index`, or None if any of them is not one."""
    value = 0
    for position in range(index, index + count):
        byte = _byte(buf, position)
        if not _is_ascii_digit(byte):
            return None
        value = value * 10 + byte - 0x30
    return value


def _from_isoformat(text):
    """datetime.fromisoformat(text) as CPython 3.13.0 computes it, or None where it raises ValueError."""
    if len(text) < 7:
        return None
    # The separator may be any character, even a lone surrogate, which UTF-8 cannot encode: the C code first
    # replaces a surrogate at one of the positions a separator can take (the first one found) with "T".
    for position in (7, 8, 10):
        if position >= len(text):
            break
        if 0xD800 <= ord(text[position]) <= 0xDFFF:
            text = text[:position] + u"T" + text[position + 1:]
            break
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:  # any other surrogate
        return None
    buf, length = raw + b"\0", len(raw)
    separator = _separator_index(buf, length)
    ymd = _iso_date(buf, separator) if separator is not None else None
    if ymd is None:
        return None
    clock = (0, 0, 0, 0, None)
    if length > separator:
        lead = buf[separator]  # the date is ASCII, so the separator starts here; it may take 1 to 4 bytes
        width = 1 if lead < 0x80 else 3 if lead & 0xF0 == 0xE0 else 4 if lead & 0xF0 == 0xF0 else 2
        clock = _iso_time(buf, separator + width, length)
        if clock is None:
            return None
    hour, minute, second, microsecond, offset = clock
    try:
        zone = None if offset is None else timezone.utc if not offset else timezone(offset)
        return datetime(ymd[0], ymd[1], ymd[2], hour, minute, second, microsecond, zone)
    except ValueError:  # a date, time or offset out of range
        return None


def _separator_index(buf, length):
    """Where the date ends, judged as CPython does from the characters at fixed places (None: invalid).

    YYYY-MM-DD and YYYY-Www-D end at 10, YYYYMMDD, YYYY-Www and YYYYWwwD at 8, YYYYWww at 7. A week date
    without dashes is told from YYYYWwwD by counting the digits that follow (times come in pairs)."""
    if length == 7:
        return 7
    if buf[4] == _DASH:
        if buf[5] != ord("W"):
            return 10
        if length > 8 and buf[8] == _DASH:
            if length == 9:
                return None
            return 8 if length > 10 and _is_ascii_digit(buf[10]) else 10
        return 8
    if buf[4] == ord("W"):
        end = 7
        while end < length and _is_ascii_digit(buf[end]):
            end += 1
        if end < 9:
            return end
        return 7 if end % 2 == 0 else 8
    return 8


def _iso_date(buf, separator):
    """(year, month, day) of the date part, or None."""
    year = _number(buf, 0, 4)
    if year is None:
        return None
    dashed = buf[4] == _DASH
    index = 5 if dashed else 4
    if _byte(buf, index) == ord("W"):
        week = _number(buf, index + 1, 2)
        if week is None:
            return None
        index += 3
        weekday = 1
        if index < separator:
            if dashed:
                if _byte(buf, index) != _DASH:
                    return None
                index += 1
            weekday = _number(buf, index, 1)
            if weekday is None:
                return None
        return _week_date(year, week, weekday)
    month = _number(buf, index, 2)
    if month is None:
        return None
    index += 2
    if dashed:
        if _byte(buf, index) != _DASH:
            return None
        index += 1
    day = _number(buf, index, 2)
    return None if day is None else (year, month, day)


def _week_date(year, week, weekday):
    """The calendar date of an ISO week date, or None. Week 53 exists only in years that start on a Thursday
    and in leap years that start on a Wednesday."""
    if not 1 <= year <= 9999 or not 1 <= weekday <= 7:
        return None
    january_1st = date(year, 1, 1)
    if not 1 <= week <= 52:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        if week != 53 or not (january_1st.weekday() == 3 or (january_1st.weekday() == 2 and leap)):
            return None
    first_monday = january_1st.toordinal() - january_1st.weekday()
    if january_1st.weekday() > 3:  # that week belongs to the year before
        first_monday += 7
    try:
        day = date.fromordinal(first_monday + (week - 1) * 7 + weekday - 1)
    except ValueError:  # past 9999-12-31
        return None
    return day.year, day.month, day.day


def _iso_time(buf, start, end):
    """(hour, minute, second, microsecond, offset) of the time part in buf[start:end], or None. The offset is
    None for a naive time, else a timedelta (range-checked later, by timezone())."""
    if start >= end:  # a separator with nothing after it
        return None
    zone_at = start
    while zone_at < end and buf[zone_at] not in _ZONE_MARKS:
        zone_at += 1
    status, clock = _clock(buf, start, zone_at)
    if status < 0:
        return None
    if zone_at == end:
        return None if status == 1 else clock + (None,)
    if buf[zone_at] == ord("Z"):
        return clock + (timedelta(0),) if buf[zone_at + 1] == _NUL else None
    sign = -1 if buf[zone_at] == _DASH else 1
    status, zone = _clock(buf, zone_at + 1, end)
    if status != 0:
        return None
    seconds = sign * (zone[0] * 3600 + zone[1] * 60 + zone[2])
    # CPython 3.13.0 returns UTC for an offset whose whole seconds are zero, whatever its fraction.
    return clock + (timedelta(seconds=seconds, microseconds=sign * zone[3]) if seconds else timedelta(0),)


def _clock(buf, start, end):
    """HH[:MM[:SS]] or HH[MM[SS]] and a fraction, from `start` up to `end` (where a zone starts, or the end).

    Returns (status, (h, m, s, us)): status -3 or -4 on error, 1 when something other than NUL follows the
    last field read, 0 otherwise. The caller decides what a 1 means: harmless before a zone, an error at the
    end. Like the C code, this stops at the first NUL and never checks what lies beyond it."""
    fields = [0, 0, 0]
    index = start
    colons = True
    for position in range(3):
        value = _number(buf, index, 2)
        if value is None:
            return -3, None
        fields[position] = value
        char = _byte(buf, index + 2)
        index += 3
        if position == 0:
            colons = char == _COLON
        if index >= end:
            return (1 if char != _NUL else 0), (fields[0], fields[1], fields[2], 0)
        if colons and char == _COLON:
            continue
        if char in (_DOT, _COMMA):
            break
        if colons:
            return -4, None
        index -= 1  # no separators: the next two digits follow at once
    # The fraction: up to six digits count, any further digits are skipped.
    count = min(end - index, 6)
    fraction = _number(buf, index, count)
    if fraction is None:
        return -3, None
    fraction *= 10 ** (6 - count)
    index += count
    while _is_ascii_digit(_byte(buf, index)):
        index += 1
    return (1 if _byte(buf, index) != _NUL else 0), (fields[0], fields[1], fields[2], fraction)


# ---------------------------------------------------------------- step 2: Django's regular expression


def _digit_value(char):
    code = ord(char)
    zero = _DIGIT_ZEROS[bisect.bisect_right(_DIGIT_ZEROS, code) - 1]
    return code - zero


def _decimal(text):
    value = 0
    for char in text:
        value = value * 10 + _digit_value(char)
    return value


def _from_django_match(match):
    """The datetime Django builds from a match of its pattern. Raises ValueError for an impossible date, time
    or offset, as Django does."""
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    microsecond = _decimal(fraction.ljust(6, u"0")) if fraction else 0
    tzinfo = None
    if zone == u"Z":
        tzinfo = timezone.utc
    elif zone:
        minutes = 60 * _decimal(zone[1:3]) + (_decimal(zone[-2:]) if len(zone) > 3 else 0)
        tzinfo = timezone(timedelta(minutes=-minutes if zone[0] == u"-" else minutes))  # ValueError from 24 h
    return datetime(_decimal(year), _decimal(month), _decimal(day), _decimal(hour), _decimal(minute),
                    _decimal(second) if second else 0, microsecond, tzinfo)


# ---------------------------------------------------------------- step 3: DRF's last resort


def _is_format_name(text):
    """Whether strptime(text, "iso-8601") succeeds, which DRF tries after parse_datetime() found nothing."""
    return (len(text) == 8 and text[3:] == u"-8601"
            and all(char in letters for char, letters in zip(text, _ISO_8601_LETTERS)))
