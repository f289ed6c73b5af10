# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions for service accounts (POST /core/users/service_account/): normalize and validate the parameters,
name the account's app-password token as authentik does, and plan the change. No I/O happens here.

A service account is a user of type service_account with one app-password token, which authentik names
slugify("service-account-<name>-password") and creates together with the user. authentik's endpoint is not
idempotent, so the plan starts from a lookup of the user; once the account exists, its expiry lives in the
token's own fields (expiring, expires) and changes through a PATCH of that token."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import unicodedata

from ansible_collections.akops.authentik.plugins.module_utils import validation as check
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError, without_secret_answer
from ansible_collections.akops.authentik.plugins.module_utils.instants import (
    format_instant,
    instant_problem,
    same_instant,
)
from ansible_collections.akops.authentik.plugins.module_utils.plan import Plan, plan_delete, plan_diff

SERVICE_ACCOUNT_TYPE = "service_account"
# A service account's username is its name, and usernames are at most 150 characters.
NAME_MAX = 150
# The token fields that the expiry options manage, in display order.
EXPIRY_FIELDS = ("expiring", "expires")

# ---------------------------------------------------------------- the token identifier (Django's slugify)

# slugify() runs on the server, under Python 3.13 and its Unicode 15.1 database, while this code runs on the target
# Python. Unicode never changes a character's decomposition once assigned, so the only difference is characters
# that one database knows and the other does not. These came with Unicode 13.0 and 14.0 (Python 3.9 and 3.11) and
# decompose to ASCII, which slugify keeps:
_ASCII_SINCE_UNICODE_12_1 = dict(
    [(u"\ua7f2", "C"), (u"\ua7f3", "F"), (u"\ua7f4", "Q"), (u"\U000107a5", "q")]
    + [(chr(0x1FBF0 + digit), str(digit)) for digit in range(10)]  # SEGMENTED DIGIT ZERO to NINE
)
# and these came with Unicode 16.0 (Python 3.14): the server does not know them, so they decompose to nothing.
_UNKNOWN_TO_UNICODE_15_1 = dict((chr(code), "") for code in range(0x1CCD6, 0x1CCFA))  # OUTLINED LETTERS and DIGITS
_SERVER_ASCII = dict(_ASCII_SINCE_UNICODE_12_1, **_UNKNOWN_TO_UNICODE_15_1)
_NOT_WORD_SPACE_OR_HYPHEN = re.compile(r"[^\w\s-]")
_HYPHENS_AND_SPACES = re.compile(r"[-\s]+")


def _ascii_of(char):
    """What NFKD and encode("ascii", "ignore") leave of one character on the server. NFKD only reorders combining
    marks, which the ASCII encoding drops, so a string's ASCII form is that of its characters, joined."""
    if char in _SERVER_ASCII:
        return _SERVER_ASCII[char]
    return unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii")


def slugify(value):
    """django.utils.text.slugify(value) as authentik's server runs it (allow_unicode=False): ASCII letters, digits,
    underscores and hyphens; spaces and runs of hyphens become one hyphen; no hyphen or underscore at the ends."""
    text = "".join(_ascii_of(char) for char in str(value))
    # On ASCII text, \w and \s mean the same in every Python 3 (\s includes the separators \x1c to \x1f).
    text = _NOT_WORD_SPACE_OR_HYPHEN.sub("", text.lower())
    return _HYPHENS_AND_SPACES.sub("-", text).strip("-_")


# A token identifier is a slug of at most 255 characters (API-lifecycle.md 3.1).
TOKEN_IDENTIFIER_MAX = 255


def password_token_identifier(name):
    """The identifier authentik gives the app-password token it creates with the account."""
    return slugify("service-account-%s-password" % name)


# ---------------------------------------------------------------- parameters


