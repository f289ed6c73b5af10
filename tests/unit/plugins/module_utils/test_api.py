"""The HTTP client against the local authentik server over loopback: no Ansible involved."""

import http.server
import json
import ssl
import threading

import pytest

from ansible_collections.akops.authentik.plugins.module_utils import resources
from ansible_collections.akops.authentik.plugins.module_utils.api import (
    Client,
    credentials_problem,
    normalize_base_url,
    url_secrets,
)
from ansible_collections.akops.authentik.plugins.module_utils.errors import (
    ApiError,
    InvalidResponseError,
    NotAListError,
    TransportError,
    ValidationError,
)
from tests.server.authentik_server import AuthentikServer
from tests.server.tls import make_certificates
from tests.unit.conftest import TOKEN


@pytest.fixture
def client(authentik):
    """With the default retries, unlike the shared `client` fixture."""
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
    assert Client(authentik.url, TOKEN).get("/core/users/me/")["user"]["username"] == "akadmin"
    assert authentik.requests[0]["status"] == 200


# ---------------------------------------------------------------- credentials in api_url


@pytest.mark.parametrize("url, secrets", [
    ("https://someone:url-secret@auth.example.com:8443/api/v3", {"someone:url-secret", "url-secret"}),
    ("https://someone:p%40ss@auth.example.com/", {"someone:p%40ss", "p%40ss", "p@ss"}),
    ("https://some:p@ss@auth.example.com", {"some:p@ss", "p@ss"}),
    ("https://tok-en-value@auth.example.com", {"tok-en-value"}),
    ("someone:url-secret@auth.example.com", {"someone:url-secret", "url-secret"}),
])
def test_credentials_in_api_url_are_refused_naming_only_the_host(authentik, url, secrets):
    assert url_secrets(url) == secrets
    with pytest.raises(ValidationError) as caught:
        Client(url, TOKEN)
    message = caught.value.msg
    assert message.startswith("api_url must not contain credentials (user:password@); ")
    assert message.endswith("://auth.example.com:8443" if ":8443" in url else "://auth.example.com")
    assert all(secret not in message for secret in secrets) and "some" not in message
    assert credentials_problem(url) == message
    assert authentik.requests == []


@pytest.mark.parametrize("url", ["https://auth.example.com", "https://auth.example.com/a@b", "http://h:80/?x=@"])
def test_urls_without_credentials_pass(url):
    assert credentials_problem(url) is None and url_secrets(url) == set()


# ---------------------------------------------------------------- TLS failures name their cause


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """An HTTPS authentik with its CA, a second CA that signed nothing here, and a file that is not PEM."""
    directory = tmp_path_factory.mktemp("tls")
    ca, cert, key = make_certificates(directory)
    (directory / "other").mkdir()
    other_ca = make_certificates(directory / "other")[0]
    garbage = directory / "garbage.pem"
    garbage.write_text("this is not a certificate\n")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    with AuthentikServer(token=TOKEN, ssl_context=context) as srv:
        srv.ca_path, srv.other_ca, srv.garbage = str(ca), str(other_ca), str(garbage)
        yield srv


def tls_failure(url, **options):
    client = Client(url, TOKEN, timeout=5, retries=3, sleep=lambda seconds: None, **options)
    with pytest.raises(TransportError) as caught:
        client.get("/core/users/")
    # None of these goes better on a second attempt.
    assert client.request_count == 1 and caught.value.transient is False
    message = caught.value.msg
    assert TOKEN not in message and "\n" not in message
    assert message.startswith("GET /api/v3/core/users/ failed: ")
    return message.split(" failed: ", 1)[1]


def test_tls_ca_path_makes_it_work(tls):
    assert Client(tls.url, TOKEN, ca_path=tls.ca_path).get("/core/users/me/")["user"]["username"] == "akadmin"


def test_tls_unknown_ca_says_verification_failed_and_advises_ca_path(tls):
    reason = tls_failure(tls.url)
    assert reason.startswith("the TLS certificate of %s failed verification: " % tls.url)
    assert "unable to get local issuer certificate" in reason or "self-signed" in reason
    assert reason.endswith("(set ca_path to the CA bundle that issued it, or validate_certs: false for a test server)")


