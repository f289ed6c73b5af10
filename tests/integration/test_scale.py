"""authentik_users at scale, through the real ansible-playbook: converging while the server fails a seeded random
share of the requests, and two tasks on disjoint scopes running at the same time.

`make test` converges 300 users under faults; `make soak` runs the same test with 5,000 (AKOPS_SOAK_USERS)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import TOKEN, ansible_env
from tests.server.authentik_server import AuthentikServer
from tests.server.latency import Latency

BULK = "akops.authentik.authentik_users"
SOAK_USERS = int(os.environ.get("AKOPS_SOAK_USERS", "300"))
FAULT_RATE = 0.05
FAULT_KINDS = ("429", "502", "503", "reset", "lost")
# A tenth of the list exists already, half of those with a stale name; the rest is new.
EXISTING_SHARE = 10


class Job(object):
    """One ansible-playbook run of one authentik_users task, started in the background."""

    def __init__(self, srv, tmp_path, name, task_args, check=False):
        self.directory = tmp_path / name
        self.directory.mkdir()
        self.results_file = self.directory / "results.jsonl"
        play = {"hosts": "localhost", "gather_facts": False,
                "tasks": [{"name": name, BULK: dict(task_args, api_url=srv.url, api_token=TOKEN)}]}
        playbook = self.directory / "playbook.yml"
        playbook.write_text(json.dumps([play]))
        command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
                   str(playbook)] + (["--check"] if check else [])
        env = ansible_env(self.directory, {"AKOPS_RESULTS_FILE": str(self.results_file)})
        self.process = subprocess.Popen(command, env=env, cwd=str(self.directory), stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def wait(self, timeout=1800):
        """(rc, the task's result, the output)."""
        output, _ignored = self.process.communicate(timeout=timeout)
        lines = self.results_file.read_text().splitlines() if self.results_file.exists() else []
        assert lines, "no task result:\n" + output[-5000:]
        return self.process.returncode, json.loads(lines[-1])["result"], output


def run_job(srv, tmp_path, name, task_args, check=False):
    return Job(srv, tmp_path, name, task_args, check).wait()


def spec_for(number):
    return {"username": "soak%05d" % number, "name": "Soak %d" % number, "email": "soak%05d@example.com" % number,
            "path": "soak", "groups": ["soakers"], "attributes": {"n": number}}


def holds(user, spec):
    """Whether the server's user is exactly what the spec asks."""
    return (user is not None and user["name"] == spec["name"] and user["email"] == spec["email"]
            and user["path"] == spec["path"] and user["attributes"] == spec["attributes"]
            and sorted(group["name"] for group in user["groups_obj"]) == spec["groups"])


def snapshot(srv):
    """{username: user} of the whole directory, as the API shows it."""
    with srv.store.lock:
        return dict((user["username"], srv.store.user_json(user)) for user in srv.store.users.values())


def concerns(entry, username, pk):
    """Whether a logged request is about this user: its create, a lookup of it, or a write to its pk."""
    body, query = entry.get("body") or {}, entry.get("query") or {}
    return (body.get("username") == username or query.get("username") == [username]
            or (pk is not None and entry["path"].startswith("/api/v3/core/users/%d/" % pk)))


@pytest.fixture
def soak_server():
    """A server of its own, failing a seeded 5% of the requests once `chaos` is called."""
    with AuthentikServer(token=TOKEN, validate=False) as srv:
        yield srv


@pytest.mark.parametrize("retries", [3, 0], ids=["retried", "no-retries"])
def test_converging_under_transient_faults(soak_server, tmp_path, retries):
    srv = soak_server
    group = srv.add_group(name="soakers")
    specs = [spec_for(number) for number in range(SOAK_USERS)]
    for spec in specs[::EXISTING_SHARE]:
        srv.add_user(username=spec["username"], name="Stale" if spec["attributes"]["n"] % 20 else spec["name"],
                     email=spec["email"], path="soak", groups=[group["pk"]], attributes=spec["attributes"])
    for number in range(20):  # users the list does not name: nothing may touch them
        srv.add_user(username="bystander%02d" % number, name="B", path="soak")
    before = snapshot(srv)
    task = {"users": specs, "retries": retries, "retry_delay": 0.05, "retry_max_delay": 1}

    srv.clear_requests()
    srv.chaos(rate=FAULT_RATE, seed=20261202 + retries, kinds=FAULT_KINDS, retry_after=1)
    rc, result, output = run_job(srv, tmp_path, "under-faults", task)
    srv.chaos(rate=0)
    log = srv.requests
    after = snapshot(srv)

    assert any(entry.get("chaos") for entry in log), "no fault was injected"
    # At most one successful create per user: a create is never repeated once it went through.
    creates = srv.successful_creates()
    assert creates and max(creates.values()) == 1
    # Nobody outside the list was touched.
    for username, user in before.items():
        if not username.startswith("soak"):
            assert after[username] == user, username
    assert sorted(name for name in after if name not in before) == sorted(
        spec["username"] for spec in specs if spec["username"] not in before and spec["username"] in after)

    if "results" in result:
        failed = sorted(entry["username"] for entry in result["results"] if entry.get("failed"))
        # The task fails exactly when some user failed, and its message names exactly those users.
        assert (rc != 0) == bool(failed), output[-3000:]
        if failed:
            named = sorted(re.findall(r"(?:: |\| )(soak\d{5}): ", result["msg"]))
            assert named == failed and result["msg"].startswith("%d of " % len(failed))
        for spec in specs:
            user = after.get(spec["username"])
            if spec["username"] in failed:
                # A user fails only when a request about it met a fault.
                pk = (user or before.get(spec["username"]) or {}).get("pk")
                assert any(entry.get("chaos") and concerns(entry, spec["username"], pk) for entry in log)
            else:
                assert holds(user, spec), (spec, user)
        if retries == 0:
            assert failed, "with no retries, a 5% fault rate must fail some users"
    else:
        # The directory could not be read at all: the task failed before its first write.
        assert rc != 0 and not any(entry["method"] != "GET" for entry in log)

    # A rerun on a healthy server converges to exactly the requested directory, and a third run changes nothing.
    rc, result, output = run_job(srv, tmp_path, "rerun", dict(task, retries=3))
    assert rc == 0, output[-3000:]
    final = snapshot(srv)
    assert all(holds(final.get(spec["username"]), spec) for spec in specs)
    assert sorted(final) == sorted(set(before) | set(spec["username"] for spec in specs))
    assert max(srv.successful_creates().values()) == 1
    rc, result, output = run_job(srv, tmp_path, "third", task)
    assert rc == 0 and result["changed"] is False, output[-3000:]


def team(scope, count):
    return [{"username": "%s-%03d" % (scope, number), "name": "%s %d" % (scope, number), "path": "teams/" + scope}
            for number in range(count)]


def test_two_jobs_on_disjoint_scopes_at_the_same_time(tmp_path):
    """Two purging tasks run at once against a server with network latency, so their reads and writes overlap.
    Each converges its scope; neither deactivates the other's users."""
    latency = Latency(per_request=0.004, per_object=0.0002, per_write=0.004)
    with AuthentikServer(token=TOKEN, validate=False, page_size_max=100, latency=latency) as srv:
        lists = {"a": team("a", 150), "b": team("b", 150)}
        for scope, specs in lists.items():
            for spec in specs[:100]:
                srv.add_user(username=spec["username"], name="Stale", path=spec["path"])
            for number in range(8):
                srv.add_user(username="%s-leaver%d" % (scope, number), path="teams/" + scope)
        srv.add_user(username="teams-root", path="teams")
        jobs = dict((scope, Job(srv, tmp_path, scope, {
            "users": specs, "purge": {"path_startswith": "teams/" + scope}, "parallel": 4}))
            for scope, specs in lists.items())
        outcomes = dict((scope, job.wait()) for scope, job in jobs.items())

        for scope, (rc, result, output) in outcomes.items():
            assert rc == 0, output[-3000:]
            assert result["summary"]["deactivated"] == ["%s-leaver%d" % (scope, n) for n in range(8)]
            assert result["counts"]["created"] == 50 and result["counts"]["updated"] == 100
        directory = snapshot(srv)
        for scope, specs in lists.items():
            for spec in specs:
                user = directory[spec["username"]]
                assert user["is_active"] and user["name"] == spec["name"] and user["path"] == spec["path"]
        assert directory["teams-root"]["is_active"]
        # Each job's scope read used the server's filter, so neither listed the other's users.
        scoped = [entry["query"]["path_startswith"][0] for entry in srv.requests
                  if entry["method"] == "GET" and "path_startswith" in entry["query"]]
        assert sorted(set(scoped)) == ["teams/a", "teams/b"]
