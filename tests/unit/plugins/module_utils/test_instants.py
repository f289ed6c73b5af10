"""plugins/module_utils/instants.py: what authentik accepts as a datetime (a user's last_login).

Table-driven cases for the behaviour worth knowing, and hypothesis properties that compare the module with the
real thing: Django's parse_datetime and DRF's DateTimeField, as authentik's user serializer builds it, running
on Python 3.13 like authentik (django_oracle.py explains why in a subprocess).
"""

import random
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from plugins.module_utils import instants
from tests.server import fields
from tests.unit.plugins.module_utils.strategies import ORACLE_SETTINGS, mutations

UTC = timezone.utc


def drf_verdict(answer):
    """(UTC datetime or None, DRF's first error code or None) from an oracle answer."""
    if not answer["ok"]:
        return None, answer["codes"][0]
    return (None if answer["utc"] is None else datetime(*answer["utc"], tzinfo=UTC)), None


def assert_agree_with_drf(oracle, values):
    for value, answer in zip(values, oracle.last_login(values)):
        if value is None:  # null clears last_login; callers handle it, and it is not an instant
            assert drf_verdict(answer) == (None, None)
            assert instants.read_instant(value) == (None, instants.INVALID)
            continue
        assert instants.read_instant(value) == drf_verdict(answer), value
        if answer["ok"]:
            assert instants.format_instant(value) == answer["text"], value


# ---------------------------------------------------------------- table: what authentik accepts and refuses

