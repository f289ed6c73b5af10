"""examples/machine-identity.yml through the real ansible-playbook against the local server (authentik 2026.2, whose
users hold roles): a service account, its role and its API token, and a call made with that token."""

import json
import subprocess
import sys
from pathlib import Path

from tests.integration.conftest import TOKEN, PlaybookRun, ansible_env, writes

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "examples" / "machine-identity.yml"
NAME = "inventory-sync"


def play(authentik, tmp_path, verbosity=0):
    """The example as a user runs it: the connection only from AUTHENTIK_URL and AUTHENTIK_TOKEN."""
    results_file = tmp_path / "results.jsonl"
    if results_file.exists():
        results_file.unlink()
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(PLAYBOOK)]
    command += ["-" + "v" * verbosity] if verbosity else []
    authentik.clear_requests()
    process = subprocess.run(command, env=ansible_env(tmp_path, {"AUTHENTIK_URL": authentik.url,
                                                                 "AUTHENTIK_TOKEN": TOKEN}),
                             cwd=str(tmp_path), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=300, check=False)
    results = [json.loads(line) for line in results_file.read_text().splitlines()] if results_file.exists() else []
    return PlaybookRun(process, results)


def test_machine_identity_example_works_and_is_idempotent(authentik, tmp_path):
    first = play(authentik, tmp_path, verbosity=2)
    assert first.rc == 0, first.output
    assert [entry["status"] for entry in first.results] == ["ok"] * 6, first.output

    user = authentik.find_user(NAME)
    assert user["type"] == "service_account"
    assert [role["name"] for role in user["roles_obj"]] == [NAME]
    token = authentik.find_token(NAME + "-api")
    assert (token["user"], token["intent"], token["expiring"]) == (user["pk"], "api", False)
    key = authentik.token_key(NAME + "-api")
    # The uri task called the API with the new token, and the server took it as the account.
    assert ("GET", "/api/v3/core/users/me/") in [(entry["method"], entry["path"]) for entry in authentik.requests]
    for secret in (key, authentik.token_key("service-account-%s-password" % NAME), TOKEN):
        assert secret not in first.output
        assert all(secret not in str(entry) for entry in first.results)

    second = play(authentik, tmp_path)
    assert second.rc == 0, second.output
    assert not any(entry["result"].get("changed") for entry in second.results), second.output
    assert authentik.token_key(NAME + "-api") == key
    # Only the read of the key (view_key) and the call as the account remain; nothing is written.
    assert writes(authentik) == []
