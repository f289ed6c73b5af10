"""`roles` and `roles_mode` of authentik_user, authentik_users and authentik_group through the real
ansible-playbook, against the local server emulating authentik 2025.10 (users hold no roles), 2025.12 and 2026.5.

Each test names the releases it runs on; the server of a release is started once for this file."""

import pytest

from tests.integration.conftest import TOKEN, find_group, writes
from tests.server.authentik_server import AuthentikServer

USER = "akops.authentik.authentik_user"
USERS = "akops.authentik.authentik_users"
GROUP = "akops.authentik.authentik_group"
REFUSED = ("Invalid roles: users hold roles directly only from authentik 2025.12 on, and this server does not "
           "support it (it would ignore the field); give the roles to a group instead; nothing was changed")

with_user_roles = pytest.mark.parametrize("server", ["2025.12", "2026.5"], indirect=True)
before_user_roles = pytest.mark.parametrize("server", ["2025.10"], indirect=True)


@pytest.fixture(scope="module")
def server(request):
    """Overrides the session server: one server per release that the tests of this file name."""
    with AuthentikServer(token=TOKEN, version=request.param) as srv:
        yield srv


def task(module, title, **args):
    return {"name": title, module: args}


def calls(srv):
    """The requests of the last run as (method, path below /api/v3, role name looked up or None)."""
    return [(entry["method"], entry["path"][len("/api/v3"):], (entry["query"].get("name") or [None])[0]
             if entry["path"] == "/api/v3/rbac/roles/" else None) for entry in srv.requests]


def role_lookups(srv):
    return [name for method, path, name in calls(srv) if path.startswith("/rbac/roles/")]


def methods(srv):
    return [entry["method"] for entry in srv.requests]


def user_roles(srv, username):
    return sorted(role["name"] for role in srv.find_user(username)["roles_obj"])


def group_roles(srv, name):
    return sorted(role["name"] for role in find_group(srv, name)["roles_obj"])


@pytest.fixture
def roles(authentik):
    """{name: role} of three roles nobody holds yet."""
    return dict((name, authentik.add_role(name)) for name in ("readers", "writers", "auditors"))


# ---------------------------------------------------------------- authentik_user


@with_user_roles
def test_user_add_remove_exact_with_check_mode_diff_and_budgets(run_playbook, authentik, roles):
    authentik.add_user(username="jdoe", name="Jane")
    add = dict(username="jdoe", roles=["writers", "readers"])

    check = run_playbook([task(USER, "add", **add)], check=True, diff=True)
    assert check.rc == 0, check.output
    assert check.last["changed"] is True and check.last["changed_fields"] == ["roles"]
    assert writes(authentik) == []
    assert check.last["diff"] == {"before": {"username": "jdoe", "roles": []},
                                  "after": {"username": "jdoe", "roles": ["readers", "writers"]}}
    assert user_roles(authentik, "jdoe") == []

    real = run_playbook([task(USER, "add", **add)], diff=True)
    assert real.last["diff"] == check.last["diff"]
    assert [role["name"] for role in real.last["user"]["roles_obj"]] == ["readers", "writers"]
    assert [role["name"] for role in check.last["user"]["roles_obj"]] == ["readers", "writers"]
    assert methods(authentik) == ["GET", "GET", "GET", "PATCH"]
    assert role_lookups(authentik) == ["writers", "readers"]
    assert authentik.requests[-1]["body"] == {"roles": sorted([roles["readers"]["pk"], roles["writers"]["pk"]])}
    assert user_roles(authentik, "jdoe") == ["readers", "writers"]

    again = run_playbook([task(USER, "again", **add)])
    assert again.last["changed"] is False
    assert len(authentik.requests) == 1

    # remove never looks anything up: a role the user does not hold changes nothing, known or not.
    remove = run_playbook([task(USER, "remove", username="jdoe", roles=["writers", "ghost"], roles_mode="remove")],
                          diff=True)
    assert remove.last["changed_fields"] == ["roles"]
    assert methods(authentik) == ["GET", "PATCH"]
    assert authentik.requests[-1]["body"] == {"roles": [roles["readers"]["pk"]]}
    assert remove.last["diff"]["after"]["roles"] == ["readers"]

    exact = run_playbook([task(USER, "exact", username="jdoe", roles=["auditors", "readers"], roles_mode="exact")])
    assert exact.last["changed"] is True
    assert role_lookups(authentik) == ["auditors"]
    assert user_roles(authentik, "jdoe") == ["auditors", "readers"]

    exact_again = run_playbook([task(USER, "exact", username="jdoe", roles=["auditors", "readers"],
                                     roles_mode="exact")])
    assert exact_again.last["changed"] is False
    assert len(authentik.requests) == 1

    cleared = run_playbook([task(USER, "none", username="jdoe", roles=[], roles_mode="exact")])
    assert cleared.last["changed"] is True
    assert methods(authentik) == ["GET", "PATCH"]
    assert user_roles(authentik, "jdoe") == []


