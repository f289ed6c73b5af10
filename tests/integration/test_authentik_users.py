"""akops.authentik.authentik_users (bulk) through the real ansible-playbook, with request budgets."""

import pytest

from tests.integration.conftest import writes

BULK = "akops.authentik.authentik_users"


def bulk(users, title="bulk", **args):
    return {"name": title, BULK: dict(args, users=users)}


def by_kind(srv):
    """Request log as (method, what): list, lookup, group, write kinds, for budget assertions."""
    return [kind_of(entry) for entry in srv.requests]


def kind_of(entry):
    if entry["method"] != "GET":
        return entry["method"]
    if entry["path"].startswith("/api/v3/core/groups/"):
        return "group"
    if "username" in entry["query"]:
        return "lookup"
    if entry["path"].endswith("/me/"):
        return "me"
    return "list"


@pytest.fixture
def seeded(authentik):
    staff = authentik.add_group(name="staff")
    authentik.add_user(username="keep", name="Keep", email="keep@example.com", groups=[staff["pk"]])
    authentik.add_user(username="change", name="Old", email="old@example.com")
    authentik.add_user(username="remove", name="R")
    return staff


SPECS = [
    {"username": "keep", "name": "Keep", "email": "keep@example.com", "groups": ["staff"]},
    {"username": "change", "name": "New", "groups": ["staff"]},
    {"username": "fresh", "name": "Fresh", "email": "fresh@example.com", "password": "Fresh-pw-9"},
    {"username": "remove", "state": "absent"},
]


def test_converge_rerun_and_check(run_playbook, authentik, seeded):
    check = run_playbook([bulk(SPECS)], check=True, diff=True)
    assert check.rc == 0, check.output
    assert writes(authentik) == []
    real = run_playbook([bulk(SPECS)], diff=True)
    assert real.rc == 0, real.output
    for run in (check, real):
        assert run.last["counts"] == {"created": 1, "updated": 1, "deleted": 1, "deactivated": 0, "unchanged": 1}
        assert run.last["summary"]["created"] == ["fresh"]
        assert [entry["username"] for entry in run.last["results"]] == ["keep", "change", "fresh", "remove"]
    assert check.last["diff"] == real.last["diff"]
    assert [diff["before_header"] for diff in real.last["diff"]] == ["user change", "user fresh", "user remove"]
    assert real.last["diff"][0]["after"] == {"username": "change", "name": "New", "groups": ["staff"]}
    assert real.last["diff"][1]["after"]["password"] == "********"
    assert "Fresh-pw-9" not in real.output
    # One list page (small directory), no group lookup (staff is known from keep's groups), the token owner
    # (a delete is guarded against self lock-out), then one write each (in parallel: any order).
    kinds = by_kind(authentik)
    assert kinds[:2] == ["list", "me"]
    assert sorted(kinds[2:]) == ["DELETE", "PATCH", "POST", "POST"]
    assert authentik.check_password("fresh", "Fresh-pw-9")
    assert authentik.find_user("remove") is None
    assert [g["name"] for g in authentik.find_user("change")["groups_obj"]] == ["staff"]

    again = run_playbook([bulk(SPECS)])
    assert again.last["changed"] is False
    assert again.last["counts"]["unchanged"] == 4
    assert by_kind(authentik) == ["list"]


def test_budget_with_capped_pages(run_playbook, authentik):
    authentik.add_group(name="team")
    for n in range(260):
        authentik.add_user(username="u%03d" % n, name="U", path="bulk")
    specs = [{"username": "u%03d" % n, "name": "U", "path": "bulk"} for n in range(260)]
    up_to_date = run_playbook([bulk(specs)])
    assert up_to_date.last["counts"]["unchanged"] == 260
    # 261 users (with akadmin) at the server's cap of 100 a page: three list requests and nothing else.
    assert by_kind(authentik) == ["list"] * 3
    pages = [entry["query"]["page"][0] for entry in authentik.requests]
    # Page 1 tells how many there are; pages 2 and 3 are then read at once, in either order.
    assert pages[0] == "1" and sorted(pages[1:]) == ["2", "3"]

    for n in (3, 100, 250):
        specs[n] = dict(specs[n], groups=["team"])
    specs[7] = dict(specs[7], name="Seven")
    changed = run_playbook([bulk(specs, parallel=3)])
    assert changed.last["counts"]["updated"] == 4
    assert sorted(changed.last["summary"]["updated"]) == ["u003", "u007", "u100", "u250"]
    # The group name is resolved once for all three users that join it.
    assert sorted(by_kind(authentik)) == sorted(["list"] * 3 + ["group"] + ["PATCH"] * 4)


