# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions for authentik tokens (API tokens and app passwords): parameters, the owner, the plan, the diff.

A token is named by its identifier, which is also its place in the API's paths. Its key is a secret: it never
enters a plan, a diff or a message; the plan only says that the key is set (the call ("set_key", None)), and the
key itself travels to converge.apply_plan in `secrets`. No I/O here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import random
import re
import string

from ansible_collections.akops.authentik.plugins.module_utils import validation as check
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.instants import format_instant, instant_problem, same_instant
from ansible_collections.akops.authentik.plugins.module_utils.plan import Plan, plan_delete, plan_diff, write_action

# The intents the API creates and updates; the others are authentik's own, made by its flows.
INTENTS = ("api", "app_password")
INTERNAL_INTENTS = ("verification", "recovery")
DEFAULT_INTENT = "api"
# authentik's SlugField(max_length=255) for the identifier; \Z, since $ would let a final newline through.
IDENTIFIER_PATTERN = re.compile(r"[-a-zA-Z0-9_]+\Z")
IDENTIFIER_MAX = 255
USERNAME_MAX = 150
KEY_MARKER = "********"
# Like authentik's own keys (default_token_key: 60 letters and digits from a secure source).
KEY_LENGTH = 60
KEY_ALPHABET = string.ascii_letters + string.digits
# The fields the module compares option by option, in display order.
SCALAR_FIELDS = ("description", "expiring", "expires")
NOTHING_CHANGED = "nothing was changed"


# ---------------------------------------------------------------- parameters


def normalize_token_params(params):
    """The parameters as authentik will store them: a username and a description without surrounding spaces
    (its serializers trim them). Values of the wrong type are left for validate_token_params to refuse."""
    result = dict(params)
    for field in ("user", "description"):
        if isinstance(result.get(field), str):
            result[field] = result[field].strip()
    return result


def _identifier_problem(value):
    if not isinstance(value, str):
        return "must be a string, got %s" % check.type_name(value)
    if len(value) > IDENTIFIER_MAX:
        return "must be at most %d characters, got %d" % (IDENTIFIER_MAX, len(value))
    if not IDENTIFIER_PATTERN.match(value):
        return ("%s is not a slug: use only letters, digits, - and _ (no spaces, dots or slashes)"
                % check.short_repr(value))
    return None


def _user_problem(value):
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return "give the owner's username (a string) or pk (an integer), got %s" % check.type_name(value)
    if isinstance(value, int):
        return check.integer(minimum=1)(value)
    return check.text(max_length=USERNAME_MAX, allow_blank=False)(value)


def _intent_problem(value):
    if value in INTERNAL_INTENTS:
        return ("%s tokens are made by authentik itself for its flows and cannot be created or changed through "
                "its API; use %s" % (value, " or ".join(INTENTS)))
    return check.choice(INTENTS)(value)


def _key_problem(value):
    """The key is sent in an HTTP header and compared byte for byte; the value itself never enters a message."""
    if not isinstance(value, str):
        return "must be a string, got %s" % check.type_name(value)
    if not value:
        return "must not be empty"
    if any(not (32 < ord(char) < 127) for char in value):
        # authentik 2025.12 and later trim spaces, older releases keep them; a bearer header carries neither, nor
        # anything beyond printable ASCII.
        return "must be printable ASCII without spaces (it is sent as a bearer token in an HTTP header)"
    return None


def _expires_problem(value):
    return check.text()(value) or instant_problem(value)


TOKEN_RULES = (
    ("identifier", _identifier_problem),
    ("state", check.choice(("present", "absent"))),
    ("user", _user_problem),
    ("intent", _intent_problem),
    ("description", check.text()),
    ("expiring", check.boolean),
    ("expires", _expires_problem),
    ("key", _key_problem),
    ("rotate", check.boolean),
    ("return_key", check.boolean),
)


def validate_token_params(params):
    """Raise ValidationError for input authentik would refuse or the module cannot honour, before any request."""
    if params.get("identifier") is None:
        check.refuse("identifier", "it is required: it selects the token")
    check.validate(params, TOKEN_RULES)
    if params.get("key") is not None and params.get("rotate"):
        check.refuse("rotate", "give either key (a known key) or rotate: true (a fresh random key), not both")
    if params.get("state") == "absent":
        for option in ("key", "rotate", "return_key"):
            if params.get(option) not in (None, False):
                check.refuse(option, "only with state: present; a deleted token has no key")
    refuse_expires_for_api(params, params.get("intent"))


