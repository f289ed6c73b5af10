"""plugins/module_utils/converge.py: carrying a plan out, at its one seam, a fake client that records requests."""

import uuid

import pytest

from ansible_collections.akops.authentik.plugins.module_utils import converge, groups, users
from ansible_collections.akops.authentik.plugins.module_utils.errors import ApiError, TransportError, ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.plan import Plan, plan_delete

G1, G2 = str(uuid.UUID(int=1)), str(uuid.UUID(int=2))
TEAM = str(uuid.UUID(int=500))
SECRETS = {"password": "s3cret"}


def refused(method, path, status=400, body=None):
    return ApiError(method, "/api/v3" + path, status, body if body is not None else {"detail": "nope"})


def user_plan(make_user, action):
    """One plan per action for jdoe (pk 7), made by the planner."""
    jdoe = make_user(groups=[G1])
    spec = {"username": "jdoe", "name": "Jane Doe"}
    if action == "create":
        return users.plan_user({"username": "new", "password": "pw"}, None, {})
    if action == "delete":
        return users.plan_user({"username": "jdoe", "state": "absent"}, jdoe, {})
    if action == "none":
        return users.plan_user({"username": "jdoe"}, jdoe, {})
    return users.plan_user(spec, jdoe, {})


def team_group(make_group, **fields):
    fields.setdefault("users", [1])
    return make_group("parents", pk=TEAM, **fields)


def group_plan(make_group, params, **fields):
    group = team_group(make_group, **fields)
    resolved = dict((entry, {"pk": entry if isinstance(entry, int) else int(entry[4:]), "username": str(entry)})
                    for entry in groups.members_needing_lookup(params, group))
    return groups.plan_group(dict(params, name="team"), group, resolved, None)


# ---------------------------------------------------------------- check mode and no change


@pytest.mark.parametrize("action", ["create", "update", "delete", "none"])
def test_check_mode_sends_nothing_and_returns_the_prediction(fake, make_user, action):
    plan = user_plan(make_user, action)
    assert plan.action == action
    after = converge.apply_plan(fake, plan, check_mode=True, secrets=SECRETS)
    assert after == ({} if action == "delete" else plan.predicted)
    assert fake.requests == []


@pytest.mark.parametrize("params, fields", [
    ({"users": ["user2"], "is_superuser": True}, {}),
    ({"users": [1], "users_mode": "remove"}, {}),
    ({"state": "absent"}, {}),
    ({"users": [1]}, {}),
])
def test_check_mode_sends_nothing_for_groups(fake, make_group, params, fields):
    plan = group_plan(make_group, params, **fields)
    assert converge.apply_plan(fake, plan, check_mode=True) == ({} if plan.action == "delete" else plan.predicted)
    assert fake.requests == []


def test_no_change_sends_nothing(fake, make_user):
    plan = user_plan(make_user, "none")
    assert converge.apply_plan(fake, plan, check_mode=False, secrets=SECRETS) == plan.predicted
    assert converge.apply_plan(fake, plan_delete("user", None), check_mode=False) == {}
    assert fake.requests == []


# ---------------------------------------------------------------- the one write


def test_create_posts_once_and_sets_the_password(fake, make_user):
    plan = user_plan(make_user, "create")
    created = make_user(pk=42, username="new", name="")
    fake.answer("POST", "/core/users/", created)
    assert converge.apply_plan(fake, plan, check_mode=False, secrets=SECRETS) == created
    assert fake.requests == [("POST", "/core/users/", {"username": "new", "name": ""}),
                             ("POST", "/core/users/42/set_password/", {"password": "s3cret"})]


def test_create_a_group_with_its_members_in_one_request(fake, make_group):
    plan = groups.plan_group({"name": "team", "users": [1, 2]}, None, {1: {"pk": 1}, 2: {"pk": 2}}, None)
    created = team_group(make_group, users=[1, 2])
    fake.answer("POST", "/core/groups/", created)
    assert converge.apply_plan(fake, plan, check_mode=False) == created
    assert fake.requests == [("POST", "/core/groups/", {"name": "team", "users": [1, 2]})]


