"""akops.authentik.authentik_role through the real ansible-playbook, against each emulated release that differs for
roles: 2025.10 (roles reach users only through groups), 2025.12 (users hold roles) and 2026.5."""

import pytest

from tests.integration.conftest import TOKEN, writes
from tests.server.authentik_server import AuthentikServer

MODULE = "akops.authentik.authentik_role"
ROLES = "/api/v3/rbac/roles/"
GLOBAL_READ = ("GET", "/api/v3/rbac/permissions/")
OBJECT_READ = ("GET", "/api/v3/rbac/permissions/roles/")


@pytest.fixture(scope="module", params=["2025.10", "2025.12", "2026.5"])
def server(request):
    """Overrides the session server: each test here runs against each emulated release."""
    with AuthentikServer(token=TOKEN, version=request.param) as srv:
        yield srv


def task(title, **args):
    return {"name": title, MODULE: args}


def calls(srv):
    return [(entry["method"], entry["path"]) for entry in srv.requests]


def assign_path(role_pk, action):
    return "/api/v3/rbac/permissions/assigned_by_roles/%s/%s/" % (role_pk, action)


@pytest.fixture
def engineering(authentik):
    return authentik.add_group(name="engineering")


def on_group(permission, group):
    return dict(permission=permission, model="authentik_core.group", object_pk=group["pk"])


def test_create_check_rerun_ladder(run_playbook, authentik, engineering):
    on_engineering = on_group("authentik_core.add_user_to_group", engineering)
    spec = dict(name="leads", permissions=["authentik_core.view_user", on_engineering])
    wanted = ["authentik_core.add_user_to_group on authentik_core.group %s" % engineering["pk"],
              "authentik_core.view_user"]

    check = run_playbook([task("create", **spec)], check=True, diff=True)
    assert check.rc == 0, check.output
    assert check.last["changed"] is True
    assert writes(authentik) == []
    assert check.last["role"] == {"pk": None, "name": "leads", "permissions": wanted}
    assert check.last["diff"] == {"before": {}, "after": {"name": "leads", "permissions": wanted}}

    created = run_playbook([task("create", **spec)], diff=True)
    assert created.rc == 0, created.output
    role = authentik.find_role("leads")
    assert created.last["role"] == dict(role, permissions=wanted)
    assert created.last["changed_fields"] == ["name", "permissions"]
    assert created.last["diff"] == check.last["diff"]
    assert authentik.role_permissions("leads") == {
        "global": ["authentik_core.view_user"],
        "object": [("authentik_core.add_user_to_group", engineering["pk"])]}
    # The role, then the two permissions and the group they are granted on, then the writes.
    assert [(m, p) for m, p in calls(authentik) if m != "GET"] == [
        ("POST", ROLES), ("POST", assign_path(role["pk"], "assign")), ("POST", assign_path(role["pk"], "assign"))]
    assert [entry["body"] for entry in writes(authentik)[1:]] == [
        {"permissions": ["authentik_core.view_user"]},
        {"permissions": ["authentik_core.add_user_to_group"], "model": "authentik_core.group",
         "object_pk": engineering["pk"]}]

    again = run_playbook([task("create", **spec)], diff=True)
    assert again.last["changed"] is False
    assert again.last["role"]["permissions"] == wanted
    # An up-to-date role costs its reads: the role, its permissions on models, those on objects.
    assert calls(authentik) == [("GET", ROLES), GLOBAL_READ, OBJECT_READ]


def test_role_without_permissions_costs_one_request(run_playbook, authentik):
    authentik.add_role("auditors", permissions=["authentik_core.view_user"])
    run = run_playbook([task("same", name="auditors")])
    assert run.last["changed"] is False
    assert run.last["role"] == authentik.find_role("auditors")
    assert calls(authentik) == [("GET", ROLES)]


def test_add_sends_only_what_is_missing(run_playbook, authentik, engineering):
    role = authentik.add_role("leads", permissions=["authentik_core.view_user"])
    wanted = ["authentik_core.view_user", "authentik_core.view_group"]
    run = run_playbook([task("add", name="leads", permissions=wanted)], diff=True)
    assert run.last["changed_fields"] == ["permissions"]
    assert [entry["body"] for entry in writes(authentik)] == [{"permissions": ["authentik_core.view_group"]}]
    assert run.last["diff"] == {
        "before": {"name": "leads", "permissions": ["authentik_core.view_user"]},
        "after": {"name": "leads", "permissions": ["authentik_core.view_group", "authentik_core.view_user"]}}
    # The one new codename was looked up before the write; the one held was not.
    lookups = [entry["query"] for entry in authentik.requests
               if entry["path"] == "/api/v3/rbac/permissions/" and "codename" in entry["query"]]
    assert len(lookups) == 1 and lookups[0]["codename"] == ["view_group"]
    assert run.last["role"]["pk"] == role["pk"]


