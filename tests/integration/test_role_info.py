"""akops.authentik.authentik_role_info, and the role filters of authentik_user_info, through the real
ansible-playbook against the releases that differ for them: 2025.8 (no `name` filter), 2025.10 (no user, group or
managed filters), 2025.12 (`ak_groups`), 2026.2 (the default server, `groups`) and 2026.5."""

import pytest
import requests

from tests.integration.conftest import TOKEN, writes
from tests.server.authentik_server import AuthentikServer

ROLE_INFO = "akops.authentik.authentik_role_info"
USER_INFO = "akops.authentik.authentik_user_info"
NIL_UUID = "00000000-0000-4000-8000-000000000000"
ME = ("GET", "/api/v3/core/users/me/")
ROLE_LIST = ("GET", "/api/v3/rbac/roles/")
GLOBAL_READ = ("GET", "/api/v3/rbac/permissions/")
OBJECT_READ = ("GET", "/api/v3/rbac/permissions/roles/")
BLANK = "must not be empty or only whitespace; leave the filter out to match everything"


@pytest.fixture(scope="module")
def release_servers():
    """get(version): a started server emulating that release, one per release and test module."""
    started = {}

    def get(version):
        if version not in started:
            started[version] = AuthentikServer(token=TOKEN, version=version).start()
        return started[version]

    yield get
    for srv in started.values():
        srv.stop()


@pytest.fixture
def server(request, release_servers):
    """Overrides the session server for the tests that name a release (parametrize "server" indirectly)."""
    version = getattr(request, "param", None)
    if version is None:
        return request.getfixturevalue("session_server")
    return release_servers(version)


@pytest.fixture(scope="session")
def session_server():
    with AuthentikServer(token=TOKEN) as srv:
        yield srv


def on_release(*versions):
    return pytest.mark.parametrize("server", versions, indirect=True)


def task(module, title, **args):
    return {"name": title, module: args}


def roles_task(title, **args):
    return task(ROLE_INFO, title, **args)


def calls(srv):
    return [(entry["method"], entry["path"]) for entry in srv.requests]


def names(result):
    return [role["name"] for role in result["roles"]]


@pytest.fixture
def directory(authentik):
    """support (child of staff) holds helpdesk, staff holds staff-reader; jdoe is in support and holds direct-role
    and its own managed role; asmith holds auditor; nobody holds unused."""
    staff = authentik.add_group(name="staff")
    support = authentik.add_group(name="support", parent=staff["pk"])
    jdoe = authentik.add_user(username="jdoe", groups=[support["pk"]])
    asmith = authentik.add_user(username="asmith")
    authentik.add_role("helpdesk", permissions=["authentik_core.view_user", "authentik_core.reset_user_password"],
                       object_permissions=[("authentik_core.change_user", "authentik_core.user", asmith["pk"])],
                       groups=[support["pk"]])
    authentik.add_role("staff-reader", permissions=["authentik_core.view_group"], groups=[staff["pk"]])
    authentik.add_role("direct-role", users=[jdoe["pk"]])
    authentik.add_role("auditor", users=[asmith["pk"]])
    authentik.add_role("unused")
    managed = authentik.managed_role(user_pk=jdoe["pk"])
    return dict(staff=staff, support=support, jdoe=jdoe, asmith=asmith, managed=managed["name"])


# ---------------------------------------------------------------- filters (2026.2, the default server)


