"""plugins/module_utils/directory.py: reading many users and groups with as few requests as the directory allows,
against the local server (which records every request)."""

import uuid

import pytest

from ansible_collections.akops.authentik.plugins.module_utils import directory
from ansible_collections.akops.authentik.plugins.module_utils.errors import AuthentikError, NotFoundError

PAGE = 5


@pytest.fixture
def staff(authentik):
    """akadmin and u00..u23, 25 users: five pages of five, in username order (akadmin, u00..u03 on page one)."""
    for number in range(24):
        authentik.add_user(username="u%02d" % number)
    authentik.clear_requests()
    return authentik


def reads(authentik):
    """Each request as ('page', n) or ('username', name)."""
    shown = []
    for entry in authentik.requests:
        assert entry["method"] == "GET" and entry["path"] == "/api/v3/core/users/", entry
        query = entry["query"]
        shown.append(("page", int(query["page"][0])) if "page" in query else ("username", query["username"][0]))
    return shown


def test_names_on_the_first_page_cost_one_request(staff, client):
    found = directory.read_users(client, ["akadmin", "u01", "u03"], PAGE)
    assert reads(staff) == [("page", 1)]
    assert sorted(found) == ["akadmin", "u00", "u01", "u02", "u03"]


def test_few_missing_names_are_looked_up_one_by_one(staff, client):
    found = directory.read_users(client, ["u01", "u10", "u22", "nobody"], PAGE)
    # Four pages remain; three exact lookups are cheaper.
    assert reads(staff) == [("page", 1), ("username", "u10"), ("username", "u22"), ("username", "nobody")]
    assert {"u01", "u10", "u22"} <= set(found) and "nobody" not in found
    assert found["u22"]["username"] == "u22" and isinstance(found["u22"]["pk"], int)


def test_many_missing_names_read_the_remaining_pages(staff, client):
    found = directory.read_users(client, ["u05", "u10", "u15", "u20"], PAGE)
    # Four names missing, four pages left: the pages it is.
    assert reads(staff) == [("page", 1), ("page", 2), ("page", 3), ("page", 4), ("page", 5)]
    assert len(found) == 25


def test_everything_reads_every_page(staff, client):
    found = directory.read_users(client, [], PAGE, everything=True)
    assert reads(staff) == [("page", n) for n in range(1, 6)]
    assert sorted(found) == ["akadmin"] + ["u%02d" % n for n in range(24)]


def test_a_one_page_directory_costs_one_request_whatever_is_missing(authentik, client):
    found = directory.read_users(client, ["ghost", "phantom"], PAGE)
    assert reads(authentik) == [("page", 1)]
    assert list(found) == ["akadmin"]


def test_users_that_are_not_authentiks_are_refused(fake):
    fake.answer("GET", "/core/users/", {"results": [{"username": "x"}], "pagination": {"total_pages": 1}})
    with pytest.raises(AuthentikError) as caught:
        directory.read_users(fake, ["x"], PAGE)
    assert "holds a user without pk or username" in caught.value.msg


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


def test_resolve_group_entries_uses_the_groups_already_read(authentik, client, teams):
    users = directory.read_users(client, ["opsy"], PAGE)
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