def test_update_patches_once_and_returns_the_servers_answer(fake, make_user):
    plan = user_plan(make_user, "update")
    answer = dict(plan.predicted, name="Jane Doe", last_updated="2026-01-01T00:00:00Z")
    fake.answer("PATCH", "/core/users/7/", answer)
    assert converge.apply_plan(fake, plan, check_mode=False, secrets=SECRETS) == answer
    assert fake.requests == [("PATCH", "/core/users/7/", {"name": "Jane Doe"})]


@pytest.mark.parametrize("resource", ["user", "group"])
def test_delete_sends_one_delete(fake, make_user, make_group, resource):
    if resource == "user":
        plan, path = user_plan(make_user, "delete"), "/core/users/7/"
    else:
        plan, path = group_plan(make_group, {"state": "absent"}), "/core/groups/%s/" % TEAM
    assert converge.apply_plan(fake, plan, check_mode=False) == {}
    assert fake.requests == [("DELETE", path, None)]


def test_password_only_update_sends_no_patch(fake, make_user):
    plan = users.plan_user({"username": "jdoe", "password": "pw", "update_password": "always"}, make_user(), {})
    assert converge.apply_plan(fake, plan, check_mode=False, secrets=SECRETS) == plan.before
    assert fake.requests == [("POST", "/core/users/7/set_password/", {"password": "s3cret"})]


# ---------------------------------------------------------------- a follow-up call fails


def test_create_whose_password_fails_deletes_the_user_again(fake, make_user):
    plan = user_plan(make_user, "create")
    fake.answer("POST", "/core/users/", make_user(pk=42, username="new"))
    fake.answer("POST", "/core/users/42/set_password/", refused("POST", "/core/users/42/set_password/", 400, None))
    with pytest.raises(ApiError) as caught:
        converge.apply_plan(fake, plan, check_mode=False, secrets=SECRETS)
    assert caught.value.msg == ("POST /api/v3/core/users/42/set_password/ returned HTTP 400: nope; the user created "
                                "in this run was deleted again, so a rerun starts clean")
    assert not getattr(caught.value, "changed", False)
    assert caught.value.to_fail_json().get("changed") is None
    assert [request[:2] for request in fake.requests] == [
        ("POST", "/core/users/"), ("POST", "/core/users/42/set_password/"), ("DELETE", "/core/users/42/")]


def test_create_whose_password_and_cleanup_fail_reports_the_user_left_behind(fake, make_user):
    plan = user_plan(make_user, "create")
    fake.answer("POST", "/core/users/", make_user(pk=42, username="new"))
    fake.answer("POST", "/core/users/42/set_password/", refused("POST", "/core/users/42/set_password/"))
    fake.answer("DELETE", "/core/users/42/", TransportError("DELETE", "/api/v3/core/users/42/", "timed out"))
    with pytest.raises(ApiError) as caught:
        converge.apply_plan(fake, plan, check_mode=False, secrets=SECRETS)
    assert caught.value.msg == (
        "POST /api/v3/core/users/42/set_password/ returned HTTP 400: nope; deleting the half-created user also "
        "failed: DELETE /api/v3/core/users/42/ failed: timed out")
    # The user was created and is still there: the task changed the server.
    assert getattr(caught.value, "changed", False) is True
    assert caught.value.to_fail_json().get("changed") is True


def test_update_whose_password_fails_reports_what_was_saved(fake, make_user):
    spec = {"username": "jdoe", "name": "Jane Doe", "password": "pw", "update_password": "always"}
    plan = users.plan_user(spec, make_user(), {})
    fake.answer("PATCH", "/core/users/7/", dict(plan.predicted))
    fake.answer("POST", "/core/users/7/set_password/", refused("POST", "/core/users/7/set_password/"))
    with pytest.raises(ApiError) as caught:
        converge.apply_plan(fake, plan, check_mode=False, secrets=SECRETS)
    assert caught.value.changed is True
    assert caught.value.msg.endswith("; the other changes (name) were saved")
    assert caught.value.to_fail_json()["changed"] is True
    assert "s3cret" not in caught.value.msg
    assert [request[:2] for request in fake.requests] == [
        ("PATCH", "/core/users/7/"), ("POST", "/core/users/7/set_password/")]


