"""The HTTP client against the local authentik server over loopback: no Ansible involved."""

import pytest

from ansible_collections.akops.authentik.plugins.module_utils import resources
from ansible_collections.akops.authentik.plugins.module_utils.api import Client, normalize_base_url
from ansible_collections.akops.authentik.plugins.module_utils.errors import (
    ApiError,
    InvalidResponseError,
    NotFoundError,
    TransportError,
)
from tests.server.authentik_server import AuthentikServer

TOKEN = "unit-test-token-0a1b"


@pytest.fixture(scope="module")
def server():
    with AuthentikServer(token=TOKEN, page_size_default=20, page_size_max=100) as srv:
        yield srv


@pytest.fixture
def authentik(server):
    return server.fresh()


@pytest.fixture
def client(authentik):
    return Client(authentik.url, TOKEN, timeout=5)


@pytest.mark.parametrize("given", ["https://h", "https://h/", "https://h/api/v3", "https://h/api/v3/", " https://h "])
def test_normalize_base_url(given):
    assert normalize_base_url(given) == "https://h/api/v3"


def test_paginate_follows_page_numbers_past_the_cap(client, authentik):
    for n in range(230):
        authentik.add_user(username="user%03d" % n, name="U")
    names = [user["username"] for user in client.paginate("/core/users/", {"page_size": 500})]
    assert names == ["akadmin"] + ["user%03d" % n for n in range(230)]
    pages = [entry["query"]["page"] for entry in authentik.requests]
    assert pages == [["1"], ["2"], ["3"]]
    assert client.request_count == 3


def test_bearer_header_and_403_message(authentik):
    with pytest.raises(ApiError) as caught:
        Client(authentik.url, "not-the-token").get("/core/users/")
    error = caught.value
    assert error.status == 403
    assert error.body == {"detail": "Token invalid/expired"}
    assert "missing, invalid, expired" in error.msg
    assert error.to_fail_json() == {"msg": error.msg, "status": 403, "body": error.body}


def test_validation_error_names_field_and_message(client, authentik):
    authentik.add_user(username="taken", name="T")
    with pytest.raises(ApiError) as caught:
        resources.create_user(client, {"username": "taken", "name": "x"})
    assert caught.value.msg == "POST /api/v3/core/users/ returned HTTP 400: username: This field must be unique."


def test_find_user_by_username_pk_and_uuid(client, authentik):
    user = authentik.add_user(username="Alice+ &/%?", name="A")
    authentik.add_user(username="alice", name="a")
    assert resources.find_user(client, username="Alice+ &/%?")["pk"] == user["pk"]
    assert resources.find_user(client, pk=user["pk"])["username"] == "Alice+ &/%?"
    assert resources.find_user(client, uuid=user["uuid"])["pk"] == user["pk"]
    assert resources.find_user(client, username="nobody") is None
    assert resources.find_user(client, pk=99999) is None


def test_find_group_by_name_and_uuid(client, authentik):
    group = authentik.add_group(name="ops & dev")
    assert resources.find_group(client, "ops & dev")["pk"] == group["pk"]
    assert resources.find_group(client, group["pk"])["name"] == "ops & dev"
    with pytest.raises(NotFoundError):
        resources.find_group(client, "nope")
    with pytest.raises(NotFoundError):
        resources.find_group(client, "00000000-0000-0000-0000-000000000000")


def test_connection_refused_is_a_transport_error():
    with pytest.raises(TransportError) as caught:
        Client("http://127.0.0.1:9", "secret-token-xyz", timeout=2).get("/core/users/")
    assert caught.value.msg.startswith("GET /api/v3/core/users/ failed: could not connect")
    assert "secret-token-xyz" not in caught.value.msg


def test_non_json_success_is_reported(authentik, monkeypatch):
    class Html(object):
        status_code = 200
        content = b"<html>proxy login</html>"
        text = "<html>proxy login</html>"

        def json(self):
            raise ValueError("no json")

    client = Client(authentik.url, TOKEN)
    monkeypatch.setattr(client._session, "request", lambda *args, **kwargs: Html())
    with pytest.raises(InvalidResponseError) as caught:
        client.get("/core/users/")
    assert "not JSON" in caught.value.msg and "check api_url" in caught.value.msg


def test_netrc_credentials_never_replace_the_bearer_token(authentik, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password netrc-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    user_in_url = authentik.url.replace("http://", "http://someone:url-secret@")
    for url in (authentik.url, user_in_url):
        assert Client(url, TOKEN).get("/core/users/me/")["user"]["username"] == "akadmin"
