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
    ca, cert, key = make_certificates(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    srv = AuthentikServer(token=TOKEN, ssl_context=context).start()
    srv.ca_path = str(ca)
    yield srv
    srv.stop()


def test_certificate_is_verified_by_default(run_playbook, tls_server):
    tls_server.clear_requests()
    run = run_playbook([{"name": "default", USER: dict(username="tls1", api_url=tls_server.url, retries=0)}])
    assert run.rc != 0
    assert run.last["msg"].startswith("GET /api/v3/core/users/ failed: TLS verification failed (set ca_path")
    assert tls_server.requests == []


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
    # Both lookups are answered before either PATCH is processed, so both merge onto {"base": 1}.
    authentik.inject("slow", count=2, delay=1.0, process=False, match={"method": "PATCH"})
    task = {"name": "write", USER: {"username": "shared", "attributes": "{{ {inventory_hostname: true} }}"}}
    run = run_playbook([task], hosts="all", inventory=str(inventory), forks=2)
    assert run.rc == 0, run.output
    patches = [entry["body"]["attributes"] for entry in authentik.requests if entry["method"] == "PATCH"]
    assert sorted(map(sorted, patches)) == [["base", "writer_a"], ["base", "writer_b"]]
    final = authentik.find_user("shared")["attributes"]
    assert final in patches and len(final) == 2