def test_remove_unassigns_and_ignores_what_is_not_held(run_playbook, authentik, engineering):
    authentik.add_role("leads", permissions=["authentik_core.view_user", "authentik_core.view_group"],
                       object_permissions=[("authentik_core.change_group", "authentik_core.group", engineering["pk"])])
    role = authentik.find_role("leads")
    run = run_playbook([task("remove", name="leads", permissions_mode="remove", permissions=[
        "authentik_core.view_group", "authentik_core.delete_user",
        on_group("authentik_core.change_group", engineering)])], diff=True)
    assert run.rc == 0, run.output
    assert [(entry["method"], entry["path"], entry["body"]) for entry in writes(authentik)] == [
        ("PATCH", assign_path(role["pk"], "unassign"), {"permissions": ["authentik_core.view_group"]}),
        ("PATCH", assign_path(role["pk"], "unassign"),
         {"permissions": ["authentik_core.change_group"], "model": "authentik_core.group",
          "object_pk": engineering["pk"]})]
    assert authentik.role_permissions("leads") == {"global": ["authentik_core.view_user"], "object": []}
    assert run.last["diff"]["after"]["permissions"] == ["authentik_core.view_user"]

    again = run_playbook([task("remove", name="leads", permissions_mode="remove",
                               permissions=["authentik_core.view_group", "authentik_core.delete_user"])])
    assert again.last["changed"] is False
    assert writes(authentik) == []


def test_exact_grants_and_takes_away_on_models_and_objects(run_playbook, authentik, engineering):
    user = authentik.add_user(username="jdoe", name="Jane")
    authentik.add_role("helpdesk", permissions=["authentik_core.view_user", "authentik_core.delete_user"],
                       object_permissions=[("authentik_core.change_group", "authentik_core.group", engineering["pk"])])
    wanted = ["authentik_core.view_user",
              dict(permission="authentik_core.reset_user_password", model="authentik_core.user", object_pk=user["pk"])]

    check = run_playbook([task("exact", name="helpdesk", permissions=wanted, permissions_mode="exact")],
                         check=True, diff=True)
    assert writes(authentik) == []
    expected = ["authentik_core.reset_user_password on authentik_core.user %d" % user["pk"],
                "authentik_core.view_user"]
    assert check.last["role"]["permissions"] == expected

    run = run_playbook([task("exact", name="helpdesk", permissions=wanted, permissions_mode="exact")], diff=True)
    assert run.last["diff"] == check.last["diff"]
    assert run.last["diff"]["before"]["permissions"] == [
        "authentik_core.change_group on authentik_core.group %s" % engineering["pk"],
        "authentik_core.delete_user", "authentik_core.view_user"]
    assert authentik.role_permissions("helpdesk") == {
        "global": ["authentik_core.view_user"],
        "object": [("authentik_core.reset_user_password", str(user["pk"]))]}
    assert [entry["method"] for entry in writes(authentik)] == ["POST", "PATCH", "PATCH"]

    again = run_playbook([task("exact", name="helpdesk", permissions=wanted, permissions_mode="exact")])
    assert again.last["changed"] is False
    assert calls(authentik) == [("GET", ROLES), GLOBAL_READ, OBJECT_READ]

    emptied = run_playbook([task("empty", name="helpdesk", permissions=[], permissions_mode="exact")])
    assert emptied.last["role"]["permissions"] == []
    assert authentik.role_permissions("helpdesk") == {"global": [], "object": []}


def test_object_permissions_are_read_across_pages(run_playbook, authentik):
    """The object-permission list is capped at ten to a page: an up-to-date role with more must still be ok."""
    users = [authentik.add_user(username="u%02d" % index, name="U") for index in range(12)]
    grants = [("authentik_core.view_user", "authentik_core.user", user["pk"]) for user in users]
    authentik.add_role("viewers", object_permissions=grants)
    wanted = [dict(permission="authentik_core.view_user", model="authentik_core.user", object_pk=str(user["pk"]))
              for user in users]
    run = run_playbook([task("same", name="viewers", permissions=wanted, permissions_mode="exact")])
    assert run.last["changed"] is False, run.output
    assert calls(authentik) == [("GET", ROLES), GLOBAL_READ, OBJECT_READ, OBJECT_READ]


def test_rename_by_pk_and_refuse_a_taken_name(run_playbook, authentik):
    role = authentik.add_role("old-name")
    authentik.add_role("taken")
    renamed = run_playbook([task("rename", pk=role["pk"].upper(), name=" new-name ")], diff=True)
    assert renamed.last["changed_fields"] == ["name"]
    assert [entry["body"] for entry in writes(authentik)] == [{"name": "new-name"}]
    assert renamed.last["diff"] == {"before": {"name": "old-name"}, "after": {"name": "new-name"}}
    assert authentik.find_role("new-name")["pk"] == role["pk"]

    for check in (True, False):
        taken = run_playbook([task("taken", pk=role["pk"], name="taken")], check=check)
        assert taken.rc != 0
        assert "'taken' is already the name of the role" in taken.last["msg"]
        assert writes(authentik) == []

    missing = run_playbook([task("missing", pk="00000000-0000-4000-8000-000000000000", name="x")])
    assert "No role with pk 00000000-0000-4000-8000-000000000000" in missing.last["msg"]
    assert writes(authentik) == []