def normalize_service_account_params(params):
    """The parameters as authentik will store them: the name trimmed (authentik trims it from 2025.10 on; trimming
    it here makes every release store the same username)."""
    result = dict(params)
    if isinstance(result.get("name"), str):
        result["name"] = result["name"].strip()
    return result


SERVICE_ACCOUNT_RULES = (
    ("name", check.text(max_length=NAME_MAX, allow_blank=False)),
    ("state", check.choice(("present", "absent"))),
    ("create_group", check.boolean),
    ("expiring", check.boolean),
    ("expires", lambda value: check.text()(value) or instant_problem(value)),
    ("return_token", check.boolean),
    ("allow_self_lockout", check.boolean),
)


def validate_service_account_params(params):
    """Raise ValidationError for input authentik would refuse, before any request is sent."""
    if params.get("name") is None:
        check.refuse("name", "is required: it is the service account's username")
    check.validate(params, SERVICE_ACCOUNT_RULES)
    identifier = password_token_identifier(params["name"])
    if len(identifier) > TOKEN_IDENTIFIER_MAX:
        # Some characters become several letters in the slug (U+33AF becomes "rads2"): the name fits, its token
        # identifier would not, and authentik would refuse the create.
        check.refuse("name", "its app password's identifier %r would be %d characters long, more than authentik's "
                             "%d" % (identifier[:40] + "...", len(identifier), TOKEN_IDENTIFIER_MAX))


def manages_expiry(params):
    """Whether the task sets the token's expiry: then an existing account's token is read and compared."""
    return params.get("state") != "absent" and any(params.get(field) is not None for field in EXPIRY_FIELDS)


def refuse_other_users(params, user):
    """A user of that name that is not a service account is never turned into one, changed or deleted here."""
    if user is None:
        return
    if "type" not in user:
        raise ValidationError("Invalid name: user %r exists, but the server does not say its type (authentik 2023.8 "
                              "and later do), so the module cannot tell whether it is a service account; nothing "
                              "was changed" % user["username"])
    if user["type"] != SERVICE_ACCOUNT_TYPE:
        raise ValidationError("Invalid name: user %r exists and is of type %s, not %s; this module manages only "
                              "service accounts, so nothing was changed" % (
                                  user["username"], check.short_repr(user["type"]), SERVICE_ACCOUNT_TYPE))


def refuse_taken_identifier(params, token):
    """A new account whose token identifier another token holds would fail inside authentik's transaction; names
    that differ only in case, spaces or punctuation share one identifier."""
    if token is not None:
        raise ValidationError("Invalid name: the token identifier %r that authentik would give the new account's app "
                              "password is already taken (by a token of user %s); authentik would refuse to create "
                              "%r, so nothing was changed" % (token["identifier"], token.get("user"), params["name"]))


def refuse_taken_group_name(params, group):
    """create_group next to a group of the same name: authentik before 2025.12 would make a second group of that
    name, later releases refuse the whole account."""
    if group is not None:
        raise ValidationError("Invalid create_group: a group named %r exists already; authentik would create a second "
                              "one (before 2025.12) or refuse the account (2025.12 and later); set create_group: "
                              "false and add the account to that group with akops.authentik.authentik_group, so "
                              "nothing was changed" % params["name"])


# ---------------------------------------------------------------- the account, as the module returns it


def account_view(user, token=None):
    """The account as the module returns it: the user's pk, username and uid, its token's identifier, and the
    token's expiry when it was read."""
    account = {"pk": user["pk"], "username": user["username"], "uid": user.get("uid"),
               "token_identifier": password_token_identifier(user["username"])}
    if token is not None:
        account.update((field, token.get(field)) for field in EXPIRY_FIELDS)
    return account


def created_account(answer):
    """The account from authentik's answer to the create ({username, user_uid, user_pk, group_pk?, token}; after a
    lost answer the lookup's rebuild, without token), shaped like account_view. The token stays in the dict for the
    module to take out."""
    account = {"pk": answer.get("user_pk"), "username": answer.get("username"), "uid": answer.get("user_uid"),
               "token_identifier": password_token_identifier(answer.get("username") or "")}
    for field in ("group_pk", "token"):
        if answer.get(field) is not None:
            account[field] = answer[field]
    return account


