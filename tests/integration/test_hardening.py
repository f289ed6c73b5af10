"""What a hostile newcomer tries, through the real ansible-playbook: purges that would take a whole directory,
values at the edges, input authentik refuses, names that look like keys, and every way to lock the token out."""

import http.server
import json
import threading

import pytest

from tests.integration.conftest import TOKEN, find_group, writes

USER = "akops.authentik.authentik_user"
USERS = "akops.authentik.authentik_users"
GROUP = "akops.authentik.authentik_group"
LOCKOUT = "would no longer be a superuser, so the task would lock itself out; set allow_self_lockout: true"


def task(module, title, **args):
    return {"name": title, module: args}


def admins(srv):
    return find_group(srv, "authentik Admins")


# ---------------------------------------------------------------- 1. purge safety


@pytest.mark.parametrize("scope", [
    {"path_startswith": "/"}, {"path_startswith": "///"}, {"path_startswith": "  "}, {"path_startswith": " / "},
    {"path_startswith": "", "type": []}, {"type": []}, {},
])
def test_a_scope_empty_once_normalized_is_refused_before_any_request(run_playbook, authentik, scope):
    authentik.add_user(username="bystander", name="B")
    for check in (True, False):
        run = run_playbook([task(USERS, "purge", users=[{"username": "x"}], purge=scope)], check=check)
        assert run.rc != 0
        assert run.last["msg"].startswith("Invalid purge: the scope is empty once normalized"), run.last["msg"]
        assert authentik.requests == []
    assert authentik.find_user("bystander")["is_active"] is True


def test_a_scope_of_slashes_around_a_path_is_that_path(run_playbook, authentik):
    authentik.add_user(username="in", name="I", path="staff/berlin")
    authentik.add_user(username="out", name="O", path="staff/berlin2")
    run = run_playbook([task(USERS, "purge", users=[], purge={"path_startswith": " /staff/berlin/ "})])
    assert run.rc == 0, run.output
    assert run.last["summary"]["deactivated"] == ["in"]
    assert authentik.find_user("out")["is_active"] is True


@pytest.fixture
def crowd(authentik):
    """Twelve active users in staff/, and three that are inactive already."""
    for n in range(12):
        authentik.add_user(username="staff%02d" % n, name="S", path="staff")
    for n in range(3):
        authentik.add_user(username="gone%d" % n, name="G", path="staff", is_active=False)


@pytest.mark.parametrize("action", ["deactivate", "delete"])
def test_purge_limit_refuses_a_large_purge_in_check_and_real_mode(run_playbook, authentik, crowd, action):
    purge = dict(purge={"path_startswith": "staff"}, purge_action=action)
    for check in (True, False):
        run = run_playbook([task(USERS, "purge", users=[], **purge)], check=check)
        assert run.rc != 0
        touched = 12 if action == "deactivate" else 15
        first = "gone0, gone1, gone2, staff00, staff01" if action == "delete" else "staff00, staff01, staff02, staff03, staff04"
        assert run.last["msg"] == (
            "Refusing to purge: it would %s %d users, more than purge_limit (10): %s and %d more; raise purge_limit "
            "if this is intended" % (action, touched, first, touched - 5))
        assert writes(authentik) == []
    assert authentik.find_user("staff00")["is_active"] is True


def test_purge_limit_counts_only_users_it_changes_and_can_be_raised(run_playbook, authentik, crowd):
    # Twelve to deactivate: over the default of 10, within 12. The three inactive ones are not counted.
    run = run_playbook([task(USERS, "purge", users=[], purge={"path_startswith": "staff"}, purge_limit=12)])
    assert run.rc == 0, run.output
    assert run.last["counts"]["deactivated"] == 12
    again = run_playbook([task(USERS, "purge", users=[], purge={"path_startswith": "staff"}, purge_limit=0)])
    assert again.rc == 0, again.output
    assert again.last["changed"] is False


