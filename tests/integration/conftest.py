"""Fixtures that run the real ansible-playbook against the local authentik server over loopback HTTP."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.server.authentik_server import AuthentikServer

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = ROOT / "build" / "collections"
CALLBACKS = Path(__file__).resolve().parent / "callback_plugins"
TOKEN = "akops-test-token-5d0c1f9e"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class PlaybookRun(object):
    """The outcome of one ansible-playbook run: exit code, output and each task's result."""

    def __init__(self, process, results):
        self.rc = process.returncode
        self.output = process.stdout + process.stderr
        self.results = results

    def __getitem__(self, task_name):
        matches = [entry["result"] for entry in self.results if entry["task"] == task_name]
        assert matches, "no result for task %r in:\n%s" % (task_name, self.output)
        return matches[-1]

    @property
    def last(self):
        assert self.results, "no task ran:\n%s" % self.output
        return self.results[-1]["result"]


def _release(text):
    return tuple(int(part) for part in text.split("."))


def pytest_collection_modifyitems(config, items):
    """With AKOPS_NEWEST_RELEASE_ONLY=1 (`make test-matrix`), a test that runs against several emulated authentik
    releases (a module whose `server` fixture is parametrized) runs against the newest of them only.

    The matrix is about ansible-core: how it passes arguments, masks secrets, runs check mode. The releases are
    covered by `make test` on the default ansible-core, and running each of them again on every core would multiply
    the slowest part of the suite."""
    if os.environ.get("AKOPS_NEWEST_RELEASE_ONLY") != "1":
        return
    newest = {}
    for item in items:
        release = _server_release(item)
        if release is not None:
            newest[item.module] = max(newest.get(item.module, release), release, key=_release)
    selected = [item for item in items if _server_release(item) in (None, newest.get(item.module))]
    deselected = [item for item in items if item not in selected]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def _server_release(item):
    callspec = getattr(item, "callspec", None)
    release = callspec.params.get("server") if callspec else None
    return release if isinstance(release, str) else None


@pytest.fixture(scope="session")
def server():
    with AuthentikServer(token=TOKEN) as srv:
        yield srv


@pytest.fixture
def authentik(server):
    """The server in its seed state, with an empty request log; fails the test on any schema problem."""
    yield server.fresh()
    problems = [entry for entry in server.requests if entry["unknown_fields"] or entry["schema_errors"]]
    assert not problems, "requests outside authentik's schema: %s" % problems


def writes(srv):
    return [entry for entry in srv.requests if entry["method"] in WRITE_METHODS]


def ansible_env(tmp_path, extra=None):
    env = dict(
        (key, value) for key, value in os.environ.items() if not key.startswith(("AUTHENTIK_", "ANSIBLE_"))
    )
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"),
        ANSIBLE_REMOTE_TMP=str(tmp_path / "ansible-remote"),
        ANSIBLE_CALLBACK_PLUGINS=str(CALLBACKS),
        ANSIBLE_CALLBACKS_ENABLED="record_results",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        AKOPS_RESULTS_FILE=str(tmp_path / "results.jsonl"),
    )
    env.update(extra or {})
    return env


@pytest.fixture
def run_playbook(authentik, tmp_path):
    """run_playbook(tasks, check=False, diff=False, verbosity=0, env=None, connection=True, ...) -> PlaybookRun.

    Each call clears the server's request log first, so `authentik.requests` holds that run's requests."""
    counter = {"n": 0}

    def run(tasks, check=False, diff=False, verbosity=0, env=None, connection=True, playbook_vars=None,
            hosts="localhost", inventory="localhost,", forks=5):
        counter["n"] += 1
        play = {"hosts": hosts, "gather_facts": False, "tasks": tasks, "vars": playbook_vars or {}}
        if connection:
            play["module_defaults"] = {
                "group/akops.authentik.authentik": {"api_url": authentik.url, "api_token": TOKEN}
            }
        playbook = tmp_path / ("playbook-%d.yml" % counter["n"])
        playbook.write_text(json.dumps([play], indent=2))
        results_file = tmp_path / "results.jsonl"
        if results_file.exists():
            results_file.unlink()
        command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", inventory, "-c", "local",
                   "--forks", str(forks), str(playbook)]
        command += ["--check"] if check else []
        command += ["--diff"] if diff else []
        command += ["-" + "v" * verbosity] if verbosity else []
        authentik.clear_requests()
        process = subprocess.run(command, env=ansible_env(tmp_path, env), cwd=str(tmp_path),
                                 stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
                                 check=False)
        results = []
        if results_file.exists():
            results = [json.loads(line) for line in results_file.read_text().splitlines()]
        return PlaybookRun(process, results)

    return run


def find_group(srv, name):
    """The group of that name as the API would return it (members included), or None; sends no request."""
    with srv.store.lock:
        for group in srv.store.groups.values():
            if group["name"] == name:
                return srv.store.group_json(group)
    return None
