"""plugins/module_utils/emails.py: what authentik accepts as a user's email.

Table-driven cases for the behaviour worth knowing, and hypothesis properties that compare the module with the
real thing: Django's validate_email, and the EmailField DRF builds for authentik's user serializer, running on
Python 3.13 like authentik (django_oracle.py explains why in a subprocess).
"""

import ipaddress
import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from plugins.module_utils import emails
from tests.server import fields
from tests.unit.plugins.module_utils.strategies import ORACLE_SETTINGS, mutations


def assert_agree_with_drf(oracle, values):
    """email_problem() accepts exactly what DRF accepts, and DRF stores the text we expect."""
    for value, answer in zip(values, oracle.email(values)):
        problem = emails.email_problem(value)
        assert (problem is None) is answer["ok"], (value, problem, answer)
        if answer["ok"]:
            assert answer["value"] == value.strip()


def assert_agree_with_django(oracle, values):
    """address_problem() accepts exactly what Django's validate_email accepts."""
    for value, answer in zip(values, oracle.validate_email(values)):
        problem = emails.address_problem(value)
        assert (problem is None) is answer["ok"], (value, problem, answer)


# ---------------------------------------------------------------- table: what authentik accepts and refuses

ACCEPTED = [
    "", "   ", "\t\n",  # blank clears the address
    "jdoe@example.com", "  jdoe@example.com  ", "\u3000jdoe@example.com\x85",  # trimmed (Unicode whitespace too)
    "o'brien+tag@example.com", "a.b.c@example.com", "x" * 64 + "@example.com", "x" * 200 + "@example.com",
    "!#$%&'*+/=?^_`{|}~-@example.com",
    '"john\\ doe"@example.com', '"a@b"@example.com', '"\\"quoted\\""@example.com', '""@example.com',
    "\u017f@example.com", "\u0130\u0131@example.com", "\u212a@example.com",  # case-insensitive twins of ASCII
    "root@localhost",
    "jdoe@b\u00fccher.example", "jdoe@\u4f8b\u3048.\u30c6\u30b9\u30c8",  # internationalised, taken as they are
    "jdoe@example.xn--p1ai", "jdoe@example.XN--P1AI", "jdoe@xn--bcher-kva.example",
    "jdoe@a-b.example", "jdoe@1.example", "jdoe@" + "a" * 63 + ".com",
    "jdoe@[127.0.0.1]", "jdoe@[0.0.0.0]", "jdoe@[::1]", "jdoe@[::]", "jdoe@[2001:db8::ff00:42:8329]",
    "jdoe@[::ffff:192.0.2.1]", "jdoe@[1:2:3:4:5:6:7::]", "jdoe@[1:2:3:4:5:6:7:8]", "jdoe@[1:2:3::4:5:6:7]",
    "jdoe@[0:0:0:0:0:ffff:1.2.3.4]", "jdoe@example.xn--" + "a" * 59,
    "x" * (254 - len("@example.com")) + "@example.com",
]

REFUSED = [
    "j\u00fcrgen@example.com",  # non-ASCII before the @
    "a..b@example.com", ".a@example.com", "a.@example.com", "@example.com",
    "a @example.com", '"john doe"@example.com', '"a\\"@example.com', '"a"b"@example.com',
    "a@-example.com", "a@example-.com", "a@example.-com", "a@example.com-", "a@exa_mple.com", "a@example..com",
    "a@.example.com", "a@example.com.", "a@example", "a@LOCALHOST", "a@localhost.", "a@Localhost",
    "a@example.c", "a@example.c0m", "a@example.123", "a@xn--p1ai", "a@example.xn--", "a@example.xn--p1ai-",
    "jdoe@" + "a" * 64 + ".com", "jdoe@example." + "a" * 64,
    "jdoe@example.\U0001f600\U0001f600",  # beyond U+FFFF
    "jdoe@[01.2.3.4]", "jdoe@[1.2.3]", "jdoe@[256.1.1.1]", "jdoe@[::1::2]", "jdoe@[1:2:3:4:5:6:7:8:9]",
    "jdoe@[::g]", "jdoe@[IPv6:::1]", "jdoe@[1:2:3:4:5:6:7:8::]", "jdoe@[:1:2:3:4:5:6:7]", "jdoe@[12345::]",
    "jdoe@[" + "0:" * 12 + ":1]", "jdoe@127.0.0.1", "jdoe@[1:2:3:4::5:6:7:8]", "jdoe@[1:2:3:4:5:6:7]",
    "jdoe@[0000:0000:0000:0000:0000:ffff:255.255.255.255]",  # valid for ipaddress, but Django stops at 39
    "jdoe@example.xn--" + "a" * 60,
    "a\x00@example.com", "a@exam\ud800ple.com",  # NUL and surrogates are refused by DRF's CharField
    "x" * (255 - len("@example.com")) + "@example.com",  # 255 characters
    "jdoe@", "jdoe", "jdoe@example.com@", "a@b@example.com",
]