ACCEPTED = [
    ("2024-05-01T10:00:17Z", datetime(2024, 5, 1, 10, 0, 17, tzinfo=UTC)),
    # Python 3.13's fromisoformat(): any single character separates date and time.
    ("2024-05-01t10:00:17Z", datetime(2024, 5, 1, 10, 0, 17, tzinfo=UTC)),
    ("2024-05-01 12:00:17+02:00", datetime(2024, 5, 1, 10, 0, 17, tzinfo=UTC)),
    ("2024-05-01_10:00:17Z", datetime(2024, 5, 1, 10, 0, 17, tzinfo=UTC)),
    ("2024-05-01\u00e910:00:17Z", datetime(2024, 5, 1, 10, 0, 17, tzinfo=UTC)),
    ("2024-05-01T12:00:17.885+02:00", datetime(2024, 5, 1, 10, 0, 17, 885000, tzinfo=UTC)),
    ("2024-05-01T12:00:17,885+0200", datetime(2024, 5, 1, 10, 0, 17, 885000, tzinfo=UTC)),
    ("2024-05-01T12:00+02", datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
    ("2024-05-01T10:00:17.123456789Z", datetime(2024, 5, 1, 10, 0, 17, 123456, tzinfo=UTC)),  # cut, not rounded
    # Naive means UTC (authentik's TIME_ZONE); a date alone is midnight.
    ("2024-05-01T10:00:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
    ("20240501T100017Z", datetime(2024, 5, 1, 10, 0, 17, tzinfo=UTC)),
    ("2024-W18-3T10:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ("2024W183", datetime(2024, 5, 1, tzinfo=UTC)),
    # Offset minutes are not range-checked: +05:99 is 6 hours 39 minutes east.
    ("2024-05-01T10:00:00+05:99", datetime(2024, 5, 1, 3, 21, tzinfo=UTC)),
    # One stray character before the offset, and a space before a Z, pass.
    ("2024-05-01T12:00:00 +02:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ("2024-05-01T10:00:00 Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
    # Django's fallback: one-digit fields, any Unicode decimal digits, a trailing newline.
    ("2024-5-1T1:2", datetime(2024, 5, 1, 1, 2, tzinfo=UTC)),
    (u"\u0662\u0660\u0662\u0664-\u0660\u0665-\u0660\u0661T\u0661\u0660:\u0660\u0660",
     datetime(2024, 5, 1, 10, tzinfo=UTC)),
    (u"\U00011f52\U00011f50\U00011f52\U00011f54-05-01T10:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),  # Unicode 15
    ("2024-05-01T10:00:00Z\n", datetime(2024, 5, 1, 10, tzinfo=UTC)),
    # DRF tries strptime(value, "iso-8601") when nothing else fits.
    ("iso-8601", datetime(1900, 1, 1, tzinfo=UTC)),
    (u"I\u017fO-8601", datetime(1900, 1, 1, tzinfo=UTC)),
    # The edges of the calendar, when the UTC value stays inside it.
    ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
    ("0001-01-01T01:00:00+01:00", datetime(1, 1, 1, tzinfo=UTC)),
    ("9999-12-31T23:59:59.999999Z", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ("9999-12-31T22:59:59-01:00", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
]

REFUSED = [
    ("2024-05-01T10:00:17z", instants.INVALID),  # only an upper-case Z
    ("2024-05-01T10:00:00+24:00", instants.INVALID),  # offsets must stay under 24 hours
    ("2024-05-01T10:00:00+99", instants.INVALID),
    ("2024-05-01T10:00:00-2400", instants.INVALID),
    ("2024-05-01T10:00:00+23:59:99", instants.INVALID),
    ("2024-05-01T24:00:00", instants.INVALID),
    ("2024-02-30T10:00:00Z", instants.INVALID),
    ("0000-01-01T00:00:00Z", instants.INVALID),
    ("2024-W53-1", instants.INVALID),  # 2024 has 52 ISO weeks
    (" 2024-05-01T10:00:00Z", instants.INVALID),  # DateTimeField does not trim
    ("2024-05-01T10:00:00Z ", instants.INVALID),
    ("2024-05-01T", instants.INVALID),
    ("yesterday", instants.INVALID),
    ("", instants.INVALID),
    ("iso-8601 ", instants.INVALID),
    # Converting to UTC leaves the calendar: DRF answers "Datetime value out of range."
    ("0001-01-01T00:00:00+01:00", instants.OVERFLOW),
    ("0001-01-01T00:59:59.999999+01:00", instants.OVERFLOW),
    ("9999-12-31T23:59:59-01:00", instants.OVERFLOW),
    ("9999-12-31T23:00:00-23:59", instants.OVERFLOW),
]

NON_STRINGS = [None, 0, 1714557617, 1.5, True, [], ["2024-05-01T10:00:00Z"], {}, b"2024-05-01T10:00:00Z",
               date(2024, 5, 1), datetime(2024, 5, 1, tzinfo=UTC), object()]


@pytest.mark.parametrize("value, expected", ACCEPTED)
def test_accepted(value, expected):
    assert instants.read_instant(value) == (expected, None)
    assert instants.parse_instant(value) == expected
    assert instants.parse_instant(value).tzinfo is UTC
    assert instants.instant_problem(value) is None


@pytest.mark.parametrize("value, code", REFUSED)
def test_refused(value, code):
    assert instants.read_instant(value) == (None, code)
    assert instants.parse_instant(value) is None
    assert instants.instant_problem(value).startswith(repr(value))
    assert instants.format_instant(value) is None


@pytest.mark.parametrize("value", NON_STRINGS, ids=lambda value: type(value).__name__)
def test_non_strings_are_refused_without_raising(value):
    assert instants.read_instant(value) == (None, instants.INVALID)
    assert instants.parse_instant(value) is None
    assert instants.instant_problem(value).startswith("must be a string")


def test_reasons_name_the_value_and_the_kind_of_problem():
    assert instants.instant_problem("yesterday") == (
        "'yesterday' is not an ISO 8601 date and time that authentik accepts (for example 2024-05-01T10:00:00Z)")
    assert instants.instant_problem("0001-01-01T00:00:00+01:00") == (
        "'0001-01-01T00:00:00+01:00' is out of range: converted to UTC it falls outside the years 1 to 9999")
    assert instants.instant_problem(5) == "must be a string with an ISO 8601 date and time, got int"


def test_the_table_agrees_with_drf(oracle):
    assert_agree_with_drf(oracle, [value for value, unused in ACCEPTED + REFUSED] + [None, 0, 1.5, True, [], {}])


def test_the_oracle_is_python_313_with_django_5(oracle):
    assert oracle.version["python"][:2] == [3, 13]
    assert oracle.version["django"].startswith("5.")


# ---------------------------------------------------------------- formatting and comparison


@pytest.mark.parametrize("value, text", [
    ("2024-05-01T12:00:17.885+02:00", "2024-05-01T10:00:17.885000Z"),
    ("2024-05-01T10:00:00", "2024-05-01T10:00:00Z"),
    ("2024-05-01t10:00:17.000000Z", "2024-05-01T10:00:17Z"),
    ("iso-8601", "1900-01-01T00:00:00Z"),
    ("0001-01-01T01:00:00+01:00", "0001-01-01T00:00:00Z"),
    (datetime(2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=2))), "2024-05-01T10:00:00Z"),
    (datetime(2024, 5, 1, 10, 0, 0, 1), "2024-05-01T10:00:00.000001Z"),
    (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))), None),
    ("2024-05-01T10:00:17z", None),
    (None, None),
    (5, None),
])
def test_format_instant(value, text):
    assert instants.format_instant(value) == text


@pytest.mark.parametrize("left, right, same", [
    ("2024-05-01T10:00:17.885000Z", "2024-05-01T12:00:17.885+02:00", True),
    ("2024-05-01T10:00:00Z", "2024-05-01 10:00+0000", True),
    ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC), True),
    ("2024-05-01T10:00:00Z", "2024-05-01T10:00:01Z", False),
    (None, None, True),
    (None, "2024-05-01T10:00:00Z", False),
    ("2024-05-01T10:00:00Z", None, False),
    ("yesterday", "yesterday", True),  # not instants: equal only to themselves
    ("yesterday", "today", False),
    ("0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00Z", False),
])
def test_same_instant(left, right, same):
    assert instants.same_instant(left, right) is same
    assert instants.same_instant(right, left) is same


