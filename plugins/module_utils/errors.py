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


class AuthentikError(Exception):
    """Base class: a one-line message for a person, plus structured details."""

    def __init__(self, msg):
        super(AuthentikError, self).__init__(msg)
        self.msg = msg

    def to_fail_json(self):
        return {"msg": self.msg}


class ValidationError(AuthentikError):
    """The requested parameters are invalid; raised before any request is sent."""


class NotFoundError(AuthentikError):
    """An object named by the task (a group, a user selected by pk or uuid) does not exist."""


class TransportError(AuthentikError):
    """The request did not get an HTTP answer (connection refused, TLS failure, timeout)."""

    def __init__(self, method, path, reason):
        super(TransportError, self).__init__("%s %s failed: %s" % (method, path, reason))
        self.method = method
        self.path = path


class ApiError(AuthentikError):
    """The server answered with a status the caller did not expect."""

    def __init__(self, method, path, status, body):
        self.method = method
        self.path = path
        self.status = status
        self.body = body
        super(ApiError, self).__init__(
            "%s %s returned HTTP %s: %s" % (method, path, status, explain(status, body))
        )

    def to_fail_json(self):
        return {"msg": self.msg, "status": self.status, "body": self.body}


class InvalidResponseError(ApiError):
    """The server answered with a success status but not with JSON: probably not an authentik API."""

    def __init__(self, method, path, status, body):
        super(InvalidResponseError, self).__init__(method, path, status, body)
        self.msg = (
            "%s %s returned HTTP %s with a body that is not JSON (expected authentik's JSON API; "
            "check api_url): %s" % (method, path, status, server_messages(body))
        )
        self.args = (self.msg,)


def explain(status, body):
    """Turn an authentik error body into one readable line."""
    messages = server_messages(body)
    if status == 403:
        return "%s (%s)" % (FORBIDDEN_HINT, messages or "no detail")
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
