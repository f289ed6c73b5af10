"""akops.authentik.authentik_group through the real ansible-playbook against the local authentik server."""

import pytest

from tests.integration.conftest import find_group, writes

MODULE = "akops.authentik.authentik_group"


def task(title, **args):
    """One authentik_group task; `title` is the task name (the module has a `name` option)."""
    return {"name": title, MODULE: args}


def member_names(srv, group_name):
    return sorted(srv.get_user(pk)["username"] for pk in find_group(srv, group_name)["users"])


@pytest.fixture
def people(authentik):
    return dict((name, authentik.add_user(username=name, name=name.title())) for name in ("jdoe", "asmith", "bking"))


def test_create_rerun_check_update_delete_ladder(run_playbook, authentik, people):
    spec = dict(name="engineering", attributes={"cost_center": "4711"}, users=["jdoe", people["asmith"]["pk"]])

    check = run_playbook([task("create", **spec)], check=True, diff=True)
    assert check.last["changed"] is True
    assert writes(authentik) == []
    assert check.last["diff"]["after"]["users"] == ["asmith", "jdoe"]

    created = run_playbook([task("create", **spec)], diff=True)
    assert created.rc == 0, created.output
    assert created.last["changed"] is True
    assert member_names(authentik, "engineering") == ["asmith", "jdoe"]
    posts = [entry for entry in authentik.requests if entry["method"] == "POST"]
    assert len(posts) == 1 and sorted(posts[0]["body"]["users"]) == sorted([people["jdoe"]["pk"], people["asmith"]["pk"]])
    assert check.last["diff"] == created.last["diff"]

    again = run_playbook([task("create", **spec)])
    assert again.last["changed"] is False
    assert len(authentik.requests) == 1

    update = run_playbook([task("update", name="engineering", attributes={"cost_center": "42"}, is_superuser=False)],
                          diff=True)
    assert update.last["changed_fields"] == ["attributes"]
    assert [entry["method"] for entry in authentik.requests] == ["GET", "PATCH"]
    assert authentik.requests[1]["body"] == {"attributes": {"cost_center": "42"}}

    gone = run_playbook([task("delete", name="engineering", state="absent")])
    assert gone.last["changed"] is True
    assert find_group(authentik, "engineering") is None
    gone_again = run_playbook([task("delete", name="engineering", state="absent")])
    assert gone_again.last["changed"] is False
    assert len(authentik.requests) == 1


def test_unchanged_group_costs_one_request(run_playbook, authentik, people):
    group = authentik.add_group(name="ops", attributes={"a": 1})
    run_playbook([task("members", name="ops", users=["jdoe", "asmith"])])
    run = run_playbook([task("same", name="ops", users=["jdoe", people["asmith"]["pk"]], attributes={"a": 1},
                             is_superuser=False)])
    assert run.last["changed"] is False
    assert len(authentik.requests) == 1
    assert authentik.requests[0]["query"]["name"] == ["ops"]
    del group


def test_users_add_remove_exact_use_add_user_and_remove_user(run_playbook, authentik, people):
    authentik.add_group(name="ops")
    add = run_playbook([task("add", name="ops", users=["jdoe", "asmith"])], diff=True)
    assert member_names(authentik, "ops") == ["asmith", "jdoe"]
    assert add.last["diff"]["before"]["users"] == []
    assert add.last["diff"]["after"]["users"] == ["asmith", "jdoe"]
    assert all(entry["method"] != "PUT" for entry in authentik.requests)
    adds = [entry for entry in authentik.requests if entry["path"].endswith("/add_user/")]
    assert sorted(entry["body"]["pk"] for entry in adds) == sorted([people["jdoe"]["pk"], people["asmith"]["pk"]])

    remove = run_playbook([task("remove", name="ops", users=["asmith", "bking"], users_mode="remove")])
    assert remove.last["changed"] is True
    assert member_names(authentik, "ops") == ["jdoe"]
    # bking is not a member: nothing to look up, nothing to remove.
    assert [entry["path"].split("/")[-2] for entry in writes(authentik)] == ["remove_user"]
    assert len(authentik.requests) == 2

    exact = run_playbook([task("exact", name="ops", users=["bking"], users_mode="exact")])
    assert exact.last["changed_fields"] == ["users"]
    assert member_names(authentik, "ops") == ["bking"]
    assert exact.last["group"]["users"] == [people["bking"]["pk"]]


