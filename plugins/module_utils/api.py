# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small HTTP client for authentik's REST API. It knows nothing about Ansible."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import json
import os
import random
import re
import ssl
import time
import traceback
from datetime import datetime, timezone

from urllib.parse import unquote

from ansible_collections.akops.authentik.plugins.module_utils.errors import (
    ApiError,
    InvalidResponseError,
    NotAListError,
    RedirectError,
    TransportError,
    ValidationError,
)

try:
    import requests
    import urllib3

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

API_PREFIX = "/api/v3"
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "PUT", "PATCH", "DELETE"))


def normalize_base_url(api_url):
    """'https://h/', 'https://h/api/v3' and 'https://h/api/v3/' all give 'https://h/api/v3'."""
    url = api_url.strip().rstrip("/")
    if not url.endswith(API_PREFIX):
        url += API_PREFIX
    return url


def _authority(api_url):
    """(scheme, user info or None, host[:port]) of a URL, also of one written without a scheme."""
    scheme, rest = "", api_url.strip()
    if "://" in rest:
        scheme, rest = rest.split("://", 1)
    authority = re.split(r"[/?#]", rest, 1)[0]
    if "@" not in authority:
        return scheme, None, authority
    userinfo, _at, host = authority.rpartition("@")
    return scheme, userinfo, host


def url_secrets(api_url):
    """The strings of api_url's user:password@ part that must be masked wherever api_url is shown."""
    userinfo = _authority(api_url)[1]
    if not userinfo:
        return set()
    user, colon, password = userinfo.partition(":")
    # A lone user name may itself be a secret (https://TOKEN@host); a name with a password is not masked alone.
    secrets = set((userinfo, password, unquote(password))) if colon else set((user, unquote(user)))
    return set(secret for secret in secrets if secret)


def credentials_problem(api_url):
    """A one-line refusal of user:password@ (or user@) in api_url, naming only the host; None when there is none."""
    scheme, userinfo, host = _authority(api_url)
    if userinfo is None:
        return None
    return ("api_url must not contain credentials (user:password@); the API token is the only authentication, "
            "so give the URL without them: %s://%s" % (scheme or "https", host))


class BearerAuth(requests.auth.AuthBase if HAS_REQUESTS else object):
    """Sets the bearer header on each request. Given as the session's auth, it also keeps requests from
    replacing the header with credentials from ~/.netrc or from user:password in the URL."""

    def __init__(self, token):
        self._header = "Bearer %s" % token

    def __call__(self, request):
        request.headers["Authorization"] = self._header
        return request