@with_user_roles
def test_user_roles_go_in_the_one_patch_and_only_unknown_names_are_looked_up(run_playbook, authentik, roles):
    user = authentik.add_user(username="jdoe", name="Jane")
    authentik.assign_role_to_user(user["pk"], "readers")
    run = run_playbook([task(USER, "update", username="jdoe", name="Jane Doe",
                             roles=["readers", roles["readers"]["pk"].upper(), "writers"])], diff=True)
    assert run.rc == 0, run.output
    assert run.last["changed_fields"] == ["name", "roles"]
    # readers is explained by the user's roles_obj, by name and by UUID: only writers is looked up.
    assert [(method, path) for method, path, name in calls(authentik)] == [
        ("GET", "/core/users/"), ("GET", "/rbac/roles/"), ("PATCH", "/core/users/%d/" % user["pk"])]
    assert role_lookups(authentik) == ["writers"]
    assert authentik.requests[-1]["body"] == {
        "name": "Jane Doe", "roles": sorted([roles["readers"]["pk"], roles["writers"]["pk"]])}
    assert run.last["diff"] == {"before": {"username": "jdoe", "name": "Jane", "roles": ["readers"]},
                                "after": {"username": "jdoe", "name": "Jane Doe", "roles": ["readers", "writers"]}}

    # Without `roles` the user's roles are not managed: not sent, not shown.
    other = run_playbook([task(USER, "name only", username="jdoe", name="J")], diff=True)
    assert authentik.requests[-1]["body"] == {"name": "J"}
    assert "roles" not in other.last["diff"]["after"]
    assert user_roles(authentik, "jdoe") == ["readers", "writers"]


@with_user_roles
def test_user_created_with_roles_in_the_post(run_playbook, authentik, roles):
    spec = dict(username="fresh", name="Fresh", roles=["readers"])
    check = run_playbook([task(USER, "create", **spec)], check=True, diff=True)
    assert check.last["changed"] is True
    assert writes(authentik) == []
    assert authentik.find_user("fresh") is None

    created = run_playbook([task(USER, "create", **spec)], diff=True)
    assert created.rc == 0, created.output
    # No user was read to tell the release: /core/users/me/ does, once.
    assert [(method, path) for method, path, name in calls(authentik)] == [
        ("GET", "/core/users/"), ("GET", "/core/users/me/"), ("GET", "/rbac/roles/"), ("POST", "/core/users/")]
    assert authentik.requests[-1]["body"] == {"username": "fresh", "name": "Fresh", "roles": [roles["readers"]["pk"]]}
    assert user_roles(authentik, "fresh") == ["readers"]
    assert created.last["diff"] == check.last["diff"] == {
        "before": {}, "after": {"username": "fresh", "name": "Fresh", "roles": ["readers"]}}

    again = run_playbook([task(USER, "create", **spec)])
    assert again.last["changed"] is False
    assert len(authentik.requests) == 1


@with_user_roles
def test_user_exact_keeps_the_users_managed_role_until_it_is_named(run_playbook, authentik, roles):
    user = authentik.add_user(username="jdoe", name="Jane")
    managed = authentik.managed_role(user_pk=user["pk"])
    assert managed["name"] == "ak-managed-role--user-%d" % user["pk"]
    authentik.assign_role_to_user(user["pk"], "readers")

    exact = run_playbook([task(USER, "exact", username="jdoe", roles=["writers"], roles_mode="exact")], diff=True)
    assert exact.last["changed"] is True
    assert user_roles(authentik, "jdoe") == sorted([managed["name"], "writers"])
    assert exact.last["diff"]["before"]["roles"] == sorted([managed["name"], "readers"])
    assert exact.last["diff"]["after"]["roles"] == sorted([managed["name"], "writers"])
    assert authentik.requests[-1]["body"] == {"roles": sorted([managed["pk"], roles["writers"]["pk"]])}

    assert run_playbook([task(USER, "exact", username="jdoe", roles=["writers"], roles_mode="exact")]
                        ).last["changed"] is False
    assert run_playbook([task(USER, "empty", username="jdoe", roles=[], roles_mode="exact")]
                        ).last["changed"] is True
    assert user_roles(authentik, "jdoe") == [managed["name"]]

    named = run_playbook([task(USER, "named", username="jdoe", roles=[managed["name"]], roles_mode="remove")])
    assert named.last["changed"] is True
    assert user_roles(authentik, "jdoe") == []


