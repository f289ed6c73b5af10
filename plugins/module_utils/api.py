# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small HTTP client for authentik's REST API. It knows nothing about Ansible."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import traceback

from ansible_collections.akops.authentik.plugins.module_utils.errors import (
    ApiError,
    InvalidResponseError,
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


def normalize_base_url(api_url):
    """'https://h/', 'https://h/api/v3' and 'https://h/api/v3/' all give 'https://h/api/v3'."""
    url = api_url.strip().rstrip("/")
    if not url.endswith(API_PREFIX):
        url += API_PREFIX
    return url


class Client(object):
    """One requests.Session per module run: bearer auth, TLS settings, timeout, JSON in and out."""

    def __init__(self, api_url, token, validate_certs=True, ca_path=None, timeout=30):
        self.base_url = normalize_base_url(api_url)
        self.timeout = timeout
        self.request_count = 0
        self._token = token
        self._session = requests.Session()
        self._session.headers.update({
            "Authorization": "Bearer %s" % token,
            "Accept": "application/json",
            "User-Agent": "akops.authentik",
        })
        self._session.verify = ca_path if (validate_certs and ca_path) else bool(validate_certs)

    def get(self, path, query=None, expected=(200,)):
        return self.request("GET", path, query=query, expected=expected)

    def post(self, path, body=None, expected=(200, 201, 204)):
        return self.request("POST", path, body=body, expected=expected)

    def patch(self, path, body, expected=(200,)):
        return self.request("PATCH", path, body=body, expected=expected)

    def delete(self, path, expected=(204,)):
        return self.request("DELETE", path, expected=expected)

    def request(self, method, path, query=None, body=None, expected=(200,)):
        """Send one request; return the decoded JSON (None for an empty body) or raise an AuthentikError."""
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
            )
        except requests.exceptions.RequestException as exc:
            raise TransportError(method, shown_path, self._redact(_describe(exc)))
        decoded = _decode(response)
        if response.status_code not in expected:
            raise ApiError(method, shown_path, response.status_code, decoded)
        if isinstance(decoded, str):
            raise InvalidResponseError(method, shown_path, response.status_code, decoded)
        return decoded

    def paginate(self, path, query=None):
        """Yield every item of a list endpoint, following authentik's page numbers (pagination.next)."""
        params = dict(query or {})
        page = 1
        while page:
            params["page"] = page
            data = self.get(path, query=params)
            for item in data.get("results", []):
                yield item
            page = (data.get("pagination") or {}).get("next") or 0

    def _redact(self, text):
        # Exception texts from lower layers should never carry the token, but make sure of it.
        return text.replace(self._token, "********") if self._token else text


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
