"""examples/export.yml and examples/audit.yml against the local server, through real ansible-playbook runs.

The export is proven by its round trip: converging what it wrote changes nothing and sends no write, and a purge of
the exported scope deactivates nobody. The audit is proven write-free, failing on drift only, with its artifacts."""

import json
import subprocess
import sys
from pathlib import Path

import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.integration.conftest import ROOT, TOKEN, ansible_env, writes

EXAMPLES = ROOT / "examples"
# Characters that YAML and Ansible treat specially, letters outside ASCII, and the ones authentik usernames allow.
# Jinja's "{" is left out: a value holding "{{" needs !unsafe in a variables file (docs/audits.md).
ODD = "abcXYZ019 .-_@:#'\"!,[]*&|>%?éßЖ中"
names = st.text(st.sampled_from(ODD), min_size=1, max_size=12).map(lambda text: text.strip()).filter(
    lambda text: text and text not in ("-", "--"))
json_values = st.recursive(st.none() | st.booleans() | st.integers(-10 ** 6, 10 ** 6)
                           | st.text(st.sampled_from(ODD), max_size=6),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
                           max_leaves=5)
# authentik's own client checks usernames against [\w.@+-]+ where it lists a group's members.
usernames_strategy = st.text(st.sampled_from("abcXYZ019.-_@+éßЖ中"), min_size=1, max_size=12)
attribute_keys = names | st.sampled_from(["goauthentik.io/user/sources", "goauthentik.io/ldap/uid"])


def run_example(tmp_path, authentik, playbook, extra_vars=None, check=False):
    """(exit code, output, recorded task results) of one run of an example playbook."""
    results_file = tmp_path / "results.jsonl"
    if results_file.exists():
        results_file.unlink()
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
               str(EXAMPLES / playbook), "-e", json.dumps(extra_vars or {})]
    command += ["--check", "--diff"] if check else []
    env = ansible_env(tmp_path, {"AUTHENTIK_URL": authentik.url, "AUTHENTIK_TOKEN": TOKEN})
    authentik.clear_requests()
    process = subprocess.run(command, env=env, cwd=str(tmp_path), stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=600, check=False)
    results = [json.loads(line) for line in results_file.read_text().splitlines()] if results_file.exists() else []
    return process.returncode, process.stdout + process.stderr, results


def export(tmp_path, authentik, scope="users"):
    target = tmp_path / "group_vars" / "all" / "authentik.yml"
    rc, output, dummy = run_example(tmp_path, authentik, "export.yml",
                                    {"export_path_startswith": scope, "export_file": str(target)})
    assert rc == 0, output
    assert not writes(authentik), writes(authentik)
    return target


CONVERGE = [
    {"name": "Read the export", "ansible.builtin.include_vars": {"file": "{{ export_file }}"}},
    {"name": "Converge the users, purging the exported scope",
     "akops.authentik.authentik_users": {"users": "{{ authentik_users_spec }}",
                                         "purge": {"path_startswith": "{{ authentik_users_scope }}"}}},
    {"name": "Converge the groups",
     "akops.authentik.authentik_group": dict((option, "{{ item.%s | default(omit) }}" % option) for option in (
         "name", "pk", "is_superuser", "parent", "attributes", "attributes_mode", "users", "users_mode", "roles",
         "roles_mode")),
     "loop": "{{ authentik_groups_spec }}"},
]


def assert_round_trip(run_playbook, authentik, exported):
    run = run_playbook(CONVERGE, playbook_vars={"export_file": str(exported)})
    assert run.rc == 0, run.output
    users = run["Converge the users, purging the exported scope"]
    assert users["changed"] is False, users.get("diff")
    assert users["counts"]["deactivated"] == 0
    groups = run["Converge the groups"]
    assert groups["changed"] is False, [item.get("diff") for item in groups["results"] if item["changed"]]
    assert not writes(authentik), writes(authentik)
    return users


# ---------------------------------------------------------------- random directories


