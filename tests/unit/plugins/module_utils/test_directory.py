"""plugins/module_utils/directory.py: reading many users and groups with as few requests as the directory allows,
against the local server (which records every request)."""

import uuid

import pytest

from ansible_collections.akops.authentik.plugins.module_utils import directory, workers
from ansible_collections.akops.authentik.plugins.module_utils.api import Client
from ansible_collections.akops.authentik.plugins.module_utils.errors import ApiError, AuthentikError, NotFoundError

PAGE = 5


@pytest.fixture
def staff(authentik):
    """akadmin and u00..u23, 25 users: five pages of five, in username order (akadmin, u00..u03 on page one)."""
    for number in range(24):
        authentik.add_user(username="u%02d" % number)
    authentik.clear_requests()
    return authentik


def reads(authentik):
    """Each request as ('page', n), ('page', n, path_startswith) or ('username', name), in the order sent."""
    shown = []
    for entry in authentik.requests:
        assert entry["method"] == "GET" and entry["path"] == "/api/v3/core/users/", entry
        query = entry["query"]
        if "page" not in query:
            shown.append(("username", query["username"][0]))
        elif "path_startswith" in query:
            shown.append(("page", int(query["page"][0]), query["path_startswith"][0]))
        else:
            shown.append(("page", int(query["page"][0])))
    return shown


@pytest.fixture
def clients(authentik):
    """One client per thread, as the bulk module has them; no retries, so every request shows once."""
    return workers.ClientPerThread(lambda first: Client(authentik.url, authentik.token, timeout=5, retries=0))


class OneClient(object):
    """workers.ClientPerThread's interface around a single (fake) client, for sequential reads."""

    def __init__(self, client):
        self.client = client

    def get(self):
        return self.client


def test_names_on_the_first_page_cost_one_request(staff, clients):
    found = directory.read_users(clients, ["akadmin", "u01", "u03"], PAGE)
    assert reads(staff) == [("page", 1)]
    # Only the named users are kept, not the rest of the page.
    assert sorted(found) == ["akadmin", "u01", "u03"]


def test_few_missing_names_are_looked_up_one_by_one(staff, clients):
    found = directory.read_users(clients, ["u01", "u10", "u22", "nobody"], PAGE)
    # Four pages remain; three exact lookups are cheaper.
    assert reads(staff) == [("page", 1), ("username", "u10"), ("username", "u22"), ("username", "nobody")]
    assert sorted(found) == ["u01", "u10", "u22"]
    assert found["u22"]["username"] == "u22" and isinstance(found["u22"]["pk"], int)


def test_many_missing_names_read_the_remaining_pages(staff, clients):
    found = directory.read_users(clients, ["u05", "u10", "u15", "u20"], PAGE)
    # Four names missing, four pages left: the pages it is.
    assert reads(staff) == [("page", 1), ("page", 2), ("page", 3), ("page", 4), ("page", 5)]
    assert sorted(found) == ["u05", "u10", "u15", "u20"]


@pytest.mark.parametrize("parallel", [2, 3, 8])
def test_pages_after_the_first_are_read_in_parallel_each_once(staff, clients, parallel):
    sequential = directory.read_users(clients, ["u05", "u10", "u15", "u20"], PAGE, parallel=1)
    staff.clear_requests()
    found = directory.read_users(clients, ["u05", "u10", "u15", "u20"], PAGE, parallel=parallel)
    sent = reads(staff)
    # Page 1 first (it tells how many there are), then every other page exactly once, in any order.
    assert sent[0] == ("page", 1) and sorted(sent[1:]) == [("page", n) for n in range(2, 6)]
    assert found == sequential


def test_lookups_run_in_parallel_too(staff, clients):
    found = directory.read_users(clients, ["u10", "u22", "nobody"], PAGE, parallel=3)
    sent = reads(staff)
    assert sent[0] == ("page", 1)
    assert sorted(sent[1:]) == [("username", "nobody"), ("username", "u10"), ("username", "u22")]
    assert sorted(found) == ["u10", "u22"]


@pytest.fixture
def offices(authentik):
    """Berlin (b0..b5 in staff/berlin, one below it), staff/berlin2 (which a plain prefix takes in), Paris, and
    the users path: 17 users besides akadmin."""
    for number in range(5):
        authentik.add_user(username="b%d" % number, path="staff/berlin")
    authentik.add_user(username="b5", path="staff/berlin/kreuzberg")
    authentik.add_user(username="x0", path="staff/berlin2")
    for number in range(5):
        authentik.add_user(username="p%d" % number, path="staff/paris")
    for number in range(5):
        authentik.add_user(username="u%d" % number)
    authentik.clear_requests()
    return authentik


