"""akops.authentik.authentik_user through the real ansible-playbook against the local authentik server."""

import http.server
import threading

import pytest

from tests.integration.conftest import TOKEN, writes

MODULE = "akops.authentik.authentik_user"


def task(title, **args):
    """One authentik_user task; `title` is the task name (the module has a `name` option)."""
    return {"name": title, MODULE: args}


def methods(srv):
    return [entry["method"] for entry in srv.requests]


# ---------------------------------------------------------------- the create / update ladder


def test_create_then_rerun_is_ok_with_one_request(run_playbook, authentik):
    spec = dict(username="jdoe", name="Jane Doe", email="jdoe@example.com", path="staff/berlin", type="external")

    created = run_playbook([task("create", **spec)])
    assert created.rc == 0, created.output
    assert created.last["changed"] is True
    assert methods(authentik) == ["GET", "POST"]
    assert authentik.requests[1]["body"] == dict(spec)
    user = authentik.find_user("jdoe")
    assert (user["name"], user["email"], user["path"], user["type"]) == (
        "Jane Doe", "jdoe@example.com", "staff/berlin", "external")
    assert created.last["user"]["pk"] == user["pk"]

    again = run_playbook([task("create", **spec)])
    assert again.rc == 0, again.output
    assert again.last["changed"] is False
    assert again.last["changed_fields"] == []
    assert methods(authentik) == ["GET"]
    assert authentik.requests[0]["query"]["username"] == ["jdoe"]


def test_check_diff_shows_exact_change_and_writes_nothing(run_playbook, authentik):
    authentik.add_user(username="jdoe", name="Jane Doe", email="old@example.com")

    run = run_playbook([task("update", username="jdoe", name="Jane Doe", email="new@example.com")],
                       check=True, diff=True)
    assert run.rc == 0, run.output
    assert run.last["changed"] is True
    assert run.last["changed_fields"] == ["email"]
    assert run.last["diff"] == {
        "before": {"username": "jdoe", "name": "Jane Doe", "email": "old@example.com"},
        "after": {"username": "jdoe", "name": "Jane Doe", "email": "new@example.com"},
    }
    assert '-    "email": "old@example.com"' in run.output
    assert '+    "email": "new@example.com"' in run.output
    assert writes(authentik) == []
    assert authentik.find_user("jdoe")["email"] == "old@example.com"


def test_update_sends_one_patch_with_only_changed_keys(run_playbook, authentik):
    authentik.add_user(username="jdoe", name="Jane Doe", email="old@example.com", is_active=True)

    run = run_playbook([task("update", username="jdoe", name="Jane Doe", email="new@example.com",
                             is_active=True, path="staff", type="internal")])
    assert run.rc == 0, run.output
    assert run.last["changed"] is True
    assert sorted(run.last["changed_fields"]) == ["email", "path"]
    assert methods(authentik) == ["GET", "PATCH"]
    assert authentik.requests[1]["body"] == {"email": "new@example.com", "path": "staff"}
    assert run.last["user"]["email"] == "new@example.com"
    assert run.last["user"]["path"] == "staff"


def test_deactivating_checks_the_token_owner_once(run_playbook, authentik):
    authentik.add_user(username="leaver", name="L")
    run = run_playbook([task("deactivate", username="leaver", is_active=False)])
    assert run.last["changed_fields"] == ["is_active"]
    assert [(entry["method"], entry["path"]) for entry in authentik.requests] == [
        ("GET", "/api/v3/core/users/"), ("GET", "/api/v3/core/users/me/"),
        ("PATCH", "/api/v3/core/users/%d/" % authentik.find_user("leaver")["pk"])]
    assert authentik.find_user("leaver")["is_active"] is False


@pytest.mark.parametrize("args, action", [(dict(is_active=False), "deactivate"), (dict(state="absent"), "delete")])
def test_refuses_to_lock_out_the_token_owner(run_playbook, authentik, args, action):
    for check in (True, False):
        run = run_playbook([task("lockout", username="akadmin", **args)], check=check)
        assert run.rc != 0
        assert run.last["msg"] == (
            "Refusing to %s user 'akadmin': it owns the API token this task runs with, so the task would lock "
            "itself out; set allow_self_lockout: true to do it anyway" % action)
        assert writes(authentik) == []
    assert authentik.find_user("akadmin")["is_active"] is True