# ---------------------------------------------------------------- strategies: near misses built from the grammar

ASCII_DIGITS = "0123456789"
# Digits Django's fallback reads: Arabic-Indic, Devanagari, fullwidth, mathematical, and Kawi and Nag Mundari,
# which only Python 3.12 and later know (Unicode 15).
UNICODE_DIGITS = u"\u0660\u0665\u0969\uff10\uff19\U0001d7ce\U0001d7ff\U00011f50\U00011f59\U0001e4f0\U0001e4f9"
digit = st.sampled_from(ASCII_DIGITS * 6 + UNICODE_DIGITS)
SPECIAL_CHARACTERS = [u"T", u"t", u" ", u"_", u"\u00e9", u"\x00", u"Z", u"z", u"-", u"+", u":", u".", u",", u"W",
                      u"1", u"\ud800", u"\U0001f600", u"\n", u"\t", u"\u2003", u"\u3000", u"\u0660", u"\u2212"]
character = st.one_of(st.sampled_from(SPECIAL_CHARACTERS), st.characters())
noise = st.sampled_from([u"", u"", u"", u"", u" ", u"\n", u"\t", u"\x00", u"\u2003", u"x", u"Z"])


def digits(count):
    return st.lists(digit, min_size=count, max_size=count).map(u"".join)


def number(special, width=2):
    return st.one_of(st.sampled_from(special), digits(width), digits(1))


def joined(*parts):
    return st.tuples(*parts).map(u"".join)


