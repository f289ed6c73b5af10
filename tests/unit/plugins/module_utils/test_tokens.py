"""plugins/module_utils/tokens.py: the parameters, the owner, keys, the plan and the diff of one token."""

import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.akops.authentik.plugins.module_utils import tokens
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from ansible_collections.akops.authentik.plugins.module_utils.plan import Plan
from tests.unit.plugins.module_utils.strategies import anything

ALICE = {"pk": 7, "username": "alice", "name": "Alice"}
BOB = {"pk": 8, "username": "bob", "name": "Bob"}
OPTIONS = ("identifier", "state", "user", "intent", "description", "expiring", "expires", "key", "rotate",
           "return_key")


def params(**values):
    base = dict(identifier="ci", state="present", user=None, intent=None, description=None, expiring=None,
                expires=None, key=None, rotate=False, return_key=False)
    base.update(values)
    return tokens.normalize_token_params(base)


def token(**values):
    base = {"pk": str(uuid.UUID(int=1)), "managed": None, "identifier": "ci", "intent": "api", "user": 7,
            "user_obj": dict(ALICE), "description": "", "expires": "2026-05-02T10:00:00Z", "expiring": True}
    base.update(values)
    return base


def refused(wanted, start):
    with pytest.raises(ValidationError) as error:
        tokens.validate_token_params(wanted)
    assert error.value.msg.startswith(start), error.value.msg
    return error.value.msg


# ---------------------------------------------------------------- parameters


@pytest.mark.parametrize("identifier", ["ci", "CI-bot_2", "a" * 255, "-", "_"])
def test_slug_identifiers_are_accepted(identifier):
    tokens.validate_token_params(params(identifier=identifier))


@pytest.mark.parametrize("identifier,start", [
    ("a/b", "Invalid identifier: 'a/b' is not a slug"),
    ("..", "Invalid identifier: '..' is not a slug"),
    ("a b", "Invalid identifier: 'a b' is not a slug"),
    ("ab\n", "Invalid identifier: 'ab\\n' is not a slug"),
    ("é", "Invalid identifier"),
    ("", "Invalid identifier"),
    ("a" * 256, "Invalid identifier: must be at most 255 characters, got 256"),
    (None, "Invalid identifier: it is required"),
    (5, "Invalid identifier: must be a string, got int"),
])
def test_other_identifiers_are_refused(identifier, start):
    refused(params(identifier=identifier), start)


@pytest.mark.parametrize("values,start", [
    (dict(user=True), "Invalid user: give the owner's username"),
    (dict(user=0), "Invalid user: must be at least 1"),
    (dict(user="   "), "Invalid user: must not be empty"),
    (dict(user="u" * 151), "Invalid user: must be at most 150"),
    (dict(intent="recovery"), "Invalid intent: recovery tokens are made by authentik itself"),
    (dict(intent="verification"), "Invalid intent: verification tokens"),
    (dict(intent="API"), "Invalid intent: 'API' is not one of api, app_password"),
    (dict(expiring="yes"), "Invalid expiring: must be true or false"),
    (dict(intent="app_password", expires="tomorrow"), "Invalid expires: 'tomorrow' is not an ISO 8601"),
    (dict(intent="api", expires="2030-01-01T00:00:00Z"), "Invalid expires: authentik sets the expiry of API"),
    (dict(key="k", rotate=True), "Invalid rotate: give either key"),
    (dict(state="absent", key="k"), "Invalid key: only with state: present"),
    (dict(state="absent", return_key=True), "Invalid return_key: only with state: present"),
    (dict(state="gone"), "Invalid state"),
])
def test_refused_values(values, start):
    refused(params(**values), start)


@pytest.mark.parametrize("key,start", [
    ("", "Invalid key: must not be empty"),
    ("sec ret", "Invalid key: must be printable ASCII without spaces"),
    ("secret\n", "Invalid key: must be printable ASCII without spaces"),
    ("sec\x00ret", "Invalid key: must be printable ASCII without spaces"),
    ("sec\x7fret", "Invalid key: must be printable ASCII without spaces"),
    ("\u043a\u043b\u044e\u0447", "Invalid key: must be printable ASCII without spaces"),
    ("sec\x85ret", "Invalid key: must be printable ASCII without spaces"),
    (42, "Invalid key: must be a string, got int"),
])
def test_refused_keys_are_never_shown(key, start):
    message = refused(params(key=key), start)
    if isinstance(key, str) and key:
        assert key not in message and "sec" not in message