def test_every_filter_and_their_combinations(run_playbook, authentik, directory):
    jdoe, support, managed = directory["jdoe"], directory["support"], directory["managed"]
    run = run_playbook([
        roles_task("all"),
        roles_task("by name", name="helpdesk"),
        roles_task("unknown name", name="nope"),
        roles_task("by username", user="jdoe"),
        roles_task("by user pk", user=jdoe["pk"]),
        roles_task("user inherited", user="jdoe", inherited=True),
        roles_task("by group name", group="support"),
        roles_task("by group uuid", group=support["pk"].upper()),
        roles_task("group inherited", group="support", inherited=True),
        roles_task("managed", managed=True),
        roles_task("not managed", managed=False),
        roles_task("user not managed", user="jdoe", managed=False),
        roles_task("user inherited not managed", user="jdoe", inherited=True, managed=False),
        roles_task("user and group inherited", user="asmith", group="support", inherited=True),
        roles_task("name and group inherited", name="direct-role", group="support", inherited=True),
        roles_task("name and user inherited", name="helpdesk", user="jdoe", inherited=True),
    ], check=True)
    assert run.rc == 0, run.output
    assert names(run["all"]) == sorted(["auditor", "direct-role", "helpdesk", managed, "staff-reader", "unused"])
    assert run["all"]["roles"][0] == authentik.find_role(managed)
    assert names(run["by name"]) == ["helpdesk"]
    assert names(run["unknown name"]) == []
    assert names(run["by username"]) == names(run["by user pk"]) == sorted(["direct-role", managed])
    assert names(run["user inherited"]) == sorted(["direct-role", "helpdesk", managed, "staff-reader"])
    assert names(run["by group name"]) == names(run["by group uuid"]) == ["helpdesk"]
    assert names(run["group inherited"]) == ["helpdesk", "staff-reader"]
    assert names(run["managed"]) == [managed]
    assert names(run["not managed"]) == ["auditor", "direct-role", "helpdesk", "staff-reader", "unused"]
    assert names(run["user not managed"]) == ["direct-role"]
    # With inherited, authentik answers a holder filter with the holder's whole role set and drops the filters
    # before it; the module asks for each separately and keeps what all answers share.
    assert names(run["user inherited not managed"]) == ["direct-role", "helpdesk", "staff-reader"]
    assert names(run["user and group inherited"]) == []
    assert names(run["name and group inherited"]) == []
    assert names(run["name and user inherited"]) == ["helpdesk"]
    assert all(result["changed"] is False and "permissions" not in result["roles"][0]
               for result in (run["all"], run["by name"], run["managed"]))
    assert writes(authentik) == []
    assert not any(path.startswith("/api/v3/rbac/permissions/") for _method, path in calls(authentik))


def test_the_server_drops_other_filters_when_inherited(authentik, directory):
    """What the split queries guard against, as the local server emulates it (see tests/server/listing.py)."""
    def listed(**params):
        answer = requests.get(authentik.url + "/api/v3/rbac/roles/", params=params, timeout=10,
                              headers={"Authorization": "Bearer " + TOKEN})
        return [role["name"] for role in answer.json()["results"]]

    support = directory["support"]["pk"]
    assert listed(users=directory["asmith"]["pk"], groups=support) == []
    assert listed(users=directory["asmith"]["pk"], groups=support, inherited="true") == ["helpdesk", "staff-reader"]
    assert listed(name="direct-role", groups=support, inherited="true") == ["helpdesk", "staff-reader"]
    assert listed(managed__isnull="true", users=directory["jdoe"]["pk"], inherited="true") == sorted([
        "direct-role", "helpdesk", directory["managed"], "staff-reader"])


def test_holder_filters_cost_a_release_check_and_a_lookup(run_playbook, authentik, directory):
    support = directory["support"]
    run = run_playbook([roles_task("user", user="jdoe")])
    assert run.rc == 0, run.output
    assert calls(authentik) == [ME, ("GET", "/api/v3/core/users/"), ROLE_LIST]
    role_query = authentik.requests[-1]["query"]
    assert role_query["users"] == [str(directory["jdoe"]["pk"])] and "inherited" not in role_query

    run = run_playbook([roles_task("group", group=support["pk"], inherited=True)])
    assert run.rc == 0, run.output
    assert calls(authentik) == [ME, ("GET", "/api/v3/core/groups/%s/" % support["pk"]), ROLE_LIST]
    role_query = authentik.requests[-1]["query"]
    # Each release ignores the name of the other.
    assert role_query["groups"] == role_query["ak_groups"] == [support["pk"]]
    assert role_query["inherited"] == ["true"]

    run = run_playbook([roles_task("managed", managed=False)])
    assert calls(authentik) == [ME, ROLE_LIST]
    assert authentik.requests[-1]["query"]["managed__isnull"] == ["true"]