year = st.one_of(st.sampled_from([u"2024", u"0001", u"9999", u"0000", u"1900", u"2020"]), digits(4))
month = number([u"01", u"05", u"12", u"00", u"13"])
day = number([u"01", u"28", u"29", u"30", u"31", u"32", u"00"])
week = joined(st.just(u"W"), number([u"01", u"18", u"52", u"53", u"00", u"54"]))
weekday = st.sampled_from([u"", u"1", u"3", u"7", u"0", u"8"])
date_part = st.one_of(
    joined(year, st.just(u"-"), month, st.just(u"-"), day),
    joined(year, month, day),
    joined(year, st.just(u"-"), week, st.sampled_from([u"", u"-"]), weekday),
    joined(year, week, weekday),
    joined(year, st.sampled_from([u"-", u""]), month),
)
separator = st.one_of(st.sampled_from(SPECIAL_CHARACTERS + [u""]), st.characters())
hour = number([u"00", u"10", u"23", u"24", u"99"])
minute = number([u"00", u"30", u"59", u"60", u"99"])
colon = st.sampled_from([u":", u":", u""])
clock = st.one_of(hour, joined(hour, colon, minute), joined(hour, colon, minute, colon, minute))
fraction = st.one_of(st.just(u""), joined(st.sampled_from([u".", u",", u":", u""]), st.integers(0, 13).flatmap(digits)))
offset_hours = st.one_of(st.integers(0, 99).map(u"{:02d}".format), digits(2), digits(1))
offset_minutes = st.one_of(st.just(u""), joined(colon, st.integers(0, 99).map(u"{:02d}".format)))
offset_seconds = st.one_of(st.just(u""), joined(colon, st.integers(0, 99).map(u"{:02d}".format), fraction))
zone = st.one_of(
    st.just(u""),
    st.sampled_from([u"Z", u"z", u"Z\x00tail", u"Zx", u" Z", u"\x00Z"]),
    joined(st.sampled_from([u"+", u"-", u"\u2212"]), offset_hours, offset_minutes, offset_seconds),
)
stray = st.sampled_from([u"", u"", u"", u" ", u"x", u"\x00", u"\x00junk"])
near_miss = joined(noise, date_part, st.one_of(st.just(u""), joined(separator, clock, fraction, stray, zone)), noise)
calendar_edges = joined(
    st.sampled_from([u"0001-01-01T00:00:00", u"0001-01-01T00:59:59.999999", u"0001-01-01T01:00:00",
                     u"9999-12-31T23:59:59", u"9999-12-31T23:00:00.5", u"9999-12-31T00:00:00"]),
    st.one_of(st.sampled_from([u"", u"Z", u"+00:00", u"-00:00:00.000001"]),
              joined(st.sampled_from([u"+", u"-"]), offset_hours, offset_minutes)),
)
# The name of DRF's input format, which strptime() matches without regard to case.
format_names = st.tuples(
    st.sampled_from(u"iI\u0130\u0131jl"), st.sampled_from(u"sS\u017ft"), st.sampled_from(u"oO0\u00f6"),
    st.sampled_from([u"-8601", u"-8601", u"_8601", u"-860", u"-86010", u"-8601 ", u"-8601\n"]),
).map(u"".join)


def mutated(base):
    """A near miss with one to three characters inserted, removed or replaced."""
    return mutations(base, character, 3)


SCRIPT_ZEROS = [0x660, 0x966, 0xFF10, 0x1D7CE, 0x11F50, 0x1E4F0]  # the last two: Unicode 15 (Python 3.12+)


@st.composite
def well_formed(draw):
    """Instants in the forms authentik reads, fields mostly in range. Either what fromisoformat() reads
    (extended, basic and week dates, any separator, 1 to 12 fraction digits, every offset form), or what only
    Django's fallback reads: one-digit fields, other scripts' digits, whitespace before the zone, a newline."""
    # 2015 (starts on a Thursday) and 2020 (a leap year that starts on a Wednesday) have an ISO week 53.
    day = draw(st.one_of(st.dates(min_value=date(1, 1, 1)), st.sampled_from(
        [date(1, 1, 1), date(9999, 12, 31), date(2015, 12, 31), date(2020, 12, 31), date(2021, 1, 1)])))
    hour, minute, second = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    zone_hours = draw(st.one_of(st.integers(0, 23), st.sampled_from([0, 1, 14, 23, 24, 99])))
    zone_minutes = draw(st.one_of(st.integers(0, 59), st.sampled_from([0, 30, 60, 99])))
    fraction = draw(st.one_of(st.just(u""), joined(st.sampled_from([u".", u","]), st.integers(1, 12).flatmap(digits))))
    if draw(st.integers(0, 3)) == 0:  # Django's fallback
        pad = draw(st.sampled_from([u"%d", u"%02d"]))
        text = u"%04d-" % day.year + pad % day.month + u"-" + pad % day.day + draw(st.sampled_from([u"T", u" "]))
        text += u":".join([pad % hour, pad % minute, pad % second][:draw(st.integers(2, 3))])
        text += fraction if text.count(u":") == 2 else u""
        text += draw(st.sampled_from([u"", u" ", u"\t", u"\u2003", u"\n"]))
        text += draw(st.sampled_from([u"", u"Z", u"+%02d" % zone_hours, u"-%02d%02d" % (zone_hours, zone_minutes),
                                      u"+%02d:%02d" % (zone_hours, zone_minutes)]))
        text += draw(st.sampled_from([u"", u"\n"]))
        zero = draw(st.sampled_from([None] + SCRIPT_ZEROS))
        if zero is not None:
            text = u"".join(chr(zero + ord(char) - 0x30) if char in ASCII_DIGITS else char for char in text)
        return text
    form = draw(st.sampled_from(["extended", "extended", "basic", "week", "week-basic", "week-monday"]))
    iso_year, iso_week, iso_day = day.isocalendar()[:3]
    if form == "extended":
        text = u"%04d-%02d-%02d" % (day.year, day.month, day.day)
    elif form == "basic":
        text = u"%04d%02d%02d" % (day.year, day.month, day.day)
    elif form == "week-monday":  # YYYY-Www: then "-" may be the separator (2024-W18-1015 is 10:15 on Monday)
        text = u"%04d-W%02d" % (iso_year, iso_week)
    else:
        text = (u"%04d-W%02d-%d" if form == "week" else u"%04dW%02d%d") % (iso_year, iso_week, iso_day)
    if draw(st.integers(0, 5)):
        text += draw(st.one_of(st.sampled_from([u"T", u"T", u" ", u"t", u"_", u"-", u"\ud800"]), st.characters()))
        parts = [u"%02d" % hour, u"%02d" % minute, u"%02d" % second][:draw(st.integers(1, 3))]
        text += draw(st.sampled_from([u":", u":", u""])).join(parts)
        text += fraction if len(parts) == 3 else u""
        text += draw(st.sampled_from([u"", u"", u"", u" ", u"x"]))
        text += draw(st.sampled_from([
            u"", u"Z", u"+%02d" % zone_hours, u"-%02d%02d" % (zone_hours, zone_minutes),
            u"+%02d:%02d" % (zone_hours, zone_minutes), u"-%02d:%02d:%02d" % (zone_hours, zone_minutes, second),
            u"+%02d:%02d:%02d.%06d" % (zone_hours, zone_minutes, second, minute * 9999)]))
        # The C parser stops at a NUL in some places (after a Z, after six fraction digits) and not in others.
        text += draw(st.sampled_from([u""] * 8 + [u"\x00", u"\x00junk"]))
    return text