def token_secret_free(error):
    """An error about the create's answer with the answer left out: authentik answers the create with the token's
    key (see errors.without_secret_answer)."""
    return without_secret_answer(error, "the new account's token")


# ---------------------------------------------------------------- one task, one plan


def build_create_body(params):
    """POST body: the name, and the options that are given (authentik's defaults: no group, an expiring token
    valid for 360 days)."""
    body = {"name": params["name"]}
    for field in ("create_group", "expiring"):
        if params.get(field) is not None:
            body[field] = params[field]
    if params.get("expires") is not None:
        body["expires"] = format_instant(params["expires"])
    return body


def new_account(params):
    """What the module returns after creating the account; pk and uid are the server's to give."""
    account = {"pk": None, "username": params["name"], "uid": None,
               "token_identifier": password_token_identifier(params["name"]),
               "expiring": True if params.get("expiring") is None else params["expiring"]}
    if params.get("expires") is not None:
        account["expires"] = format_instant(params["expires"])
    return account


def build_token_patch(params, token):
    """The token fields that differ, always with the token's current user and intent: authentik fills a PATCH
    without them with the caller and intent api, which would re-own the token and make it an API token."""
    patch = {}
    if params.get("expiring") is not None and params["expiring"] != token.get("expiring"):
        patch["expiring"] = params["expiring"]
    if params.get("expires") is not None and not same_instant(token.get("expires"), params["expires"]):
        patch["expires"] = format_instant(params["expires"])
    if not patch:
        return {}
    return dict(patch, user=token["user"], intent=token["intent"])


def plan_service_account(params, user, token=None):
    """The Plan for what the task asks of one service account; no I/O.

    `user` is the account (None when it does not exist; refuse_other_users has checked its type) and `token` its
    app-password token, read only when manages_expiry(params) and the account exists (None when it is gone).

    A deletion is a user plan: it is DELETE /core/users/{pk}/, and the lock-out guard knows user plans. A change of
    expiry is the follow-up call ("update_token", (identifier, patch)) after no write of the user."""
    if params.get("state") == "absent":
        return plan_delete("user", user)
    if user is None:
        body = build_create_body(params)
        return Plan("service_account", "create", None, body, (), sorted(body), new_account(params))
    before = account_view(user, token)
    patch = build_token_patch(params, token) if token is not None and manages_expiry(params) else {}
    changed = [field for field in EXPIRY_FIELDS if field in patch]
    predicted = dict(before, **dict((field, patch[field]) for field in changed))
    if not patch:
        return Plan("service_account", "none", before, None, (), [], predicted)
    calls = (("update_token", (before["token_identifier"], patch)),)
    return Plan("service_account", "update", before, None, calls, changed, predicted)


def service_account_view(account, managed):
    """The account as the diff shows it: its name and the managed expiry fields; never a token."""
    if not account:
        return {}
    view = {"name": account.get("username")}
    for field in managed:
        if field == "expires" and account.get(field):
            view[field] = format_instant(account[field])
        elif field in account:
            view[field] = account[field]
    return view


def service_account_managed_fields(params, plan):
    """The fields the diff shows besides the name: on creation the options sent, later the expiry options given."""
    if plan.action == "create":
        return [field for field in ("create_group",) + EXPIRY_FIELDS if params.get(field) is not None]
    return [field for field in EXPIRY_FIELDS if params.get(field) is not None]


def service_account_diff(params, plan, after=None):
    managed = service_account_managed_fields(params, plan)

    def view(account):
        shown = service_account_view(account, managed)
        if shown and "create_group" in managed:
            shown["create_group"] = params["create_group"]
        return shown

    return plan_diff(plan, view, view, "username", after)