@st.composite
def directories(draw):
    group_names = draw(st.lists(names, unique=True, min_size=1, max_size=4))
    role_names = draw(st.lists(names, unique=True, max_size=3))
    usernames = draw(st.lists(usernames_strategy, unique=True, min_size=1, max_size=6))
    users = [dict(
        username=username, name=draw(names | st.just("")), email=draw(st.sampled_from(["", "u%d@example.com" % index])),
        is_active=draw(st.booleans()), path=draw(st.sampled_from(["users", "users/berlin", "staff"])),
        type=draw(st.sampled_from(["internal", "external", "service_account", "internal_service_account"])),
        attributes=draw(st.dictionaries(attribute_keys, json_values, max_size=3)),
        groups=draw(st.lists(st.sampled_from(group_names), unique=True)),
        roles=draw(st.lists(st.sampled_from(role_names), unique=True)) if role_names else [],
    ) for index, username in enumerate(usernames)]
    groups = [dict(name=name, is_superuser=draw(st.booleans()),
                   attributes=draw(st.dictionaries(attribute_keys, json_values, max_size=2)),
                   roles=draw(st.lists(st.sampled_from(role_names), unique=True)) if role_names else [])
              for name in group_names]
    # Only earlier groups can be parents, so the tree has no cycle.
    for index, group in enumerate(groups):
        group["parent"] = draw(st.sampled_from([None] + group_names[:index]))
    return {"groups": groups, "roles": role_names, "users": users}


def build(authentik, directory):
    roles = dict((name, authentik.add_role(name)["pk"]) for name in directory["roles"])
    groups = {}
    for group in directory["groups"]:
        parent = groups.get(group["parent"])
        made = authentik.add_group(group["name"], is_superuser=group["is_superuser"],
                                   attributes=group["attributes"], parent=parent)
        groups[group["name"]] = made["pk"]
        for role in group["roles"]:
            authentik.assign_role_to_group(made["pk"], roles[role])
    for user in directory["users"]:
        made = authentik.add_user(user["username"], name=user["name"], email=user["email"],
                                  groups=[groups[name] for name in user["groups"]], attributes=user["attributes"],
                                  path=user["path"], type=user["type"], is_active=user["is_active"])
        for role in user["roles"]:
            authentik.assign_role_to_user(made["pk"], roles[role])