def weighted(*choices):
    """One of the strategies, each as often as its weight says (st.one_of would pick them evenly)."""
    return st.sampled_from([strategy for weight, strategy in choices for unused in range(weight)]).flatmap(
        lambda strategy: strategy)


instant_texts = weighted((4, well_formed()), (2, mutated(well_formed())), (1, near_miss), (1, mutated(near_miss)),
                         (1, calendar_edges), (1, format_names), (1, st.text()),
                         (1, st.text(alphabet=ASCII_DIGITS + "-:.,+TZWtz \x00", max_size=30)))
json_non_strings = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                             st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(),
                                                                                  max_size=2))


# ---------------------------------------------------------------- properties against Django and DRF on Python 3.13


@ORACLE_SETTINGS
@given(value=weighted((9, instant_texts), (1, json_non_strings)))
@example(value="2024-05-01t10:00:17Z")
@example(value="2024-05-01T10:00:17z")
@example(value="0001-01-01T00:00:00+01:00")
@example(value="9999-12-31T23:59:59-01:00")
@example(value="2024-05-01T10:00:00+24:00")
@example(value="2024-05-01T10:00:00+99")
@example(value="2020-W53-7")
@example(value="2024-W18-1015")
def test_authentik_accepts_exactly_what_we_accept_with_the_same_value(oracle, value):
    """Ours accepts exactly when DRF does, with the same UTC value, the same error kind (invalid format or
    out of range) and the same rendering as authentik's answers."""
    assert_agree_with_drf(oracle, [value])


@ORACLE_SETTINGS
@given(value=st.one_of(well_formed(), mutated(well_formed()), near_miss, mutated(near_miss), st.text(min_size=7)))
@example(value=u"2024-05-01T10:00:00+00:00:00.5")
@example(value=u"2024-05-01T10:00:00.123456\x00+05")
@example(value=u"2024-05-01\ud800" + u"10:00")
def test_first_step_is_python_313_fromisoformat(oracle, value):
    """The hand-written fromisoformat() equals Python 3.13's, including where it raises (then Django falls back
    to its pattern): a finer check of the first step than the property above."""
    answer = oracle.fromisoformat([value])[0]
    ours = instants._from_isoformat(value)  # pylint: disable=protected-access
    if not answer["ok"]:
        assert ours is None and answer["error"] == "ValueError", (value, answer)
        return
    assert ours is not None, (value, answer)
    assert [ours.year, ours.month, ours.day, ours.hour, ours.minute, ours.second, ours.microsecond] == answer["fields"]
    offset = ours.utcoffset()
    assert (None if offset is None else [offset.days, offset.seconds, offset.microseconds]) == answer["offset"]