@with_user_roles
def test_user_unknown_role_fails_before_any_write(run_playbook, authentik, roles):
    authentik.add_user(username="jdoe", name="Jane")
    run = run_playbook([task(USER, "ghost", username="jdoe", name="New", roles=["readers", "ghost"])])
    assert run.rc != 0
    assert run.last["msg"] == "Role 'ghost' does not exist"
    assert writes(authentik) == []
    assert authentik.find_user("jdoe")["name"] == "Jane"

    check = run_playbook([task(USER, "ghost", username="jdoe", roles=["ghost"])], check=True)
    assert check.last["msg"] == "Role 'ghost' does not exist"
    assert writes(authentik) == []


@with_user_roles
def test_roles_leave_the_lockout_guard_alone(run_playbook, authentik, roles):
    """The token's owner may be given roles or lose them: no owner lookup, no refusal."""
    authentik.assign_role_to_user(authentik.owner_pk, "readers")
    run = run_playbook([task(USER, "owner", username="akadmin", roles=["writers"], roles_mode="exact")])
    assert run.rc == 0, run.output
    assert [path for method, path, name in calls(authentik)] == [
        "/core/users/", "/rbac/roles/", "/core/users/%d/" % authentik.owner_pk]
    assert user_roles(authentik, "akadmin") == ["writers"]
    assert authentik.find_user("akadmin")["is_superuser"] is True


@before_user_roles
def test_user_roles_before_2025_12_fail_and_write_nothing(run_playbook, authentik, roles):
    authentik.add_user(username="jdoe", name="Jane")
    for args, check in ((dict(roles=["readers"]), False),
                        (dict(roles=["readers"]), True),
                        (dict(roles=["readers"], roles_mode="remove"), True),
                        (dict(roles=[], roles_mode="exact"), False)):
        run = run_playbook([task(USER, "roles", username="jdoe", name="New", **args)], check=check)
        assert run.rc != 0
        assert run.last["msg"] == REFUSED
        # The user read tells the release: nothing else is asked, nothing is written.
        assert methods(authentik) == ["GET"]
    assert authentik.find_user("jdoe")["name"] == "Jane"


@before_user_roles
@pytest.mark.parametrize("check", [False, True])
def test_user_create_with_roles_before_2025_12_fails_and_creates_nothing(run_playbook, authentik, roles, check):
    run = run_playbook([task(USER, "create", username="fresh", roles=["readers"])], check=check)
    assert run.rc != 0
    assert run.last["msg"] == REFUSED
    assert [(method, path) for method, path, name in calls(authentik)] == [
        ("GET", "/core/users/"), ("GET", "/core/users/me/")]
    assert authentik.find_user("fresh") is None


@before_user_roles
def test_user_without_roles_and_deletes_still_work_before_2025_12(run_playbook, authentik):
    authentik.add_user(username="jdoe", name="Jane")
    run = run_playbook([task(USER, "name", username="jdoe", name="New"),
                        task(USER, "delete", username="jdoe", state="absent", roles=["anything"])])
    assert run.rc == 0, run.output
    assert authentik.find_user("jdoe") is None


# ---------------------------------------------------------------- bad input, every module


@with_user_roles
@pytest.mark.parametrize("roles_option, message", [
    ([""], "Invalid roles: entry '': must not be empty or only whitespace"),
    # Entries are trimmed first, as authentik trims names.
    (["readers", "  "], "Invalid roles: entry '': must not be empty or only whitespace"),
])
def test_bad_roles_are_refused_before_any_request(run_playbook, authentik, roles_option, message):
    for module, args, where in ((USER, dict(username="jdoe"), ""),
                                (GROUP, dict(name="ops"), ""),
                                (USERS, None, "; in the entry for 'b'")):
        if module == USERS:
            args = dict(users=[{"username": "a", "roles": ["readers"]}, {"username": "b", "roles": roles_option}])
        else:
            args = dict(args, roles=roles_option)
        run = run_playbook([task(module, "bad", **args)])
        assert run.rc != 0
        assert run.last["msg"] == message + where
        assert authentik.requests == []