def test_self_lockout_allowed_when_asked(run_playbook, authentik):
    run = run_playbook([task("lockout", username="akadmin", is_active=False, allow_self_lockout=True)])
    assert run.rc == 0, run.output
    assert authentik.find_user("akadmin")["is_active"] is False
    assert "/api/v3/core/users/me/" not in [entry["path"] for entry in authentik.requests]


def test_check_mode_predicts_exactly_what_the_real_run_returns(run_playbook, authentik):
    staff = authentik.add_group(name="staff")
    authentik.add_group(name="oncall")
    authentik.add_user(username="jdoe", name="Jane", groups=[staff["pk"]], attributes={"a": 1, "b": {"c": 2}})
    tasks = [task("update", username="jdoe", name="Jane Doe", email="j@example.com", groups=["oncall"],
                  attributes={"b": {"d": 3}}, last_login="2024-05-01T10:00:17.885+02:00")]

    predicted = run_playbook(tasks, check=True, diff=True)
    assert writes(authentik) == []
    real = run_playbook(tasks, diff=True)

    assert predicted.last["changed"] is real.last["changed"] is True
    assert predicted.last["diff"] == real.last["diff"]
    assert predicted.last["changed_fields"] == real.last["changed_fields"]
    assert comparable(predicted.last["user"]) == comparable(real.last["user"])


def comparable(user):
    """A user without the timestamps the server sets on write, with groups in a fixed order
    (authentik returns group sets in no guaranteed order)."""
    user = dict((key, value) for key, value in user.items() if key not in ("last_updated", "password_change_date"))
    user["groups"] = sorted(user["groups"])
    user["groups_obj"] = sorted(user["groups_obj"], key=lambda group: group["pk"])
    return user


def test_create_in_check_mode_writes_nothing(run_playbook, authentik):
    run = run_playbook([task("create", username="new.user", name="New", password="S3cret-pw!")],
                       check=True, diff=True)
    assert run.rc == 0, run.output
    assert run.last["changed"] is True
    assert run.last["diff"]["before"] == {}
    assert run.last["diff"]["after"] == {"username": "new.user", "name": "New", "password": "********"}
    assert run.last["user"]["username"] == "new.user"
    assert writes(authentik) == []
    assert authentik.find_user("new.user") is None


def test_omitted_options_are_never_sent_or_shown(run_playbook, authentik):
    authentik.add_user(username="jdoe", name="Jane", email="x@example.com", attributes={"k": "v"})
    run = run_playbook([task("touch one field", username="jdoe", name="Jane D")], diff=True)
    assert authentik.requests[-1]["body"] == {"name": "Jane D"}
    assert set(run.last["diff"]["before"]) == {"username", "name"}
    assert authentik.find_user("jdoe")["email"] == "x@example.com"
    assert authentik.find_user("jdoe")["attributes"] == {"k": "v"}


# ---------------------------------------------------------------- groups


@pytest.fixture
def grouped_user(authentik):
    groups = dict((name, authentik.add_group(name=name)) for name in ("staff", "engineering", "oncall"))
    authentik.add_user(username="jdoe", name="Jane", groups=[groups["staff"]["pk"]])
    return groups


def group_names(srv, username):
    user = srv.find_user(username)
    return sorted(group["name"] for group in user["groups_obj"])


def test_groups_add_by_name_keeps_other_groups(run_playbook, authentik, grouped_user):
    run = run_playbook([task("add", username="jdoe", groups=["engineering"])], diff=True)
    assert run.rc == 0, run.output
    assert group_names(authentik, "jdoe") == ["engineering", "staff"]
    patch = authentik.requests[-1]
    assert patch["method"] == "PATCH"
    assert sorted(patch["body"]["groups"]) == sorted([grouped_user["engineering"]["pk"], grouped_user["staff"]["pk"]])
    assert run.last["diff"]["before"]["groups"] == ["staff"]
    assert run.last["diff"]["after"]["groups"] == ["engineering", "staff"]