BERLIN = {"path_startswith": "staff/berlin", "type": None}


def test_a_scope_is_read_with_the_servers_path_filter(offices, clients):
    found = directory.read_users(clients, ["b0", "b1"], PAGE, scope=BERLIN)
    # Seven users match the prefix (b0..b5 and x0): two filtered pages, and no other read since every
    # named user was found there.
    assert reads(offices) == [("page", 1, "staff/berlin"), ("page", 2, "staff/berlin")]
    # staff/berlin2 is not in the scope by whole segments, so x0 is not kept.
    assert sorted(found) == ["b0", "b1", "b2", "b3", "b4", "b5"]


def test_named_users_outside_the_scope_are_found_the_cheaper_way(offices, clients):
    found = directory.read_users(clients, ["b0", "p3", "x0"], PAGE, scope=BERLIN)
    # x0 came with the filtered read; p3 is not on the first page of the directory and one lookup is cheaper
    # than three more pages.
    assert reads(offices) == [("page", 1, "staff/berlin"), ("page", 2, "staff/berlin"), ("page", 1),
                              ("username", "p3")]
    assert sorted(found) == ["b0", "b1", "b2", "b3", "b4", "b5", "p3", "x0"]


def test_a_type_scope_uses_the_type_filter(offices, clients):
    offices.add_user(username="ext", type="external")
    offices.clear_requests()
    found = directory.read_users(clients, [], PAGE, scope={"path_startswith": None, "type": ["external"]})
    assert [entry["query"].get("type") for entry in offices.requests] == [["external"]]
    assert list(found) == ["ext"]


def test_a_one_page_directory_costs_one_request_whatever_is_missing(authentik, clients):
    found = directory.read_users(clients, ["ghost", "phantom"], PAGE, parallel=4)
    assert reads(authentik) == [("page", 1)]
    assert found == {}


def test_users_that_are_not_authentiks_are_refused(fake):
    fake.answer("GET", "/core/users/", {"results": [{"username": "x"}], "pagination": {"total_pages": 1}})
    with pytest.raises(AuthentikError) as caught:
        directory.read_users(OneClient(fake), ["x"], PAGE)
    assert "holds a user without pk or username" in caught.value.msg


@pytest.mark.parametrize("pagination", [
    {"count": 1, "total_pages": 1000000},
    {"count": 2, "total_pages": 1},
    {"count": "2", "total_pages": 2},
    {"count": 2, "total_pages": True},
    {"count": 2},
    {"count": -5, "total_pages": 1},
])
def test_pagination_no_authentik_sends_is_refused_before_more_requests(fake, pagination):
    fake.answer("GET", "/core/users/", {"results": [{"pk": 1, "username": "a"}], "pagination": pagination})
    with pytest.raises(AuthentikError) as caught:
        directory.read_users(OneClient(fake), ["a", "b"], PAGE, parallel=4)
    assert "pagination that authentik never sends" in caught.value.msg and "check api_url" in caught.value.msg
    assert len(fake.requests) == 1


def test_a_page_gone_during_the_read_says_what_happened(fake):
    page = {"results": [{"pk": 1, "username": "a"}], "pagination": {"count": 2, "total_pages": 2}}
    fake.answer("GET", "/core/users/", page, ApiError("GET", "/api/v3/core/users/", 404, {"detail": "Invalid page."}))
    with pytest.raises(AuthentikError) as caught:
        directory.read_users(OneClient(fake), ["a", "b", "c"], 1)
    assert "page 2 of 2 is gone: users were deleted while the directory was read" in caught.value.msg


def test_kept_users_hold_only_what_plans_read_and_share_their_group_entries(authentik, clients):
    ops = authentik.add_group(name="ops")
    for number in range(3):
        authentik.add_user(username="o%d" % number, groups=[ops["pk"]])
    found = directory.read_users(clients, ["o0", "o1", "o2"], PAGE)
    assert set(found["o0"]) <= set(directory.KEPT_USER_FIELDS)
    assert "avatar" not in found["o0"] and "uid" not in found["o0"]
    first, second = found["o0"]["groups_obj"][0], found["o1"]["groups_obj"][0]
    assert first is second and first["name"] == "ops"


# ---------------------------------------------------------------- groups


G1, G2 = str(uuid.UUID(int=1)), str(uuid.UUID(int=2))