@with_user_roles
def test_nul_in_a_role_and_a_bad_roles_mode_are_refused_before_any_request(run_playbook, authentik):
    nul = run_playbook([task(USER, "nul", username="jdoe", roles=["a\u0000b"])])
    assert nul.rc != 0
    # From ansible-core 2.21 on, Ansible itself refuses the value first, when it logs the module's arguments.
    assert nul.last["msg"] in ("Invalid roles: entry 'a\\x00b': must not contain NUL characters",
                               "Failed to log to syslog (embedded null character). To proceed anyway, disable syslog "
                               "logging by setting no_target_syslog to True in your Ansible config.")
    for module, args in ((USER, dict(username="jdoe", roles=["r"], roles_mode="set")),
                         (GROUP, dict(name="ops", roles=["r"], roles_mode="set")),
                         (USERS, dict(users=[{"username": "a", "roles": ["r"], "roles_mode": "set"}]))):
        run = run_playbook([task(module, "mode", **args)])
        assert run.rc != 0
        assert "roles_mode must be one of: add, remove, exact, got: set" in run.last["msg"]
    assert authentik.requests == []


# ---------------------------------------------------------------- authentik_users


def bulk_kinds(srv):
    """The requests of the last bulk run: 'list', 'me', 'role <name>', or the write method."""
    kinds = []
    for method, path, name in calls(srv):
        if method != "GET":
            kinds.append(method)
        elif path.startswith("/rbac/roles/"):
            kinds.append("role %s" % name)
        elif path.endswith("/me/"):
            kinds.append("me")
        else:
            kinds.append("list")
    return kinds


@with_user_roles
def test_bulk_resolves_each_role_once_and_converges(run_playbook, authentik, roles):
    holder = authentik.add_user(username="holder", name="H")
    authentik.assign_role_to_user(holder["pk"], "readers")
    authentik.add_user(username="second", name="S")
    authentik.add_user(username="third", name="T")
    authentik.assign_role_to_user(authentik.find_user("third")["pk"], "auditors")
    specs = [
        {"username": "holder", "roles": ["readers", "writers"]},
        {"username": "second", "roles": ["writers", "readers"], "roles_mode": "exact"},
        {"username": "third", "roles": ["auditors", "ghost"], "roles_mode": "remove"},
        {"username": "fresh", "name": "F", "roles": ["writers"]},
        {"username": "plain", "name": "P"},
    ]
    check = run_playbook([task(USERS, "bulk", users=specs)], check=True, diff=True)
    assert check.rc == 0, check.output
    assert writes(authentik) == []

    real = run_playbook([task(USERS, "bulk", users=specs)], diff=True)
    assert real.rc == 0, real.output
    assert real.last["diff"] == check.last["diff"]
    for run in (check, real):
        assert run.last["counts"] == {"created": 2, "updated": 3, "deleted": 0, "deactivated": 0, "unchanged": 0}
    # readers is known from holder's roles, ghost is only removed: writers is the one lookup, for three users.
    kinds = bulk_kinds(authentik)
    assert kinds[:2] == ["list", "role writers"]
    assert sorted(kinds[2:]) == ["PATCH", "PATCH", "PATCH", "POST", "POST"]
    assert user_roles(authentik, "holder") == ["readers", "writers"]
    assert user_roles(authentik, "second") == ["readers", "writers"]
    assert user_roles(authentik, "third") == []
    assert user_roles(authentik, "fresh") == ["writers"]
    assert user_roles(authentik, "plain") == []
    diffs = dict((diff["before_header"], diff) for diff in real.last["diff"])
    assert diffs["user holder"]["after"] == {"username": "holder", "roles": ["readers", "writers"]}
    assert diffs["user third"]["before"]["roles"] == ["auditors"]
    assert "roles" not in diffs["user plain"]["after"]
    posted = [entry["body"] for entry in authentik.requests if entry["method"] == "POST"]
    assert {"username": "fresh", "name": "F", "roles": [roles["writers"]["pk"]]} in posted

    again = run_playbook([task(USERS, "bulk", users=specs)])
    assert again.last["changed"] is False
    assert bulk_kinds(authentik) == ["list"]