def test_the_username_and_description_are_trimmed():
    wanted = params(user=" alice ", description=" CI ")
    assert (wanted["user"], wanted["description"]) == ("alice", "CI")


# ---------------------------------------------------------------- the owner


@pytest.mark.parametrize("user,needed", [(None, None), (7, None), ("alice", None), (8, 8), ("bob", "bob")])
def test_an_existing_token_explains_its_own_owner(user, needed):
    assert tokens.owner_needing_lookup(params(user=user), token()) == needed


def test_a_new_token_looks_its_owner_up():
    assert tokens.owner_needing_lookup(params(user="alice"), None) == "alice"
    assert tokens.owner_needing_lookup(params(user="alice", state="absent"), None) is None


def test_another_owner_is_refused():
    with pytest.raises(ValidationError) as error:
        tokens.plan_token(params(user="bob"), token(), BOB)
    assert "token 'ci' belongs to 'alice' (pk 7)" in error.value.msg
    assert "User cannot be changed" in error.value.msg and "nothing was changed" in error.value.msg


# ---------------------------------------------------------------- plans


def test_a_new_token():
    plan = tokens.plan_token(params(user="alice", description="CI", expiring=False), None, ALICE)
    assert plan.action == "create"
    assert plan.body == {"identifier": "ci", "intent": "api", "user": 7, "description": "CI", "expiring": False}
    assert plan.predicted["user_obj"] == ALICE and plan.predicted["pk"] is None
    assert plan.calls == ()


def test_a_new_app_password_sends_its_expiry_in_authentiks_form():
    plan = tokens.plan_token(params(intent="app_password", expires="2030-01-01T02:00:00+02:00"), None)
    assert plan.body == {"identifier": "ci", "intent": "app_password", "expires": "2030-01-01T00:00:00Z"}


def test_an_up_to_date_token_needs_nothing():
    plan = tokens.plan_token(params(user="alice", intent="api", description="", expiring=True), token())
    assert plan.action == "none" and plan.body is None and plan.changed_fields == []


def test_a_patch_carries_the_owner_and_the_intent():
    plan = tokens.plan_token(params(description="new"), token(intent="app_password", user=9))
    assert plan.body == {"description": "new", "user": 9, "intent": "app_password"}
    assert plan.changed_fields == ["description"]


def test_an_intent_change_is_a_change():
    plan = tokens.plan_token(params(intent="app_password"), token())
    assert plan.body == {"intent": "app_password", "user": 7}
    assert plan.changed_fields == ["intent"]


@pytest.mark.parametrize("spelling", ["2026-05-02T10:00:00Z", "2026-05-02T12:00:00+02:00", "2026-05-02 10:00:00.000",
                                      "2026-05-02T10:00Z"])
def test_expires_is_compared_as_an_instant(spelling):
    plan = tokens.plan_token(params(expires=spelling), token(intent="app_password"))
    assert plan.action == "none"


def test_expires_of_an_api_token_is_refused_even_without_intent():
    with pytest.raises(ValidationError):
        tokens.plan_token(params(expires="2026-05-02T10:00:00Z"), token())
    with pytest.raises(ValidationError):
        tokens.plan_token(params(expires="2026-05-02T10:00:00Z"), None)
    # Moving to app_password with an expiry is fine.
    plan = tokens.plan_token(params(intent="app_password", expires="2026-05-03T10:00:00Z"), token())
    assert plan.body == {"intent": "app_password", "expires": "2026-05-03T10:00:00Z", "user": 7}


def test_keys():
    assert tokens.key_read_needed(params(key="abc"), token())
    assert not tokens.key_read_needed(params(key="abc"), None)
    assert not tokens.key_read_needed(params(return_key=True), token())
    same = tokens.plan_token(params(key="abc"), token(), current_key="abc")
    assert same.action == "none"
    other = tokens.plan_token(params(key="abc"), token(), current_key="xyz")
    assert other.action == "update" and other.body == {} and other.calls == (("set_key", None),)
    assert other.changed_fields == ["key"]
    new = tokens.plan_token(params(key="abc"), None)
    assert new.calls == (("set_key", None),) and "key" in new.changed_fields
    rotated = tokens.plan_token(params(rotate=True), token())
    assert rotated.calls == (("set_key", None),)
    # The key never enters the plan.
    assert "abc" not in repr(other) and "xyz" not in repr(other)