def member_of(*groups_obj):
    return {"pk": 3, "username": "m", "groups": [group["pk"] for group in groups_obj], "groups_obj": list(groups_obj)}


def test_groups_seen_trusts_names_only_where_they_are_unique():
    new = [member_of({"pk": G1, "name": "ops"}), member_of({"pk": G2, "name": "dev"}, {"pk": G1, "name": "ops"})]
    assert directory.groups_seen(new) == ({"ops": {"pk": G1, "name": "ops"}, "dev": {"pk": G2, "name": "dev"}},
                                          {G1: {"pk": G1, "name": "ops"}, G2: {"pk": G2, "name": "dev"}})
    old = [member_of({"pk": G1, "name": "ops", "parent": None, "parent_name": None})]
    assert directory.groups_seen(old) == ({}, {G1: old[0]["groups_obj"][0]})
    assert directory.groups_seen([{"pk": 1, "username": "x", "groups_obj": None}]) == ({}, {})


@pytest.fixture
def teams(authentik):
    ops, dev, qa = (authentik.add_group(name=name) for name in ("ops", "dev", "qa"))
    authentik.add_user(username="opsy", groups=[ops["pk"]])
    authentik.clear_requests()
    return {"ops": ops, "dev": dev, "qa": qa}


def group_reads(authentik):
    return [(entry["path"], entry["query"].get("name", [None])[0]) for entry in authentik.requests]


def test_resolve_group_entries_uses_the_groups_already_read(authentik, client, clients, teams):
    users = directory.read_users(clients, ["opsy"], PAGE)
    authentik.clear_requests()
    resolved = directory.resolve_group_entries(client, [("opsy", ["ops", teams["ops"]["pk"]])], users.values())
    assert resolved["ops"]["pk"] == resolved[teams["ops"]["pk"]]["pk"] == teams["ops"]["pk"]
    assert authentik.requests == []


def test_resolve_group_entries_looks_each_entry_up_once(authentik, client, teams):
    wanted = [("a", ["dev", "qa"]), ("b", ["dev"]), ("c", ["qa", teams["dev"]["pk"]]), ("d", [])]
    resolved = directory.resolve_group_entries(client, wanted, [])
    assert dict((entry, group["pk"]) for entry, group in resolved.items()) == {
        "dev": teams["dev"]["pk"], "qa": teams["qa"]["pk"], teams["dev"]["pk"]: teams["dev"]["pk"]}
    assert group_reads(authentik) == [("/api/v3/core/groups/", "dev"), ("/api/v3/core/groups/", "qa"),
                                      ("/api/v3/core/groups/%s/" % teams["dev"]["pk"], None)]


def test_an_unknown_group_names_the_first_entry_that_asks_for_it(authentik, client, teams):
    wanted = [("a", ["dev"]), ("b", ["dev", "nope"]), ("c", ["nope"])]
    with pytest.raises(NotFoundError) as caught:
        directory.resolve_group_entries(client, wanted, [])
    assert caught.value.msg == "Group 'nope' does not exist; in the entry for 'b'"


def test_an_unknown_group_uuid_names_its_entry(authentik, client):
    missing = str(uuid.UUID(int=404))
    with pytest.raises(NotFoundError) as caught:
        directory.resolve_group_entries(client, [("jdoe", [missing])], [])
    assert caught.value.msg == "Group '%s' does not exist; in the entry for 'jdoe'" % missing


def test_fields_needed_are_what_the_entries_manage():
    names = [{"username": "a", "name": "A", "email": "a@example.com", "state": "present"}]
    assert directory.fields_needed(names) == ("pk", "username", "name", "email", "is_active", "is_superuser")
    grouped = names + [{"username": "b", "groups": ["ops"], "roles": [], "attributes": {"x": 1}}]
    assert set(directory.fields_needed(grouped)) == {
        "pk", "username", "name", "email", "is_active", "is_superuser", "attributes", "groups", "groups_obj",
        "roles", "roles_obj"}
    assert {"path", "type"} <= set(directory.fields_needed([], scope=BERLIN))


def test_a_read_keeps_only_the_fields_asked_for(authentik, clients):
    authentik.add_user(username="slim", name="S", attributes={"big": "x" * 1000})
    found = directory.read_users(clients, ["slim"], PAGE, fields=directory.fields_needed([{"username": "slim",
                                                                                         "name": "S"}]))
    assert found == {"slim": {"pk": found["slim"]["pk"], "username": "slim", "name": "S", "is_active": True,
                              "is_superuser": False}}
