"""The modules against older authentik releases, as the local server emulates them."""

import pytest

from tests.integration.conftest import TOKEN, find_group, writes
from tests.server.authentik_server import AuthentikServer

USER = "akops.authentik.authentik_user"
GROUP = "akops.authentik.authentik_group"
USER_INFO = "akops.authentik.authentik_user_info"


@pytest.fixture(scope="module", params=["2023.8", "2024.2", "2025.10"])
def server(request):
    """Overrides the session server: each test here runs against each emulated release."""
    with AuthentikServer(token=TOKEN, version=request.param) as srv:
        yield srv


def test_user_ladder_on_older_releases(run_playbook, authentik):
    group = authentik.add_group(name="staff")
    spec = dict(username="old", name="Old", email="old@example.com", groups=["staff"], attributes={"a": 1})
    created = run_playbook([{"name": "create", USER: spec}])
    assert created.rc == 0, created.output
    user = authentik.find_user("old")
    assert user["groups"] == [group["pk"]]

    again = run_playbook([{"name": "again", USER: spec}])
    assert again.last["changed"] is False
    assert len(authentik.requests) == 1

    changed_spec = dict(spec, email="new@example.com", groups_mode="exact", groups=[])
    check = run_playbook([{"name": "check", USER: changed_spec}], check=True, diff=True)
    assert check.last["changed_fields"] == ["email", "groups"]
    assert check.last["diff"]["after"]["groups"] == []
    assert writes(authentik) == []

    by_pk = run_playbook([{"name": "rename", USER: dict(pk=user["pk"], username="renamed")}])
    assert by_pk.last["changed"] is True
    assert authentik.get_user(user["pk"])["username"] == "renamed"


def test_group_parent_in_the_servers_shape(run_playbook, authentik):
    parent = authentik.add_group(name="engineering")
    authentik.add_group(name="oncall")
    run = run_playbook([{"name": "parent", GROUP: dict(name="oncall", parent="engineering")}], diff=True)
    assert run.rc == 0, run.output
    patch = authentik.requests[-1]["body"]
    # Every release here predates 2025.12: one `parent`, not a `parents` list.
    assert patch == {"parent": parent["pk"]}
    assert find_group(authentik, "oncall")["parent"] == parent["pk"]
    assert run.last["diff"] == {"before": {"name": "oncall", "parent": None},
                                "after": {"name": "oncall", "parent": "engineering"}}
    again = run_playbook([{"name": "same", GROUP: dict(name="oncall", parent="engineering")}])
    assert again.last["changed"] is False
    assert len(authentik.requests) == 1
    cleared = run_playbook([{"name": "clear", GROUP: dict(name="oncall", parent="")}])
    assert cleared.last["changed"] is True
    assert authentik.requests[-1]["body"] == {"parent": None}


def test_create_group_with_parent(run_playbook, authentik):
    parent = authentik.add_group(name="engineering")
    run = run_playbook([{"name": "create", GROUP: dict(name="platform", parent=parent["pk"])}], check=True)
    assert run.last["changed"] is True and writes(authentik) == []
    real = run_playbook([{"name": "create", GROUP: dict(name="platform", parent=parent["pk"])}])
    assert real.rc == 0, real.output
    assert find_group(authentik, "platform")["parent"] == parent["pk"]
    assert run.last["group"]["parent"] == real.last["group"]["parent"] == parent["pk"]


def test_duplicate_group_names_ask_for_the_uuid(run_playbook, authentik):
    first = authentik.add_group(name="dup")
    authentik.add_group(name="dup")
    authentik.add_user(username="member", name="M")
    for task in ({USER: dict(username="member", groups=["dup"])}, {GROUP: dict(name="dup", attributes={"a": 1})}):
        run = run_playbook([dict(task, name="ambiguous")])
        assert run.rc != 0
        assert run.last["msg"] == "Group name 'dup' matches 2 groups; use the group's UUID instead"
        assert writes(authentik) == []
    by_uuid = run_playbook([{"name": "by uuid", USER: dict(username="member", groups=[first["pk"]])}])
    assert by_uuid.rc == 0, by_uuid.output
    assert authentik.find_user("member")["groups"] == [first["pk"]]


def test_uncapped_pages_are_followed(run_playbook, authentik):
    for n in range(230):
        authentik.add_user(username="p%03d" % n, name="P", path="paged")
    run = run_playbook([{"name": "all", USER_INFO: dict(path="paged", page_size=1000)},
                        {"name": "small", USER_INFO: dict(path="paged", page_size=50)}])
    assert run.rc == 0, run.output
    assert len(run["all"]["users"]) == len(run["small"]["users"]) == 230
    # Before 2025.12 there is no cap: one request for everything, five with 50 a page.
    assert len(authentik.requests) == 1 + 5


def test_bulk_does_not_trust_names_seen_on_servers_with_duplicate_names(run_playbook, authentik):
    """Before 2025.12 a name seen in one user's groups may also belong to a group nobody here is in."""
    seen = authentik.add_group(name="dup")
    authentik.add_group(name="dup")
    authentik.add_user(username="member", name="M", groups=[seen["pk"]])
    authentik.add_user(username="joiner", name="J")
    run = run_playbook([{"name": "bulk", "akops.authentik.authentik_users": {
        "users": [{"username": "joiner", "groups": ["dup"]}]}}])
    assert run.rc != 0
    assert run.last["msg"] == "Group name 'dup' matches 2 groups; use the group's UUID instead"
    assert writes(authentik) == []
