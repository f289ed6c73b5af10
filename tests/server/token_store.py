"""In-memory tokens (API tokens, app passwords, recovery FlowTokens) and the recovery setup that issues them.

Plain data like state.py: the handlers in tokens.py and recovery.py validate and render, this module keeps the
records. A token record holds what authentik's Token model holds, including the `key` that the API never
sends outside view_key (API-lifecycle.md section 3.1). Store.tokens is the one TokenStore of a server; its
`recovery` is the brand's recovery flow, the email stages and the emails sent (section 5).
"""

import re
import secrets
import string
import unicodedata
import uuid
from datetime import datetime, timedelta, timezone

# Tenant setting default_token_duration, default "days=1" (tenants/models.py; API-lifecycle.md 3.2).
DEFAULT_TOKEN_DURATION = "days=1"
# authentik's default_token_key(): generate_id() of the tenant's default token length (60).
KEY_LENGTH = 60
KEY_ALPHABET = string.ascii_letters + string.digits
# lib/utils/time.py: the keys timedelta_from_string() passes to datetime.timedelta.
DURATION_KEYS = ("microseconds", "milliseconds", "seconds", "minutes", "hours", "days", "weeks")
INTENTS = ("verification", "api", "recovery", "app_password")
TOKEN_LABEL = "authentik_core.token"
EMAIL_STAGE_LABEL = "authentik_stages_email.emailstage"


def now():
    return datetime.now(timezone.utc)


def new_key():
    return "".join(secrets.choice(KEY_ALPHABET) for unused in range(KEY_LENGTH))


def timedelta_from_string(expr):
    """lib/utils/time.py: "days=1;hours=2" -> timedelta; unknown keys are skipped, none left is a ValueError."""
    kwargs = {}
    for pair in str(expr).split(";"):
        key, value = pair.split("=")  # ValueError when a pair has no or several "="
        if key.lower() in DURATION_KEYS:
            kwargs[key.lower()] = float(value)
    if not kwargs:
        raise ValueError("No valid keys to pass to timedelta")
    return timedelta(**kwargs)


def default_expiry():
    """now() + the tenant default_token_duration (the Token pre_save signal and intent api)."""
    return now() + timedelta_from_string(DEFAULT_TOKEN_DURATION)


def slugify(value):
    """Django's django.utils.text.slugify (allow_unicode=False)."""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text.lower())
    return re.sub(r"[-\s]+", "-", text).strip("-_")


def is_expired(token):
    """Token.is_expired: expiring and expires in the past (a non-expiring token never expires)."""
    return bool(token["expiring"] and token["expires"] is not None and token["expires"] < now())


class TokenStore:
    """Tokens keyed by their pk (a UUID string); identifiers are unique across them."""

    def __init__(self):
        self.by_pk = {}
        # Object permissions held by a user directly, as (user pk, "app_label.codename", token pk). Only releases
        # up to 2025.10 grant these (the view_token_key a non-superuser gets on a token it creates, 3.2).
        self.user_grants = set()
        self.recovery = RecoverySetup()

    def clear(self):
        self.by_pk.clear()
        self.user_grants.clear()
        self.recovery = RecoverySetup()

    # ------------------------------------------------------------- records

    def all(self):
        return list(self.by_pk.values())

    def get(self, identifier):
        return next((t for t in self.by_pk.values() if t["identifier"] == identifier), None)

    def insert(self, data):
        """A token as Token.objects.create() stores it; an expiring token without `expires` gets now +
        default_token_duration from the pre_save signal (core/signals.py; API-lifecycle.md 3.2)."""
        token = {
            "pk": str(uuid.uuid4()),
            "managed": data.get("managed"),
            "identifier": data["identifier"],
            "key": data.get("key") or new_key(),
            "intent": data.get("intent", "verification"),
            "user": data["user"],
            "description": data.get("description", ""),
            "expires": data.get("expires"),
            "expiring": data.get("expiring", True),
        }
        _fill_expiry(token)
        self.by_pk[token["pk"]] = token
        return token

    def update(self, token, data):
        token.update(data)
        _fill_expiry(token)
        return token

    def delete(self, token):
        self.by_pk.pop(token["pk"], None)
        self.user_grants = {grant for grant in self.user_grants if grant[2] != token["pk"]}

    def delete_owned_by(self, user_pk):
        """Token.user is a foreign key with on_delete=CASCADE."""
        for token in [t for t in self.by_pk.values() if t["user"] == user_pk]:
            self.delete(token)

    def find_by_key(self, key):
        return next((t for t in self.by_pk.values() if secrets.compare_digest(t["key"], key)), None)

    # --------------------------------------------------------- permissions

    def grant_user(self, user_pk, perm, token):
        self.user_grants.add((user_pk, perm, token["pk"]))

    def user_has(self, user_pk, perm, token):
        return (user_pk, perm, token["pk"]) in self.user_grants

    def objects(self, label):
        """The objects of `label` this store holds, keyed by pk, for Store.find_object (object permissions)."""
        if label == TOKEN_LABEL:
            return self.by_pk
        if label == EMAIL_STAGE_LABEL:
            return self.recovery.email_stages
        return {}


class RecoverySetup:
    """The brand's recovery flow (none by default), the email stages and the recovery emails sent.

    inapplicable_users: pks of users for whom the flow's policies fail (FlowNonApplicableException).
    email_stages: {stage uuid: {"pk", "name"}}. sent: one record per email authentik would send."""

    def __init__(self, flow=None, email_stages=(), inapplicable_users=()):
        self.flow = flow
        self.email_stages = {}
        for name in email_stages:
            pk = str(uuid.uuid4())
            self.email_stages[pk] = {"pk": pk, "name": name}
        self.inapplicable_users = set(inapplicable_users)
        self.sent = []

    def stage_pks(self):
        return {stage["name"]: pk for pk, stage in self.email_stages.items()}


def _fill_expiry(token):
    if token["expiring"] and token["expires"] is None:
        token["expires"] = default_expiry()