def test_small_list_in_a_large_directory_uses_exact_lookups(run_playbook, authentik):
    for n in range(350):
        authentik.add_user(username="u%03d" % n, name="U")
    # Four pages at the cap of 100; after the first, two exact lookups are cheaper than three more pages.
    run = run_playbook([bulk([{"username": "u250", "name": "U"}, {"username": "zz-new", "name": "Z"}])])
    assert run.last["counts"]["created"] == 1 and run.last["counts"]["unchanged"] == 1
    assert by_kind(authentik) == ["list", "lookup", "lookup", "POST"]


def test_purge_deactivates_only_inside_the_scope(run_playbook, authentik):
    authentik.add_user(username="in-named", name="A", path="staff/berlin")
    authentik.add_user(username="in-extra", name="B", path="staff/berlin")
    authentik.add_user(username="in-external", name="C", path="staff/paris", type="external")
    authentik.add_user(username="outside", name="D", path="users")
    scope = {"path_startswith": "staff", "type": ["internal"]}
    specs = [{"username": "in-named", "name": "A"}]

    check = run_playbook([bulk(specs, purge=scope)], check=True, diff=True)
    assert check.last["summary"]["deactivated"] == ["in-extra"]
    assert writes(authentik) == []

    run = run_playbook([bulk(specs, purge=scope)])
    assert run.last["summary"]["deactivated"] == ["in-extra"]
    assert authentik.find_user("in-extra")["is_active"] is False
    for untouched in ("in-named", "in-external", "outside", "akadmin"):
        assert authentik.find_user(untouched)["is_active"] is True
    assert by_kind(authentik) == ["list", "me", "PATCH"]
    assert authentik.requests[-1]["body"] == {"is_active": False}

    again = run_playbook([bulk(specs, purge=scope)])
    assert again.last["changed"] is False


def test_purge_reads_only_its_scope_with_the_servers_filter(run_playbook, authentik):
    for n in range(400):
        authentik.add_user(username="u%03d" % n, name="U")
    for n in range(150):
        authentik.add_user(username="b%03d" % n, name="B", path="staff/berlin")
    specs = [{"username": "b%03d" % n, "name": "B"} for n in range(140)] + [{"username": "u005", "name": "Five"}]
    scope = {"path_startswith": "/staff/berlin/"}

    check = run_playbook([bulk(specs, purge=scope)], check=True)
    assert check.rc == 0, check.output
    assert check.last["counts"] == {"created": 0, "updated": 1, "deleted": 0, "deactivated": 10, "unchanged": 140}
    assert writes(authentik) == []

    run = run_playbook([bulk(specs, purge=scope)])
    assert run.last["counts"] == check.last["counts"]
    lists = [entry["query"] for entry in authentik.requests if kind_of(entry) == "list"]
    # The scope's 150 users in two filtered pages at the cap of 100; u005, outside the scope, by one exact
    # lookup after the first page of the directory showed that five more pages would cost more.
    assert [query.get("path_startswith") for query in lists] == [["staff/berlin"], ["staff/berlin"], None]
    assert sorted(by_kind(authentik)) == sorted(["list"] * 3 + ["lookup", "me"] + ["PATCH"] * 11)
    assert all(authentik.find_user("b%03d" % n)["is_active"] is (n < 140) for n in range(150))
    assert all(authentik.find_user("u%03d" % n)["is_active"] for n in range(400))

    again = run_playbook([bulk(specs, purge=scope, parallel=1)])
    assert again.last["changed"] is False
    assert sorted(by_kind(authentik)) == sorted(["list"] * 3 + ["lookup", "me"])


def test_purge_delete_never_the_token_owner(run_playbook, authentik):
    authentik.add_user(username="stray", name="S", path="users")
    run = run_playbook([bulk([{"username": "named", "name": "N"}], purge={"path_startswith": "users"},
                             purge_action="delete")])
    assert run.rc == 0, run.output
    assert run.last["summary"]["deleted"] == ["stray"]
    assert authentik.find_user("stray") is None
    assert authentik.find_user("akadmin") is not None


def test_empty_purge_scope_is_refused(run_playbook, authentik):
    run = run_playbook([bulk([{"username": "x"}], purge={"path_startswith": None})])
    assert run.rc != 0
    assert run.last["msg"].startswith("Invalid purge: the scope is empty once normalized")
    assert authentik.requests == []


@pytest.mark.parametrize("specs, message", [
    ([{"username": "a"}, {"username": "a"}], "Username 'a' appears more than once in users"),
    ([{"username": "a", "email": "nope"}], "Invalid email: 'nope' is not an email address: it has no @; in the entry for 'a'"),
    ([{"username": "a", "groups": ["ghosts"]}], "Group 'ghosts' does not exist"),
    ([{"username": "akadmin", "is_active": False}], "Refusing to deactivate user 'akadmin'"),
])
def test_bad_lists_write_nothing(run_playbook, authentik, specs, message):
    run = run_playbook([bulk(specs)])
    assert run.rc != 0
    assert message in run.last["msg"]
    assert writes(authentik) == []