def corpus(seed, size):
    """Many near misses at once, drawn without hypothesis: cheap breadth on top of the shrinking properties."""
    rng = random.Random(seed)
    atoms = [u"2024", u"0001", u"9999", u"0000", u"-", u"W", u"01", u"05", u"53", u"1", u"7", u"T", u"t", u" ",
             u"Z", u"z", u"+", u"-", u":", u".", u",", u"10", u"00", u"59", u"60", u"24", u"99", u"5", u"123456",
             u"1234567", u"\x00", u"\u00e9", u"\ud800", u"\u0662", u"\n", u"X", u"0", u"12", u"31", u"29", u"02"]
    templates = [u"2024-05-01T10:00:17.123+02:00", u"20240501T100017Z", u"2024-W18-3 10:00", u"2024-05-01"]
    values = []
    for unused in range(size):
        if rng.random() < 0.5:
            values.append(u"".join(rng.choice(atoms) for unused in range(rng.randint(3, 12))))
        else:
            text = rng.choice(templates)
            for unused in range(rng.randint(1, 3)):
                index = rng.randint(0, len(text))
                text = text[:index] + rng.choice(atoms) + text[index + rng.randint(0, 2):]
            values.append(text)
    return values


def test_a_corpus_of_near_misses_agrees_with_drf(oracle):
    assert_agree_with_drf(oracle, corpus(2024, 20000))


def test_every_character_in_every_position_agrees_with_drf(oracle):
    """Each character that could matter, in place of each character of a few accepted values."""
    # pylint: disable=protected-access
    alphabet = [chr(code) for code in range(128)] + SPECIAL_CHARACTERS + list(UNICODE_DIGITS) + list(
        instants._WHITESPACE) + [chr(zero + step) for zero in instants._DIGIT_ZEROS for step in (0, 9)] + [
        u"\u0130", u"\u0131", u"\u017f", u"\U0010ffff"]
    templates = [u"2024-05-01T10:00:17.885+02:00", u"2024-W18-3T100017,5Z", u"iso-8601"]
    values = sorted({template[:index] + char + template[index + 1:]
                     for template in templates for index in range(len(template) + 1) for char in alphabet})
    assert_agree_with_drf(oracle, values)


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.binary(), st.dates(), st.datetimes(), st.times(), st.timedeltas(), st.decimals(),
                       st.complex_numbers(), st.tuples(st.text()), st.sets(st.integers()), json_non_strings))
def test_non_strings_never_raise(value):
    assert instants.read_instant(value) == (None, instants.INVALID)
    assert instants.instant_problem(value).startswith("must be a string")


@settings(max_examples=500, deadline=None)
@given(a=st.one_of(well_formed(), near_miss, st.datetimes(timezones=st.just(UTC)), st.none()),
       b=st.one_of(well_formed(), near_miss, st.datetimes(timezones=st.just(UTC)), st.none()))
def test_same_instant_compares_the_moments(a, b):
    moment_a = a if isinstance(a, datetime) else instants.parse_instant(a)
    moment_b = b if isinstance(b, datetime) else instants.parse_instant(b)
    if moment_a is not None and moment_b is not None:
        assert instants.same_instant(a, b) is (moment_a == moment_b)
    else:
        assert instants.same_instant(a, b) is (a == b)


@settings(max_examples=500, deadline=None)
@given(value=st.one_of(well_formed(), near_miss, calendar_edges))
def test_format_instant_round_trips(value):
    text = instants.format_instant(value)
    if text is None:
        assert instants.parse_instant(value) is None
    else:
        assert instants.parse_instant(text) == instants.parse_instant(value)
        assert instants.format_instant(text) == text


# ---------------------------------------------------------------- the local server uses this module


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=weighted((9, instant_texts), (1, json_non_strings)))
@example(value="9999-12-31T23:59:59-01:00")
@example(value="2024-05-01T10:00:00+24:00")
def test_the_local_server_answers_like_drf(oracle, value):
    answer = oracle.last_login([value])[0]
    try:
        parsed = fields.nullable_datetime(value)
    except fields.FieldError as error:
        assert not answer["ok"] and error.messages == answer["messages"], (value, answer)
        return
    assert answer["ok"], (value, answer)
    assert fields.format_datetime(parsed) == answer["text"]