class Client(object):
    """One requests.Session per module run: bearer auth, TLS settings, timeout, retries, JSON in and out."""

    def __init__(self, api_url, token, validate_certs=True, ca_path=None, timeout=30,
                 retries=3, retry_delay=1.0, retry_max_delay=30.0, sleep=time.sleep):
        problem = credentials_problem(api_url)
        if problem:
            raise ValidationError(problem)
        self.base_url = normalize_base_url(api_url)
        scheme, _userinfo, host = _authority(self.base_url)
        self.origin = "%s://%s" % (scheme, host)
        self.ca_path = ca_path if validate_certs else None
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.retry_delay = max(0.0, float(retry_delay))
        self.retry_max_delay = max(0.0, float(retry_max_delay))
        self.request_count = 0
        self._sleep = sleep
        self._token = token
        self._session = requests.Session()
        self._session.auth = BearerAuth(token)
        self._session.headers.update({"Accept": "application/json", "User-Agent": "akops.authentik"})
        # Passed with every request: a session-level setting loses to REQUESTS_CA_BUNDLE in the environment.
        self._verify = ca_path if (validate_certs and ca_path) else bool(validate_certs)

    def get(self, path, query=None, expected=(200,)):
        return self.request("GET", path, query=query, expected=expected)

    def post(self, path, body=None, expected=(200, 201, 204), retry=False):
        return self.request("POST", path, body=body, expected=expected, retry=retry)

    def patch(self, path, body, expected=(200,)):
        return self.request("PATCH", path, body=body, expected=expected)

    def delete(self, path, expected=(204,)):
        return self.request("DELETE", path, expected=expected)

    def request(self, method, path, query=None, body=None, expected=(200,), retry=None):
        """Send a request and return the decoded JSON (None for 204), or raise an AuthentikError.

        Transient failures (no answer, 429, 5xx, an empty or cut-off body) are retried with backoff when the
        request is safe to repeat: by default every method but POST, which callers opt in for idempotent actions."""
        if retry is None:
            retry = method in IDEMPOTENT_METHODS
        attempts = self.retries + 1 if retry else 1
        for attempt in range(1, attempts + 1):
            try:
                return self._send(method, path, query, body, expected)
            except (TransportError, ApiError) as error:
                if not error.transient or attempt == attempts:
                    if attempt > 1:
                        error.note("gave up after %d attempts" % attempt)
                    raise
                self.wait(attempt, getattr(error, "retry_after", None))
        raise AssertionError("unreachable")  # pragma: no cover

    def wait(self, attempt, retry_after=None):
        """Sleep before attempt number `attempt` + 1 (see backoff)."""
        self._sleep(self.backoff(attempt, retry_after))

    def backoff(self, attempt, retry_after=None):
        """Seconds to wait before the next attempt: the server's Retry-After, else exponential with jitter; capped."""
        if retry_after is not None:
            return min(retry_after, self.retry_max_delay)
        ceiling = min(self.retry_delay * (2 ** (attempt - 1)), self.retry_max_delay)
        # Jitter spreads retries of many parallel tasks so they do not hit the server in lockstep.
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _send(self, method, path, query, body, expected):
        shown_path = API_PREFIX + path
        self.request_count += 1
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                params=query,
                data=None if body is None else json.dumps(body),
                headers={"Content-Type": "application/json"} if body is not None else None,
                timeout=self.timeout,
                verify=self._verify,
                # Never follow a redirect: it could carry the token to another address.
                allow_redirects=False,
            )
        except (requests.exceptions.RequestException, OSError, ValueError) as exc:
            error = TransportError(method, shown_path, self._redact(_describe(exc, self.origin, self.ca_path)))
            # Only a lost connection or answer may go better on the next attempt; a certificate that fails
            # verification, a CA file that cannot be read or a malformed request will fail the same way.
            error.transient = isinstance(exc, requests.exceptions.RequestException) and not isinstance(
                exc, (requests.exceptions.SSLError, requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL))
            error.unprocessed = error.transient and _never_connected(exc)
            raise error
        status = response.status_code
        if 300 <= status < 400:
            raise RedirectError(method, shown_path, status, response.headers.get("Location", ""))
        decoded = _decode(response)
        if status not in expected:
            error = ApiError(method, shown_path, status, decoded)
            error.retry_after = _retry_after(response.headers.get("Retry-After"))
            raise error
        # authentik answers every success but 204 with a JSON object.
        if status != 204 and not isinstance(decoded, dict):
            raise InvalidResponseError(method, shown_path, status, decoded)
        return decoded

    def get_page(self, path, query=None):
        """One page of a list endpoint: authentik's envelope {"results": [...], "pagination": {...}}, checked.

        Any other JSON success answer comes from something that is not authentik's API (a wrong api_url); it is
        an error, never an empty directory that a module would then go on to write to."""
        try:
            data = self.get(path, query=query)
        except InvalidResponseError as error:
            if error.body is None or isinstance(error.body, str):
                raise  # empty, cut off or not JSON: that error already says so
            data = error.body  # JSON, but not an object
        return self.check_page(path, data)

    def check_page(self, path, data):
        """`data` when it is authentik's list envelope, else NotAListError naming api_url."""
        pagination = data.get("pagination") if isinstance(data, dict) else None
        results = data.get("results") if isinstance(data, dict) else None
        if (not isinstance(pagination, dict) or not isinstance(results, list)
                or not all(isinstance(item, dict) for item in results)):
            raise NotAListError("GET", API_PREFIX + path, 200, data, self.base_url)
        return data

    def paginate(self, path, query=None, first=None):
        """Yield every item of a list endpoint, following authentik's page numbers (pagination.next).

        `first` is the answer for page 1 when the caller already has it, so that request is not sent twice."""
        params = dict(query or {})
        if first is not None:
            data = self.check_page(path, first)
        else:
            data = self.get_page(path, dict(params, page=1))
        current = 1
        while True:
            yield from data["results"]
            page = data["pagination"].get("next") or 0
            if not page:
                return
            if not isinstance(page, int) or isinstance(page, bool) or page <= current:
                # A next page that does not move forward would never end.
                raise NotAListError("GET", API_PREFIX + path, 200, data, self.base_url)
            params["page"] = current = page
            data = self.get_page(path, params)

    def _redact(self, text):
        # Exception texts from lower layers should never carry the token, but make sure of it,
        # also in the escaped form that a repr() of a header value would show.
        for form in (self._token, repr(self._token)[1:-1]):
            if form:
                text = text.replace(form, "********")
        return text


def _retry_after(value):
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        # A "-0000" zone parses as naive; HTTP dates are always UTC.
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - datetime.now(timezone.utc)).total_seconds())