def test_groups_already_member_costs_one_request(run_playbook, authentik, grouped_user):
    run = run_playbook([task("noop", username="jdoe", groups=["staff", grouped_user["staff"]["pk"]])])
    assert run.last["changed"] is False
    assert methods(authentik) == ["GET"]


def test_groups_add_by_uuid(run_playbook, authentik, grouped_user):
    run = run_playbook([task("add", username="jdoe", groups=[grouped_user["oncall"]["pk"]])])
    assert run.last["changed"] is True
    assert group_names(authentik, "jdoe") == ["oncall", "staff"]


def test_groups_remove_by_name_and_uuid(run_playbook, authentik, grouped_user):
    run_playbook([task("add", username="jdoe", groups=["engineering", "oncall"])])
    run = run_playbook([task("remove", username="jdoe", groups_mode="remove",
                             groups=["staff", grouped_user["oncall"]["pk"], "not-a-member-anyway"])])
    assert run.rc == 0, run.output
    assert group_names(authentik, "jdoe") == ["engineering"]
    # Removing needs no group lookups: the user's groups_obj names its groups.
    assert methods(authentik) == ["GET", "PATCH"]


def test_groups_exact_replaces_membership(run_playbook, authentik, grouped_user):
    run = run_playbook([task("exact", username="jdoe", groups_mode="exact", groups=["oncall", "engineering"])],
                       diff=True)
    assert run.rc == 0, run.output
    assert group_names(authentik, "jdoe") == ["engineering", "oncall"]
    assert run.last["diff"]["after"]["groups"] == ["engineering", "oncall"]
    rerun = run_playbook([task("exact", username="jdoe", groups_mode="exact", groups=["engineering", "oncall"])])
    assert rerun.last["changed"] is False
    assert methods(authentik) == ["GET"]


def test_groups_exact_empty_list_removes_all(run_playbook, authentik, grouped_user):
    run = run_playbook([task("exact", username="jdoe", groups_mode="exact", groups=[])])
    assert run.last["changed"] is True
    assert authentik.find_user("jdoe")["groups"] == []


def test_unknown_group_fails_before_any_write(run_playbook, authentik, grouped_user):
    run = run_playbook([task("bad group", username="jdoe", email="changed@example.com",
                             groups=["staff", "no-such-group"])])
    assert run.rc != 0
    assert run.last["msg"] == "Group 'no-such-group' does not exist"
    assert writes(authentik) == []
    assert authentik.find_user("jdoe")["email"] == ""


def test_unknown_group_on_create_creates_nothing(run_playbook, authentik):
    run = run_playbook([task("bad group", username="newbie", groups=["ghosts"])])
    assert run.rc != 0
    assert "Group 'ghosts' does not exist" in run.last["msg"]
    assert writes(authentik) == []
    assert authentik.find_user("newbie") is None


# ---------------------------------------------------------------- attributes


def test_attributes_merge_keeps_unmentioned_and_removes_null(run_playbook, authentik):
    authentik.add_user(username="jdoe", name="Jane", attributes={
        "goauthentik.io/user/sources": ["ldap"], "settings": {"locale": "de"},
        "team": "ops", "legacy_id": 7, "nested": {"keep": 1, "drop": 2}})
    run = run_playbook([task("merge", username="jdoe", attributes={
        "team": "platform", "legacy_id": None, "nested": {"drop": None, "add": 3}})])
    assert run.rc == 0, run.output
    expected = {"goauthentik.io/user/sources": ["ldap"], "settings": {"locale": "de"},
                "team": "platform", "nested": {"keep": 1, "add": 3}}
    assert authentik.find_user("jdoe")["attributes"] == expected
    # authentik replaces attributes wholesale, so the whole merged object is sent.
    assert authentik.requests[-1]["body"] == {"attributes": expected}

    rerun = run_playbook([task("merge", username="jdoe", attributes={"team": "platform", "legacy_id": None})])
    assert rerun.last["changed"] is False
    assert methods(authentik) == ["GET"]


