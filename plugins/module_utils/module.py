# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The thin Ansible glue every module shares: connection options, client construction, error exits."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.akops.authentik.plugins.module_utils.api import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    Client,
    ca_path_problem,
    credentials_problem,
    url_secrets,
)
from ansible_collections.akops.authentik.plugins.module_utils import resources
from ansible_collections.akops.authentik.plugins.module_utils import validation as check
from ansible_collections.akops.authentik.plugins.module_utils.compare import ignored_by_key, normalize_filters
from ansible_collections.akops.authentik.plugins.module_utils.errors import AuthentikError
from ansible_collections.akops.authentik.plugins.module_utils.users import USER_TYPES


class AuthentikModule(AnsibleModule):
    """AnsibleModule that masks credentials in api_url wherever it returns anything.

    api_url is not a no_log option, so Ansible shows it in `invocation`; a user:password@ in it must still never
    be shown. Masking in exit_json and fail_json covers the failures Ansible itself raises while it checks the
    arguments, before the module's own code runs."""

    def _mask_url_credentials(self):
        urls = [getattr(self, "params", None) and self.params.get("api_url"), os.environ.get("AUTHENTIK_URL")]
        for url in urls:
            if isinstance(url, str):
                self.no_log_values.update(url_secrets(url))

    def exit_json(self, **kwargs):
        self._mask_url_credentials()
        super(AuthentikModule, self).exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        self._mask_url_credentials()
        super(AuthentikModule, self).fail_json(msg, **kwargs)


def connection_argument_spec():
    """A fresh copy of the connection options, so no module can mutate another's spec."""
    return dict(
        api_url=dict(type="str", required=True, fallback=(env_fallback, ["AUTHENTIK_URL"])),
        api_token=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["AUTHENTIK_TOKEN"])),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["AUTHENTIK_VALIDATE_CERTS"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["AUTHENTIK_CA_PATH"])),
        timeout=dict(type="float", default=30, fallback=(env_fallback, ["AUTHENTIK_TIMEOUT"])),
        retries=dict(type="int", default=3, fallback=(env_fallback, ["AUTHENTIK_RETRIES"])),
        retry_delay=dict(type="float", default=1.0, fallback=(env_fallback, ["AUTHENTIK_RETRY_DELAY"])),
        retry_max_delay=dict(type="float", default=30.0, fallback=(env_fallback, ["AUTHENTIK_RETRY_MAX_DELAY"])),
    )


def user_option_spec():
    """The options that describe one user, shared by authentik_user and each entry of authentik_users."""
    return dict(
        username=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        name=dict(type="str"),
        email=dict(type="str"),
        is_active=dict(type="bool"),
        path=dict(type="str"),
        type=dict(type="str", choices=list(USER_TYPES)),
        last_login=dict(type="str"),
        attributes=dict(type="dict"),
        attributes_mode=dict(type="str", default="merge", choices=["merge", "replace"]),
        groups=dict(type="list", elements="str"),
        groups_mode=dict(type="str", default="add", choices=["add", "remove", "exact"]),
        password=dict(type="str", no_log=True),
        update_password=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
    )


# Numbers that requests or time.sleep() would choke on (a zero or NaN timeout, a negative delay).
# An hour bounds every wait: longer ones are typos, and far longer ones overflow time.sleep() and socket timeouts.
LONGEST_WAIT = 3600
CONNECTION_RULES = (
    ("timeout", check.number(minimum=0, exclusive=True, maximum=LONGEST_WAIT)),
    ("retries", check.integer(minimum=0, maximum=100)),
    ("retry_delay", check.number(minimum=0, maximum=LONGEST_WAIT)),
    ("retry_max_delay", check.number(minimum=0, maximum=LONGEST_WAIT)),
)


def connection_problem(params):
    """Why the connection options cannot work, or None; checked before any request."""
    problem = credentials_problem(params["api_url"])
    if problem:
        # The bearer token is the only authentication; user:password@ would at best be ignored.
        return problem
    if not params["api_url"].lower().startswith(("http://", "https://")):
        return "api_url must start with http:// or https://, got %r" % params["api_url"]
    token = params["api_token"]
    if not token.strip() or any(char.isspace() or ord(char) < 32 for char in token):
        # A header cannot carry it, and the error requests would raise would show the token.
        return "api_token is empty or contains spaces, line breaks or control characters"
    if params["ca_path"] and not os.path.isfile(params["ca_path"]):
        return "ca_path %r is not a readable file" % params["ca_path"]
    problem = params["ca_path"] and ca_path_problem(params["ca_path"])
    return problem or check.first_problem(params, CONNECTION_RULES)


def build_client(module, warn=True):
    """A Client from the module's connection options; fails the module when requests is missing or the
    options cannot work. `warn` is off for the extra clients of parallel writers, so warnings appear once."""
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    params = module.params
    # Credentials in api_url are masked by AuthentikModule in whatever the module returns.
    problem = connection_problem(params)
    if problem:
        module.fail_json(msg=problem)
    if not params["validate_certs"] and params["api_url"].lower().startswith("https://") and warn:
        module.warn("validate_certs is false: the server's TLS certificate is not verified")
    return Client(
        params["api_url"],
        params["api_token"],
        validate_certs=params["validate_certs"],
        ca_path=params["ca_path"],
        timeout=params["timeout"],
        retries=params["retries"],
        retry_delay=params["retry_delay"],
        retry_max_delay=params["retry_max_delay"],
    )


def read_listing(module, client, kind, find_one, path, filters, include, list_matching=None):
    """What an *_info module returns: the one object `pk` selects (warning about the filters that this makes
    meaningless), or every object of the list endpoint `path` that the `filters` options match, all pages read.

    `kind` names the object in the warning, `find_one(pk)` reads it, `include` is the include_* option that is not
    a filter. `list_matching(query)`, when given, does the listing instead, for filters that need more than one
    list request (a release check, lookups, several queries); it gets the filters as normalize_filters returns
    them. Returns the list of objects."""
    params = module.params
    check.validate(params, (("page_size", check.integer(minimum=1)),))
    ignored = ignored_by_key(params, "pk", [name for name in filters if name != include])
    if ignored:
        module.warn("pk selects one %s; the other filters (%s) are not applied" % (kind, ", ".join(ignored)))
    if params["pk"] is not None:
        found = find_one(params["pk"])
        return [found] if found else []
    query = normalize_filters(dict((key, params[key]) for key in filters))
    if list_matching is not None:
        return list_matching(query)
    return resources.list_objects(client, path, query, params["page_size"])


def fail_from(module, error):
    """End the module with the error's one-line message and structured details."""
    module.fail_json(**error.to_fail_json())


def run_module(module, run):
    """Call run(module, client) and exit with its result dict; any AuthentikError becomes fail_json."""
    client = build_client(module)
    try:
        result = run(module, client)
    except AuthentikError as error:
        fail_from(module, error)
    module.exit_json(**result)