def refuse_expires_for_api(params, intent):
    """authentik overwrites the expiry of API tokens on every create and update (now + the tenant's default token
    duration), so an `expires` for one could never be reached: the task would report a change on every run."""
    if intent == "api" and params.get("expires") is not None:
        check.refuse("expires", "authentik sets the expiry of API tokens itself (now + its default token duration) "
                                "on every create and update, so it cannot be set; for an API token that does not "
                                "expire use expiring: false, or use intent: app_password")


def effective_intent(params, token):
    """The intent the token will have: the option, else the token's own, else authentik's default."""
    if params.get("intent") is not None:
        return params["intent"]
    return token["intent"] if token else DEFAULT_INTENT


# ---------------------------------------------------------------- the owner


def owner_username(token):
    return ((token or {}).get("user_obj") or {}).get("username")


def owner_explained(params, token):
    """Whether the token's answer tells that `user` is its owner: a pk compares with `user`, a username with
    `user_obj`, so an existing token's owner costs no lookup."""
    wanted = params.get("user")
    if wanted is None:
        return True
    if isinstance(wanted, int):
        return token.get("user") == wanted
    return owner_username(token) == wanted


def owner_needing_lookup(params, token):
    """The `user` value only the server can resolve, or None: the owner of a new token, or a value the existing
    token does not explain (another user, to be refused, or none at all, to fail as unknown)."""
    if params.get("state") == "absent" or params.get("user") is None:
        return None
    if token is not None and owner_explained(params, token):
        return None
    return params["user"]


def refuse_other_owner(params, token):
    """A deletion that names an owner deletes only that owner's token: an identifier typed for one user must not
    take another user's token away."""
    if token is None or owner_explained(params, token):
        return
    raise ValidationError("Invalid user: token %r belongs to %r (pk %s), not to %r; nothing was deleted"
                          % (token["identifier"], owner_username(token) or token["user"], token["user"],
                             params["user"]))


def overridden_on_create(plan, created):
    """What authentik changed in a token it created: for a caller who is not a superuser it makes the caller the
    owner and takes `expiring` from the caller's own settings, whatever the body said (API-lifecycle.md 3.2).
    Returns (the owner was overridden, the PATCH that restores `expiring`, or None)."""
    if plan.action != "create" or not created:
        return False, None
    if "user" in plan.body and created.get("user") != plan.body["user"]:
        return True, None
    if "expiring" in plan.body and created.get("expiring") != plan.body["expiring"]:
        # A later PATCH of expiring is honoured; it carries the owner and intent like every token PATCH.
        return False, {"expiring": plan.body["expiring"], "user": created["user"], "intent": created["intent"]}
    return False, None


def refuse_owner_change(params, token, owner):
    if owner is None or owner["pk"] == token["user"]:
        return
    raise ValidationError(
        "Invalid user: token %r belongs to %r (pk %s), and authentik cannot give a token another owner (it answers "
        "\"User cannot be changed\"); to give it to %r, delete the token (state: absent) and create it again; %s"
        % (token["identifier"], owner_username(token) or token["user"], token["user"], owner["username"],
           NOTHING_CHANGED))


# ---------------------------------------------------------------- tokens the module leaves alone


def refuse_managed(token, what):
    """authentik creates some tokens itself (an outpost's API token, say) and recreates or relies on them."""
    if token and token.get("managed"):
        raise ValidationError(
            "Token %r is managed by authentik (managed: %s), which creates it and relies on it; the module does "
            "not %s such tokens; %s" % (token["identifier"], token["managed"], what, NOTHING_CHANGED))


def refuse_internal_intent(token):
    if token and token.get("intent") in INTERNAL_INTENTS:
        raise ValidationError(
            "Token %r has intent %s: authentik makes such tokens for its own flows; the module changes only %s "
            "tokens (it can delete this one with state: absent); %s"
            % (token["identifier"], token["intent"], " and ".join(INTENTS), NOTHING_CHANGED))


def refuse_untouchable(params, token):
    """Before any other request (a key is not even read): no key set on, and no deletion of, a token the module
    leaves alone."""
    if token is None:
        return
    if params.get("state") == "absent":
        refuse_managed(token, "delete")
        return
    if params.get("key") is not None or params.get("rotate"):
        refuse_managed(token, "set the key of")
        refuse_internal_intent(token)


# ---------------------------------------------------------------- keys


def new_token_key():
    """A fresh random key from the operating system's secure source."""
    generator = random.SystemRandom()
    return "".join(generator.choice(KEY_ALPHABET) for dummy in range(KEY_LENGTH))


def key_read_needed(params, token):
    """Whether the task must read the token's key (GET view_key/) before planning: only to compare a given key."""
    return token is not None and params.get("state") != "absent" and params.get("key") is not None


def sets_key(params, token, current_key):
    """Whether the task sets the key: always with rotate; with `key`, on a new token or when the key differs."""
    if params.get("rotate"):
        return True
    if params.get("key") is None:
        return False
    return token is None or current_key != params["key"]


