"""TLS verification, secrets at -vvvv, and parallel writers, through the real ansible-playbook."""

import ssl

import pytest

from tests.integration.conftest import TOKEN
from tests.server.authentik_server import AuthentikServer
from tests.server.tls import make_certificates

USER = "akops.authentik.authentik_user"
GROUP = "akops.authentik.authentik_group"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    ca, cert, key = make_certificates(directory)
    (directory / "other").mkdir()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    srv = AuthentikServer(token=TOKEN, ssl_context=context).start()
    srv.ca_path = str(ca)
    # A CA of its own that signed nothing this server sends, and a file that is no PEM bundle at all.
    srv.other_ca = str(make_certificates(directory / "other")[0])
    srv.garbage = str(directory / "garbage.pem")
    with open(srv.garbage, "w") as handle:
        handle.write("this is not a certificate\n")
    yield srv
    srv.stop()


def test_certificate_is_verified_by_default(run_playbook, tls_server):
    tls_server.clear_requests()
    run = run_playbook([{"name": "default", USER: dict(username="tls1", api_url=tls_server.url)}])
    assert run.rc != 0
    message = run.last["msg"]
    assert message.startswith("GET /api/v3/core/users/ failed: the TLS certificate of %s failed verification: "
                              % tls_server.url)
    assert message.endswith("(set ca_path to the CA bundle that issued it, or validate_certs: false for a test server)")
    assert "gave up" not in message
    assert tls_server.requests == []


def test_ca_path_with_a_ca_that_did_not_sign_the_certificate(run_playbook, tls_server):
    run = run_playbook([{"name": "other ca", USER: dict(username="tls5", api_url=tls_server.url,
                                                        ca_path=tls_server.other_ca)}])
    assert run.rc != 0
    assert run.last["msg"] == (
        "GET /api/v3/core/users/ failed: the TLS certificate of %s failed verification: unable to get local issuer "
        "certificate (ca_path %r does not hold the CA that issued it)" % (tls_server.url, tls_server.other_ca))
    assert tls_server.find_user("tls5") is None


def test_ca_path_that_is_not_pem_fails_before_any_request(run_playbook, tls_server):
    tls_server.clear_requests()
    run = run_playbook([{"name": "garbage ca", USER: dict(username="tls6", api_url=tls_server.url,
                                                          ca_path=tls_server.garbage)}])
    assert run.rc != 0
    assert run.last["msg"] == ("ca_path %r is not a readable PEM CA bundle (no certificate or crl found)"
                               % tls_server.garbage)
    assert tls_server.requests == []


def test_https_to_a_plain_http_port(run_playbook, authentik):
    url = authentik.url.replace("http://", "https://")
    run = run_playbook([{"name": "https to http", USER: dict(username="tls7", api_url=url)}])
    assert run.rc != 0
    message = run.last["msg"]
    assert message.startswith("GET /api/v3/core/users/ failed: the server at %s does not speak TLS on this port "
                              "(its answer to the TLS handshake is not TLS: " % url)
    assert message.endswith("); use http:// or the HTTPS port in api_url")
    assert "ca_path" not in message and "gave up" not in message
    assert TOKEN not in run.output


def test_ca_path_makes_verification_pass(run_playbook, tls_server):
    run = run_playbook([{"name": "with ca", USER: dict(username="tls2", name="T", api_url=tls_server.url,
                                                       ca_path=tls_server.ca_path)}])
    assert run.rc == 0, run.output
    assert tls_server.find_user("tls2") is not None
    assert "validate_certs is false" not in run.output


def test_ca_path_from_environment(run_playbook, tls_server):
    run = run_playbook([{"name": "env ca", USER: dict(username="tls3", name="T")}], connection=False,
                       env={"AUTHENTIK_URL": tls_server.url, "AUTHENTIK_TOKEN": TOKEN,
                            "AUTHENTIK_CA_PATH": tls_server.ca_path})
    assert run.rc == 0, run.output


def test_validate_certs_false_works_and_warns(run_playbook, tls_server):
    run = run_playbook([{"name": "insecure", USER: dict(username="tls4", name="T", api_url=tls_server.url,
                                                        validate_certs=False)}])
    assert run.rc == 0, run.output
    assert run.last["warnings"] == ["validate_certs is false: the server's TLS certificate is not verified"]