def test_name_alone_takes_one_request_and_no_release_check(run_playbook, authentik, directory):
    run = run_playbook([roles_task("by name", name=" helpdesk ")])
    assert run.rc == 0, run.output
    assert names(run.last) == ["helpdesk"]
    assert calls(authentik) == [ROLE_LIST]
    assert authentik.requests[0]["query"]["name"] == ["helpdesk"]


def test_inherited_without_a_holder_warns_and_is_not_sent(run_playbook, authentik, directory):
    run = run_playbook([roles_task("inherited alone", inherited=True)])
    assert run.rc == 0, run.output
    assert "inherited applies only together with user or group; it was not applied" in run.last["warnings"]
    assert len(run.last["roles"]) == 6
    assert calls(authentik) == [ROLE_LIST]
    assert "inherited" not in authentik.requests[0]["query"]


# ---------------------------------------------------------------- pk


def test_pk_reads_one_role_and_warns_about_other_filters(run_playbook, authentik, directory):
    helpdesk = authentik.find_role("helpdesk")
    run = run_playbook([
        roles_task("by pk", pk=helpdesk["pk"].upper()),
        roles_task("pk and filters", pk=helpdesk["pk"], name="other", user="ghost"),
        roles_task("missing pk", pk=NIL_UUID),
    ])
    assert run.rc == 0, run.output
    assert run["by pk"]["roles"] == [helpdesk]
    assert run["pk and filters"]["roles"] == [helpdesk]
    assert ("pk selects one role; the other filters (name, user) are not applied"
            in run["pk and filters"]["warnings"])
    assert run["missing pk"]["roles"] == []
    assert calls(authentik) == [("GET", "/api/v3/rbac/roles/%s/" % helpdesk["pk"])] * 2 + [
        ("GET", "/api/v3/rbac/roles/%s/" % NIL_UUID)]


def test_pk_must_be_a_uuid(run_playbook, authentik):
    run = run_playbook([roles_task("escape", pk="../../core/users/1")])
    assert run.rc != 0
    assert run.last["msg"] == "Invalid pk: '../../core/users/1' is not a UUID"
    assert authentik.requests == []


# ---------------------------------------------------------------- permissions


def test_permissions_on_models_and_on_objects(run_playbook, authentik, directory):
    asmith = directory["asmith"]
    run = run_playbook([
        roles_task("with permissions", group="support", inherited=True, permissions=True),
        roles_task("one with permissions", pk=authentik.find_role("helpdesk")["pk"], permissions=True),
    ], check=True)
    assert run.rc == 0, run.output
    helpdesk = ["authentik_core.change_user on authentik_core.user %s" % asmith["pk"],
                "authentik_core.reset_user_password", "authentik_core.view_user"]
    assert run["with permissions"]["roles"] == [
        dict(authentik.find_role("helpdesk"), permissions=helpdesk),
        dict(authentik.find_role("staff-reader"), permissions=["authentik_core.view_group"]),
    ]
    assert run["one with permissions"]["roles"][0]["permissions"] == helpdesk
    assert run["one with permissions"]["changed"] is False
    assert writes(authentik) == []
    # Per role one read of each list; the second task only its role's.
    reads = [entry for entry in calls(authentik) if entry in (GLOBAL_READ, OBJECT_READ)]
    assert reads == [GLOBAL_READ, OBJECT_READ] * 3


def test_object_permissions_are_read_ten_to_a_page(run_playbook, authentik):
    users = [authentik.add_user(username="u%02d" % n) for n in range(23)]
    authentik.add_role("many", object_permissions=[("authentik_core.view_user", "authentik_core.user", user["pk"])
                                                   for user in users])
    run = run_playbook([roles_task("many", name="many", permissions=True)])
    assert run.rc == 0, run.output
    assert run.last["roles"][0]["permissions"] == sorted(
        "authentik_core.view_user on authentik_core.user %s" % user["pk"] for user in users)
    object_reads = [entry for entry in authentik.requests if (entry["method"], entry["path"]) == OBJECT_READ]
    assert [entry["query"]["page"] for entry in object_reads] == [["1"], ["2"], ["3"]]