# ---------------------------------------------------------------- one task, one plan


def build_token_body(params, intent, owner):
    """The POST body of a new token: the identifier, the intent (sent even when it is authentik's default), the
    owner when given (authentik's default is the caller) and the fields given."""
    body = {"identifier": params["identifier"], "intent": intent}
    if owner is not None:
        body["user"] = owner["pk"]
    body.update(_given_fields(params, intent))
    return body


def _given_fields(params, intent):
    fields = dict((field, params[field]) for field in ("description", "expiring") if params.get(field) is not None)
    if intent != "api" and params.get("expires") is not None:
        fields["expires"] = format_instant(params["expires"])
    return fields


def token_changes(params, token, intent):
    """The fields whose values differ from the token's, expires compared as an instant."""
    changes = {}
    for field, value in _given_fields(params, intent).items():
        current = token.get(field)
        same = same_instant(current, value) if field == "expires" else current == value
        if not same:
            changes[field] = value
    if intent != token.get("intent"):
        changes["intent"] = intent
    return changes


def build_token_patch(token, changes):
    """The PATCH body: the changes, plus the token's owner and intent, always. authentik fills in a missing owner
    with the caller and a missing intent with api, also on PATCH, so without them a PATCH would give the token
    to the API token's owner (or fail with "User cannot be changed") and turn an app password into an API token."""
    if not changes:
        return {}
    patch = dict(changes)
    patch.setdefault("user", token["user"])
    patch.setdefault("intent", token["intent"])
    return patch


def new_token(body, owner):
    """The token as authentik answers a POST of `body` (its key aside). The pk is not known before."""
    return {
        "pk": None,
        "managed": None,
        "identifier": body["identifier"],
        "intent": body["intent"],
        "user": owner["pk"] if owner else None,
        "user_obj": copy.deepcopy(owner) if owner else None,
        "description": body.get("description", ""),
        "expires": body.get("expires"),
        "expiring": body.get("expiring", True),
    }


def predict_token(token, changes):
    """The token after the PATCH. An API token's new expiry is authentik's to set; the prediction keeps the old."""
    return dict(copy.deepcopy(token), **changes)


def plan_token(params, token, owner=None, current_key=None):
    """The Plan for what the task asks of one token (None when it does not exist); no I/O.

    `owner` is the user owner_needing_lookup() named, as the server returned it (else None). `current_key` is the
    token's key when key_read_needed() asked for it; it only decides whether the key is set and stays out of the
    plan."""
    if params.get("state") == "absent":
        refuse_other_owner(params, token)
        refuse_managed(token, "delete")
        return plan_delete("token", token)
    intent = effective_intent(params, token)
    refuse_expires_for_api(params, intent)
    calls = (("set_key", None),) if sets_key(params, token, current_key) else ()
    if token is None:
        body = build_token_body(params, intent, owner)
        return _plan(None, body, body, calls, new_token(body, owner))
    refuse_owner_change(params, token, owner)
    changes = token_changes(params, token, intent)
    if changes or calls:
        refuse_managed(token, "change")
        refuse_internal_intent(token)
    return _plan(token, build_token_patch(token, changes), changes, calls, predict_token(token, changes))


def _plan(token, body, changes, calls, predicted):
    changed = sorted(changes) + (["key"] if calls else [])
    action = write_action(token, body, calls)
    return Plan("token", action, token, body if action != "none" else None, calls, changed, predicted)


# ---------------------------------------------------------------- the diff


def token_managed_fields(params):
    """The fields a task manages, in display order: the identifier and intent always, the others when given."""
    given = [field for field in ("user",) + SCALAR_FIELDS if params.get(field) is not None]
    return ["identifier", "intent"] + given


def token_view(token, managed, sets_key_marker=False):
    """The token as the diff shows it: the owner as a username, expires in authentik's form, never a key; a key
    about to be set shows as a marker."""
    if not token:
        return {}
    view = {}
    for field in managed:
        if field == "user":
            view["user"] = owner_username(token) or token.get("user")
        elif field == "expires":
            view["expires"] = format_instant(token["expires"]) if token.get("expires") else None
        else:
            view[field] = copy.deepcopy(token.get(field))
    if sets_key_marker:
        view["key"] = KEY_MARKER
    return view


def token_diff(params, plan, after=None):
    """Before/after of the managed fields (a key being set as a marker); a deletion as a change of state."""
    managed = token_managed_fields(params)
    marker = bool(plan.calls_named("set_key"))
    return plan_diff(plan, lambda token: token_view(token, managed),
                     lambda token: token_view(token, managed, marker), "identifier", after)