def test_new_keys_are_long_random_letters_and_digits():
    keys = set(tokens.new_token_key() for dummy in range(20))
    assert len(keys) == 20
    assert all(re.match(r"[A-Za-z0-9]{60}\Z", key) for key in keys)


def test_managed_tokens_are_not_changed_or_deleted():
    managed = token(managed="goauthentik.io/outpost/x")
    for wanted in (params(description="x"), params(state="absent"), params(rotate=True)):
        with pytest.raises(ValidationError) as error:
            tokens.plan_token(wanted, managed, current_key="k")
        assert "is managed by authentik" in error.value.msg
    assert tokens.plan_token(params(description=""), managed).action == "none"
    with pytest.raises(ValidationError):
        tokens.refuse_untouchable(params(key="abc"), managed)
    tokens.refuse_untouchable(params(return_key=True), managed)


def test_tokens_of_internal_intents_are_only_deleted():
    flow = token(intent="recovery")
    with pytest.raises(ValidationError) as error:
        tokens.plan_token(params(description="x"), flow)
    assert "has intent recovery" in error.value.msg
    assert tokens.plan_token(params(), flow).action == "none"
    assert tokens.plan_token(params(state="absent"), flow).action == "delete"


def test_deletion():
    plan = tokens.plan_token(params(state="absent"), token())
    assert plan.action == "delete"
    assert tokens.token_diff(params(state="absent"), plan) == {
        "before": {"identifier": "ci", "state": "present"}, "after": {"identifier": "ci", "state": "absent"}}
    assert tokens.plan_token(params(state="absent"), None).action == "none"


# ---------------------------------------------------------------- the diff


def test_the_diff_shows_the_owner_by_name_and_a_key_as_a_marker():
    wanted = params(user=7, intent="app_password", expires="2030-01-01T00:00:00+00:00", key="abc")
    plan = tokens.plan_token(wanted, token(intent="app_password", expires="2030-01-01T00:00:00.000000Z"),
                             current_key="old")
    assert tokens.token_diff(wanted, plan) == {
        "before": {"identifier": "ci", "intent": "app_password", "user": "alice", "expires": "2030-01-01T00:00:00Z"},
        "after": {"identifier": "ci", "intent": "app_password", "user": "alice", "expires": "2030-01-01T00:00:00Z",
                  "key": "********"}}
    assert "abc" not in repr(tokens.token_diff(wanted, plan))


# ---------------------------------------------------------------- properties


@given(values=st.fixed_dictionaries({}, optional=dict((option, anything()) for option in OPTIONS)),
       exists=st.booleans(), owner=st.sampled_from([None, ALICE, BOB]), current_key=st.sampled_from([None, "k"]))
def test_any_token_params_give_a_plan_or_a_validation_error(values, exists, owner, current_key):
    wanted = tokens.normalize_token_params(dict(dict(identifier="ci", state="present"), **values))
    try:
        tokens.validate_token_params(wanted)
        plan = tokens.plan_token(wanted, token() if exists else None, owner, current_key)
    except ValidationError as error:
        assert error.msg
        return
    assert isinstance(plan, Plan)
    assert isinstance(tokens.token_diff(wanted, plan), dict)


@given(description=st.sampled_from([None, "", "CI"]), expiring=st.sampled_from([None, True, False]),
       intent=st.sampled_from([None, "api", "app_password"]),
       expires=st.sampled_from([None, "2026-05-03T10:00:00Z", "2026-05-02T12:00:00+02:00"]), exists=st.booleans())
def test_once_the_prediction_is_held_nothing_is_left_to_change(description, expiring, intent, expires, exists):
    wanted = params(user="alice", description=description, expiring=expiring, intent=intent, expires=expires)
    try:
        plan = tokens.plan_token(wanted, token() if exists else None, ALICE)
    except ValidationError:
        return  # an expiry for an API token
    predicted = dict(plan.predicted, pk=plan.predicted["pk"] or "new")
    again = tokens.plan_token(wanted, predicted)
    assert again.action == "none", (plan, again)