# ---------------------------------------------------------------- pages


@pytest.mark.parametrize("page_size, expected_requests", [(7, 7), (500, 1)])
def test_every_page_is_followed(run_playbook, authentik, page_size, expected_requests):
    for n in range(45):
        authentik.add_role("bulk%02d" % n)
    run = run_playbook([roles_task("all", page_size=page_size)])
    assert run.rc == 0, run.output
    assert names(run.last) == ["bulk%02d" % n for n in range(45)]
    assert calls(authentik) == [ROLE_LIST] * expected_requests


def test_the_servers_page_cap_is_followed(run_playbook, authentik):
    for n in range(230):
        authentik.add_role("bulk%03d" % n)
    run = run_playbook([roles_task("all", page_size=500, managed=False)])
    assert run.rc == 0, run.output
    assert len(run.last["roles"]) == 230
    # 2026.2 caps a page at 100 roles.
    assert calls(authentik) == [ME] + [ROLE_LIST] * 3


# ---------------------------------------------------------------- bad input and unknown holders


@pytest.mark.parametrize("args, message", [
    (dict(user="ghost"), "User 'ghost' does not exist"),
    (dict(user=9999), "User 9999 does not exist"),
    (dict(group="nope"), "Group 'nope' does not exist"),
    (dict(group=NIL_UUID, inherited=True), "Group '%s' does not exist" % NIL_UUID),
])
def test_an_unknown_holder_is_an_error_not_an_empty_list(run_playbook, authentik, args, message):
    run = run_playbook([roles_task("unknown", **args)])
    assert run.rc != 0
    assert run.last["msg"] == message
    assert ROLE_LIST not in calls(authentik)


@pytest.mark.parametrize("args, message", [
    (dict(name="  "), "Invalid name: " + BLANK),
    (dict(user=" "), "Invalid user: " + BLANK),
    (dict(group=""), "Invalid group: " + BLANK),
    (dict(user=["jdoe"]), "Invalid user: give a username (a string) or a user pk (an integer), got list"),
    (dict(user=0), "Invalid user: must be at least 1, got 0"),
    (dict(page_size=0), "Invalid page_size: must be at least 1, got 0"),
])
def test_bad_input_is_refused_before_any_request(run_playbook, authentik, args, message):
    run = run_playbook([roles_task("bad", **args)])
    assert run.rc != 0
    assert run.last["msg"] == message
    assert authentik.requests == []


# ---------------------------------------------------------------- older releases


@on_release("2025.10")
@pytest.mark.parametrize("args, given", [
    (dict(user="akadmin"), "user"),
    (dict(group="authentik Admins", inherited=True), "group"),
    (dict(managed=True), "managed"),
    (dict(name="x", user=1, managed=False), "user, managed"),
])
def test_user_group_and_managed_filters_are_refused_before_2025_12(run_playbook, authentik, args, given):
    authentik.add_role("r")
    run = run_playbook([roles_task("refused", **args)])
    assert run.rc != 0
    assert run.last["msg"] == ("Invalid %s: this filter needs authentik 2025.12 or later; this server is older and "
                               "would ignore it and list every role unfiltered" % given)
    assert calls(authentik) == [ME]


@on_release("2025.10", "2025.8")
def test_name_is_matched_where_the_server_ignores_or_misreads_it(run_playbook, authentik):
    first = authentik.add_role("first")
    authentik.add_role("other")
    requests.patch(authentik.url + "/api/v3/rbac/roles/%s/" % first["pk"], json={"name": "renamed"}, timeout=10,
                   headers={"Authorization": "Bearer " + TOKEN}).raise_for_status()
    run = run_playbook([
        roles_task("renamed", name="renamed"),
        roles_task("old name", name="first"),
        roles_task("all", permissions=True),
    ])
    assert run.rc == 0, run.output
    assert names(run["renamed"]) == ["renamed"]
    assert names(run["old name"]) == []
    assert sorted(names(run["all"])) == ["other", "renamed"]
    assert all(role["permissions"] == [] for role in run["all"]["roles"])
    assert ME not in calls(authentik)


