"""The stand-in at many users: no request or fixture walks every user where authentik would use an index, and the
username index and the cached default order stay right through every change."""

import pytest

from tests.server.authentik_server import AuthentikServer
from tests.server.state import ApiError
from tests.unit.server.conftest import call

TOKEN = "scale-test-token"


class NoWalk(dict):
    """A users table that fails the test when something goes through every user (what made seeding quadratic)."""

    def values(self):
        return Walk()

    def items(self):
        return Walk()

    def __iter__(self):
        raise AssertionError("walked through every user")


class Walk:
    def __iter__(self):
        raise AssertionError("walked through every user")


@pytest.fixture(scope="module")
def started():
    with AuthentikServer(token=TOKEN, validate=False) as srv:
        yield srv


@pytest.fixture
def srv(started):
    return started.fresh()


def usernames(srv, **params):
    response = call(srv, "GET", "/core/users/", params={"page_size": 100, **params})
    assert response.status_code == 200, response.text
    return [u["username"] for u in response.json()["results"]]


def test_seeding_and_lookups_by_username_do_not_walk_every_user(srv):
    srv.add_users({"username": f"u{i:03d}"} for i in range(50))
    assert usernames(srv, page_size=3) == ["akadmin", "u000", "u001"]  # builds the cached order
    store = srv.store
    store.users = NoWalk(store.users)
    try:
        assert srv.add_user("zed")["username"] == "zed"
        assert srv.find_user("u007")["pk"] == 9 and srv.check_password("u007", "x") is False
        assert call(srv, "POST", "/core/users/", json={"username": "u001", "name": "x"}).status_code == 400
        assert usernames(srv, username="u042") == ["u042"]
        store.users = dict(store.users)
        assert usernames(srv, page=2, page_size=50) == ["u049", "zed"]  # the cache is rebuilt after the add
        store.users = NoWalk(store.users)
        # Unchanged since: pages come from the cache.
        assert usernames(srv, page=1, page_size=2) == ["akadmin", "u000"]
        assert call(srv, "GET", "/core/users/", params={"page": 26, "page_size": 2}).json()["pagination"]["count"] == 52
    finally:
        store.users = dict(store.users)


def test_default_order_follows_adds_renames_and_deletes(srv):
    for name in ("mike", "bob", "zoe", "carl"):
        srv.add_user(name)
    assert usernames(srv) == ["akadmin", "bob", "carl", "mike", "zoe"]
    assert usernames(srv, ordering="username") == usernames(srv, ordering="bogus") == usernames(srv)
    bob = srv.find_user("bob")["pk"]
    assert call(srv, "PATCH", f"/core/users/{bob}/", json={"username": "yan"}).status_code == 200
    assert usernames(srv) == ["akadmin", "carl", "mike", "yan", "zoe"]
    assert usernames(srv, username="bob") == [] and usernames(srv, username="yan") == ["yan"]
    # The old name is free again, the new one taken.
    assert call(srv, "POST", "/core/users/", json={"username": "yan", "name": "Y"}).status_code == 400
    assert call(srv, "POST", "/core/users/", json={"username": "bob", "name": "B"}).status_code == 201
    assert call(srv, "DELETE", f"/core/users/{srv.find_user('mike')['pk']}/").status_code == 204
    assert usernames(srv) == ["akadmin", "bob", "carl", "yan", "zoe"]
    assert srv.find_user("mike") is None
    assert call(srv, "POST", "/core/users/", json={"username": "mike", "name": "M"}).status_code == 201
    assert usernames(srv, ordering="-username") == ["zoe", "yan", "mike", "carl", "bob", "akadmin"]
    srv.reset()
    assert usernames(srv) == ["akadmin"] and srv.find_user("zoe") is None


def test_username_index_survives_an_undone_request(srv):
    """An unprocessed truncated answer restores a deep copy of the state: the index must point at the copies."""
    carl = srv.add_user("carl")
    srv.inject("truncated", process=False)
    assert call(srv, "POST", "/core/users/", json={"username": "dora", "name": "D"}).status_code == 200
    assert srv.find_user("dora") is None and usernames(srv) == ["akadmin", "carl"]
    # Validating carl's own name against the index must find carl himself, not a stale record.
    assert call(srv, "PUT", f"/core/users/{carl['pk']}/", json={"username": "carl", "name": "C"}).status_code == 200
    assert srv.get_user(carl["pk"])["name"] == "C"
    assert call(srv, "POST", "/core/users/", json={"username": "dora", "name": "D"}).status_code == 201


def test_filters_keep_order_and_meaning(srv):
    root = srv.add_group("root", is_superuser=True)
    sub = srv.add_group("sub", parent=root["pk"])
    team = srv.add_group("team")
    srv.add_user("walt", groups=[team["pk"]])
    srv.add_user("erin", groups=[sub["pk"], team["pk"]])
    srv.add_user("dave", groups=[root["pk"]], is_active=False)
    # is_superuser filters on direct groups only, although erin is a superuser through sub's parent.
    assert usernames(srv, is_superuser="true") == ["akadmin", "dave"]
    assert usernames(srv, is_superuser="false") == ["erin", "walt"]
    assert usernames(srv, groups_by_name=["team", "sub"]) == ["erin", "walt"]
    assert usernames(srv, groups_by_pk=team["pk"], is_active="true") == ["erin", "walt"]
    assert usernames(srv, is_active="false") == ["dave"]
    assert usernames(srv, ordering="-is_active,username") == ["akadmin", "erin", "walt", "dave"]


def test_add_users_validates_each_and_keeps_the_earlier_ones(srv):
    pks = srv.add_users([{"username": "ann", "email": "ann@example.org"}, {"username": "ben", "is_active": False}])
    assert pks == [2, 3]
    assert srv.find_user("ann")["email"] == "ann@example.org" and srv.find_user("ben")["is_active"] is False
    with pytest.raises(ApiError) as raised:
        srv.add_users([{"username": "cat"}, {"username": "ann"}, {"username": "dan"}])
    assert raised.value.body == {"username": ["This field must be unique."]}
    assert srv.find_user("cat") is not None and srv.find_user("dan") is None


def test_set_user_fields_validates_like_patch_and_keeps_the_index(srv):
    srv.add_user("ann")
    assert srv.set_user_fields("ann", name="Ann", is_active=False)["is_active"] is False
    assert srv.set_user_fields("ann", username="anna")["name"] == "Ann"
    assert srv.requests == []
    assert srv.find_user("ann") is None and usernames(srv) == ["akadmin", "anna"]
    with pytest.raises(ApiError):
        srv.set_user_fields("anna", username="akadmin")
    with pytest.raises(KeyError):
        srv.set_user_fields("ann", name="x")