@with_user_roles
def test_bulk_exact_keeps_each_users_managed_role(run_playbook, authentik, roles):
    users = [authentik.add_user(username=name, name=name) for name in ("a", "b")]
    managed = [authentik.managed_role(user_pk=user["pk"]) for user in users]
    authentik.assign_role_to_user(users[1]["pk"], "readers")
    run = run_playbook([task(USERS, "bulk", users=[{"username": "a", "roles": [], "roles_mode": "exact"},
                                                   {"username": "b", "roles": [], "roles_mode": "exact"}])])
    assert run.rc == 0, run.output
    assert run.last["summary"]["unchanged"] == ["a"] and run.last["summary"]["updated"] == ["b"]
    assert user_roles(authentik, "a") == [managed[0]["name"]]
    assert user_roles(authentik, "b") == [managed[1]["name"]]


@with_user_roles
def test_bulk_unknown_role_names_the_entry_and_writes_nothing(run_playbook, authentik, roles):
    run = run_playbook([task(USERS, "bulk", users=[{"username": "a", "name": "A"},
                                                   {"username": "b", "roles": ["readers", "ghost"]}])])
    assert run.rc != 0
    assert run.last["msg"] == "Role 'ghost' does not exist; in the entry for 'b'"
    assert writes(authentik) == []


@before_user_roles
@pytest.mark.parametrize("check", [False, True])
def test_bulk_roles_before_2025_12_fail_naming_the_entry_and_write_nothing(run_playbook, authentik, roles, check):
    authentik.add_user(username="a", name="A")
    run = run_playbook([task(USERS, "bulk", users=[{"username": "a", "name": "New"},
                                                   {"username": "b", "roles": ["readers"]}])], check=check)
    assert run.rc != 0
    assert run.last["msg"] == REFUSED + "; in the entry for 'b'"
    # The users read tell the release: the list, nothing else.
    assert bulk_kinds(authentik) == ["list"]
    assert authentik.find_user("a")["name"] == "A" and authentik.find_user("b") is None


# ---------------------------------------------------------------- authentik_group


@with_user_roles
def test_group_add_remove_exact_with_check_mode_diff_and_budgets(run_playbook, authentik, roles):
    group = authentik.add_group(name="ops")
    add = dict(name="ops", roles=["writers", "readers"])

    check = run_playbook([task(GROUP, "add", **add)], check=True, diff=True)
    assert check.last["changed_fields"] == ["roles"]
    assert writes(authentik) == []
    real = run_playbook([task(GROUP, "add", **add)], diff=True)
    assert real.last["diff"] == check.last["diff"] == {"before": {"name": "ops", "roles": []},
                                                       "after": {"name": "ops", "roles": ["readers", "writers"]}}
    assert [(method, path) for method, path, name in calls(authentik)] == [
        ("GET", "/core/groups/"), ("GET", "/rbac/roles/"), ("GET", "/rbac/roles/"),
        ("PATCH", "/core/groups/%s/" % group["pk"])]
    assert authentik.requests[-1]["body"] == {"roles": sorted([roles["readers"]["pk"], roles["writers"]["pk"]])}
    assert group_roles(authentik, "ops") == ["readers", "writers"]

    again = run_playbook([task(GROUP, "again", **add)])
    assert again.last["changed"] is False
    assert len(authentik.requests) == 1

    remove = run_playbook([task(GROUP, "remove", name="ops", roles=["readers", "ghost"], roles_mode="remove")])
    assert remove.last["changed"] is True
    assert methods(authentik) == ["GET", "PATCH"]
    assert group_roles(authentik, "ops") == ["writers"]

    exact = run_playbook([task(GROUP, "exact", name="ops", roles=["auditors", roles["writers"]["pk"]],
                               roles_mode="exact", attributes={"a": 1})], diff=True)
    assert exact.last["changed_fields"] == ["attributes", "roles"]
    assert role_lookups(authentik) == ["auditors"]
    assert authentik.requests[-1]["body"] == {"attributes": {"a": 1},
                                              "roles": sorted([roles["auditors"]["pk"], roles["writers"]["pk"]])}
    assert exact.last["diff"]["after"] == {"name": "ops", "attributes": {"a": 1}, "roles": ["auditors", "writers"]}


