"""The collection as users get it: the tarball that `ansible-galaxy collection build` makes holds only what a user
needs, installs into a fresh collections path and runs a playbook from there against the local authentik server."""

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from tests.integration.conftest import COLLECTIONS, TOKEN
from tests.integration.test_awx import play

ROOT = Path(__file__).resolve().parents[2]
GALAXY = str(Path(sys.executable).parent / "ansible-galaxy")
MODULES = sorted(path.stem for path in (ROOT / "plugins" / "modules").glob("*.py") if not path.stem.startswith("_"))
CONNECTION = {"api_url", "api_token", "validate_certs", "ca_path", "timeout"}


def galaxy(*args):
    process = subprocess.run([GALAXY, "collection"] + list(args), capture_output=True, text=True, check=False,
                             stdin=subprocess.DEVNULL, cwd=str(ROOT))
    assert process.returncode == 0, process.stdout + process.stderr
    return process


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    galaxy("build", "--output-path", str(dist), str(ROOT))
    (built,) = dist.glob("akops-authentik-*.tar.gz")
    return built


def test_tarball_holds_the_collection_and_nothing_for_development(tarball):
    with tarfile.open(str(tarball)) as archive:
        names = set(name.rstrip("/") for name in archive.getnames())
    sources = set(str(path.relative_to(ROOT)) for path in (ROOT / "plugins").rglob("*.py")
                  if "__pycache__" not in path.parts)
    assert sources <= names
    assert {"meta/runtime.yml", "meta/execution-environment.yml", "requirements.txt", "README.md"} <= names
    development = ("tests", "build", ".ci", ".git", ".venv", ".pytest_cache", ".hypothesis", "changelogs/fragments")
    unwanted = [name for name in names
                if name.startswith(tuple(prefix + "/" for prefix in development)) or name in development
                or name.startswith(".venv") or "__pycache__" in name or name.endswith((".pyc", ".tar.gz"))]
    assert unwanted == []


def test_tarball_installs_into_a_fresh_path_and_runs(tarball, authentik, tmp_path):
    fresh = tmp_path / "collections"
    galaxy("install", "--offline", "--force", "-p", str(fresh), str(tarball))
    installed = fresh / "ansible_collections" / "akops" / "authentik"
    assert (installed / "MANIFEST.json").is_file()

    run = play("module_defaults.yml", tmp_path, collections=fresh, verbosity=3,
               extra_vars={"authentik_url": authentik.url, "authentik_token": TOKEN})

    assert run.rc == 0, run.output
    assert run["Ensure the user exists"]["changed"] is True
    assert authentik.find_user("defaults-user") is not None
    # The module came from the fresh path, not from the checkout or build/collections.
    assert "Using module file %s" % (installed / "plugins" / "modules" / "authentik_user.py") in run.output


def example_arguments(module):
    """The arguments of the module's first EXAMPLES task, without connection options and templated values."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS))
    fqcn = "akops.authentik." + module
    process = subprocess.run([str(Path(sys.executable).parent / "ansible-doc"), "--json", "-t", "module", fqcn],
                             capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, check=False)
    assert process.returncode == 0, process.stderr
    examples = yaml.safe_load(json.loads(process.stdout)[fqcn]["examples"])
    arguments = next(task[fqcn] for task in examples if fqcn in task) or {}
    return dict((name, value) for name, value in arguments.items()
                if name not in CONNECTION and "{{" not in json.dumps(value))


@pytest.mark.parametrize("module", MODULES)
def test_modules_fail_clearly_without_requests(module, run_playbook, authentik, tmp_path):
    """With requests not importable on the managed host, every module fails with missing_required_lib's message."""
    blocker = tmp_path / "no-requests" / "requests"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError(\"No module named 'requests'\")\n")

    run = run_playbook([{"name": "run", "akops.authentik." + module: example_arguments(module)}],
                       env={"PYTHONPATH": str(blocker.parent)})

    assert run.rc != 0
    assert "Failed to import the required Python library (requests)" in run.last["msg"], run.output
    assert authentik.requests == []