def test_attributes_replace(run_playbook, authentik):
    authentik.add_user(username="jdoe", name="Jane", attributes={"a": 1, "settings": {"locale": "de"}})
    run = run_playbook([task("replace", username="jdoe", attributes={"b": 2}, attributes_mode="replace")],
                       diff=True)
    assert run.last["changed"] is True
    assert authentik.find_user("jdoe")["attributes"] == {"b": 2}
    assert run.last["diff"]["before"]["attributes"] == {"a": 1, "settings": {"locale": "de"}}
    assert run.last["diff"]["after"]["attributes"] == {"b": 2}


# ---------------------------------------------------------------- passwords


def test_password_on_create_only(run_playbook, authentik):
    created = run_playbook([task("create", username="pwuser", name="P", password="First-pw-1")], diff=True)
    assert created.rc == 0, created.output
    assert methods(authentik) == ["GET", "POST", "POST"]
    assert authentik.requests[2]["path"].endswith("/set_password/")
    assert authentik.check_password("pwuser", "First-pw-1")
    assert created.last["diff"]["after"]["password"] == "********"
    assert "First-pw-1" not in created.output

    rerun = run_playbook([task("create", username="pwuser", name="P", password="Other-pw-2")])
    assert rerun.last["changed"] is False
    assert methods(authentik) == ["GET"]
    assert authentik.check_password("pwuser", "First-pw-1")


def test_password_always_sets_and_reports_changed(run_playbook, authentik):
    authentik.add_user(username="pwuser", name="P")
    for attempt in ("Always-pw-1", "Always-pw-1"):
        run = run_playbook([task("always", username="pwuser", password=attempt, update_password="always")],
                           diff=True, verbosity=3)
        assert run.last["changed"] is True
        assert run.last["changed_fields"] == ["password"]
        assert run.last["diff"]["after"] == {"username": "pwuser", "password": "********"}
        assert "password" not in run.last["diff"]["before"]
        assert methods(authentik) == ["GET", "POST"]
        assert attempt not in run.output
    assert authentik.check_password("pwuser", "Always-pw-1")


def test_failed_password_on_create_deletes_the_new_user(run_playbook, authentik):
    new_pk = authentik.store.next_pk
    authentik.inject("status", count=5, status=503,
                     match={"method": "POST", "path_prefix": "/core/users/%d/set_password/" % new_pk})
    run = run_playbook([task("create", username="halfmade", name="H", password="Half-pw-1", retries=1,
                             retry_delay=0.01)])
    assert run.rc != 0
    assert run.last["msg"].startswith("POST /api/v3/core/users/%d/set_password/ returned HTTP 503" % new_pk)
    assert run.last["msg"].endswith("; gave up after 2 attempts; the user created in this run was deleted again, "
                                    "so a rerun starts clean")
    assert run.last["status"] == 503
    assert authentik.find_user("halfmade") is None
    assert methods(authentik) == ["GET", "POST", "POST", "POST", "DELETE"]


def test_failed_password_after_a_saved_patch_reports_changed(run_playbook, authentik):
    user = authentik.add_user(username="partial", name="P")
    authentik.inject("status", count=5, status=503,
                     match={"method": "POST", "path_prefix": "/core/users/%d/set_password/" % user["pk"]})
    run = run_playbook([task("update", username="partial", name="P2", password="Pw-2", update_password="always",
                             retries=0)])
    assert run.rc != 0
    assert run.last["changed"] is True
    assert run.last["msg"].endswith("; the other changes (name) were saved")
    assert authentik.find_user("partial")["name"] == "P2"


# ---------------------------------------------------------------- selection, rename, absent


def test_rename_by_pk(run_playbook, authentik):
    user = authentik.add_user(username="old.name", name="O")
    run = run_playbook([task("rename", pk=user["pk"], username="new.name")], diff=True)
    assert run.rc == 0, run.output
    assert run.last["diff"] == {"before": {"username": "old.name"}, "after": {"username": "new.name"}}
    assert authentik.get_user(user["pk"])["username"] == "new.name"
    # The user by pk, one lookup that the new name is free, the PATCH.
    assert methods(authentik) == ["GET", "GET", "PATCH"]
    assert authentik.requests[0]["path"] == "/api/v3/core/users/%d/" % user["pk"]