def test_unknown_user_fails_before_any_write(run_playbook, authentik, people):
    authentik.add_group(name="ops")
    run = run_playbook([task("bad user", name="ops", attributes={"x": 1}, users=["jdoe", "ghost"])])
    assert run.rc != 0
    assert run.last["msg"] == "User 'ghost' does not exist"
    assert writes(authentik) == []
    assert member_names(authentik, "ops") == []


def test_parent_by_name_and_removal(run_playbook, authentik):
    authentik.add_group(name="engineering")
    authentik.add_group(name="oncall")
    run = run_playbook([task("parent", name="oncall", parent="engineering")], diff=True)
    assert run.rc == 0, run.output
    parent_pk = find_group(authentik, "engineering")["pk"]
    assert find_group(authentik, "oncall")["parents"] == [parent_pk]
    assert authentik.requests[-1]["body"] == {"parents": [parent_pk]}
    assert run.last["diff"] == {"before": {"name": "oncall", "parent": []},
                                "after": {"name": "oncall", "parent": ["engineering"]}}

    again = run_playbook([task("parent", name="oncall", parent="engineering")])
    assert again.last["changed"] is False
    assert len(authentik.requests) == 1

    cleared = run_playbook([task("no parent", name="oncall", parent="")])
    assert cleared.last["changed"] is True
    assert find_group(authentik, "oncall")["parents"] == []


def test_rename_by_pk_and_missing_pk(run_playbook, authentik):
    group = authentik.add_group(name="old-name")
    run = run_playbook([task("rename", pk=group["pk"], name="new-name")])
    assert run.last["changed_fields"] == ["name"]
    assert find_group(authentik, "new-name")["pk"] == group["pk"]

    missing = run_playbook([task("missing", pk="00000000-0000-0000-0000-000000000001", name="x")])
    assert missing.rc != 0
    assert missing.last["msg"].startswith("No group with pk 00000000-0000-0000-0000-000000000001")
    assert writes(authentik) == []


def test_invalid_pk_fails_before_any_request(run_playbook, authentik):
    run = run_playbook([task("bad pk", pk="12")])
    assert run.rc != 0
    assert run.last["msg"] == "Invalid pk: '12' is not a UUID (group keys are UUIDs)"
    assert authentik.requests == []


def test_attributes_merge_and_replace(run_playbook, authentik):
    authentik.add_group(name="ops", attributes={"keep": 1, "drop": 2, "nested": {"a": 1}})
    run_playbook([task("merge", name="ops", attributes={"drop": None, "nested": {"b": 2}})])
    assert find_group(authentik, "ops")["attributes"] == {"keep": 1, "nested": {"a": 1, "b": 2}}
    run_playbook([task("replace", name="ops", attributes={"only": True}, attributes_mode="replace")])
    assert find_group(authentik, "ops")["attributes"] == {"only": True}


def test_is_superuser_change_and_check_mode(run_playbook, authentik, people):
    authentik.add_group(name="admins")
    check = run_playbook([task("promote", name="admins", is_superuser=True, users=["jdoe"])], check=True, diff=True)
    assert check.last["changed_fields"] == ["is_superuser", "users"]
    assert writes(authentik) == []
    real = run_playbook([task("promote", name="admins", is_superuser=True, users=["jdoe"])], diff=True)
    assert real.last["diff"] == check.last["diff"]
    assert real.last["diff"]["after"] == {"name": "admins", "is_superuser": True, "users": ["jdoe"]}
    assert find_group(authentik, "admins")["is_superuser"] is True
    assert authentik.find_user("jdoe")["is_superuser"] is True
    assert [entry["body"] for entry in writes(authentik)] == [{"is_superuser": True}, {"pk": people["jdoe"]["pk"]}]