def test_secrets_never_shown_at_vvvv_in_any_path(run_playbook, authentik):
    password = "Pw-hidden-4242"
    authentik.add_group(name="ops")
    run = run_playbook([
        {"name": "create", USER: dict(username="s1", name="S", password=password, groups=["ops"])},
        {"name": "always", USER: dict(username="s1", password=password, update_password="always")},
        {"name": "group", GROUP: dict(name="ops", users=["s1"])},
        {"name": "bad token", USER: dict(username="s2", password=password, api_token=TOKEN + "-wrong"),
         "ignore_errors": True},
        {"name": "failing create", USER: dict(username="s1", pk=424242, password=password), "ignore_errors": True},
        {"name": "unreachable", USER: dict(username="s3", password=password, api_url="http://127.0.0.1:9",
                                           retries=0), "ignore_errors": True},
    ], check=False, diff=True, verbosity=4)
    assert run.rc == 0, run.output
    assert len(run.results) == 6
    for secret in (TOKEN, password, TOKEN + "-wrong"):
        assert secret not in run.output
        assert all(secret not in str(entry) for entry in run.results)
        assert all(secret not in str(entry) for entry in authentik.requests)


@pytest.mark.parametrize("userinfo, secret", [
    ("someone:Pw-in-url-9137@", "Pw-in-url-9137"),
    ("someone:Pw%40in-url-9137@", "Pw%40in-url-9137"),
    ("tok-in-url-5521@", "tok-in-url-5521"),
])
@pytest.mark.parametrize("source", ["option", "environment"])
def test_credentials_in_api_url_are_refused_and_never_shown(run_playbook, authentik, userinfo, secret, source):
    url = authentik.url.replace("http://", "http://" + userinfo)
    if source == "option":
        run = run_playbook([{"name": "refused", USER: dict(username="c1", name="C", api_url=url),
                             "ignore_errors": True}], verbosity=4)
    else:
        run = run_playbook([{"name": "refused", USER: dict(username="c1", name="C"), "ignore_errors": True}],
                           connection=False, verbosity=4, env={"AUTHENTIK_URL": url, "AUTHENTIK_TOKEN": TOKEN})
    assert run.rc == 0, run.output
    assert [entry["status"] for entry in run.results] == ["failed"]
    result = run["refused"]
    assert result["msg"] == ("api_url must not contain credentials (user:password@); the API token is the only "
                             "authentication, so give the URL without them: %s" % authentik.url)
    # The invocation that -v and above print is masked too, not only msg (ansible-core 2.21 returns none).
    if "invocation" in result:
        assert result["invocation"]["module_args"]["api_url"].endswith("********@" + authentik.url.split("://")[1])
    for shown in set((secret, secret.replace("%40", "@"))):
        assert shown not in run.output
        assert shown not in str(run.results)
    assert TOKEN not in run.output
    assert authentik.requests == []


def test_twenty_parallel_tasks_for_distinct_users(run_playbook, authentik, tmp_path):
    authentik.add_group(name="crowd")
    hosts = ["host%02d" % n for n in range(20)]
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("\n".join("%s ansible_connection=local" % host for host in hosts) + "\n")
    task = {"name": "each host its user", USER: {"username": "{{ inventory_hostname }}", "name": "Parallel",
                                                 "groups": ["crowd"], "attributes": {"n": "{{ inventory_hostname }}"}}}
    run = run_playbook([task], hosts="all", inventory=str(inventory), forks=20)
    assert run.rc == 0, run.output
    assert len(run.results) == 20 and all(entry["result"]["changed"] for entry in run.results)
    for host in hosts:
        user = authentik.find_user(host)
        assert user["attributes"] == {"n": host}
        assert [group["name"] for group in user["groups_obj"]] == ["crowd"]
    again = run_playbook([task], hosts="all", inventory=str(inventory), forks=20)
    assert not any(entry["result"]["changed"] for entry in again.results)
    assert [entry["method"] for entry in authentik.requests] == ["GET"] * 20


def test_two_writers_to_one_user_last_writer_wins(run_playbook, authentik, tmp_path):
    """authentik replaces attributes wholesale: two writers that read the same state each send their whole
    merged object, and the later PATCH wins. Documented in the README (Failure handling and security)."""
    authentik.add_user(username="shared", name="S", attributes={"base": 1})
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("writer_a ansible_connection=local\nwriter_b ansible_connection=local\n")
    # Neither PATCH is processed until both have arrived, so both lookups saw {"base": 1}, however unevenly
    # the two forks start.
    authentik.inject("hold", count=2, match={"method": "PATCH"})
    task = {"name": "write", USER: {"username": "shared", "attributes": "{{ {inventory_hostname: true} }}"}}
    run = run_playbook([task], hosts="all", inventory=str(inventory), forks=2)
    assert run.rc == 0, run.output
    patches = [entry["body"]["attributes"] for entry in authentik.requests if entry["method"] == "PATCH"]
    assert sorted(map(sorted, patches)) == [["base", "writer_a"], ["base", "writer_b"]]
    final = authentik.find_user("shared")["attributes"]
    assert final in patches and len(final) == 2
