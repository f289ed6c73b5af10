# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors raised by the client and the modules' logic; each one knows how to become fail_json arguments."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

FORBIDDEN_HINT = (
    "authentik refused the API token: it is missing, invalid, expired, "
    "or its owner lacks the permission for this action"
)
# Statuses that a later attempt may not see: throttling, and a server or proxy that is briefly unwell.
TRANSIENT_STATUSES = frozenset((429, 500, 502, 503, 504))


class AuthentikError(Exception):
    """Base class: a one-line message for a person, plus structured details."""

    transient = False
    # True only when the failure shows that the server did not act on the request (authentik's 429 throttle
    # answer, a connection that was never made): then even a create may be sent again.
    unprocessed = False

    def __init__(self, msg):
        super(AuthentikError, self).__init__(msg)
        self.msg = msg

    def note(self, text):
        """Add context to the message, keeping it on one line."""
        self.msg = "%s; %s" % (self.msg, text)
        self.args = (self.msg,)

    def to_fail_json(self):
        details = {"msg": self.msg}
        if getattr(self, "changed", False):
            # Some writes went through before this error: the task did change the server.
            details["changed"] = True
        return details


class ValidationError(AuthentikError):
    """The requested parameters are invalid; raised before any request is sent."""


class NotFoundError(AuthentikError):
    """An object named by the task (a group, a user selected by pk or uuid) does not exist."""


class TransportError(AuthentikError):
    """The request did not get an HTTP answer (connection refused or reset, TLS failure, timeout)."""

    transient = True

    def __init__(self, method, path, reason):
        super(TransportError, self).__init__("%s %s failed: %s" % (method, path, reason))
        self.method = method
        self.path = path


class ApiError(AuthentikError):
    """The server answered with a status the caller did not expect."""

    retry_after = None

    def __init__(self, method, path, status, body):
        self.method = method
        self.path = path
        self.status = status
        self.body = body
        super(ApiError, self).__init__(
            "%s %s returned HTTP %s: %s" % (method, path, status, explain(status, body))
        )

    @property
    def transient(self):
        return self.status in TRANSIENT_STATUSES

    @property
    def unprocessed(self):
        # DRF throttles before the view runs, and a proxy's rate limit never passes the request on.
        return self.status == 429

    def to_fail_json(self):
        details = super(ApiError, self).to_fail_json()
        details.update(status=self.status, body=self.body)
        return details


class InvalidResponseError(ApiError):
    """A success status without the JSON object authentik always sends: cut off, empty, or not authentik at all."""

    def __init__(self, method, path, status, body):
        super(InvalidResponseError, self).__init__(method, path, status, body)
        if body is None:
            what = "an empty body"
        elif _looks_like_json(body):
            what = "a cut-off JSON body"
        elif not isinstance(body, str):
            what = "JSON that is not an object (expected authentik's JSON API; check api_url)"
        else:
            what = "a body that is not JSON (expected authentik's JSON API; check api_url): %s" % server_messages(body)
        self.msg = "%s %s returned HTTP %s with %s" % (method, path, status, what)
        self.args = (self.msg,)

    @property
    def transient(self):
        # An empty or cut-off answer is a glitch on the way; an HTML page at a 2xx status is the wrong server.
        return self.body is None or _looks_like_json(self.body)


class NotAListError(ApiError):
    """A JSON success answer to a list request that is not authentik's list envelope: not authentik at all."""

    def __init__(self, method, path, status, body, base_url):
        super(NotAListError, self).__init__(method, path, status, body)
        self.msg = (
            "%s %s returned HTTP %s with JSON that is not authentik's list answer (no results/pagination); "
            "check api_url (%s)" % (method, path, status, base_url)
        )
        self.args = (self.msg,)

    @property
    def transient(self):
        return False


class RedirectError(ApiError):
    """The server redirected; following it could send the token elsewhere, so the module asks for the right URL."""

    def __init__(self, method, path, status, location):
        super(RedirectError, self).__init__(method, path, status, None)
        self.msg = (
            "%s %s was redirected (HTTP %s) to %s; redirects are not followed, so that the API token never goes "
            "to another address: set api_url to the authentik server's own base URL" % (method, path, status, location)
        )
        self.args = (self.msg,)

    @property
    def transient(self):
        return False


def _looks_like_json(body):
    return isinstance(body, str) and body.lstrip()[:1] in ("{", "[")


def explain(status, body):
    """Turn an authentik error body into one readable line."""
    messages = server_messages(body)
    if status == 403:
        return "%s (%s)" % (FORBIDDEN_HINT, messages or "no detail")
    if status == 404 and not isinstance(body, (dict, list)):
        return "not found, and the answer is not authentik's JSON (check api_url)%s" % (
            ": " + messages if messages else "")
    return messages or "no error detail in the response"


def server_messages(body):
    """Flatten DRF error bodies: {"field": ["msg"]}, {"detail": "msg"}, ["msg"] or plain text."""
    if isinstance(body, dict):
        parts = []
        for key, value in body.items():
            text = "; ".join(_as_strings(value))
            if key in ("detail", "non_field_errors"):
                parts.append(text)
            else:
                parts.append("%s: %s" % (key, text))
        return "; ".join(parts)
    if isinstance(body, list):
        return "; ".join(_as_strings(body))
    if body:
        # Not JSON (a proxy's HTML page, say): keep it short and on one line.
        text = " ".join(str(body).split())
        return text[:200] + ("..." if len(text) > 200 else "")
    return ""


def _as_strings(value):
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)]


def without_secret_answer(error, what):
    """`error` with the server's answer left out when that answer came at a success status: the calls whose answers
    hold a credential (a token key, a recovery link, a new account's app password) must never show an answer the
    client could not take (cut off, or at an unexpected status), since it may hold `what`. Ansible's no_log masks
    only whole values, so a fragment would show. The notes added on the way up are kept."""
    if not (isinstance(error, ApiError) and 200 <= (error.status or 0) < 300):
        return error
    try:
        first = type(error)(error.method, error.path, error.status, error.body).msg
    except TypeError:  # an error class that takes other arguments: its notes cannot be told apart
        first = error.msg
    notes = error.msg[len(first):] if error.msg.startswith(first) else ""
    error.body = None
    error.msg = ("%s %s returned HTTP %s with an answer the module could not read; it is not shown because it may "
                 "hold %s%s" % (error.method, error.path, error.status, what, notes))
    error.args = (error.msg,)
    return error