@pytest.mark.parametrize("args, message", [
    (dict(purge_limit=-1), "Invalid purge_limit: must be at least 0, got -1"),
    (dict(page_size=0), "Invalid page_size: must be at least 1, got 0"),
    (dict(parallel=0), "Invalid parallel: must be at least 1, got 0"),
])
def test_bulk_task_options_are_checked_before_any_request(run_playbook, authentik, args, message):
    run = run_playbook([task(USERS, "bulk", users=[{"username": "x"}], **args)])
    assert run.rc != 0
    assert run.last["msg"] == message
    assert authentik.requests == []


# ---------------------------------------------------------------- 2. and 3. input at the edges, as authentik judges it


@pytest.mark.parametrize("value", [
    "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-05-01T10:00:00+24:00",
    "2024-05-01T10:00:00+99", "2024-05-01T10:00:17z", "2024-02-30T10:00:00Z", "yesterday",
])
def test_instants_authentik_refuses_fail_cleanly_naming_the_entry(run_playbook, authentik, value):
    single = run_playbook([task(USER, "single", username="jdoe", last_login=value)])
    assert single.rc != 0
    assert single.last["msg"].startswith("Invalid last_login: "), single.last["msg"]
    assert "Traceback" not in single.output
    bulk = run_playbook([task(USERS, "bulk", users=[{"username": "ok"}, {"username": "jdoe", "last_login": value}])])
    assert bulk.rc != 0
    assert bulk.last["msg"].startswith("Invalid last_login: ") and bulk.last["msg"].endswith(
        "; in the entry for 'jdoe'"), bulk.last["msg"]
    assert "Traceback" not in bulk.output
    assert authentik.requests == []


def test_an_instant_authentik_accepts_is_accepted(run_playbook, authentik):
    run = run_playbook([task(USER, "lower-case separator", username="jdoe", last_login="2024-05-01t10:00:17Z")])
    assert run.rc == 0, run.output
    assert authentik.find_user("jdoe")["last_login"] == "2024-05-01T10:00:17Z"
    again = run_playbook([task(USER, "same instant", username="jdoe", last_login="2024-05-01 12:00:17+02:00")])
    assert again.last["changed"] is False


@pytest.mark.parametrize("email", [
    "jürgen@example.com", "a..b@example.com", ".a@example.com", "a@-example.com", "a@example-.com",
    "a@exa_mple.com", "a @example.com",
])
def test_emails_authentik_refuses_are_refused_before_any_request(run_playbook, authentik, email):
    run = run_playbook([task(USER, "email", username="jdoe", email=email)])
    assert run.rc != 0
    assert run.last["msg"].startswith("Invalid email: "), run.last["msg"]
    assert authentik.requests == []


@pytest.mark.parametrize("email", ["jdoe@bücher.example", "o'brien+tag@example.com", "root@localhost",
                                   "a@[127.0.0.1]", "  jdoe@example.com  "])
def test_emails_authentik_accepts_are_accepted(run_playbook, authentik, email):
    run = run_playbook([task(USER, "email", username="jdoe", email=email)])
    assert run.rc == 0, run.output
    assert authentik.find_user("jdoe")["email"] == email.strip()
    assert run_playbook([task(USER, "email", username="jdoe", email=email)]).last["changed"] is False


@pytest.mark.parametrize("password", ["   ", "\t \n"])
def test_a_whitespace_password_fails_before_the_user_is_created(run_playbook, authentik, password):
    run = run_playbook([task(USER, "pw", username="jdoe", password=password)])
    assert run.rc != 0
    # Ansible masks the no_log value wherever it appears; these passwords appear nowhere in the message.
    assert run.last["msg"] == "Invalid password: must not be empty or only whitespace"
    assert authentik.requests == []
    assert authentik.find_user("jdoe") is None