# No shrinking: each example is two playbook runs, and the failing directory is printed whole.
@settings(max_examples=8, deadline=None, derandomize=True, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(directory=directories())
def test_converging_the_export_of_any_directory_changes_nothing(directory, authentik, run_playbook, tmp_path):
    authentik.fresh()
    build(authentik, directory)
    exported = export(tmp_path, authentik)
    users = assert_round_trip(run_playbook, authentik, exported)
    accounts = [user["username"] for user in directory["users"] if user["type"] == "internal_service_account"]
    assert not set(accounts) & set(users["summary"]["unchanged"])


def test_a_group_with_several_parents_is_reported_not_exported(authentik, tmp_path, run_playbook):
    top = [authentik.add_group(name)["pk"] for name in ("berlin", "oncall")]
    with authentik.store.lock:
        record = authentik.store.groups[authentik.add_group("berlin-oncall")["pk"]]
        record["parents"] = top
    exported = export(tmp_path, authentik)
    text = exported.read_text()
    assert "berlin-oncall" not in text
    assert_round_trip(run_playbook, authentik, exported)


# ---------------------------------------------------------------- a large directory, once


def test_the_export_of_2000_users_converges_unchanged_and_is_byte_identical_on_a_second_run(
        authentik, run_playbook, tmp_path):
    teams = [authentik.add_group("team-%02d" % number)["pk"] for number in range(10)]
    authentik.add_role("auditors")
    for number in range(2000):
        authentik.add_user("user-%04d" % number, name="User %d" % number, email="u%d@example.com" % number,
                           groups=[teams[number % 10]], path="users/bulk",
                           attributes={"number": number, "goauthentik.io/user/sources": ["ldap"]},
                           is_active=number % 7 != 0)
    authentik.assign_role_to_user(authentik.find_user("user-0001")["pk"], "auditors")
    exported = export(tmp_path, authentik, scope="users/bulk")
    first = exported.read_bytes()
    assert len(yaml.safe_load(first)["authentik_users_spec"]) == 2000
    assert_round_trip(run_playbook, authentik, exported)
    assert export(tmp_path, authentik, scope="users/bulk").read_bytes() == first


# ---------------------------------------------------------------- the audit


def audit(tmp_path, authentik, specs_file, extra_vars=None):
    """(exit code, output, {task name: result}) of examples/audit.yml run as AWX would, with the specs file."""
    rc, output, results = run_example(tmp_path, authentik, "audit.yml", dict(
        yaml.safe_load(specs_file.read_text()), **(extra_vars or {})))
    return rc, output, dict((entry["task"], entry["result"]) for entry in results)


def artifacts(results):
    return results["Publish the counts and the drifted usernames as job artifacts"]["ansible_stats"]["data"]


def test_the_audit_passes_without_drift_and_fails_with_it_without_writing(authentik, tmp_path):
    team = authentik.add_group("team")["pk"]
    for name in ("alice", "bob", "carol"):
        authentik.add_user(name, email="%s@example.com" % name, groups=[team], path="users/team")
    exported = export(tmp_path, authentik, scope="users/team")
    rc, output, results = audit(tmp_path, authentik, exported)
    assert rc == 0, output
    assert artifacts(results)["authentik_audit_drift"] is False
    assert "no drift: 0 users would change" in output
    assert not writes(authentik)

    with authentik.store.lock:
        bob = authentik.store.users[authentik.find_user("bob")["pk"]]
        bob["email"] = "bob@elsewhere.example.com"
    authentik.add_user("mallory", path="users/team")
    rc, output, results = audit(tmp_path, authentik, exported)
    assert rc != 0, output
    assert not writes(authentik), writes(authentik)
    data = artifacts(results)
    assert data["authentik_audit_drift"] is True
    assert data["authentik_audit_counts"] == {"created": 0, "updated": 1, "deleted": 0, "deactivated": 1,
                                              "unchanged": 2}
    assert data["authentik_audit_drifted"] == {"created": [], "updated": ["bob"], "deactivated": ["mallory"],
                                               "deleted": []}
    compare = results["Compare the directory with the specs (check mode, with a diff per drifted user)"]
    assert [diff["before_header"] for diff in compare["diff"]] == ["user bob", "user mallory"]
    assert "bob@elsewhere.example.com" in output  # the per-user diff is shown, not hidden by the failure
    assert "drift: 2 users would change (created 0, updated 1, deactivated 1, deleted 0, unchanged 2)" in output
    assert "authentik drifted from the specs" in results["Fail the job when the directory drifted from the specs"]["msg"]


def test_the_summary_of_1000_drifted_users_fits_one_screen(authentik, tmp_path):
    specs = []
    for number in range(1000):
        username = "user-%04d" % number
        authentik.add_user(username, email="old-%d@example.com" % number, path="users/bulk")
        specs.append({"username": username, "email": "new-%d@example.com" % number})
    specs_file = tmp_path / "specs.yml"
    specs_file.write_text(yaml.safe_dump({"authentik_users_spec": specs}))
    rc, output, results = audit(tmp_path, authentik, specs_file, {"audit_names_shown": 5})
    assert rc != 0
    assert not writes(authentik)
    summary = results["Summarize the drift"]["msg"]
    assert summary == [
        "drift: 1000 users would change (created 0, updated 1000, deactivated 0, deleted 0, unchanged 0)",
        "updated: user-0000, user-0001, user-0002, user-0003, user-0004 and 995 more",
    ]
    assert len(artifacts(results)["authentik_audit_drifted"]["updated"]) == 1000
