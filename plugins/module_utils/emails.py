# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Email addresses exactly as authentik accepts them for a user's `email`. Pure; no I/O.

authentik's user serializer takes `email` through Django REST framework's EmailField, built from the model's
EmailField(blank=True): surrounding whitespace is trimmed first, an empty result is allowed (it clears the
address), then the text must have at most 254 characters, no NUL and no surrogate character, and must pass
Django's EmailValidator. That validator (Django 5.x, as documented) splits at the last "@" and requires:

- before it, a dot-atom (atoms of letters, digits and !#$%&'*+/=?^_`{|}~- joined by single dots; no leading,
  trailing or doubled dot) or a quoted string;
- after it, exactly "localhost" (in lower case), a host name, or an IP address in brackets. A host name has at
  least two labels of at most 63 characters that neither start nor end with a hyphen; labels may use any
  character from U+00A1 to U+FFFF (internationalised names are taken as they are, not converted to
  punycode); the last label has at least two characters and no digits, unless it is a punycode label
  (xn--...). The bracketed address is a dotted IPv4 address without leading zeros or an IPv6 address of at
  most 39 characters, as Python's ipaddress module reads them.

The validator matches its patterns without regard to case, and Python's case-insensitive matching also
takes four non-ASCII letters for ASCII ones: the dotted and dotless i (U+0130, U+0131), the long s (U+017F)
and the Kelvin sign (U+212A). So "\u017f@example.com" is accepted while every other non-ASCII character before
the "@" is refused. The unit tests compare this module with Django and DRF running on Python 3.13.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import string

EMAIL_MAX = 254  # Django's EmailField(max_length=254), after trimming
_VALIDATOR_MAX = 320  # EmailValidator's own limit (RFC 3696), reached only by callers that skip EMAIL_MAX