def test_a_password_alone_that_fails_changed_nothing(fake, make_user):
    plan = users.plan_user({"username": "jdoe", "password": "pw", "update_password": "always"}, make_user(), {})
    fake.answer("POST", "/core/users/7/set_password/", refused("POST", "/core/users/7/set_password/"))
    with pytest.raises(ApiError) as caught:
        converge.apply_plan(fake, plan, check_mode=False, secrets=SECRETS)
    assert not getattr(caught.value, "changed", False)
    assert caught.value.msg == "POST /api/v3/core/users/7/set_password/ returned HTTP 400: nope"


# ---------------------------------------------------------------- group membership


def test_membership_calls_follow_the_patch_in_order(fake, make_group):
    plan = group_plan(make_group, {"users": ["user2", "user3"], "users_mode": "exact", "is_superuser": True})
    assert plan.calls == (("add_user", 2), ("add_user", 3), ("remove_user", 1))
    answer = dict(plan.before, is_superuser=True, last_updated="now")
    fake.answer("PATCH", "/core/groups/%s/" % TEAM, answer)
    after = converge.apply_plan(fake, plan, check_mode=False)
    assert fake.requests == [
        ("PATCH", "/core/groups/%s/" % TEAM, {"is_superuser": True}),
        ("POST", "/core/groups/%s/add_user/" % TEAM, {"pk": 2}),
        ("POST", "/core/groups/%s/add_user/" % TEAM, {"pk": 3}),
        ("POST", "/core/groups/%s/remove_user/" % TEAM, {"pk": 1}),
    ]
    # The PATCH answer, with the members the calls made (they answer 204 without a body).
    assert after == dict(answer, users=[2, 3], users_obj=plan.predicted["users_obj"])


def test_membership_only_sends_no_patch(fake, make_group):
    plan = group_plan(make_group, {"users": ["user2"]})
    after = converge.apply_plan(fake, plan, check_mode=False)
    assert fake.requests == [("POST", "/core/groups/%s/add_user/" % TEAM, {"pk": 2})]
    assert after == dict(plan.before, users=[1, 2], users_obj=plan.predicted["users_obj"])


def test_a_failing_remove_user_reports_what_was_saved(fake, make_group):
    plan = group_plan(make_group, {"users": ["user2"], "users_mode": "exact", "is_superuser": True})
    fake.answer("PATCH", "/core/groups/%s/" % TEAM, dict(plan.before, is_superuser=True))
    path = "/core/groups/%s/remove_user/" % TEAM
    fake.answer("POST", path, refused("POST", path, 404, {"detail": "Not found."}))
    with pytest.raises(ApiError) as caught:
        converge.apply_plan(fake, plan, check_mode=False)
    assert caught.value.changed is True
    assert caught.value.msg == ("POST /api/v3%s returned HTTP 404: Not found.; the other changes (is_superuser, "
                                "add_user 2) were saved" % path)
    assert [request[0] for request in fake.requests] == ["PATCH", "POST", "POST"]


def test_a_first_failing_membership_call_changed_nothing(fake, make_group):
    plan = group_plan(make_group, {"users": ["user2"]})
    path = "/core/groups/%s/add_user/" % TEAM
    fake.answer("POST", path, refused("POST", path, 404, {"detail": "Not found."}))
    with pytest.raises(ApiError) as caught:
        converge.apply_plan(fake, plan, check_mode=False)
    assert not getattr(caught.value, "changed", False)
    assert "saved" not in caught.value.msg


def test_a_failing_write_is_not_followed_by_its_calls(fake, make_user):
    spec = {"username": "jdoe", "name": "Jane Doe", "password": "pw", "update_password": "always"}
    plan = users.plan_user(spec, make_user(), {})
    fake.answer("PATCH", "/core/users/7/", refused("PATCH", "/core/users/7/", 404, {"detail": "Not found."}))
    with pytest.raises(ApiError):
        converge.apply_plan(fake, plan, check_mode=False, secrets=SECRETS)
    assert [request[0] for request in fake.requests] == ["PATCH"]


# ---------------------------------------------------------------- guard_self_lockout


ME = "/core/users/me/"


def me(pk=1, is_superuser=False):
    return {"user": {"pk": pk, "username": "akadmin", "is_superuser": is_superuser}}


def group_list(*found):
    return {"results": list(found), "pagination": {"next": 0, "count": len(found)}}