@pytest.mark.parametrize("value", ACCEPTED)
def test_accepted(value):
    assert emails.email_problem(value) is None


@pytest.mark.parametrize("value", REFUSED)
def test_refused(value):
    assert emails.email_problem(value)


@pytest.mark.parametrize("value", [None, 5, 1.5, True, [], {}, b"jdoe@example.com"],
                         ids=lambda value: type(value).__name__)
def test_non_strings_are_refused_without_raising(value):
    assert emails.email_problem(value).startswith("must be a string, got ")


def test_reasons():
    assert emails.email_problem("a" * 250 + "@x.io") == "must be at most 254 characters, got 255"
    assert emails.email_problem("not-an-address") == "'not-an-address' is not an email address: it has no @"
    assert emails.email_problem("a..b@example.com").startswith(
        "'a..b@example.com' is not an email address: the part before the @ must be")
    assert emails.email_problem("a@-example.com") == (
        "'a@-example.com' is not an email address: '-example.com' has a label that starts or ends with a hyphen")
    assert emails.email_problem("a@example..com") == (
        "'a@example..com' is not an email address: 'example..com' has an empty label (a leading, trailing or "
        "doubled dot)")
    assert emails.email_problem("a@exa_mple.com") == (
        "'a@exa_mple.com' is not an email address: 'exa_mple.com' has a character no host name may have: '_'")
    assert emails.email_problem("a@example.c0m") == (
        "'a@example.c0m' is not an email address: the last label of 'example.c0m' must be two or more letters "
        "without digits, or punycode (xn-- and up to 59 letters and digits)")
    assert emails.email_problem("a@[01.2.3.4]") == (
        "'a@[01.2.3.4]' is not an email address: '[01.2.3.4]' is not an IPv4 or IPv6 address (no leading zeros, "
        "at most 39 characters)")
    assert emails.email_problem("a@LOCALHOST") == (
        "'a@LOCALHOST' is not an email address: 'LOCALHOST' is neither localhost nor a host name with a dot")
    assert emails.email_problem("a@" + "b" * 64 + ".com").endswith("has a label of more than 63 characters")


def test_the_table_agrees_with_drf_and_django(oracle):
    assert_agree_with_drf(oracle, ACCEPTED + REFUSED + [None, 5, 1.5, True, [], {}])
    texts = [value.strip() for value in ACCEPTED + REFUSED if value.strip()]
    assert_agree_with_django(oracle, texts)


def test_whitespace_is_what_python_strips():
    whitespace = "".join(chr(code) for code in range(0x110000) if chr(code).isspace())
    assert emails._WHITESPACE == whitespace  # pylint: disable=protected-access


# ---------------------------------------------------------------- strategies: near misses