def test_a_failed_write_is_reported_and_the_others_land(run_playbook, authentik):
    authentik.add_user(username="a", name="A")
    authentik.add_user(username="b", name="B")
    pk_b = authentik.find_user("b")["pk"]
    authentik.inject("status", count=10, status=503, match={"method": "PATCH", "path_prefix": "/core/users/%d/" % pk_b})
    run = run_playbook([bulk([{"username": "a", "name": "A2"}, {"username": "b", "name": "B2"}],
                             retries=1, retry_delay=0.01)])
    assert run.rc != 0
    assert run.last["msg"].startswith("1 of 2 writes failed: b: PATCH /api/v3/core/users/%d/ returned HTTP 503" % pk_b)
    assert run.last["summary"]["updated"] == ["a"]
    assert authentik.find_user("a")["name"] == "A2"
    assert authentik.find_user("b")["name"] == "B"


def test_parallel_writes_keep_the_order(run_playbook, authentik):
    specs = [{"username": "p%02d" % n, "name": "P"} for n in range(20)]
    run = run_playbook([bulk(specs, parallel=8)])
    assert run.rc == 0, run.output
    assert run.last["summary"]["created"] == [spec["username"] for spec in specs]
    assert all(authentik.find_user(spec["username"]) for spec in specs)


def test_purge_scope_is_whole_path_segments_and_spares_outposts(run_playbook, authentik):
    authentik.add_user(username="berlin", name="B", path="staff/berlin")
    authentik.add_user(username="berlin-sub", name="S", path="staff/berlin/it")
    authentik.add_user(username="berlin2", name="B2", path="staff/berlin2")
    authentik.add_user(username="outpost", name="O", path="staff/berlin", type="internal_service_account")
    run = run_playbook([bulk([{"username": "berlin"}], purge={"path_startswith": "staff/berlin"})])
    assert run.rc == 0, run.output
    assert run.last["summary"]["deactivated"] == ["berlin-sub"]
    assert authentik.find_user("berlin2")["is_active"] is True
    assert authentik.find_user("outpost")["is_active"] is True


def test_entries_are_normalized_like_authentik_stores_them(run_playbook, authentik):
    team = authentik.add_group(name="team")
    authentik.add_user(username="trim", name="T", groups=[team["pk"]])
    run = run_playbook([bulk([{"username": " trim ", "name": "T ", "groups": [team["pk"].upper()]}])])
    assert run.last["changed"] is False
    assert by_kind(authentik) == ["list"]


def test_arguments_echoed_at_vvvv_list_only_given_options_and_no_password(run_playbook, authentik):
    secret = "Pw-bulk-Echo-93"
    specs = [{"username": "echo1", "name": "E", "password": secret}, {"username": "echo2", "email": "e@example.com"}]
    run = run_playbook([bulk(specs)], verbosity=4, diff=True)
    assert run.rc == 0, run.output
    assert secret not in run.output and secret not in str(run.results)
    assert authentik.check_password("echo1", secret)
    if "invocation" not in run.last:
        # ansible-core 2.21 no longer hands the echoed arguments to callbacks; the secret check above still holds.
        return
    echoed = run.last["invocation"]["module_args"]["users"]
    # Each entry as given, with Ansible's defaults filled in, and no option the entry left out.
    assert echoed[1] == {"username": "echo2", "email": "e@example.com", "state": "present", "groups_mode": "add",
                         "roles_mode": "add", "attributes_mode": "merge", "update_password": "on_create"}
    assert echoed[0]["password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


@pytest.mark.parametrize("prefix", ["équipe/zürich", "0b4a6c1e-7d1f-4c8e-9a55-3f1b2c3d4e5f"])
def test_purge_scope_with_unicode_or_uuid_like_path_is_read_filtered_and_check_mode_writes_nothing(
        run_playbook, authentik, prefix):
    authentik.add_user(username="kept", name="K", path=prefix)
    authentik.add_user(username="leaver", name="L", path=prefix + "/sub")
    authentik.add_user(username="elsewhere", name="E", path=prefix + "x")
    specs = [{"username": "kept", "name": "K"}]
    check = run_playbook([bulk(specs, purge={"path_startswith": prefix})], check=True, diff=True)
    assert check.rc == 0, check.output
    assert check.last["summary"]["deactivated"] == ["leaver"] and writes(authentik) == []
    assert [entry["query"].get("path_startswith") for entry in authentik.requests if kind_of(entry) == "list"] == [
        [prefix]]
    run = run_playbook([bulk(specs, purge={"path_startswith": prefix})])
    assert run.last["summary"]["deactivated"] == ["leaver"]
    assert authentik.find_user("elsewhere")["is_active"] and authentik.find_user("kept")["is_active"]
    assert run_playbook([bulk(specs, purge={"path_startswith": prefix})]).last["changed"] is False