def test_delete_and_delete_again(run_playbook, authentik):
    authentik.add_role("legacy", permissions=["authentik_core.view_user"])
    check = run_playbook([task("delete", name="legacy", state="absent")], check=True, diff=True)
    assert check.last["changed"] is True and writes(authentik) == []
    assert check.last["diff"] == {"before": {"name": "legacy", "state": "present"},
                                  "after": {"name": "legacy", "state": "absent"}}
    gone = run_playbook([task("delete", name="legacy", state="absent", permissions=["authentik_core.view_user"])])
    assert gone.last["changed"] is True and gone.last["role"] == {}
    assert authentik.find_role("legacy") is None
    # Deleting reads no permissions.
    assert [m for m, dummy in calls(authentik)] == ["GET", "DELETE"]
    again = run_playbook([task("delete", name="legacy", state="absent")])
    assert again.last["changed"] is False
    assert len(authentik.requests) == 1


BAD_INPUT = [
    (dict(name=""), "Invalid name: must not be empty"),
    (dict(name="   "), "Invalid name: must not be empty"),
    (dict(name="r", pk="not-a-uuid"), "Invalid pk: 'not-a-uuid' is not a UUID"),
    (dict(name="r", permissions=["view_user"]), "'view_user' is not an app_label.codename"),
    (dict(name="r", permissions=["authentik_core.view_user.x"]), "is not an app_label.codename"),
    (dict(name="r", permissions=[42]), "give a codename like authentik_core.view_user"),
    (dict(name="r", permissions=[{"permission": "authentik_core.view_user", "model": "authentik_core.user"}]),
     "model and object_pk go together"),
    (dict(name="r", permissions=[{"permission": "authentik_core.view_user", "object_pk": 1}]),
     "model and object_pk go together"),
    (dict(name="r", permissions=[{"model": "authentik_core.user", "object_pk": 1}]), "the permission"),
    (dict(name="r", permissions=[{"permission": "authentik_core.view_user", "pk": 1}]), "unknown key pk"),
    (dict(name="r", permissions=[{"permission": "authentik_core.view_user", "model": "user", "object_pk": 1}]),
     "'user' is not an app_label.model"),
    (dict(name="r", permissions=[{"permission": "authentik_core.view_application",
                                  "model": "authentik_core.application", "object_pk": "x"}]),
     "permissions on single authentik_core.application objects are not supported"),
    (dict(name="r", permissions=[{"permission": "authentik_core.view_user", "model": "authentik_core.user",
                                  "object_pk": "jdoe"}]), "object_pk for authentik_core.user is the user pk"),
    (dict(name="r", permissions=[{"permission": "authentik_core.view_group", "model": "authentik_core.group",
                                  "object_pk": "engineering"}]), "object_pk for authentik_core.group is a UUID"),
    (dict(name="r", permissions_mode="replace"), "permissions_mode"),
]


@pytest.mark.parametrize("args,message", BAD_INPUT)
def test_bad_input_is_refused_before_any_request(run_playbook, authentik, args, message):
    run = run_playbook([task("bad", **args)])
    assert run.rc != 0
    if message:
        assert message in run.last["msg"]
    assert "Traceback" not in run.output
    assert authentik.requests == []


def test_unknown_grants_are_refused_before_any_write(run_playbook, authentik, engineering):
    authentik.add_role("leads")
    cases = [
        (["authentik_core.view_users"], "authentik_core.view_users is not a permission authentik knows"),
        ([dict(permission="authentik_core.view_group", model="authentik_core.user", object_pk=1)],
         "authentik_core.view_group is a permission on authentik_core.group, so it cannot be granted on "
         "authentik_core.user 1"),
        ([dict(permission="authentik_core.view_user", model="authentik_core.user", object_pk=9999)],
         "there is no authentik_core.user 9999"),
        ([dict(permission="authentik_core.view_group", model="authentik_core.group",
               object_pk="00000000-0000-4000-8000-000000000000")],
         "there is no authentik_core.group 00000000-0000-4000-8000-000000000000"),
    ]
    for permissions, message in cases:
        for check in (True, False):
            # A valid permission in the same list is not granted either.
            run = run_playbook([task("bad", name="leads", permissions=["authentik_core.view_user"] + permissions)],
                               check=check)
            assert run.rc != 0, run.output
            assert message in run.last["msg"]
            assert writes(authentik) == []
        created = run_playbook([task("new", name="brand-new", permissions=permissions)])
        assert created.rc != 0
        assert writes(authentik) == [] and authentik.find_role("brand-new") is None
    assert authentik.role_permissions("leads") == {"global": [], "object": []}
