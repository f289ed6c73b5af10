"""plugins/module_utils/module.py: the Ansible glue every module shares (the parts that need no AnsibleModule)."""

import pytest

from ansible_collections.akops.authentik.plugins.module_utils import module, users

# Every connection option at its default, as AnsibleModule hands them over.
GOOD = dict((name, option.get("default")) for name, option in module.connection_argument_spec().items())
GOOD.update(api_url="https://auth.example.com", api_token="tok-123")


def test_connection_argument_spec_is_a_fresh_copy_each_time():
    first = module.connection_argument_spec()
    first["api_url"]["required"] = False
    first["timeout"]["default"] = 1
    second = module.connection_argument_spec()
    assert second["api_url"]["required"] is True and second["timeout"]["default"] == 30
    assert second["api_token"]["no_log"] is True


def test_every_user_option_has_a_rule():
    assert set(module.user_option_spec()) <= set(option for option, rule in users.USER_RULES)
    assert module.user_option_spec()["password"]["no_log"] is True


def test_user_option_choices_match_the_rules():
    spec = module.user_option_spec()
    assert spec["type"]["choices"] == list(users.USER_TYPES)
    assert spec["groups_mode"]["choices"] == list(users.MODES)


@pytest.mark.parametrize("changes, problem", [
    ({}, None),
    ({"api_url": "http://127.0.0.1:9000"}, None),
    ({"api_url": "HTTPS://AUTH.EXAMPLE.COM"}, None),
    ({"api_url": "auth.example.com"}, "api_url must start with http:// or https://, got 'auth.example.com'"),
    ({"api_url": "ftp://h.example.com"}, "api_url must start with http:// or https://, got 'ftp://h.example.com'"),
    ({"api_url": "https://me:pw@auth.example.com"},
     "api_url must not contain credentials (user:password@); the API token is the only authentication, so give the "
     "URL without them: https://auth.example.com"),
    ({"api_token": ""}, "api_token is empty or contains spaces, line breaks or control characters"),
    ({"api_token": "   "}, "api_token is empty or contains spaces, line breaks or control characters"),
    ({"api_token": "tok 123"}, "api_token is empty or contains spaces, line breaks or control characters"),
    ({"api_token": "tok\n"}, "api_token is empty or contains spaces, line breaks or control characters"),
    ({"api_token": "tok\x00"}, "api_token is empty or contains spaces, line breaks or control characters"),
    ({"timeout": 0}, "Invalid timeout: must be more than 0, got 0"),
    ({"timeout": float("inf")}, "Invalid timeout: must be a finite number, got inf"),
    ({"retries": -1}, "Invalid retries: must be at least 0, got -1"),
    ({"retries": 2.5}, "Invalid retries: must be an integer, got float"),
    ({"retry_delay": float("nan")}, "Invalid retry_delay: must be a finite number, got nan"),
    ({"retry_max_delay": -1.0}, "Invalid retry_max_delay: must be at least 0, got -1.0"),
])
def test_connection_problem(changes, problem):
    assert module.connection_problem(dict(GOOD, **changes)) == problem


def test_connection_problem_of_a_ca_path(tmp_path):
    missing = str(tmp_path / "missing.pem")
    assert module.connection_problem(dict(GOOD, ca_path=missing)) == "ca_path %r is not a readable file" % missing
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    assert module.connection_problem(dict(GOOD, ca_path=str(garbage))) == (
        "ca_path %r is not a readable PEM CA bundle (no certificate or crl found)" % str(garbage))
