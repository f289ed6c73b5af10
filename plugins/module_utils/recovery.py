# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions for a user's recovery: the parameters, the duration authentik's recovery token takes, and the
one request a task sends (a link, or an email through an email stage). No I/O here.

Recovery is an action, not a state: each run makes authentik issue (or re-issue) the recovery token, so a task
always reports a change."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple

from ansible_collections.akops.authentik.plugins.module_utils import validation as check
from ansible_collections.akops.authentik.plugins.module_utils.compare import canonical_reference
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError

METHODS = ("link", "email")
# The release whose recovery actions take token_duration; older ones drop it without an error.
DURATION_RELEASE = "2026.2"
# authentik's timedelta strings (lib/utils/time.py timedelta_from_string): "days=1;hours=2", keys any case, values
# numbers. authentik skips unknown keys silently and fails only when none is left, with a server error after the
# recovery token is made; so every key must be known here, a typo is not dropped.
DURATION_KEYS = ("microseconds", "milliseconds", "seconds", "minutes", "hours", "days", "weeks")
_NUMBER = re.compile(r"\s*[0-9]+(\.[0-9]*)?\s*\Z")
_SECONDS = {"microseconds": 1e-6, "milliseconds": 1e-3, "seconds": 1, "minutes": 60, "hours": 3600, "days": 86400,
            "weeks": 604800}
# A token that outlives the calendar (now + duration past year 9999) is a server error too.
LONGEST_DURATION_DAYS = 365 * 1000

Recovery = namedtuple("Recovery", ("method", "user_pk", "username", "stage_pk", "stage_name", "token_duration",
                                   "json_body"))


def normalize_recovery_params(params):
    """Text trimmed; a stage given by UUID in authentik's lower-case spelling."""
    result = dict(params)
    for field in ("username", "token_duration"):
        if isinstance(result.get(field), str):
            result[field] = result[field].strip()
    result["email_stage"] = canonical_reference(result.get("email_stage"))
    return result


def duration_problem(value):
    """Why `value` is not a duration authentik reads ("days=1;hours=2"), or None. authentik turns a bad one into a
    server error after it has made the recovery token, so it is refused here first."""
    problem = check.text(allow_blank=False)(value)
    if problem:
        return problem
    seconds = {}
    for part in value.split(";"):
        key, sign, number = part.partition("=")
        if not sign or key.lower() not in DURATION_KEYS or not _NUMBER.match(number):
            return ("%s is not a duration like days=1;hours=2 (keys: %s; no spaces around a key)"
                    % (check.short_repr(value), ", ".join(DURATION_KEYS)))
        if key.lower() in seconds:
            return "%s names %s twice" % (check.short_repr(value), key.lower())
        seconds[key.lower()] = float(number) * _SECONDS[key.lower()]
    total = sum(seconds.values())
    if total <= 0:
        return "%s is no time at all; the link would expire as it is made" % check.short_repr(value)
    if total > LONGEST_DURATION_DAYS * 86400:
        return "%s is longer than %d days" % (check.short_repr(value), LONGEST_DURATION_DAYS)
    return None


RECOVERY_RULES = (
    ("username", check.text(allow_blank=False)),
    ("pk", check.integer(minimum=1)),
    ("method", check.choice(METHODS)),
    ("email_stage", check.reference),
    ("token_duration", duration_problem),
)


def validate_recovery_params(params):
    """Raise ValidationError for input authentik would refuse, before any request is sent."""
    check.validate(params, RECOVERY_RULES)
    if params.get("method") == "email" and not params.get("email_stage"):
        check.refuse("email_stage", "method=email needs the email stage that sends the message (a name or UUID)")
    if params.get("method") == "link" and params.get("email_stage"):
        check.refuse("email_stage", "only method=email sends an email; a link is returned, not sent")


def needs_release(params):
    """Whether the task must know if the server is 2026.2 or later: for token_duration, which older servers drop,
    and for an email, whose stage older servers read from the query string and newer ones from a JSON body."""
    return bool(params.get("token_duration")) or params.get("method") == "email"


def plan_recovery(params, user, stage, json_release):
    """The request the task sends, or ValidationError when authentik would refuse it or ignore part of it.

    `user` is the user as read; `stage` the email stage (method email); `json_release` whether the server is
    2026.2 or later (None when the task did not need to ask: see needs_release)."""
    label = user["username"]
    if params.get("token_duration") and not json_release:
        raise ValidationError("Invalid token_duration: authentik takes it from %s on, and this server is older (it "
                              "would ignore it and issue a token for its default duration); nothing was sent"
                              % DURATION_RELEASE)
    if params["method"] == "email":
        if not (user.get("email") or "").strip():
            raise ValidationError("User %r has no email address, so authentik cannot send a recovery email; set "
                                  "one or use method=link; nothing was sent" % label)
        return Recovery("email", user["pk"], label, stage["pk"], stage.get("name"), params.get("token_duration"),
                        bool(json_release))
    return Recovery("link", user["pk"], label, None, None, params.get("token_duration"), bool(json_release))


def link_body(recovery):
    """The recovery/ body: {} (no body at all on older servers) or {"token_duration"}."""
    return {"token_duration": recovery.token_duration} if recovery.token_duration else {}


def describe(recovery):
    """What the task does, in words for the result; never the link."""
    if recovery.method == "email":
        stage = recovery.stage_name or recovery.stage_pk
        return "recovery email to %s through email stage %s" % (recovery.username, stage)
    return "recovery link for %s" % recovery.username


# authentik's refusals, as one-line errors that say what to do.
HINTS = (
    ("No recovery flow set.", "set a recovery flow on the brand (System > Brands) first"),
    ("Recovery flow not applicable to user", "the recovery flow's policies do not allow this user"),
    ("User does not have an email address set.", "set the user's email first, or use method=link"),
    ("Email stage does not exist.", "the email stage is unknown or the token's owner may not view it"),
    ("Email stage not found.", "the email stage is unknown or the token's owner may not view it"),
)


def refusal_hint(message):
    for text, hint in HINTS:
        if text in (message or ""):
            return hint
    return None