@on_release("2025.12", "2026.5")
def test_holder_filters_on_each_name_of_the_group_filter(run_playbook, authentik, directory):
    run = run_playbook([
        roles_task("group", group="support"),
        roles_task("group inherited", group="support", inherited=True),
        roles_task("user inherited not managed", user="jdoe", inherited=True, managed=False),
        roles_task("user and group", user="asmith", group="support", inherited=True),
    ], check=True)
    assert run.rc == 0, run.output
    assert names(run["group"]) == ["helpdesk"]
    assert names(run["group inherited"]) == ["helpdesk", "staff-reader"]
    assert names(run["user inherited not managed"]) == ["direct-role", "helpdesk", "staff-reader"]
    assert names(run["user and group"]) == []
    assert writes(authentik) == []


# ---------------------------------------------------------------- authentik_user_info and roles


@on_release("2025.12", "2026.5")
def test_user_info_returns_roles_and_filters_by_them(run_playbook, authentik, directory):
    auditor = authentik.find_role("auditor")
    run = run_playbook([
        task(USER_INFO, "jdoe", username="jdoe"),
        task(USER_INFO, "by pk", pk=directory["asmith"]["pk"]),
        task(USER_INFO, "by role name", roles_by_name=["direct-role", "auditor"]),
        task(USER_INFO, "by role pk", roles_by_pk=[auditor["pk"].upper()]),
        task(USER_INFO, "inherited roles do not count", roles_by_name=["helpdesk"]),
    ], check=True)
    assert run.rc == 0, run.output
    jdoe = run["jdoe"]["users"][0]
    assert [role["name"] for role in jdoe["roles_obj"]] == sorted(["direct-role", directory["managed"]])
    assert run["by pk"]["users"][0]["roles_obj"] == [auditor]
    assert sorted(user["username"] for user in run["by role name"]["users"]) == ["asmith", "jdoe"]
    assert [user["username"] for user in run["by role pk"]["users"]] == ["asmith"]
    assert run["inherited roles do not count"]["users"] == []
    assert not any("include_roles" in entry["query"] for entry in authentik.requests)
    assert [entry["query"]["roles_by_pk"] for entry in authentik.requests if "roles_by_pk" in entry["query"]] == [
        [auditor["pk"]]]
    # The release is checked once for each task with role filters, and only for those.
    assert calls(authentik).count(ME) == 3


@on_release("2026.5")
def test_user_info_unknown_role_and_blank_entries(run_playbook, authentik):
    unknown = run_playbook([task(USER_INFO, "unknown", roles_by_name=["nope"])])
    assert unknown.rc != 0
    assert unknown.last["msg"] == ("GET /api/v3/core/users/ returned HTTP 400: roles_by_name: Select a valid choice. "
                                   "nope is not one of the available choices.")
    blank = run_playbook([task(USER_INFO, "blank", roles_by_name=["ops", " "])])
    assert blank.rc != 0
    assert blank.last["msg"] == "Invalid roles_by_name: entry ' ': must not be empty or only whitespace"
    assert authentik.requests == []


@on_release("2025.10")
def test_user_info_role_filters_are_refused_before_2025_12(run_playbook, authentik):
    for args, given in ((dict(roles_by_name=["x"]), "roles_by_name"), (dict(roles_by_pk=[NIL_UUID]), "roles_by_pk")):
        run = run_playbook([task(USER_INFO, "refused", **args)])
        assert run.rc != 0
        assert run.last["msg"] == ("Invalid %s: this filter needs authentik 2025.12 or later; this server is older "
                                   "and would ignore it and list every user unfiltered" % given)
        assert calls(authentik) == [ME]
    plain = run_playbook([task(USER_INFO, "plain", username="akadmin"),
                          task(USER_INFO, "pk wins", pk=1, roles_by_name=["x"])])
    assert plain.rc == 0, plain.output
    assert "roles_obj" not in plain["plain"]["users"][0]
    assert "pk selects one user; the other filters (roles_by_name) are not applied" in plain["pk wins"]["warnings"]
    assert ME not in calls(authentik)
