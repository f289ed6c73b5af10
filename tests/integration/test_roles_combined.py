"""A role with permissions, given to a group and directly to a user, converged by one playbook: the play works in
check mode without a write, then for real, then reports ok everywhere on the second run at its request budget."""

import pytest

from tests.integration.conftest import TOKEN, find_group, writes
from tests.server.authentik_server import AuthentikServer


@pytest.fixture(scope="module", params=["2025.12", "2026.5"])
def server(request):
    """Overrides the session server: releases whose users hold roles directly."""
    with AuthentikServer(token=TOKEN, version=request.param) as srv:
        yield srv


def play():
    return [
        {"name": "people", "akops.authentik.authentik_users": {"users": [
            {"username": "jdoe", "name": "Jane Doe"}, {"username": "asmith", "name": "Al Smith"}]}},
        {"name": "team", "akops.authentik.authentik_group": {"name": "helpdesk-team", "users": ["asmith"]},
         "register": "team"},
        {"name": "role", "akops.authentik.authentik_role": {"name": "helpdesk", "permissions_mode": "exact", "permissions": [
            "authentik_core.view_user",
            "authentik_core.reset_user_password",
            {"permission": "authentik_core.add_user_to_group", "model": "authentik_core.group",
             "object_pk": "{{ team.group.pk }}"},
        ]}},
        {"name": "role to the group", "akops.authentik.authentik_group": {
            "name": "helpdesk-team", "roles": ["helpdesk"]}},
        {"name": "role to a user", "akops.authentik.authentik_user": {
            "username": "jdoe", "roles": ["helpdesk"], "roles_mode": "exact"}},
    ]


def test_role_permissions_group_and_user_in_one_play(run_playbook, authentik):
    first = run_playbook(play(), diff=True)
    assert first.rc == 0, first.output
    assert all(first[name]["changed"] for name in ("people", "team", "role", "role to the group", "role to a user"))
    role = authentik.find_role("helpdesk")
    team = find_group(authentik, "helpdesk-team")
    assert authentik.role_permissions("helpdesk") == {
        "global": ["authentik_core.reset_user_password", "authentik_core.view_user"],
        "object": [("authentik_core.add_user_to_group", team["pk"])]}
    assert authentik.role_members("helpdesk") == {"users": ["jdoe"], "groups": ["helpdesk-team"]}
    assert team["roles"] == [role["pk"]]
    assert first["role to a user"]["diff"] == {"before": {"username": "jdoe", "roles": []},
                                               "after": {"username": "jdoe", "roles": ["helpdesk"]}}

    again = run_playbook(play(), diff=True)
    assert again.rc == 0, again.output
    assert [entry["task"] for entry in again.results if entry["result"].get("changed")] == []
    assert writes(authentik) == []
    # users: one list page; group: one read (twice); role: the role, its model and object permissions; user: one.
    assert len(authentik.requests) == 1 + 1 + 3 + 1 + 1


def test_the_play_in_check_mode_writes_nothing(run_playbook, authentik):
    authentik.add_user(username="jdoe", name="Jane Doe")
    authentik.add_user(username="asmith", name="Al Smith")
    authentik.add_group(name="helpdesk-team")
    authentik.add_role("helpdesk")
    check = run_playbook(play(), check=True, diff=True)
    assert check.rc == 0, check.output
    assert writes(authentik) == []
    assert check["role to a user"]["diff"]["after"]["roles"] == ["helpdesk"]
    assert check["role to the group"]["diff"]["after"]["roles"] == ["helpdesk"]
    assert sorted(check["role"]["role"]["permissions"])[0].startswith("authentik_core.add_user_to_group on")