def test_guard_costs_nothing_when_no_plan_is_risky(fake, make_user, make_group):
    plans = [user_plan(make_user, "update"), user_plan(make_user, "create"), user_plan(make_user, "none"),
             group_plan(make_group, {"users": ["user2"]}), group_plan(make_group, {"is_superuser": True})]
    converge.guard_self_lockout(fake, plans)
    assert fake.requests == []


def test_guard_reads_the_owner_once_for_a_risky_plan_of_a_non_superuser_owner(fake, make_user):
    fake.answer("GET", ME, me(pk=1, is_superuser=False))
    someone = make_user(pk=9, username="someone", is_superuser=True, groups=[G1])
    plans = [users.plan_user({"username": "someone", "state": "absent"}, someone, {}),
             users.plan_user({"username": "someone", "is_active": False}, someone, {})]
    converge.guard_self_lockout(fake, plans)
    assert fake.requests == [("GET", ME, None)]


def test_guard_refuses_deleting_the_owner(fake, make_user):
    fake.answer("GET", ME, me(pk=7))
    with pytest.raises(ValidationError) as caught:
        converge.guard_self_lockout(fake, [user_plan(make_user, "delete")])
    assert caught.value.msg.startswith("Refusing to delete user 'jdoe': it owns the API token")
    assert fake.requests == [("GET", ME, None)]


def test_guard_uses_a_known_owner_without_a_request(fake, make_user):
    with pytest.raises(ValidationError):
        converge.guard_self_lockout(fake, [user_plan(make_user, "delete")], owner={"pk": 7, "username": "jdoe"})
    assert fake.requests == []


def test_guard_reads_the_group_list_only_when_the_owners_status_is_at_stake(fake, make_user, make_group):
    fake.answer("GET", ME, me(pk=1, is_superuser=True))
    someone = make_user(pk=9, username="someone", is_superuser=True, groups=[G1])
    converge.guard_self_lockout(fake, [users.plan_user({"username": "someone", "state": "absent"}, someone, {})])
    assert fake.requests == [("GET", ME, None)]


def test_guard_refuses_taking_the_owners_superuser_group_away(fake, make_group):
    admins = make_group("parents", pk=G1, name="admins", is_superuser=True, users=[1])
    fake.answer("GET", ME, me(pk=1, is_superuser=True))
    fake.answer("GET", "/core/groups/", group_list(dict(admins, users_obj=None)))
    plan = groups.plan_group({"name": "admins", "is_superuser": False}, admins, {}, None)
    with pytest.raises(ValidationError) as caught:
        converge.guard_self_lockout(fake, [plan])
    assert caught.value.msg.startswith("Refusing to turn is_superuser off on group 'admins': user 'akadmin'")
    assert [request[:2] for request in fake.requests] == [("GET", ME), ("GET", "/core/groups/")]
    assert fake.requests[1][2]["include_parents"] == "true" and fake.requests[1][2]["include_users"] == "false"


def test_guard_lets_a_group_change_pass_when_the_owner_keeps_the_status(fake, make_group):
    admins = make_group("parents", pk=G1, name="admins", is_superuser=True, users=[1])
    others = make_group("parents", pk=G2, name="others", is_superuser=True, users=[1])
    fake.answer("GET", ME, me(pk=1, is_superuser=True))
    fake.answer("GET", "/core/groups/", group_list(admins, others))
    converge.guard_self_lockout(fake, [Plan("group", "delete", admins, None, (), ["state"], {})])
    assert [request[:2] for request in fake.requests] == [("GET", ME), ("GET", "/core/groups/")]


def test_fields_sent_at_their_current_value_are_not_reported_as_saved():
    """A token's PATCH carries its owner and intent unchanged; an error after it names only what changed."""
    from ansible_collections.akops.authentik.plugins.module_utils.converge import changed_in_body
    from ansible_collections.akops.authentik.plugins.module_utils.plan import Plan

    before = {"pk": "x", "identifier": "ci", "user": 7, "intent": "api", "description": "old"}
    plan = Plan("token", "update", before, {"user": 7, "intent": "api", "description": "new"},
                (("set_key", None),), ["description", "key"], dict(before, description="new"))
    assert changed_in_body(plan) == ["description"]
