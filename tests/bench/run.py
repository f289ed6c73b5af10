"""`make bench`: per-user authentik_user loop vs. uri tasks vs. the bulk authentik_users module, in one run.

Each approach converges the same list of users against the local authentik server (seeded with N users,
page cap 100, answering with the latency of a real server across a network: tests/server/latency.py) in three
scenarios: all up to date, 10 % differ, and check mode with 10 % differing. Wall time and requests sent are
measured for each; the per-user approaches run on a sample of the list (their cost is linear per user, so the
sample is scaled to N, and the table says so). At the largest N the bulk module is also measured reading with
and without concurrency, purging one scope, and for its peak memory. The results and the way to reproduce them
are written to docs/performance.md.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.server.authentik_server import AuthentikServer
from tests.server.latency import DEFAULT_CONCURRENCY, DEFAULT_LATENCY

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = ROOT / "build" / "collections"
TOKEN = "bench-token-8c1e"
PAGE_CAP = 100
# authentik_users' default for its `parallel` option.
DEFAULT_PARALLEL = 4
GROUPS = ("engineering", "sales", "support", "oncall")
STALE = "Stale Name"
# The purge scenario: a scope of this many users inside the directory, of whom PURGED are no longer listed.
SCOPE_USERS = 5000
SCOPE_PATH = "staff/berlin"
PURGED = 10


def desired_users(count):
    return [{"username": "user%05d" % n, "name": "User %d" % n, "email": "user%05d@example.com" % n,
             "groups": [GROUPS[n % len(GROUPS)]]} for n in range(count)]


def seed(srv, specs):
    """The users of `specs`; the last SCOPE_USERS of them (when there are more than that) in SCOPE_PATH."""
    pks = dict((name, srv.add_group(name=name)["pk"]) for name in GROUPS)
    in_scope = set(spec["username"] for spec in scope_specs(specs))
    for spec in specs:
        srv.add_user(username=spec["username"], name=spec["name"], email=spec["email"],
                     groups=[pks[name] for name in spec["groups"]],
                     path=SCOPE_PATH if spec["username"] in in_scope else "users")


def scope_specs(specs):
    return [dict(spec, path=SCOPE_PATH) for spec in specs[-SCOPE_USERS:]] if len(specs) > SCOPE_USERS else []


def set_drift(srv, specs, fraction):
    """Make `fraction` of the listed users differ (a stale name), and the rest match again."""
    every = int(round(1 / fraction)) if fraction else 0
    for index, spec in enumerate(specs):
        srv.set_user_fields(spec["username"], name=STALE if every and index % every == 0 else spec["name"])


def ansible_env(tmp):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "AUTHENTIK_")))
    env.update(ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_LOCAL_TEMP=str(tmp / "local"), ANSIBLE_REMOTE_TMP=str(tmp / "remote"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
               ANSIBLE_DISPLAY_OK_HOSTS="0", ANSIBLE_DISPLAY_SKIPPED_HOSTS="0")
    return env


def run_play(tmp, play, check=False):
    path = tmp / "play.yml"
    path.write_text(json.dumps([play]))
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(path)]
    command += ["--check"] if check else []
    started = time.perf_counter()
    process = subprocess.run(command, env=ansible_env(tmp), capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit("playbook failed:\n" + process.stdout[-3000:] + process.stderr[-3000:])
    return elapsed


def connection(srv):
    return {"api_url": srv.url, "api_token": TOKEN}


def play_module_loop(srv, specs):
    task = {"name": "each user", "akops.authentik.authentik_user": dict(
        connection(srv), username="{{ item.username }}", name="{{ item.name }}", email="{{ item.email }}",
        groups="{{ item.groups }}"), "loop": specs, "loop_control": {"label": "{{ item.username }}"}}
    return {"hosts": "localhost", "gather_facts": False, "tasks": [task]}


def play_uri(srv, specs):
    """GET each user, then PATCH the ones whose fields differ: how playbooks do it without a module."""
    headers = {"Authorization": "Bearer %s" % TOKEN}
    lookup = {"name": "look up", "ansible.builtin.uri": {
        "url": srv.url + "/api/v3/core/users/?username={{ item.username | urlencode }}", "headers": headers},
        "loop": specs, "register": "found", "check_mode": False, "loop_control": {"label": "{{ item.username }}"}}
    differs = ("item.json.results[0].name != item.item.name or item.json.results[0].email != item.item.email or "
               "(item.json.results[0].groups_obj | map(attribute='name') | list) != item.item.groups")
    update = {"name": "update", "ansible.builtin.uri": {
        "url": srv.url + "/api/v3/core/users/{{ item.json.results[0].pk }}/", "method": "PATCH",
        "headers": headers, "body_format": "json",
        "body": {"name": "{{ item.item.name }}", "email": "{{ item.item.email }}"}},
        "loop": "{{ found.results }}", "when": differs, "loop_control": {"label": "{{ item.item.username }}"}}
    return {"hosts": "localhost", "gather_facts": False, "tasks": [lookup, update]}


def play_bulk(srv, specs, **options):
    task = {"name": "all users", "akops.authentik.authentik_users": dict(connection(srv), users=specs, **options)}
    return {"hosts": "localhost", "gather_facts": False, "tasks": [task]}


def measure(srv, tmp, make_play, specs, scenario, sample):
    """(seconds, requests) for converging `specs`, measured on the first `sample` of them and scaled."""
    subset = specs[:sample]
    set_drift(srv, specs, 0.1 if scenario != "up to date" else 0)
    srv.clear_requests()
    seconds = run_play(tmp, make_play(srv, subset), check=scenario == "check mode")
    requests_sent = len(srv.requests)
    scale = len(specs) / len(subset)
    return seconds * scale, int(round(requests_sent * scale)), scale != 1


def module_peak_memory(srv, tmp, specs, args_only=False):
    """Peak RSS (MiB) of the authentik_users module process converging `specs` in check mode, run outside Ansible
    on an args file as Ansible runs it. With `args_only` the process stops once AnsibleModule has read and checked
    its arguments, before the first request: what Ansible's argument passing costs by itself."""
    set_drift(srv, specs, 0)
    args = tmp / "args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": dict(connection(srv), users=specs, _ansible_check_mode=True)}))
    module = COLLECTIONS / "ansible_collections/akops/authentik/plugins/modules/authentik_users.py"
    env = dict(os.environ, PYTHONPATH=str(COLLECTIONS))
    # A small launcher starts the module: a child forked from this (large) process would report this
    # process's memory as its own peak.
    launcher = ("import os, subprocess, sys; p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL); "
                "print(os.wait4(p.pid, 0)[2].ru_maxrss)")
    command = [sys.executable, str(module), str(args)]
    if args_only:
        command = [sys.executable, "-c", STOP_AFTER_ARGUMENTS, str(module), str(args)]
    output = subprocess.run([sys.executable, "-c", launcher] + command, env=env, capture_output=True, text=True,
                            check=True).stdout
    return int(output.strip()) / 1024.0