ATOM = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"
TWINS = u"\u0130\u0131\u017f\u212a"
local_part = st.one_of(
    st.lists(st.text(alphabet=ATOM + TWINS + u"\u00e9 \x00", max_size=5), min_size=1, max_size=4).map(u".".join),
    st.text(alphabet=[chr(code) for code in range(128)] + list(TWINS + u"\u00e9"), max_size=8).map(
        lambda text: u'"%s"' % text),
    st.text(alphabet=u'\\"a ' + TWINS, max_size=6).map(lambda text: u'"%s"' % text),
    st.sampled_from([u"j\u00fcrgen", u"a..b", u".a", u"a.", u"o'brien+tag", u"x" * 64, u"x" * 240, u'"a@b"',
                     u'"\\"', u'"', u""]),
    st.text(max_size=8),
)
label = st.one_of(
    st.text(alphabet=string.ascii_lowercase[:6] + string.digits[:3] + u"-_X\u00fc\u4f8b\u00a0\u00a1\uffff"
            u"\U00010000\u017f\u3002\ud800", max_size=8),
    st.sampled_from([u"-a", u"a-", u"xn--p1ai", u"XN--P1AI", u"xN--a1", u"xn--", u"xn--a-", u"xn-a", u"b\u00fccher",
                     u"localhost", u"LOCALHOST", u"com", u"c", u"c0m", u"12"]),
    st.integers(1, 66).map(lambda size: u"a" * size),
    st.integers(0, 62).map(lambda size: u"xn--" + u"a1" * (size // 2) + u"b" * (size % 2)),
)
octet = st.sampled_from([u"0", u"1", u"01", u"00", u"127", u"255", u"256", u"999", u"1000", u"", u"a", u"\u0661"])
ipv4 = st.lists(octet, min_size=1, max_size=5).map(u".".join)
hextet = st.text(alphabet=u"0123456789abcdefABCDEFg", max_size=5)
ipv6 = st.tuples(st.lists(hextet, min_size=1, max_size=10).map(u":".join),
                 st.sampled_from([u"", u"", u":", u"::", u":1.2.3.4", u"::1.2.3.4", u":01.2.3.4"])).map(u"".join)
domain = st.one_of(
    st.lists(label, min_size=1, max_size=5).map(u".".join),
    st.tuples(st.lists(label, min_size=1, max_size=4).map(u".".join), st.sampled_from([u".", u"-", u" "])).map(
        u"".join),
    st.sampled_from([u"localhost", u"LOCALHOST", u"Localhost", u"localhost.", u"example.com"]),
    st.one_of(ipv4, ipv6, st.text(alphabet=u"0123456789abcdef:.[]", max_size=12)).map(lambda text: u"[%s]" % text),
    st.integers(1, 4).map(lambda count: u".".join([u"a" * 63] * count) + u".com"),
)
padding = st.sampled_from([u""] * 12 + [u" ", u"\t", u"\n", u"\u3000", u"\x85", u"\x1c", u"\x00", u"\u200b"])
email_near_miss = st.tuples(padding, local_part, st.sampled_from([u"@", u"@", u"@", u"@@", u""]), domain,
                            padding).map(u"".join)
character = st.one_of(st.sampled_from(list(u"@.-_\"\\[]: 0aZ\x00\u00a0\u00a1\u00e9\u017f\u212a\ud800\u3000\uffff")
                                      + [u"\U00010000", u"xn--", u"LOCALHOST"]), st.characters())


def mutated(base):
    """A near miss with one or two characters inserted, removed or replaced."""
    return mutations(base, character, 2)


# Every part below is valid most of the time and crosses its boundary now and then, so that whole addresses
# land on both sides of each rule while the other parts stay valid.
LABEL_CHARACTERS = string.ascii_lowercase + string.digits + u"-" + u"\u00fc\u4f8b\u00a1\uffff\u017fK"
ODD_CHARACTERS = u" _.@\u00a0\U00010000\x00\ud800\u00e9(,\t"


def weighted(*choices):
    """One of the strategies, each as often as its weight says (st.one_of would pick them evenly)."""
    return st.sampled_from([strategy for weight, strategy in choices for unused in range(weight)]).flatmap(
        lambda strategy: strategy)


def sometimes(good, bad):
    return weighted((5, good), (1, bad))


def spoiled(strategy, characters=ODD_CHARACTERS):
    """The strategy's text with one of `characters` put in somewhere."""
    return st.tuples(strategy, st.sampled_from(characters), st.integers(0, 99)).map(
        lambda parts: parts[0][:parts[2] % (len(parts[0]) + 1)] + parts[1] + parts[0][parts[2] % (len(parts[0]) + 1):])


def host_label(minimum=1, maximum=63, alphabet=LABEL_CHARACTERS):
    """A label that neither starts nor ends with a hyphen, and now and then one that does, is a character too
    long, or has a character no label may have."""
    inner = st.text(alphabet=alphabet, min_size=max(0, minimum - 2), max_size=maximum - 2)
    end = st.sampled_from([char for char in alphabet if char != u"-"])
    good = st.tuples(end, inner, end).map(u"".join)
    if minimum <= 1:
        good = st.one_of(end, good)
    return sometimes(good, st.one_of(spoiled(good), st.tuples(st.just(u"-"), good).map(u"".join),
                                     st.tuples(good, st.just(u"-")).map(u"".join),
                                     st.integers(maximum - 1, maximum + 1).map(lambda size: u"a" * size)))


top_level_label = st.one_of(
    host_label(2, 63, string.ascii_letters + u"-\u00fc\u4f8b\u00a1\uffff"),
    sometimes(host_label(2, 63, string.ascii_letters), st.sampled_from([u"c", u"c0m", u"12", u"\U00010000\U00010000"])),
    st.tuples(sometimes(st.sampled_from([u"xn--", u"XN--", u"Xn--"]), st.sampled_from([u"xn-", u"x--", u"--"])),
              st.text(alphabet=string.ascii_lowercase + string.digits + u"\u017f", max_size=61)).map(u"".join),
    st.integers(57, 61).map(lambda size: u"xn--" + u"a1" * (size // 2) + u"b" * (size % 2)),  # at most 59 after xn--
)
ipv4_literal = sometimes(
    st.integers(0, 2 ** 32 - 1).map(lambda number: str(ipaddress.IPv4Address(number))),
    st.one_of(
        st.lists(st.one_of(st.integers(0, 255).map(str), st.sampled_from([u"01", u"00", u"256", u"1000", u"", u"a"])),
                 min_size=3, max_size=5).map(u".".join),
        st.tuples(st.lists(st.integers(0, 255), min_size=4, max_size=4), st.integers(0, 3)).map(  # a leading zero
            lambda parts: u".".join(u"0%d" % octet if index == parts[1] else str(octet)
                                    for index, octet in enumerate(parts[0])))))


@st.composite
def ipv6_literal(draw):
    """IPv6 addresses in their written forms, and the same groups with one "::" too many or too few."""
    address = ipaddress.IPv6Address(draw(st.integers(0, 2 ** 128 - 1)))
    groups = address.exploded.split(u":")
    ipv4 = str(ipaddress.IPv4Address(int(address) % 2 ** 32))
    return draw(st.sampled_from([
        str(address), address.exploded, address.exploded.upper(), u"::ffff:" + ipv4, u"1::" + ipv4,
        u":".join(groups[:6]) + u":" + ipv4,  # up to 45 characters: Django stops at 39
        u":".join(groups[:4]) + u"::" + u":".join(groups[4:]),  # "::" standing for no group
        u":".join(groups[:7]),  # seven groups without "::"
        u"::" + u":".join(groups[1:]), u":".join(groups[:7]) + u"::", u":" + address.exploded,
        u":".join(groups[:3]) + u"::" + u":".join(groups[4:]), u"1::2::3",
    ]))


@st.composite
def well_formed(draw):
    """Addresses authentik accepts (mostly), from each part of the grammar, with lengths near their limits."""
    if draw(st.integers(0, 4)):
        atom = st.text(alphabet=ATOM + TWINS, min_size=1, max_size=12)
        local = u".".join(draw(st.lists(sometimes(atom, st.one_of(st.just(u""), spoiled(atom))), min_size=1,
                                        max_size=3)))
    else:
        # pylint: disable=protected-access
        quoted = st.lists(st.one_of(st.sampled_from(sorted(emails._QUOTED)),
                                    st.sampled_from(sorted(emails._ESCAPED)).map(lambda char: u"\\" + char)),
                          max_size=8).map(u"".join)
        odd = [u" ", u'"', u"\\", u"\t", u"\n", u"\r", u"\x00", u"\u00fc", u"\\\n"]
        local = u'"%s"' % draw(sometimes(quoted, spoiled(quoted, odd)))
    kind = draw(st.sampled_from(["host", "host", "host", "localhost", "ipv4", "ipv6"]))
    if kind == "host":
        domain = u".".join(draw(st.lists(host_label(), min_size=1, max_size=3)) + [draw(top_level_label)])
    elif kind == "localhost":
        domain = draw(sometimes(st.just(u"localhost"), st.sampled_from([u"LOCALHOST", u"Localhost", u"localhost."])))
    else:
        domain = u"[%s]" % draw(ipv4_literal if kind == "ipv4" else ipv6_literal())
    if draw(st.integers(0, 5)) == 0:  # near the 254-character limit
        extra = u"x" * max(0, draw(st.integers(250, 256)) - len(local) - len(domain) - 1)
        local = u'"%s%s' % (extra, local[1:]) if local.startswith(u'"') else extra + local
    return draw(padding) + local + u"@" + domain + draw(padding)


email_texts = weighted((4, well_formed()), (2, mutated(well_formed())), (1, email_near_miss),
                       (1, mutated(email_near_miss)), (1, st.text()),
                       (1, st.text(alphabet=u"ab.@-[]:\"\\ ", max_size=20)))
json_non_strings = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                             st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(),
                                                                                  max_size=2))


# ---------------------------------------------------------------- properties against Django and DRF on Python 3.13


@ORACLE_SETTINGS
@given(value=weighted((9, email_texts), (1, json_non_strings)))
@example(value=u"j\u00fcrgen@example.com")
@example(value=u"a..b@example.com")
@example(value=u".a@example.com")
@example(value=u"a@-example.com")
@example(value=u"a@example-.com")
@example(value=u"jdoe@b\u00fccher.example")
@example(value=u"jdoe@[::1]")
@example(value=u"jdoe@[1:2:3:4::5:6:7:8]")
@example(value=u"jdoe@[1.02.3.4]")
def test_authentik_accepts_exactly_what_we_accept(oracle, value):
    assert_agree_with_drf(oracle, [value])


@ORACLE_SETTINGS
@given(value=email_texts)
def test_address_problem_is_djangos_validate_email(oracle, value):
    assert_agree_with_django(oracle, [value])


def test_every_character_in_every_part_agrees_with_django(oracle):
    """Each character (all up to U+024F, every 251st above, and the boundaries of the ranges that matter) in
    each part of an address: before the @, quoted, escaped, inside a label, in the last label, in punycode, in
    brackets, and around the address."""
    codes = set(range(0x250)) | set(range(0x250, 0x110000, 251)) | set(ord(char) for char in emails._WHITESPACE) | {
        0x212A, 0xD7FF, 0xD800, 0xDFFF, 0xE000, 0xFFFE, 0xFFFF, 0x10000, 0x10FFFF}  # pylint: disable=protected-access
    templates = [u"{}@example.com", u"a{}b@example.com", u'"{}"@example.com', u'"\\{}"@example.com',
                 u"a@ex{}ample.com", u"a@example.c{}m", u"a@example.xn--p{}1ai", u"a@[{}::1]", u"{}a@b.co{}"]
    values = [template.format(chr(code), chr(code)) for code in sorted(codes) for template in templates]
    assert_agree_with_drf(oracle, values)
    assert_agree_with_django(oracle, values)


# ---------------------------------------------------------------- the local server uses this module


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=weighted((9, email_texts), (1, json_non_strings)))
@example(value=u"a\x00@b.c\ud800")
@example(value=u"x" * 300 + u"@example.com")
def test_the_local_server_answers_like_drf(oracle, value):
    answer = oracle.email([value])[0]
    try:
        stored = fields.email(value)
    except fields.FieldError as error:
        assert not answer["ok"] and error.messages == answer["messages"], (value, answer)
        return
    assert answer["ok"] and stored == answer["value"], (value, answer)