def test_nul_characters_are_refused(run_playbook, authentik):
    run = run_playbook([task(USER, "nul", username="jdoe", name="Jane\u0000Doe")])
    assert run.rc != 0
    # From ansible-core 2.21 on, Ansible itself refuses the value first, when it logs the module's arguments.
    assert run.last["msg"] in ("Invalid name: must not contain NUL characters",
                               "Failed to log to syslog (embedded null character). To proceed anyway, disable syslog "
                               "logging by setting no_target_syslog to True in your Ansible config.")
    assert "Traceback" not in run.output
    assert authentik.requests == []


def test_one_bad_entry_in_a_bulk_list_writes_nothing(run_playbook, authentik):
    users = [{"username": "first", "name": "F"}, {"username": "second", "email": "a..b@example.com"},
             {"username": "third", "name": "T"}]
    run = run_playbook([task(USERS, "bulk", users=users)])
    assert run.rc != 0
    assert run.last["msg"].endswith("in the entry for 'second'")
    assert authentik.requests == []
    assert authentik.find_user("first") is None


def test_an_unknown_group_in_a_bulk_list_names_the_entry(run_playbook, authentik):
    run = run_playbook([task(USERS, "bulk", users=[{"username": "a"}, {"username": "b", "groups": ["ghosts"]}])])
    assert run.rc != 0
    assert run.last["msg"] == "Group 'ghosts' does not exist; in the entry for 'b'"
    assert writes(authentik) == []


def test_a_rename_to_a_taken_username_fails_before_any_write(run_playbook, authentik):
    jdoe = authentik.add_user(username="jdoe", name="J")
    authentik.add_user(username="taken", name="T")
    for check in (True, False):
        run = run_playbook([task(USER, "rename", pk=jdoe["pk"], username="taken")], check=check)
        assert run.rc != 0
        assert run.last["msg"].startswith("Invalid username: 'taken' is already taken by the user with pk ")
        assert writes(authentik) == []
        # The user by pk, then one lookup of the new name.
        assert [entry["query"].get("username") for entry in authentik.requests] == [None, ["taken"]]
    free = run_playbook([task(USER, "rename", pk=jdoe["pk"], username="jane")])
    assert free.rc == 0, free.output
    assert authentik.get_user(jdoe["pk"])["username"] == "jane"
    # Not renaming costs no lookup of the name.
    same = run_playbook([task(USER, "same", pk=jdoe["pk"], username="jane")])
    assert same.last["changed"] is False and len(authentik.requests) == 1


def test_a_group_rename_to_a_taken_name_fails_before_any_write(run_playbook, authentik):
    ops = authentik.add_group(name="ops")
    authentik.add_group(name="dev")
    run = run_playbook([task(GROUP, "rename", pk=ops["pk"], name="dev")], check=True)
    assert run.rc != 0
    assert run.last["msg"].startswith("Invalid name: 'dev' is already the name of the group ")
    assert writes(authentik) == []


# ---------------------------------------------------------------- 4. names are data


def test_a_group_name_that_looks_like_a_uuid_is_stored_as_given(run_playbook, authentik):
    name = "DEADBEEFDEADBEEFDEADBEEFDEADBEEF"
    run = run_playbook([task(GROUP, "create", name=name)])
    assert run.rc == 0, run.output
    assert find_group(authentik, name) is not None
    assert find_group(authentik, "deadbeef-dead-beef-dead-beefdeadbeef") is None
    assert run_playbook([task(GROUP, "again", name=name)]).last["changed"] is False
    member = run_playbook([task(USER, "member", username="jdoe", groups=[name])])
    assert member.rc == 0, member.output
    assert [group["name"] for group in authentik.find_user("jdoe")["groups_obj"]] == [name]


def test_a_group_named_like_a_hyphenated_uuid_is_referenced_by_its_pk(run_playbook, authentik):
    odd = authentik.add_group(name="00000000-0000-4000-8000-000000000001")
    run = run_playbook([task(USER, "member", username="jdoe", groups=[odd["pk"].upper()])])
    assert run.rc == 0, run.output
    assert authentik.find_user("jdoe")["groups"] == [odd["pk"]]