# Runs a module file as Ansible does, but ends the process as soon as AnsibleModule() has returned.
STOP_AFTER_ARGUMENTS = """
import os, runpy, sys
import ansible.module_utils.basic as basic
original = basic.AnsibleModule.__init__
def stop_after(self, *args, **kwargs):
    original(self, *args, **kwargs)
    os._exit(0)
basic.AnsibleModule.__init__ = stop_after
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def measure_reads(srv, tmp, specs):
    """An up-to-date audit (check mode) of all N users, reading with the default concurrency and with parallel: 1,
    in the same run: {parallel: (playbook seconds, requests, seconds of the module process alone)}."""
    set_drift(srv, specs, 0)
    measured = {}
    for parallel in (DEFAULT_PARALLEL, 1):
        srv.clear_requests()
        seconds = run_play(tmp, play_bulk(srv, specs, parallel=parallel), check=True)
        measured[parallel] = (seconds, len(srv.requests), module_seconds(srv, tmp, specs, parallel))
    return measured


def module_seconds(srv, tmp, specs, parallel):
    """Wall time of the authentik_users module process alone (check mode, run on an args file as Ansible runs it):
    the playbook's time without Ansible's own work on the task."""
    args = tmp / "args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": dict(
        connection(srv), users=specs, parallel=parallel, _ansible_check_mode=True)}))
    module = COLLECTIONS / "ansible_collections/akops/authentik/plugins/modules/authentik_users.py"
    started = time.perf_counter()
    subprocess.run([sys.executable, str(module), str(args)], env=dict(os.environ, PYTHONPATH=str(COLLECTIONS)),
                   stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def measure_purge(srv, tmp, specs):
    """Converge the SCOPE_USERS-user scope from a list that leaves out PURGED of them, purging the scope:
    (seconds, requests, users deactivated). The deactivated users are made active again afterwards."""
    set_drift(srv, specs, 0)
    scope = scope_specs(specs)
    listed = scope[:-PURGED]
    srv.clear_requests()
    seconds = run_play(tmp, play_bulk(srv, listed, purge={"path_startswith": SCOPE_PATH}))
    sent = srv.requests
    deactivated = sum(1 for entry in sent if entry["method"] == "PATCH" and entry["body"] == {"is_active": False})
    for spec in scope[-PURGED:]:
        srv.set_user_fields(spec["username"], is_active=True)
    return seconds, len(sent), deactivated


def single_task_overhead(srv, tmp, repeats):
    """Per-task wall time of authentik_user (up to date) against ansible.builtin.ping, in one playbook run."""
    spec = desired_users(1)[0]
    set_drift(srv, [spec], 0)
    play = {"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "ping", "ansible.builtin.ping": {}, "loop": list(range(repeats))},
        {"name": "user", "loop": list(range(repeats)),
         "akops.authentik.authentik_user": dict(connection(srv), username=spec["username"], name=spec["name"])},
    ]}
    path = tmp / "overhead.yml"
    path.write_text(json.dumps([play]))
    env = ansible_env(tmp)
    env.update(ANSIBLE_CALLBACK_PLUGINS=str(Path(__file__).parent / "callback_plugins"),
               ANSIBLE_CALLBACKS_ENABLED="task_timings", AKOPS_TIMINGS=str(tmp / "timings.json"))
    subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
                    str(path)], env=env, capture_output=True, check=True)
    timings = json.loads((tmp / "timings.json").read_text())
    return timings["ping"] / repeats, timings["user"] / repeats


def import_costs():
    """Seconds to import authentik_user's module file in a fresh interpreter, and how much of it is requests."""
    def timed(statement):
        code = "import time; t = time.perf_counter(); %s; print(time.perf_counter() - t)" % statement
        env = dict(os.environ, PYTHONPATH=str(COLLECTIONS))
        runs = [float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                     check=True).stdout) for attempt in range(5)]
        return min(runs)
    return (timed("import ansible_collections.akops.authentik.plugins.modules.authentik_user"),
            timed("import ansible.module_utils.basic"), timed("import requests"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--loop-sample", type=int, default=50,
                        help="users the per-user approaches converge, scaled to N (0: all of them)")
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance.md"))
    options = parser.parse_args()

    rows, budgets, memory = [], [], {}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for size in options.sizes:
            srv = AuthentikServer(token=TOKEN, page_size_max=PAGE_CAP, latency=DEFAULT_LATENCY,
                                  validate=False).start()
            specs = desired_users(size)
            seed(srv, specs)
            sample = min(size, options.loop_sample or size)
            for scenario in ("up to date", "10% differ", "check mode"):
                results = {}
                for label, make_play, subset in (("a", play_module_loop, sample), ("b", play_uri, sample),
                                                 ("c", play_bulk, size)):
                    results[label] = measure(srv, tmp, make_play, specs, scenario, subset)
                    print("N=%d %-11s %s: %.1f s, %d requests%s" % (
                        size, scenario, label, results[label][0], results[label][1],
                        " (scaled from %d users)" % subset if results[label][2] else ""), flush=True)
                rows.append((size, scenario, results))
            set_drift(srv, specs, 0)
            srv.clear_requests()
            run_play(tmp, play_bulk(srv, specs))
            budgets.append((size, len(srv.requests), math.ceil((size + 1) / PAGE_CAP)))
            memory[size] = (module_peak_memory(srv, tmp, specs), module_peak_memory(srv, tmp, specs, True))
            print("N=%d peak RSS %.0f MiB (arguments alone %.0f MiB)" % ((size,) + memory[size]), flush=True)
            if size == options.sizes[0]:
                overhead = single_task_overhead(srv, tmp, 30)
            if size == options.sizes[-1]:
                reads = (size, measure_reads(srv, tmp, specs))
                print("N=%d audit reads: %s" % reads, flush=True)
                purge = (size, measure_purge(srv, tmp, specs))
                print("N=%d purge: %s" % purge, flush=True)
            srv.stop()
    write_report(options, rows, budgets, memory, overhead, import_costs(), reads, purge)


def write_report(options, rows, budgets, memory, overhead, imports, reads, purge):
    latency = DEFAULT_LATENCY
    lines = [
        "# Performance",
        "",
        "Measured by `make bench` on this repository's CI machine size (2 cores), against the local authentik API",
        "server on loopback, seeded with N users in %d groups, with authentik's page cap of %d." % (
            len(GROUPS), PAGE_CAP),
        "",
        "The server answers with the latency of a real authentik across a network (its latency profile,",
        "`python -m tests.server --latency`): %.0f ms per request, plus %.1f ms per user in a list page, plus %.0f ms"
        % (latency.per_request * 1000, latency.per_object * 1000, latency.per_write * 1000),
        "per write; a page of 100 users takes %.0f ms, within the 100-300 ms that a real server takes for a page of"
        % (latency.delay(PAGE_CAP) * 1000),
        "users with their groups. Like a default authentik deployment (2 web workers with 4 threads each), it",
        "serves at most %d requests at once. Every figure below was produced with this profile." % DEFAULT_CONCURRENCY,
        "",
        "Every approach converges the same list of N users (name, email, one group each):",
        "",
        "- **(a)** a loop of `akops.authentik.authentik_user`, one task per user;",
        "- **(b)** `ansible.builtin.uri` tasks written the way playbooks do it without a module: a GET per user,",
        "  then a PATCH for the users whose fields differ;",
        "- **(c)** one `akops.authentik.authentik_users` task with the whole list (default `parallel: %d`)."
        % DEFAULT_PARALLEL,
        "",
        "Per-user approaches (a) and (b) converge the first %d users of the list and are scaled to N (marked *):"
        % options.loop_sample,
        "each user is an independent task, so their cost grows linearly. (c) always converges all N users.",
        "",
        "| N | scenario | (a) loop | (b) uri | (c) bulk | requests a / b / c | b/a | a/c |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size, scenario, results in rows:
        (ta, ra, sa), (tb, rb, sb), (tc, rc) = results["a"], results["b"], results["c"][:2]
        lines.append("| %d | %s | %s%s | %s%s | %s | %d / %d / %d | %.1f | %.0f |" % (
            size, scenario, duration(ta), "*" if sa else "", duration(tb), "*" if sb else "", duration(tc),
            ra, rb, rc, tb / ta, ta / tc))
    size, measured = reads
    (fast, fast_requests, fast_module), (slow, slow_requests, slow_module) = measured[DEFAULT_PARALLEL], measured[1]
    lines += ["", "## Reading the directory concurrently", "",
              "An up-to-date audit (`--check`) of all N = %d users by one `authentik_users` task, in the same run,"
              % size,
              "through `ansible-playbook` and, to set Ansible's own work apart, the module process alone:", "",
              "| reads | ansible-playbook | module process alone | requests |", "|---|---|---|---|",
              "| `parallel: %d` (default) | %s | %s | %d |" % (
                  DEFAULT_PARALLEL, duration(fast), duration(fast_module), fast_requests),
              "| `parallel: 1` (one page after the other) | %s | %s | %d |" % (
                  duration(slow), duration(slow_module), slow_requests),
              "| ratio | %.1f | %.1f | |" % (slow / fast, slow_module / fast_module), "",
              "Both send the same requests: the first page tells how many there are, and the others are read %d at a"
              % DEFAULT_PARALLEL,
              "time. The playbook's ratio is smaller because Ansible's own work on a task with %d entries (templating"
              % size,
              "it, passing its arguments, reading the result) takes the same time either way."]
    size, (seconds, sent, deactivated) = purge
    lines += ["", "## A purge of one scope", "",
              "The list of a %d-user scope (`purge: {path_startswith: %s}`) inside the N = %d directory, leaving out"
              % (SCOPE_USERS, SCOPE_PATH, size),
              "%d of its users: %d requests, %s. authentik's own `path_startswith` filter narrows the read to the"
              % (PURGED, sent, duration(seconds)),
              "scope: %d list pages, the token owner (`/core/users/me/`) and %d deactivations. Reading the whole"
              % (math.ceil(SCOPE_USERS / PAGE_CAP), deactivated),
              "directory instead would take %d list requests." % math.ceil((size + 1) / PAGE_CAP)]
    lines += ["", "## Request budget of the bulk module", "",
              "| N | requests to converge N up-to-date users | ceil((N + 1) / %d) |" % PAGE_CAP, "|---|---|---|"]
    lines += ["| %d | %d | %d |" % row for row in budgets]
    lines += ["", "(N + 1: the directory also holds the admin user.) The groups are known from the users' own",
              "`groups_obj`, so no group lookup is needed when nothing changes.", "",
              "## Peak memory of the bulk module", "",
              "Maximum resident set size of the `authentik_users` module process auditing all N users (check mode),",
              "and of the same process stopped right after `AnsibleModule()` has read and checked its arguments:",
              "", "| N | whole run | arguments alone | the run's own share |", "|---|---|---|---|"]
    lines += ["| %d | %.0f MiB | %.0f MiB | %.0f MiB |" % (size, total, args, total - args)
              for size, (total, args) in sorted(memory.items())]
    largest = max(memory)
    total, args = memory[largest]
    lines += ["", "The target is at most 250 MiB at 100,000 users. %s" % memory_verdict(largest, total, args)]
    ping, user = overhead
    lines += ["", "## One `authentik_user` task", "",
              "Per task, in the same playbook run (30 iterations each, up-to-date user, one request per task):", "",
              "- `ansible.builtin.ping`: %.0f ms" % (ping * 1000),
              "- `akops.authentik.authentik_user`: %.0f ms" % (user * 1000), "",
              "The difference is the module's own cost: importing `requests`, one HTTP request (%.0f ms of it the"
              % (latency.per_request * 1000),
              "server's latency) and the comparison.",
              "", "Start-up, each in a fresh interpreter (best of five): importing the module file takes %.0f ms,"
              % (imports[0] * 1000),
              "while `ansible.module_utils.basic` alone takes %.0f ms and `requests` alone %.0f ms (they share much of"
              % (imports[1] * 1000, imports[2] * 1000),
              "the standard library): the collection's own code adds little. `concurrent.futures` and threads are",
              "imported only by the bulk module.",
              "", "## Reproduce", "", "```bash",
              "make bench            # N = %s, about half an hour" % " and ".join(str(n) for n in options.sizes),
              "make soak             # converging 5,000 users while the server fails 5% of the requests", "```", "",
              "`python -m tests.bench.run --sizes 1000 --loop-sample 0` measures the per-user loops on every user.",
              "`python -m tests.server --latency ...` starts the same server for your own measurements.",
              ""]
    Path(options.output).write_text("\n".join(lines))
    print("\n".join(lines))


def duration(seconds):
    return "%.1f s" % seconds if seconds < 600 else "%.0f min" % (seconds / 60)


def memory_verdict(size, total, args):
    if total <= 250:
        return "At N = %d the whole run peaks at %.0f MiB." % (size, total)
    return ("At N = %d it is missed by %.0f MiB. Ansible's argument passing is what limits it: before the first "
            "request, decoding the %d entries and checking them against the module's argument spec (which fills in "
            "every option of every entry) already takes %.0f MiB; the module's own reading, planning and result "
            "add %.0f MiB." % (size, total - 250, size, args, total - args))


if __name__ == "__main__":
    main()