def test_select_by_uuid(run_playbook, authentik):
    user = authentik.add_user(username="byuuid", name="U")
    run = run_playbook([task("by uuid", uuid=user["uuid"], name="Renamed")])
    assert run.last["changed"] is True
    assert authentik.find_user("byuuid")["name"] == "Renamed"
    assert authentik.requests[0]["query"]["uuid"] == [user["uuid"]]


def test_the_servers_400_surfaces_with_status_and_body(run_playbook, authentik):
    # authentik refuses every change to an internal service account (an outpost's user).
    user = authentik.add_user(username="ak-outpost", name="Outpost", type="internal_service_account")
    run = run_playbook([task("rename", pk=user["pk"], username="renamed")])
    assert run.rc != 0
    assert run.last["msg"] == (
        "PATCH /api/v3/core/users/%d/ returned HTTP 400: Can't modify internal service account users" % user["pk"])
    assert run.last["status"] == 400
    assert run.last["body"] == {"non_field_errors": ["Can't modify internal service account users"]}
    assert authentik.get_user(user["pk"])["username"] == "ak-outpost"


def test_missing_pk_is_a_clear_error(run_playbook, authentik):
    run = run_playbook([task("missing", pk=999, name="X")])
    assert run.rc != 0
    assert run.last["msg"] == "No user with pk 999; users are created by username, without pk or uuid"
    assert writes(authentik) == []


def test_absent_twice(run_playbook, authentik):
    authentik.add_user(username="gone", name="G")
    first = run_playbook([task("absent", username="gone", state="absent")], diff=True)
    assert first.last["changed"] is True
    # The token owner is looked up before a delete (lock-out guard).
    assert methods(authentik) == ["GET", "GET", "DELETE"]
    assert authentik.find_user("gone") is None
    second = run_playbook([task("absent", username="gone", state="absent")])
    assert second.rc == 0
    assert second.last["changed"] is False
    assert methods(authentik) == ["GET"]


def test_absent_in_check_mode_keeps_the_user(run_playbook, authentik):
    authentik.add_user(username="stays", name="S")
    run = run_playbook([task("absent", username="stays", state="absent")], check=True)
    assert run.last["changed"] is True
    assert writes(authentik) == []
    assert authentik.find_user("stays") is not None


# ---------------------------------------------------------------- last_login as an instant


def test_last_login_is_compared_as_an_instant(run_playbook, authentik):
    authentik.add_user(username="migrated", name="M")
    first = run_playbook([task("set", username="migrated", last_login="2024-05-01T10:00:17.885Z")])
    assert first.last["changed"] is True
    same = run_playbook([task("same instant", username="migrated", last_login="2024-05-01T12:00:17.885000+02:00")])
    assert same.last["changed"] is False
    assert methods(authentik) == ["GET"]


# ---------------------------------------------------------------- errors and validation


@pytest.mark.parametrize("args, message", [
    (dict(username="x" * 151), "Invalid username: must be at most 150 characters, got 151"),
    (dict(username="   "), "Invalid username: must not be empty or only whitespace"),
    (dict(username="jdoe", email="a" * 250 + "@x.io"), "Invalid email: must be at most 254 characters, got 255"),
    (dict(username="jdoe", email="not-an-address"), "Invalid email: 'not-an-address' is not an email address"),
    (dict(username="jdoe", path="/users"), "Invalid path: '/users' must not start or end with a slash"),
    (dict(username="jdoe", path="a//b"), "Invalid path: 'a//b' must not contain empty segments"),
    (dict(username="jdoe", type="internal_service_account"), "value of type must be one of"),
    (dict(uuid="not-a-uuid"), "Invalid uuid: 'not-a-uuid' is not a UUID"),
    (dict(username="jdoe", last_login="yesterday"), "Invalid last_login: 'yesterday' is not an ISO 8601"),
    (dict(username="jdoe", password=""), "Invalid password: must not be empty"),
    (dict(username="jdoe", api_token="tok\nen"), "api_token is empty or contains spaces, line breaks or control"),
    (dict(username="jdoe", ca_path="/nonexistent/ca.pem"), "ca_path '/nonexistent/ca.pem' is not a readable file"),
])
def test_bad_input_fails_before_any_request(run_playbook, authentik, args, message):
    run = run_playbook([task("bad", **args)])
    assert run.rc != 0
    assert message in run.last["msg"]
    assert "\n" not in run.last["msg"]
    assert authentik.requests == []