def _decode(response):
    """JSON body as Python data, None when empty, or the raw text when it is not JSON."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


# OpenSSL's reasons when the answer to the TLS handshake is not TLS at all, typically an HTTP error page.
NOT_TLS_REASONS = frozenset(("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "UNKNOWN_PROTOCOL",
                             "HTTP_REQUEST", "PACKET_LENGTH_TOO_LONG"))
NOT_TLS_TEXTS = ("wrong version number", "record layer failure", "unknown protocol", "packet length too long")
# Certificate verification results that a private CA in ca_path can fix.
UNKNOWN_ISSUER_CODES = frozenset((2, 18, 19, 20, 21))  # X509_V_ERR_* for "no trusted issuer" and "self-signed"
HOSTNAME_MISMATCH_CODES = frozenset((62, 64))  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH


def _causes(exc):
    """The exception and everything it wraps: requests wraps urllib3, which wraps the ssl module's error."""
    seen, todo = [], [exc]
    while todo:
        current = todo.pop(0)
        if not isinstance(current, BaseException) or any(current is other for other in seen):
            continue
        seen.append(current)
        todo.extend([getattr(current, "reason", None), current.__cause__, current.__context__]
                    + list(getattr(current, "args", ())))
    return seen


def _never_connected(exc):
    """True when the connection was never made (refused, no route, connect timeout): nothing reached the server."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    return any(isinstance(cause, urllib3.exceptions.NewConnectionError) for cause in _causes(exc))


def ca_bundle_problem(ca_path):
    """Why ca_path cannot serve as a CA bundle (missing, unreadable, not PEM certificates), or None."""
    try:
        if os.path.isdir(ca_path):
            ssl.create_default_context(capath=ca_path)
        else:
            ssl.create_default_context(cafile=ca_path)
    except ssl.SSLError as exc:
        return _ssl_text(exc)
    except (OSError, ValueError) as exc:
        return getattr(exc, "strerror", None) or str(exc)
    return None


def ca_path_problem(ca_path):
    """The one-line refusal of a ca_path that cannot serve as a CA bundle, or None."""
    problem = ca_bundle_problem(ca_path)
    return "ca_path %r is not a readable PEM CA bundle (%s)" % (ca_path, problem) if problem else None


def _ssl_text(exc):
    """'no certificate or crl found' from OpenSSL's NO_CERTIFICATE_OR_CRL_FOUND, else the text without '(_ssl.c:N)'."""
    reason = getattr(exc, "reason", None)
    if reason:
        return reason.replace("_", " ").lower()
    return re.sub(r"\s*\(_ssl\.c:\d+\)", "", str(exc))


def _ssl_error(exc):
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLError):
            return cause
    return None


def _describe_tls(exc, origin, ca_path):
    """Name the actual cause of a TLS failure first; advise only where the advice can help."""
    problem = ca_path and ca_path_problem(ca_path)
    if problem:
        return problem
    cause = _ssl_error(exc)
    if isinstance(cause, ssl.SSLCertVerificationError):
        reason = cause.verify_message or cause.reason or str(cause)
        message = "the TLS certificate of %s failed verification: %s" % (origin, reason)
        if cause.verify_code in UNKNOWN_ISSUER_CODES:
            if ca_path:
                return message + " (ca_path %r does not hold the CA that issued it)" % ca_path
            return message + (" (set ca_path to the CA bundle that issued it, or validate_certs: false for a test "
                              "server)")
        if cause.verify_code in HOSTNAME_MISMATCH_CODES:
            return message + " (api_url must use a host name the certificate was issued for)"
        return message
    reason = getattr(cause, "reason", None) or ""
    text = _ssl_text(cause) if cause is not None else str(exc)
    if reason in NOT_TLS_REASONS or any(part in text.lower() for part in NOT_TLS_TEXTS):
        return ("the server at %s does not speak TLS on this port (its answer to the TLS handshake is not TLS: %s); "
                "use http:// or the HTTPS port in api_url" % (origin, text))
    return "the TLS handshake with %s failed: %s" % (origin, text)


def _describe(exc, origin="", ca_path=None):
    if isinstance(exc, requests.exceptions.SSLError):
        return _describe_tls(exc, origin, ca_path)
    if ca_path and isinstance(exc, OSError) and not isinstance(exc, requests.exceptions.RequestException):
        # requests checks that the CA bundle exists before it connects: "Could not find a suitable TLS CA ..."
        problem = ca_path_problem(ca_path)
        if problem:
            return problem
    if isinstance(exc, requests.exceptions.Timeout):
        return "no answer within the timeout (%s)" % exc.__class__.__name__
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "could not connect: %s" % exc
    return str(exc)
