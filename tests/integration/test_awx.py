"""AWX / Automation Controller: the shipped credential type, and the module_defaults action group.

The credential type's injectors are rendered the way AWX renders them (Jinja2 over the credential's inputs) and the
resulting environment is the only connection the playbook gets.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
import pytest
import yaml

from tests.integration.conftest import TOKEN, PlaybookRun, ansible_env, writes

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "tests" / "gates" / "playbooks"
CREDENTIAL_TYPE = yaml.safe_load((ROOT / "awx" / "credential_type.yml").read_text())
INJECTED = {"AUTHENTIK_URL", "AUTHENTIK_TOKEN", "AUTHENTIK_VALIDATE_CERTS"}


def play(playbook, tmp_path, env=None, extra_vars=None, collections=None, verbosity=1):
    """Run one playbook file with ansible-playbook; env is added to a clean environment (no AUTHENTIK_*)."""
    extra = dict(env or {})
    if collections:
        extra.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    results_file = tmp_path / "results.jsonl"
    if results_file.exists():
        results_file.unlink()
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
               "-" + "v" * verbosity, str(PLAYBOOKS / playbook), "-e", json.dumps(extra_vars or {})]
    process = subprocess.run(command, env=ansible_env(tmp_path, extra), cwd=str(tmp_path), check=False,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    results = [json.loads(line) for line in results_file.read_text().splitlines()] if results_file.exists() else []
    return PlaybookRun(process, results)


def injected_env(**inputs):
    """The environment AWX gives a job whose credential has these inputs."""
    fields = dict((field["id"], field.get("default")) for field in CREDENTIAL_TYPE["inputs"]["fields"])
    fields.update(inputs)
    sandbox = SandboxedEnvironment(undefined=StrictUndefined)
    return dict((name, sandbox.from_string(template).render(**fields))
                for name, template in CREDENTIAL_TYPE["injectors"]["env"].items())


# ---------------------------------------------------------------- the credential type definition


def test_credential_type_defines_url_token_and_tls_inputs():
    fields = dict((field["id"], field) for field in CREDENTIAL_TYPE["inputs"]["fields"])
    assert set(fields) == {"url", "token", "verify_ssl"}
    assert fields["token"]["secret"] is True
    assert fields["verify_ssl"]["type"] == "boolean" and fields["verify_ssl"]["default"] is True
    assert set(CREDENTIAL_TYPE["inputs"]["required"]) == {"url", "token"}
    assert CREDENTIAL_TYPE["kind"] == "cloud"


def test_credential_type_injects_exactly_the_three_environment_variables():
    assert set(CREDENTIAL_TYPE["injectors"]) == {"env"}
    assert set(CREDENTIAL_TYPE["injectors"]["env"]) == INJECTED
    assert injected_env(url="https://auth.example.com", token="t0k", verify_ssl=False) == {
        "AUTHENTIK_URL": "https://auth.example.com",
        "AUTHENTIK_TOKEN": "t0k",
        "AUTHENTIK_VALIDATE_CERTS": "False",
    }


def test_doc_page_shows_the_shipped_definition():
    """docs/awx.md shows the input and injector configuration as they are in awx/credential_type.yml."""
    page = (ROOT / "docs" / "awx.md").read_text()
    blocks = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", page, re.S)]
    assert CREDENTIAL_TYPE["inputs"] in blocks
    assert CREDENTIAL_TYPE["injectors"] in blocks


# ---------------------------------------------------------------- the modules read exactly that environment


@pytest.mark.parametrize("verify_ssl", [True, False])
def test_modules_take_the_connection_from_the_injected_environment(authentik, tmp_path, verify_ssl):
    env = injected_env(url=authentik.url, token=TOKEN, verify_ssl=verify_ssl)
    authentik.clear_requests()

    run = play("env_connection.yml", tmp_path, env=env)

    assert run.rc == 0, run.output
    assert run["Ensure the user exists"]["changed"] is True
    assert run["Run again, nothing to change"]["changed"] is False
    assert authentik.find_user("awx-user")["email"] == "awx-user@example.com"
    assert [entry["method"] for entry in writes(authentik)] == ["POST"]


def test_the_token_comes_from_authentik_token(authentik, tmp_path):
    env = injected_env(url=authentik.url, token="not-the-token")

    run = play("env_connection.yml", tmp_path, env=env)

    assert run.rc != 0
    assert "403" in run["Ensure the user exists"]["msg"]
    assert authentik.find_user("awx-user") is None


def test_validate_certs_comes_from_authentik_validate_certs(authentik, tmp_path):
    env = injected_env(url=authentik.url, token=TOKEN)
    env["AUTHENTIK_VALIDATE_CERTS"] = "not-a-boolean"

    run = play("env_connection.yml", tmp_path, env=env)

    assert run.rc != 0
    assert "validate_certs" in run["Ensure the user exists"]["msg"]
    assert authentik.requests == []


def test_without_the_environment_the_module_asks_for_the_connection(authentik, tmp_path):
    run = play("env_connection.yml", tmp_path)

    assert run.rc != 0
    assert "api_url" in run["Ensure the user exists"]["msg"]
    assert authentik.requests == []


# ---------------------------------------------------------------- module_defaults: group/akops.authentik.authentik


def test_module_defaults_group_sets_the_connection_once(authentik, tmp_path):
    run = play("module_defaults.yml", tmp_path, extra_vars={"authentik_url": authentik.url, "authentik_token": TOKEN})

    assert run.rc == 0, run.output
    assert run["Ensure the user exists"]["changed"] is True
    assert authentik.find_user("defaults-user")["attributes"]["source"] == "module_defaults"
    assert "403" in run["A task's own option wins over the group default"]["msg"]


def test_every_module_is_in_the_action_group_and_documents_it():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    group = set(runtime["action_groups"]["authentik"])
    modules = set(path.stem for path in (ROOT / "plugins" / "modules").glob("*.py") if not path.stem.startswith("_"))
    assert modules and modules <= group
    for module in sorted(modules):
        source = (ROOT / "plugins" / "modules" / ("%s.py" % module)).read_text()
        assert "akops.authentik.authentik.ACTIONGROUP" in source, module