def test_tls_ca_that_did_not_sign_the_certificate(tls):
    reason = tls_failure(tls.url, ca_path=tls.other_ca)
    assert reason.startswith("the TLS certificate of %s failed verification: unable to get local issuer" % tls.url)
    assert reason.endswith("(ca_path %r does not hold the CA that issued it)" % tls.other_ca)
    assert "validate_certs" not in reason


def test_tls_hostname_mismatch_gives_no_ca_advice(tls):
    url = tls.url.replace("127.0.0.1", "localhost")
    reason = tls_failure(url, ca_path=tls.ca_path)
    assert reason.startswith("the TLS certificate of %s failed verification: Hostname mismatch" % url)
    assert reason.endswith("(api_url must use a host name the certificate was issued for)")
    assert "set ca_path" not in reason


@pytest.mark.parametrize("options", [{}, {"validate_certs": False}])
def test_https_to_a_plain_http_port(authentik, options):
    url = authentik.url.replace("http://", "https://")
    reason = tls_failure(url, **options)
    assert reason.startswith("the server at %s does not speak TLS on this port (its answer to the TLS handshake "
                             "is not TLS: " % url)
    assert reason.endswith("); use http:// or the HTTPS port in api_url")
    assert "ca_path" not in reason and "verification" not in reason


def test_ca_path_that_is_not_pem(tls):
    tls.clear_requests()
    assert tls_failure(tls.url, ca_path=tls.garbage) == (
        "ca_path %r is not a readable PEM CA bundle (no certificate or crl found)" % tls.garbage)
    assert tls.requests == []


def test_ca_path_that_does_not_exist(tls, tmp_path):
    missing = str(tmp_path / "missing.pem")
    assert tls_failure(tls.url, ca_path=missing) == (
        "ca_path %r is not a readable PEM CA bundle (No such file or directory)" % missing)


@pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
def test_ca_path_unused_without_verification(tls):
    # validate_certs: false ignores ca_path, so a bad one neither fails nor shows up in messages.
    client = Client(tls.url, TOKEN, validate_certs=False, ca_path=tls.garbage)
    assert client.get("/core/users/me/")["user"]["username"] == "akadmin"


# ---------------------------------------------------------------- only authentik's list answers are trusted


class Stub(http.server.BaseHTTPRequestHandler):
    """Answers every request with the same JSON at 200 and records the methods it saw."""

    answer = {}
    seen = []

    def _answer(self):
        Stub.seen.append(self.command)
        body = json.dumps(Stub.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def stub():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    Stub.seen = []
    yield "http://127.0.0.1:%d" % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


NOT_LISTS = [
    {},
    {"results": "x"},
    [],
    {"results": [], "pagination": None},
    {"results": ["alice"], "pagination": {"next": 0}},
    {"detail": "ok", "users": []},
]


@pytest.mark.parametrize("answer", NOT_LISTS)
def test_a_list_answer_that_is_not_authentiks_is_an_error(stub, answer):
    Stub.answer = answer
    client = Client(stub, TOKEN, retries=3, sleep=lambda seconds: None)
    expected = ("GET /api/v3/core/users/ returned HTTP 200 with JSON that is not authentik's list answer "
                "(no results/pagination); check api_url (%s/api/v3)" % stub)
    for read in (lambda: client.get_page("/core/users/", {"username": "x"}),
                 lambda: list(client.paginate("/core/users/")),
                 lambda: resources.list_page(client, resources.USERS, {"username": "x"}),
                 lambda: resources.find_user(client, username="x")):
        with pytest.raises(NotAListError) as caught:
            read()
        assert caught.value.msg == expected
        assert caught.value.transient is False
    assert Stub.seen == ["GET"] * 4


def test_paginate_checks_a_first_page_it_is_given(stub):
    client = Client(stub, TOKEN)
    with pytest.raises(NotAListError):
        list(client.paginate("/core/users/", first={"results": "x"}))
    assert Stub.seen == []


def test_paginate_stops_on_a_next_page_that_does_not_move_forward(stub):
    Stub.answer = {"results": [{"pk": 1, "username": "a"}], "pagination": {"next": 1}}
    with pytest.raises(NotAListError):
        list(Client(stub, TOKEN).paginate("/core/users/"))
    assert Stub.seen == ["GET"]
