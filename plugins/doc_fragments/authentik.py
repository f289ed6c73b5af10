# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Connection options shared by every module of the collection.
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of the authentik server, for example C(https://auth.example.com).
      - C(/api/v3) is appended when the URL does not already end with it; a trailing slash does not matter.
      - If not set, the value of the E(AUTHENTIK_URL) environment variable is used.
    type: str
    required: true
  api_token:
    description:
      - "An authentik API token (intent C(api)), sent as C(Authorization: Bearer <token>)."
      - The token acts as its owner, who needs the permissions for the requested changes.
      - If not set, the value of the E(AUTHENTIK_TOKEN) environment variable is used.
    type: str
    required: true
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate.
      - Set to V(false) only for test servers with self-signed certificates.
      - If not set, the value of the E(AUTHENTIK_VALIDATE_CERTS) environment variable is used, else V(true).
    type: bool
    default: true
  ca_path:
    description:
      - Path to a PEM file with the CA certificates used to verify the server.
      - If not set, the value of the E(AUTHENTIK_CA_PATH) environment variable is used, else the CA bundle of the
        C(requests) library (or the one named by E(REQUESTS_CA_BUNDLE)).
    type: path
  timeout:
    description:
      - Seconds to wait for the server to connect and to answer each request.
      - If not set, the value of the E(AUTHENTIK_TIMEOUT) environment variable is used.
    type: float
    default: 30
  retries:
    description:
      - How many times a request is repeated after a transient failure (no answer, a connection reset, HTTP 429,
        500, 502, 503, 504, an empty or cut-off body) before the task fails.
      - Only requests that are safe to repeat are retried (reads, partial updates, deletes, setting a password,
        adding or removing a group member). After a create that failed this way the module first looks the object
        up to learn whether it was created. It sends the create again only when that cannot make a second object
        (a user, whose username is unique; or any object after an HTTP 429 or a connection never made).
      - If not set, the value of the E(AUTHENTIK_RETRIES) environment variable is used.
    type: int
    default: 3
  retry_delay:
    description:
      - Seconds before the first retry; each further retry waits twice as long, with random jitter, up to
        O(retry_max_delay). A C(Retry-After) header from the server takes precedence, within the same cap.
      - If not set, the value of the E(AUTHENTIK_RETRY_DELAY) environment variable is used.
    type: float
    default: 1.0
  retry_max_delay:
    description:
      - The longest wait between two attempts, in seconds.
      - If not set, the value of the E(AUTHENTIK_RETRY_MAX_DELAY) environment variable is used.
    type: float
    default: 30.0
requirements:
  - requests
notes:
  - All modules of this collection are in the action group C(akops.authentik.authentik), so the connection
    options can be set once with C(module_defaults) and C(group/akops.authentik.authentik).
"""

    ACTIONGROUP = r"""
attributes:
  action_group:
    description: Use C(group/akops.authentik.authentik) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - akops.authentik.authentik
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying the server.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: full
"""

    # The attributes of the read-only *_info modules.
    INFO_MODULE = r"""
attributes:
  check_mode:
    description: Runs normally in check mode; it only reads.
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    description: Returns no diff; it changes nothing.
    support: N/A
    details:
      - This action does not modify state.
"""