@with_user_roles
def test_group_created_with_roles_and_members(run_playbook, authentik, roles):
    member = authentik.add_user(username="jdoe", name="J")
    spec = dict(name="platform", roles=["readers"], users=["jdoe"])
    check = run_playbook([task(GROUP, "create", **spec)], check=True, diff=True)
    assert writes(authentik) == []
    created = run_playbook([task(GROUP, "create", **spec)], diff=True)
    assert created.rc == 0, created.output
    assert created.last["diff"] == check.last["diff"]
    assert created.last["diff"]["after"]["roles"] == ["readers"]
    # Groups hold roles on every release: no release check, one write.
    assert [method for method in methods(authentik) if method != "GET"] == ["POST"]
    assert "/core/users/me/" not in [path for method, path, name in calls(authentik)]
    assert authentik.requests[-1]["body"] == {"name": "platform", "roles": [roles["readers"]["pk"]],
                                              "users": [member["pk"]]}
    assert group_roles(authentik, "platform") == ["readers"]
    assert run_playbook([task(GROUP, "create", **spec)]).last["changed"] is False
    assert len(authentik.requests) == 1


@with_user_roles
def test_group_exact_keeps_the_groups_managed_role(run_playbook, authentik, roles):
    group = authentik.add_group(name="ops")
    managed = authentik.managed_role(group_uuid=group["pk"])
    assert managed["name"] == "ak-managed-role--group-%s" % group["pk"]
    authentik.assign_role_to_group(group["pk"], "readers")
    run = run_playbook([task(GROUP, "exact", name="ops", roles=[], roles_mode="exact")], diff=True)
    assert run.last["changed"] is True
    assert group_roles(authentik, "ops") == [managed["name"]]
    assert run.last["diff"]["after"]["roles"] == [managed["name"]]
    assert run_playbook([task(GROUP, "exact", name="ops", roles=[], roles_mode="exact")]).last["changed"] is False
    named = run_playbook([task(GROUP, "named", name="ops", roles=[managed["pk"]], roles_mode="remove")])
    assert named.last["changed"] is True
    assert group_roles(authentik, "ops") == []


@with_user_roles
def test_group_unknown_role_fails_before_any_write(run_playbook, authentik, roles):
    authentik.add_group(name="ops")
    for check in (True, False):
        run = run_playbook([task(GROUP, "ghost", name="ops", is_superuser=True, roles=["ghost"])], check=check)
        assert run.rc != 0
        assert run.last["msg"] == "Role 'ghost' does not exist"
        assert writes(authentik) == []
    assert find_group(authentik, "ops")["is_superuser"] is False


@before_user_roles
def test_group_roles_work_before_2025_12(run_playbook, authentik, roles):
    authentik.add_group(name="ops")
    run = run_playbook([task(GROUP, "add", name="ops", roles=["readers"])], diff=True)
    assert run.rc == 0, run.output
    assert run.last["diff"]["after"]["roles"] == ["readers"]
    assert group_roles(authentik, "ops") == ["readers"]
    assert run_playbook([task(GROUP, "again", name="ops", roles=["readers"])]).last["changed"] is False


@before_user_roles
def test_a_role_of_another_group_before_2025_12_fails_with_the_servers_error(run_playbook, authentik, roles):
    """Up to 2025.10 a role belongs to one group at most: authentik's 400 surfaces, and no membership call follows
    the failed PATCH."""
    owner = authentik.add_group(name="owner")
    authentik.assign_role_to_group(owner["pk"], "readers")
    ops = authentik.add_group(name="ops")
    authentik.add_user(username="jdoe", name="J")
    run = run_playbook([task(GROUP, "steal", name="ops", roles=["readers"], users=["jdoe"], attributes={"a": 1})])
    assert run.rc != 0
    assert run.last["msg"] == ("PATCH /api/v3/core/groups/%s/ returned HTTP 400: Roles can only be used with a "
                               "single group." % ops["pk"])
    assert [entry["method"] for entry in writes(authentik)] == ["PATCH"]
    assert group_roles(authentik, "ops") == [] and find_group(authentik, "ops")["users"] == []
    assert group_roles(authentik, "owner") == ["readers"]


@pytest.mark.parametrize("server", ["2023.8"], indirect=True)
def test_group_roles_on_a_server_without_rbac_fail_and_write_nothing(run_playbook, authentik):
    """Before 2023.10 groups have no roles, and the server would drop the field without an error."""
    authentik.add_group(name="ops")
    for check in (True, False):
        run = run_playbook([task(GROUP, "roles", name="ops", attributes={"a": 1}, roles=["readers"])], check=check)
        assert run.rc != 0
        assert run.last["msg"] == ("Invalid roles: this server's groups hold no roles (RBAC roles exist from "
                                   "authentik 2023.10 on; the server would ignore the field); nothing was changed")
        assert methods(authentik) == ["GET"]
    assert find_group(authentik, "ops")["attributes"] == {}