# ---------------------------------------------------------------- 5. the lock-out guard


@pytest.mark.parametrize("module, args", [
    (USER, dict(username="akadmin", groups=[], groups_mode="exact")),
    (USER, dict(username="akadmin", groups=["authentik Admins"], groups_mode="remove")),
    (USERS, dict(users=[{"username": "akadmin", "groups": [], "groups_mode": "exact"}])),
    (GROUP, dict(name="authentik Admins", users=[], users_mode="exact")),
    (GROUP, dict(name="authentik Admins", users=["akadmin"], users_mode="remove")),
    (GROUP, dict(name="authentik Admins", is_superuser=False)),
    (GROUP, dict(name="authentik Admins", state="absent")),
])
def test_every_way_to_take_the_owners_superuser_status_is_refused(run_playbook, authentik, module, args):
    for check in (True, False):
        run = run_playbook([task(module, "lockout", **args)], check=check)
        assert run.rc != 0
        assert run.last["msg"].startswith("Refusing to "), run.last["msg"]
        assert LOCKOUT in run.last["msg"]
        assert writes(authentik) == []
    assert admins(authentik)["is_superuser"] is True
    allowed = run_playbook([task(module, "allowed", allow_self_lockout=True, **args)])
    assert allowed.rc == 0, allowed.output


def test_inherited_superuser_status_counts(run_playbook, authentik):
    root = authentik.add_group(name="root", is_superuser=True)
    authentik.add_group(name="ops", parent=root["pk"])
    run = run_playbook([task(USER, "join ops", username="akadmin", groups=["ops"])])
    assert run.rc == 0, run.output
    # Still a superuser through ops -> root: leaving authentik Admins is fine.
    leave = run_playbook([task(USER, "leave admins", username="akadmin", groups=["authentik Admins"],
                               groups_mode="remove")])
    assert leave.rc == 0, leave.output
    # Now root is the only source: turning it off, deleting it, or leaving ops would each lock the token out.
    attempts = [
        (GROUP, dict(name="root", is_superuser=False)),
        (GROUP, dict(name="root", state="absent")),
        (GROUP, dict(name="ops", parent="")),
        (USER, dict(username="akadmin", groups=[], groups_mode="exact")),
    ]
    for module, args in attempts:
        refused = run_playbook([task(module, "lockout", **args)], check=True)
        assert refused.rc != 0 and LOCKOUT in refused.last["msg"], refused.output
        assert writes(authentik) == []
    assert find_group(authentik, "ops")["parents"] == [root["pk"]]


def test_changes_that_leave_the_owner_a_superuser_pass(run_playbook, authentik):
    authentik.add_group(name="second admins", is_superuser=True)
    join = run_playbook([task(USER, "join", username="akadmin", groups=["second admins"])])
    assert join.rc == 0, join.output
    leave = run_playbook([task(USER, "leave", username="akadmin", groups=["authentik Admins"], groups_mode="remove")])
    assert leave.rc == 0, leave.output
    off = run_playbook([task(GROUP, "off", name="authentik Admins", is_superuser=False)])
    assert off.rc == 0, off.output


def test_another_superuser_may_lose_its_status_at_the_cost_of_one_request(run_playbook, authentik):
    authentik.add_user(username="other", name="O", groups=[admins(authentik)["pk"]])
    run = run_playbook([task(USER, "demote", username="other", groups=[], groups_mode="exact")])
    assert run.rc == 0, run.output
    assert [entry["path"] for entry in authentik.requests if entry["method"] == "GET"] == [
        "/api/v3/core/users/", "/api/v3/core/users/me/"]