def test_bad_token_explains_403(run_playbook, authentik):
    run = run_playbook([task("bad token", username="jdoe", api_token="wrong-token-value")])
    assert run.rc != 0
    assert run.last["msg"] == (
        "GET /api/v3/core/users/ returned HTTP 403: authentik refused the API token: it is missing, invalid, "
        "expired, or its owner lacks the permission for this action (Token invalid/expired)")
    assert run.last["status"] == 403
    assert "wrong-token-value" not in run.output
    assert "Traceback" not in run.output


def test_connection_from_environment_variables(run_playbook, authentik):
    run = run_playbook([task("from env", username="envuser", name="E")], connection=False,
                       env={"AUTHENTIK_URL": authentik.url + "/", "AUTHENTIK_TOKEN": TOKEN,
                            "AUTHENTIK_VALIDATE_CERTS": "false", "AUTHENTIK_TIMEOUT": "5"})
    assert run.rc == 0, run.output
    assert run.last["changed"] is True
    assert authentik.find_user("envuser") is not None


def test_api_url_with_api_prefix_and_trailing_slash(run_playbook, authentik):
    run = run_playbook([task("prefix", username="jdoe", name="J", api_url=authentik.url + "/api/v3/")])
    assert run.rc == 0, run.output
    assert authentik.requests[0]["path"] == "/api/v3/core/users/"


def test_unreachable_server_is_one_line_error(run_playbook, authentik):
    run = run_playbook([task("refused", username="jdoe", api_url="http://127.0.0.1:9")])
    assert run.rc != 0
    assert run.last["msg"].startswith("GET /api/v3/core/users/ failed: could not connect")
    assert "\n" not in run.last["msg"]
    assert "Traceback" not in run.output


def test_token_and_password_never_in_output_at_vvvv(run_playbook, authentik):
    secret_password = "Pw-never-shown-7731"
    run = run_playbook([task("create", username="quiet", name="Q", password=secret_password),
                        task("always", username="quiet", password=secret_password, update_password="always")],
                       diff=True, verbosity=4)
    assert run.rc == 0, run.output
    assert TOKEN not in run.output
    assert secret_password not in run.output
    assert all(TOKEN not in str(entry) and secret_password not in str(entry) for entry in authentik.requests)
    assert authentik.check_password("quiet", secret_password)


def test_surrounding_spaces_and_uuid_spelling_do_not_cause_changes(run_playbook, authentik):
    staff = authentik.add_group(name="staff")
    oncall = authentik.add_group(name="oncall")
    user = authentik.add_user(username="spacey", name="Jane", email="j@example.com", groups=[staff["pk"], oncall["pk"]])
    loud_uuid = oncall["pk"].upper()
    run = run_playbook([task("same", username=" spacey ", name="Jane ", email=" j@example.com",
                             groups=[" staff", loud_uuid])])
    assert run.last["changed"] is False
    assert methods(authentik) == ["GET"]
    by_uuid = run_playbook([task("by uuid", uuid=user["uuid"].upper(), name="Jane")])
    assert by_uuid.last["changed"] is False
    removed = run_playbook([task("remove", username="spacey", groups=[loud_uuid], groups_mode="remove")])
    assert removed.last["changed"] is True
    assert authentik.find_user("spacey")["groups"] == [staff["pk"]]


def test_absent_by_pk_on_a_server_that_is_not_authentik_fails(run_playbook, authentik):
    class Html404(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "10")
            self.end_headers()
            self.wfile.write(b"<h1>x</h1>")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Html404)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        run = run_playbook([task("absent", pk=5, state="absent", api_url="http://127.0.0.1:%d" % httpd.server_address[1])])
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert run.rc != 0
    assert "not authentik's JSON (check api_url)" in run.last["msg"]
