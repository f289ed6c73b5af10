"""Every module's EXAMPLES run, in order, as one play against a fresh local server.

The examples are the users' documentation, so they must work as written: each one creates what it needs
(the group before a member joins it, a user before it is renamed by its pk) and leaves the connection to
module_defaults or the environment.

How the connection is supplied: run_playbook gives the play
`module_defaults: {group/akops.authentik.authentik: {api_url: <local server>, api_token: <token>}}`, which every
example task without its own connection options inherits. The one example that shows a `module_defaults` block
itself (in authentik_user) takes its values from the variables `authentik_url` and `authentik_token`, as a real
play would from inventory or a vault; the test sets those as play vars pointing at the same local server. No other
variable is supplied, so an example that needs one fails here.

The EXAMPLES text is read from the module source (the way `ansible-doc` finds it, without running ansible-doc)
and runs against the collection that `make install` put into build/collections.
"""

import ast
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.integration.conftest import TOKEN

ROOT = Path(__file__).resolve().parents[2]
MODULES_DIR = ROOT / "plugins" / "modules"
COLLECTION = "akops.authentik"
# Modules are found by listing plugins/modules, as the docs gate does, so a new module is covered here too.
MODULES = sorted(path.stem for path in MODULES_DIR.glob("*.py") if not path.stem.startswith("_"))


def examples_of(module):
    """The module's EXAMPLES string, parsed as the task list it documents."""
    tree = ast.parse((MODULES_DIR / ("%s.py" % module)).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXAMPLES" for t in node.targets):
            tasks = yaml.safe_load(ast.literal_eval(node.value))
            assert isinstance(tasks, list) and tasks, "%s: EXAMPLES is not a list of tasks" % module
            return tasks
    raise AssertionError("%s has no EXAMPLES" % module)


def leaf_tasks(tasks):
    """The tasks that run, with blocks (and their rescue/always parts) flattened."""
    for task in tasks:
        if any(key in task for key in ("block", "rescue", "always")):
            for key in ("block", "rescue", "always"):
                yield from leaf_tasks(task.get(key) or [])
        else:
            yield task


def collection_action(task):
    return next((key for key in task if key.startswith(COLLECTION + ".")), None)


def test_every_module_has_examples():
    assert MODULES, "no modules found in %s" % MODULES_DIR
    for module in MODULES:
        fqcn = "%s.%s" % (COLLECTION, module)
        assert any(collection_action(task) == fqcn for task in leaf_tasks(examples_of(module))), (
            "no example of %s calls it by its FQCN" % module
        )


# What a real server has set up before some examples can run: authentik_user_recovery needs the brand's recovery
# flow and the email stage its example names.
SETUP = {
    "authentik_user_recovery": lambda srv: srv.configure_recovery(email_stages=["default-recovery-email"]),
}


@pytest.mark.parametrize("module", MODULES)
def test_examples_run_in_order_against_a_fresh_server(module, authentik, run_playbook):
    SETUP.get(module, lambda srv: None)(authentik)
    tasks = examples_of(module)
    expected = Counter(task["name"] for task in leaf_tasks(tasks))
    connection_vars = {"authentik_url": authentik.url, "authentik_token": TOKEN}

    run = run_playbook(tasks, playbook_vars=connection_vars)

    assert run.rc == 0, run.output
    failed = [entry["task"] for entry in run.results if entry["status"] == "failed"]
    assert not failed, "failed: %s\n%s" % (failed, run.output)
    # Every example task ran (none was skipped), each module task against the local server.
    ran = Counter(entry["task"] for entry in run.results if entry["status"] == "ok")
    assert ran == expected, run.output
    assert authentik.requests, "the examples sent no request to the local server"
    for task in leaf_tasks(tasks):
        action = collection_action(task)
        if action is None:
            continue
        result = run[task["name"]]
        assert "api_url" not in task[action] and "api_token" not in task[action], (
            "%s: the task %r hard-codes the connection; use module_defaults or AUTHENTIK_URL/AUTHENTIK_TOKEN"
            % (module, task["name"])
        )
        assert not result.get("failed"), result
