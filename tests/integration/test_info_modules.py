"""authentik_user_info and authentik_group_info through the real ansible-playbook."""

import json

import pytest

from tests.integration.conftest import writes


def info(module, title="info", **args):
    return {"name": title, "akops.authentik." + module: args}


@pytest.fixture
def directory(authentik):
    groups = dict((name, authentik.add_group(name=name)) for name in ("engineering", "oncall", "sales"))
    authentik.add_user(username="jdoe", name="Jane Doe", email="jdoe@example.com", path="users/berlin",
                       groups=[groups["engineering"]["pk"], groups["oncall"]["pk"]], attributes={"team": "ops"})
    authentik.add_user(username="asmith", name="Al Smith", email="al@example.com", path="users/paris",
                       groups=[groups["sales"]["pk"]], type="external", is_active=False,
                       attributes={"team": "sales", "level": {"n": 2}})
    authentik.add_user(username="svc-backup", name="Backup", path="goauthentik.io/service-accounts",
                       type="service_account")
    return groups


def usernames(run):
    return sorted(user["username"] for user in run.last["users"])


@pytest.mark.parametrize("args, expected", [
    ({}, ["akadmin", "asmith", "jdoe", "svc-backup"]),
    ({"username": "jdoe"}, ["jdoe"]),
    ({"email": "al@example.com"}, ["asmith"]),
    ({"name": "Backup"}, ["svc-backup"]),
    ({"path": "users/berlin"}, ["jdoe"]),
    ({"path_startswith": "users/"}, ["asmith", "jdoe"]),
    ({"type": ["external", "service_account"]}, ["asmith", "svc-backup"]),
    ({"is_active": False}, ["asmith"]),
    ({"is_superuser": True}, ["akadmin"]),
    ({"groups_by_name": ["oncall", "sales"]}, ["asmith", "jdoe"]),
    ({"attributes": {"team": "sales"}}, ["asmith"]),
    ({"attributes": {"level__n": 2}}, ["asmith"]),
    ({"search": "SMITH"}, ["asmith"]),
])
def test_user_info_filters(run_playbook, authentik, directory, args, expected):
    run = run_playbook([info("authentik_user_info", **args)], check=True)
    assert run.rc == 0, run.output
    assert run.last["changed"] is False
    assert usernames(run) == expected
    assert writes(authentik) == []


def test_user_info_by_pk_uuid_groups_by_pk_and_ordering(run_playbook, authentik, directory):
    jdoe = authentik.find_user("jdoe")
    run = run_playbook([
        info("authentik_user_info", "by pk", pk=jdoe["pk"]),
        info("authentik_user_info", "by uuid", uuid=jdoe["uuid"]),
        info("authentik_user_info", "by group pk", groups_by_pk=[directory["sales"]["pk"]]),
        info("authentik_user_info", "ordered", ordering="-username", include_groups=False),
        info("authentik_user_info", "missing pk", pk=99999),
    ])
    assert run.rc == 0, run.output
    assert [user["username"] for user in run["by pk"]["users"]] == ["jdoe"]
    assert [user["username"] for user in run["by uuid"]["users"]] == ["jdoe"]
    assert [user["username"] for user in run["by group pk"]["users"]] == ["asmith"]
    ordered = run["ordered"]["users"]
    assert [user["username"] for user in ordered] == ["svc-backup", "jdoe", "asmith", "akadmin"]
    assert all(user["groups_obj"] is None for user in ordered)
    assert run["missing pk"]["users"] == []
    queries = [entry["query"] for entry in authentik.requests]
    assert queries[3]["include_groups"] == ["false"] and queries[3]["ordering"] == ["-username"]
    assert json.loads(json.dumps(queries[2]["groups_by_pk"])) == [directory["sales"]["pk"]]


def test_user_info_unknown_group_name_is_a_clear_error(run_playbook, authentik, directory):
    run = run_playbook([info("authentik_user_info", groups_by_name=["nope"])])
    assert run.rc != 0
    assert run.last["msg"] == ("GET /api/v3/core/users/ returned HTTP 400: groups_by_name: Select a valid choice. "
                               "nope is not one of the available choices.")


@pytest.mark.parametrize("page_size", [100, 500, 7])
def test_user_info_follows_every_page(run_playbook, authentik, page_size):
    for n in range(260):
        authentik.add_user(username="bulk%03d" % n, name="B", path="bulk")
    run = run_playbook([info("authentik_user_info", path="bulk", page_size=page_size)])
    assert run.rc == 0, run.output
    assert usernames(run) == ["bulk%03d" % n for n in range(260)]
    # The server caps page_size at 100, so 260 users take at least three pages.
    effective = min(page_size, 100)
    assert len(authentik.requests) == -(-260 // effective)


def test_group_info_filters_and_pages(run_playbook, authentik, directory):
    authentik.add_group(name="admins-2", is_superuser=True, attributes={"tier": "gold"})
    run = run_playbook([
        info("authentik_group_info", "all"),
        info("authentik_group_info", "by name", name="oncall", include_users=True),
        info("authentik_group_info", "by pk", pk=directory["sales"]["pk"]),
        info("authentik_group_info", "superusers", is_superuser=True),
        info("authentik_group_info", "member", members_by_username=["jdoe"]),
        info("authentik_group_info", "attrs", attributes={"tier": "gold"}),
        info("authentik_group_info", "search", search="ENG"),
        info("authentik_group_info", "ordered", ordering="-name", page_size=2),
    ], check=True)
    assert run.rc == 0, run.output

    def names(title):
        return [group["name"] for group in run[title]["groups"]]

    assert sorted(names("all")) == ["admins-2", "authentik Admins", "engineering", "oncall", "sales"]
    assert all(group["users_obj"] is None for group in run["all"]["groups"])
    assert names("by name") == ["oncall"]
    assert [user["username"] for user in run["by name"]["groups"][0]["users_obj"]] == ["jdoe"]
    assert names("by pk") == ["sales"]
    assert sorted(names("superusers")) == ["admins-2", "authentik Admins"]
    assert sorted(names("member")) == ["engineering", "oncall"]
    assert names("attrs") == ["admins-2"]
    assert names("search") == ["engineering"]
    assert names("ordered") == ["sales", "oncall", "engineering", "authentik Admins", "admins-2"]
    assert writes(authentik) == []
    assert all(run[title]["changed"] is False for title in ("all", "ordered"))


def test_group_info_unknown_member_is_a_clear_error(run_playbook, authentik):
    run = run_playbook([info("authentik_group_info", members_by_username=["ghost"])])
    assert run.rc != 0
    assert "members_by_username" in run.last["msg"] and "ghost" in run.last["msg"]