def test_a_plain_change_costs_no_owner_lookup(run_playbook, authentik):
    authentik.add_group(name="team")
    run = run_playbook([task(GROUP, "change", name="team", attributes={"a": 1})])
    assert run.rc == 0, run.output
    assert [entry["method"] for entry in authentik.requests] == ["GET", "PATCH"]


# ---------------------------------------------------------------- 6. only authentik's answers are trusted


class _NotAuthentik(http.server.BaseHTTPRequestHandler):
    """Answers every GET with a list envelope whose user lacks pk; records every method it is sent."""

    seen = []

    def do_GET(self):
        self.seen.append("GET")
        body = json.dumps({"pagination": {"next": 0, "count": 1, "total_pages": 1},
                           "results": [{"name": "no key"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.seen.append(self.command)
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PATCH = do_DELETE = do_PUT = do_POST

    def log_message(self, *args):
        pass


def test_a_user_without_pk_is_not_authentiks_answer(run_playbook, authentik):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotAuthentik)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d" % server.server_address[1]
    _NotAuthentik.seen = []
    try:
        for module, args in [(USER, dict(username="jdoe")), (USERS, dict(users=[{"username": "jdoe"}]))]:
            run = run_playbook([task(module, "wrong server", api_url=url, api_token=TOKEN, **args)], connection=False)
            assert run.rc != 0
            assert run.last["msg"] == ("the answer from %s/api/v3 holds a user without pk or username, which "
                                       "authentik always sends; check api_url" % url)
        group = run_playbook([task(GROUP, "wrong server", api_url=url, api_token=TOKEN, name="no key",
                                   is_superuser=True)], connection=False)
        assert group.rc != 0
        assert group.last["msg"] == ("the answer from %s/api/v3 holds a group without pk or name, which "
                                     "authentik always sends; check api_url" % url)
    finally:
        server.shutdown()
        server.server_close()
    assert set(_NotAuthentik.seen) == {"GET"}


# ---------------------------------------------------------------- 7. the info modules


def test_info_filters_are_trimmed_and_pk_warns(run_playbook, authentik):
    jdoe = authentik.add_user(username="jdoe", name="J", path="staff")
    run = run_playbook([task("akops.authentik.authentik_user_info", "trimmed", username=" jdoe ",
                             path_startswith=" staff ")])
    assert [user["username"] for user in run.last["users"]] == ["jdoe"]
    by_pk = run_playbook([task("akops.authentik.authentik_user_info", "pk", pk=jdoe["pk"], username="other")])
    assert [user["username"] for user in by_pk.last["users"]] == ["jdoe"]
    assert by_pk.last["warnings"] == ["pk selects one user; the other filters (username) are not applied"]
    group = authentik.add_group(name="ops")
    groups = run_playbook([task("akops.authentik.authentik_group_info", "pk", pk=group["pk"], name="x")])
    assert groups.last["warnings"] == ["pk selects one group; the other filters (name) are not applied"]
    assert run_playbook([task("akops.authentik.authentik_group_info", "name", name=" ops ")]).last["groups"][0][
        "pk"] == group["pk"]


@pytest.mark.parametrize("option, value, message", [
    ("timeout", 0, "Invalid timeout: must be more than 0, got 0.0"),
    ("timeout", "nan", "Invalid timeout: must be a finite number, got nan"),
    ("retries", -1, "Invalid retries: must be at least 0, got -1"),
    ("retry_delay", -0.5, "Invalid retry_delay: must be at least 0, got -0.5"),
    ("retry_max_delay", "inf", "Invalid retry_max_delay: must be a finite number, got inf"),
])
def test_connection_numbers_are_checked_before_any_request(run_playbook, authentik, option, value, message):
    run = run_playbook([task(USER, "odd connection", username="jdoe", **{option: value})])
    assert run.rc != 0
    assert run.last["msg"] == message
    assert "Traceback" not in run.output
    assert authentik.requests == []


# ---------------------------------------------------------------- what a second hostile review found


def test_credentials_in_api_url_stay_hidden_when_ansible_refuses_another_option(run_playbook, authentik):
    url = authentik.url.replace("http://", "http://bob:UrlPa55Zq@")
    tasks = [
        task(USER, "odd option", api_url=url, api_token=TOKEN, username="x", is_active="maybe"),
        task(USER, "missing option", api_url=url, api_token=TOKEN),
        task(GROUP, "unknown option", api_url=url, api_token=TOKEN, name="g", bogus=1),
        task(USERS, "odd entry", api_url=url, api_token=TOKEN, users=[{"username": "a", "state": "bad"}]),
    ]
    for one in tasks:
        run = run_playbook([one], connection=False, verbosity=4)
        assert run.rc != 0
        assert "UrlPa55Zq" not in run.output
        assert "UrlPa55Zq" not in json.dumps(run.results)
    assert authentik.requests == []


@pytest.mark.parametrize("option, value", [
    ("timeout", 1.0e+20), ("retry_delay", 1.0e+300), ("retry_max_delay", 1.0e+10), ("retries", 10 ** 6),
])
def test_connection_numbers_beyond_any_sane_wait_are_refused(run_playbook, authentik, option, value):
    run = run_playbook([task(USER, "huge", username="jdoe", **{option: value})])
    assert run.rc != 0
    assert run.last["msg"].startswith("Invalid %s: must be at most " % option), run.last["msg"]
    assert authentik.requests == []


def test_group_info_pk_must_be_a_uuid(run_playbook, authentik):
    run = run_playbook([task("akops.authentik.authentik_group_info", "escape", pk="../users/1")])
    assert run.rc != 0
    assert run.last["msg"] == "Invalid pk: '../users/1' is not a UUID"
    assert authentik.requests == []


@pytest.mark.parametrize("module, args", [
    ("akops.authentik.authentik_user_info", dict(username="  ")),
    ("akops.authentik.authentik_user_info", dict(uuid=" ")),
    ("akops.authentik.authentik_group_info", dict(name="   ")),
])
def test_a_blank_info_filter_is_refused_rather_than_matching_everything(run_playbook, authentik, module, args):
    run = run_playbook([task(module, "blank", **args)])
    assert run.rc != 0
    assert run.last["msg"].endswith("must not be empty or only whitespace; leave the filter out to match everything")
    assert authentik.requests == []


@pytest.mark.parametrize("option", ["groups_by_name", "groups_by_pk"])
def test_a_blank_entry_of_a_group_filter_is_refused(run_playbook, authentik, option):
    run = run_playbook([task("akops.authentik.authentik_user_info", "blank entry", **{option: ["staff", " "]})])
    assert run.rc != 0
    assert run.last["msg"] == "Invalid %s: entry ' ': must not be empty or only whitespace" % option
    assert authentik.requests == []


def test_a_group_cannot_be_its_own_parent_and_a_blank_parent_is_refused(run_playbook, authentik):
    parent = authentik.add_group(name="p1")
    authentik.add_group(name="c1", parent=parent["pk"])
    itself = run_playbook([task(GROUP, "itself", name="c1", parent="c1")])
    assert itself.rc != 0
    assert itself.last["msg"] == "Invalid parent: 'c1' is the group itself; a group cannot be its own parent"
    blank = run_playbook([task(GROUP, "blank", name="c1", parent="   ")])
    assert blank.rc != 0
    assert blank.last["msg"].startswith("Invalid parent: give a group name or UUID, or an empty string")
    assert writes(authentik) == []
    assert find_group(authentik, "c1")["parents"] == [parent["pk"]]


def test_a_blank_username_in_a_bulk_list_is_named_by_its_position(run_playbook, authentik):
    run = run_playbook([task(USERS, "blank", users=[{"username": "ok"}, {"username": "   "}])])
    assert run.rc != 0
    assert run.last["msg"] == "Invalid username: must not be empty or only whitespace; in entry 2 of users"
    assert authentik.requests == []
