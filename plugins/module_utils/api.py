# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small HTTP client for authentik's REST API. It knows nothing about Ansible."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import json
import random
import time
import traceback
from datetime import datetime, timezone

from ansible_collections.akops.authentik.plugins.module_utils.errors import (
    ApiError,
    InvalidResponseError,
    RedirectError,
    TransportError,
)

try:
    import requests

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
        self.base_url = normalize_base_url(api_url)
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
                self._sleep(self.backoff(attempt, getattr(error, "retry_after", None)))
        raise AssertionError("unreachable")  # pragma: no cover

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
            error = TransportError(method, shown_path, self._redact(_describe(exc)))
            # Only a lost connection or answer may go better on the next attempt; a certificate that fails
            # verification, a CA file that cannot be read or a malformed request will fail the same way.
            error.transient = isinstance(exc, requests.exceptions.RequestException) and not isinstance(
                exc, (requests.exceptions.SSLError, requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL))
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

    def paginate(self, path, query=None, first=None):
        """Yield every item of a list endpoint, following authentik's page numbers (pagination.next).

        `first` is the answer for page 1 when the caller already has it, so that request is not sent twice."""
        params = dict(query or {})
        data = first if first is not None else self.get(path, query=dict(params, page=1))
        while True:
            yield from data.get("results", [])
            page = (data.get("pagination") or {}).get("next") or 0
            if not page:
                return
            params["page"] = page
            data = self.get(path, query=params)

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


def _describe(exc):
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS verification failed (set ca_path to your CA bundle, or validate_certs: false for a test server): %s" % exc
    if isinstance(exc, requests.exceptions.Timeout):
        return "no answer within the timeout (%s)" % exc.__class__.__name__
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "could not connect: %s" % exc
    return str(exc)