# What Python's str.strip() removes (the same in every Python 3 release so far), which DRF applies.
_WHITESPACE = (
    u"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    u"\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_FOLDS_TO_ASCII = frozenset(u"\u0130\u0131\u017f\u212a")  # İ ı ſ K: see the module documentation
_LETTERS = frozenset(string.ascii_letters) | _FOLDS_TO_ASCII
_DIGITS = frozenset(string.digits)
_ATOM = _LETTERS | _DIGITS | frozenset(u"!#$%&'*+/=?^_`{|}~-")
# Inside quotes: printable ASCII and control characters except NUL, TAB, LF, CR, space, '"' and '\'; after a
# backslash: any of them except NUL, LF and CR.
_QUOTED = _FOLDS_TO_ASCII | frozenset(chr(code) for code in range(1, 128) if code not in (9, 10, 13, 32, 34, 92))
_ESCAPED = _FOLDS_TO_ASCII | frozenset(chr(code) for code in range(1, 128) if code not in (10, 13))
_PUNYCODE = _LETTERS | _DIGITS
_HEX = frozenset(string.hexdigits)


def email_problem(value):
    """None when authentik accepts `value` as a user's email ("" and whitespace clear it), else a short reason
    for a person. authentik stores the value with surrounding whitespace removed."""
    if not isinstance(value, str):
        return "must be a string, got %s" % type(value).__name__
    text = value.strip(_WHITESPACE)
    if not text:
        return None
    if len(text) > EMAIL_MAX:
        return "must be at most %d characters, got %d" % (EMAIL_MAX, len(text))
    if u"\x00" in text:
        return "%r must not contain NUL characters" % text
    if any(u"\ud800" <= char <= u"\udfff" for char in text):
        return "%r must not contain surrogate characters" % text
    return address_problem(text)


def address_problem(text):
    """None when Django's EmailValidator accepts `text` as it is (no trimming, no length limit but its own),
    else a short reason for a person."""
    if not isinstance(text, str) or u"@" not in text:
        return "%r is not an email address: it has no @" % (text,)
    if len(text) > _VALIDATOR_MAX:
        return "%r is not an email address: it is longer than %d characters" % (text, _VALIDATOR_MAX)
    local, domain = text.rsplit(u"@", 1)
    if not (_is_dot_atom(local) or _is_quoted_string(local)):
        return ("%r is not an email address: the part before the @ must be ASCII letters, digits and "
                "!#$%%&'*+/=?^_`{|}~- between single dots, or a quoted string" % text)
    if domain != u"localhost" and not (_is_host_name(domain) or _is_address_literal(domain)):
        return "%r is not an email address: %s" % (text, _domain_reason(domain))
    return None


def _domain_reason(domain):
    """Why a domain that failed the checks fails them, for the message (the checks themselves decide)."""
    if domain.startswith(u"[") and domain.endswith(u"]"):
        return "%r is not an IPv4 or IPv6 address (no leading zeros, at most 39 characters)" % domain
    labels = domain.split(u".")
    if len(labels) < 2:
        return "%r is neither localhost nor a host name with a dot" % domain
    for label in labels:
        if not label:
            return "%r has an empty label (a leading, trailing or doubled dot)" % domain
        if len(label) > 63:
            return "%r has a label of more than 63 characters" % domain
        if label[0] == u"-" or label[-1] == u"-":
            return "%r has a label that starts or ends with a hyphen" % domain
        odd = [char for char in label if not _is_label_char(char)]
        if odd:
            return "%r has a character no host name may have: %r" % (domain, odd[0])
    return ("the last label of %r must be two or more letters without digits, or punycode (xn-- and up to 59 "
            "letters and digits)" % domain)


# ---------------------------------------------------------------- the part before the @


def _is_dot_atom(local):
    atoms = local.split(u".")
    return all(atom and all(char in _ATOM for char in atom) for atom in atoms)


def _is_quoted_string(local):
    if len(local) < 2 or local[0] != u'"' or local[-1] != u'"':
        return False
    inner, index = local[1:-1], 0
    while index < len(inner):
        if inner[index] == u"\\":
            if index + 1 >= len(inner) or inner[index + 1] not in _ESCAPED:
                return False
            index += 2
        elif inner[index] in _QUOTED:
            index += 1
        else:
            return False
    return True


# ---------------------------------------------------------------- the part after the @


def _is_label_char(char, digits=True):
    # One range covers U+00A1 to U+FFFF; characters beyond the Basic Multilingual Plane are not in it.
    return char in _LETTERS or (digits and char in _DIGITS) or char == u"-" or u"\xa1" <= char <= u"\uffff"


def _is_host_name(domain):
    labels = domain.split(u".")
    if len(labels) < 2:
        return False
    for label in labels[:-1]:
        if not 1 <= len(label) <= 63 or label[0] == u"-" or label[-1] == u"-":
            return False
        if not all(_is_label_char(char) for char in label):
            return False
    return _is_top_level_label(labels[-1])


def _is_top_level_label(label):
    if not label or label[0] == u"-" or label[-1] == u"-":
        return False
    if 2 <= len(label) <= 63 and all(_is_label_char(char, digits=False) for char in label):
        return True
    # A punycode label may have digits: "xn--" (x and n in either case) and 1 to 59 letters or digits.
    return (label[0] in u"xX" and label[1:2] in (u"n", u"N") and label[2:4] == u"--" and 1 <= len(label) - 4 <= 59
            and all(char in _PUNYCODE for char in label[4:]))


def _is_address_literal(domain):
    if len(domain) < 3 or domain[0] != u"[" or domain[-1] != u"]":
        return False
    address = domain[1:-1]
    if not all(char in _HEX or char in u":." for char in address):
        return False
    return _is_ipv4(address) or (len(address) <= 39 and _is_ipv6(address))


def _is_ipv4(address):
    """Four decimal octets, 0 to 255, without leading zeros (Python's ipaddress since 3.9.5)."""
    octets = address.split(u".")
    return len(octets) == 4 and all(
        octet and len(octet) <= 3 and all(char in _DIGITS for char in octet)
        and (octet == u"0" or octet[0] != u"0") and int(octet) <= 255
        for octet in octets)


def _is_ipv6(address):
    """Eight groups of 1 to 4 hex digits, one "::" standing for one or more zero groups, and optionally a
    dotted IPv4 address in place of the last two groups, as Python's ipaddress.IPv6Address reads them."""
    parts = address.split(u":")
    if len(parts) < 3:
        return False
    if u"." in parts[-1]:
        if not _is_ipv4(parts[-1]):
            return False
        parts[-1:] = [u"0", u"0"]  # two groups; their value does not matter here
    if len(parts) > 9:
        return False
    gaps = [index for index in range(1, len(parts) - 1) if not parts[index]]
    if len(gaps) > 1:
        return False
    if gaps:
        before, after = gaps[0], len(parts) - gaps[0] - 1
        if not parts[0]:
            before -= 1
            if before:  # a leading ":" only as part of "::"
                return False
        if not parts[-1]:
            after -= 1
            if after:  # a trailing ":" only as part of "::"
                return False
        if before + after > 7:
            return False
        groups = parts[:before] + (parts[len(parts) - after:] if after else [])
    else:
        if len(parts) != 8:
            return False
        groups = parts
    return all(group and len(group) <= 4 and all(char in _HEX for char in group) for group in groups)
