"""plugins/module_utils/service_accounts.py: the token identifier as authentik's slugify makes it, the parameters,
and the plan for one service account."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.akops.authentik.plugins.module_utils import service_accounts as sa
from ansible_collections.akops.authentik.plugins.module_utils.errors import (
    ApiError,
    InvalidResponseError,
    ValidationError,
)
from tests.server import token_store
from tests.unit.plugins.module_utils.strategies import ORACLE_SETTINGS, anything

# Characters whose slug depends on the Unicode database: those slugify keeps only on Python 3.9 or 3.11 and later,
# and those Python 3.14 knows but authentik's Python 3.13 does not.
NEWER_CHARACTERS = sorted(sa._ASCII_SINCE_UNICODE_12_1) + [chr(0x1CCD6), chr(0x1CCF9)]
TRICKY = ["", " ", "-", "_", "--a--", "__a__", "a_-_b", "A B", "a\tb\nc", "a\x1cb\x1fc", "\u00e9t\u00e9", "\u00df",
          "\ufb01", "\u2460", "\uff21", "\u00bd", "\u2126", "\u212a", "\u0130", "\u0131", "\u017f", "\u00a0",
          "\u3000", "\u2028", "x\u0301y", "\u65e5\u672c", "\U0001d400", "a.b", "a/b", "a+b", "O'Brien", "-x-",
          "\u1e9e", "\u01c4", "\u00c5ngstr\u00f6m"] + NEWER_CHARACTERS


def params(**values):
    base = {"name": "ci-bot", "state": "present", "create_group": None, "expiring": None, "expires": None,
            "return_token": False, "allow_self_lockout": False}
    base.update(values)
    return base


def service_user(**fields):
    user = {"pk": 12, "username": "ci-bot", "uid": "abc", "type": "service_account", "groups": [], "groups_obj": []}
    user.update(fields)
    return user


def app_password(**fields):
    token = {"pk": "t-1", "identifier": "service-account-ci-bot-password", "intent": "app_password", "user": 12,
             "expiring": True, "expires": "2030-01-01T00:00:00Z", "description": ""}
    token.update(fields)
    return token


# ---------------------------------------------------------------- slugify


@pytest.mark.parametrize("value, slug", [
    ("service-account-CI Bot-password", "service-account-ci-bot-password"),
    ("service-account-ci  bot-password", "service-account-ci-bot-password"),
    ("service-account-\u00e9t\u00e9-password", "service-account-ete-password"),
    ("service-account-\u65e5\u672c-password", "service-account-password"),
    ("service-account-a.b/c-password", "service-account-abc-password"),
    ("service-account-a_b-password", "service-account-a_b-password"),
    ("service-account-\ufb01\u2460-password", "service-account-fi1-password"),
    ("__x--", "x"),
    ("\ua7f2\U0001fbf7", "c7"),
    ("a\U0001ccd6b", "ab"),
])
def test_slugify_table(value, slug):
    assert sa.slugify(value) == slug


def test_password_token_identifier():
    assert sa.password_token_identifier("CI Bot") == "service-account-ci-bot-password"
    assert sa.password_token_identifier("ci-bot") == sa.password_token_identifier("CI Bot")


def test_newer_characters_keep_their_server_meaning_on_any_python():
    for char in sa._ASCII_SINCE_UNICODE_12_1:
        assert sa.slugify(char) == sa._ASCII_SINCE_UNICODE_12_1[char].lower()
    assert sa.slugify(chr(0x1CCF0)) == ""


def test_slugify_agrees_with_djangos_on_python_3_13(oracle):
    values = TRICKY + ["service-account-%s-password" % value for value in TRICKY]
    assert oracle.slugify(values) == [sa.slugify(value) for value in values]


@ORACLE_SETTINGS
@given(value=st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
       | st.lists(st.sampled_from(TRICKY + list("aZ9_- .")), max_size=8).map("".join))
def test_slugify_agrees_with_django_on_any_text(oracle, value):
    assert oracle.slugify([value]) == [sa.slugify(value)]


@given(value=st.text(max_size=30))
def test_slugify_agrees_with_the_local_servers_where_the_unicode_databases_agree(value):
    """The local server slugifies with the running Python's database; away from the characters whose meaning changed
    between databases the two agree."""
    if unicodedata.unidata_version == "15.1.0" or not any(char in sa._SERVER_ASCII for char in value):
        assert sa.slugify(value) == token_store.slugify(value)


# ---------------------------------------------------------------- parameters


def test_name_is_trimmed():
    assert sa.normalize_service_account_params(params(name="  bot \t"))["name"] == "bot"


@pytest.mark.parametrize("values, message", [
    (dict(name=None), "Invalid name: is required"),
    (dict(name=""), "Invalid name: must not be empty or only whitespace"),
    (dict(name="x" * 151), "Invalid name: must be at most 150 characters, got 151"),
    (dict(name="a\x00b"), "Invalid name: must not contain NUL characters"),
    (dict(expires="soon"), "Invalid expires: 'soon' is not an ISO 8601 date and time"),
    (dict(expires=5), "Invalid expires: must be a string, got int"),
    (dict(expiring="yes"), "Invalid expiring: must be true or false, got str"),
    (dict(state="gone"), "Invalid state: 'gone' is not one of present, absent"),
])
def test_bad_params_are_refused(values, message):
    with pytest.raises(ValidationError) as error:
        sa.validate_service_account_params(sa.normalize_service_account_params(params(**values)))
    assert error.value.msg.startswith(message)


def test_other_user_types_are_refused():
    with pytest.raises(ValidationError, match="is of type 'internal', not service_account"):
        sa.refuse_other_users(params(), service_user(type="internal"))
    with pytest.raises(ValidationError, match="does not say its type"):
        sa.refuse_other_users(params(), dict((k, v) for k, v in service_user().items() if k != "type"))
    sa.refuse_other_users(params(), service_user())
    sa.refuse_other_users(params(), None)


# ---------------------------------------------------------------- plans


def test_plan_create_sends_only_what_is_given():
    plan = sa.plan_service_account(params(expires="2030-01-01T01:00:00+01:00", create_group=True), None)
    assert plan.resource == "service_account" and plan.action == "create"
    assert plan.body == {"name": "ci-bot", "create_group": True, "expires": "2030-01-01T00:00:00Z"}
    assert plan.predicted == {"pk": None, "username": "ci-bot", "uid": None, "expiring": True,
                              "token_identifier": "service-account-ci-bot-password", "expires": "2030-01-01T00:00:00Z"}
    assert plan.changed_fields == ["create_group", "expires", "name"]


def test_plan_for_an_existing_account_without_expiry_options_is_none():
    plan = sa.plan_service_account(params(create_group=True), service_user())
    assert plan.action == "none" and plan.calls == ()


def test_plan_patches_the_token_with_its_user_and_intent():
    plan = sa.plan_service_account(params(expiring=False, expires="2030-01-01T00:00:00+00:00"), service_user(),
                                   app_password())
    assert plan.action == "update" and plan.body is None
    assert plan.calls == (("update_token", ("service-account-ci-bot-password",
                                            {"expiring": False, "user": 12, "intent": "app_password"})),)
    assert plan.changed_fields == ["expiring"]
    assert plan.predicted["expiring"] is False


def test_plan_without_the_token_changes_nothing():
    plan = sa.plan_service_account(params(expiring=False), service_user(), None)
    assert plan.action == "none"


def test_plan_delete_is_a_user_plan():
    user = service_user()
    plan = sa.plan_service_account(params(state="absent"), user)
    assert (plan.resource, plan.action, plan.before) == ("user", "delete", user)
    assert sa.plan_service_account(params(state="absent"), None).action == "none"


def test_diff_never_shows_a_token():
    plan = sa.plan_service_account(params(return_token=True), None)
    after = dict(plan.predicted, pk=5, token="secret-key")
    diff = sa.service_account_diff(params(return_token=True), plan, after)
    assert "secret-key" not in str(diff)
    assert diff == {"before": {}, "after": {"name": "ci-bot"}}


def test_created_account_from_answer_keeps_the_token_for_the_module():
    account = sa.created_account({"username": "ci-bot", "user_uid": "u", "user_pk": 4, "group_pk": "g", "token": "k"})
    assert account == {"pk": 4, "username": "ci-bot", "uid": "u", "group_pk": "g", "token": "k",
                       "token_identifier": "service-account-ci-bot-password"}


@pytest.mark.parametrize("error", [
    InvalidResponseError("POST", "/api/v3/core/users/service_account/", 200, '{"username": "x", "token": "k3y'),
    ApiError("POST", "/api/v3/core/users/service_account/", 201, {"username": "x", "token": "k3y"}),
])
def test_errors_about_the_created_answer_never_show_it(error):
    error.note("a note")
    scrubbed = sa.token_secret_free(error)
    assert "k3y" not in scrubbed.msg and scrubbed.body is None
    assert scrubbed.msg.endswith("it is not shown because it may hold the new account's token; a note")


def test_other_errors_are_left_alone():
    error = ApiError("POST", "/api/v3/core/users/service_account/", 400, {"name": ["This field must be unique."]})
    assert sa.token_secret_free(error).msg.endswith("name: This field must be unique.")


# ---------------------------------------------------------------- properties


expiry_params = st.fixed_dictionaries({}, optional=dict(
    expiring=st.booleans(),
    expires=st.sampled_from(["2030-01-01T00:00:00Z", "2030-01-01T02:00:00+02:00", "2031-06-01T12:00:00.5Z"]),
))


@settings(max_examples=300)
@given(values=st.fixed_dictionaries({}, optional=dict(
    name=anything(), state=anything(), create_group=anything(), expiring=anything(), expires=anything(),
    return_token=anything(), allow_self_lockout=anything())),
    exists=st.booleans(), with_token=st.booleans())
def test_any_params_give_a_plan_or_a_validation_error(values, exists, with_token):
    try:
        normalized = sa.normalize_service_account_params(values)
        sa.validate_service_account_params(normalized)
    except ValidationError:
        return
    user = service_user(username=normalized["name"]) if exists else None
    plan = sa.plan_service_account(normalized, user, app_password() if with_token else None)
    assert plan.action in ("create", "update", "delete", "none")
    sa.service_account_diff(normalized, plan)


@given(wanted=expiry_params, token_expiring=st.booleans(),
       token_expires=st.sampled_from(["2030-01-01T00:00:00Z", "2029-01-01T00:00:00.000001Z"]))
def test_once_the_patch_is_applied_the_plan_is_empty(wanted, token_expiring, token_expires):
    spec = params(**wanted)
    token = app_password(expiring=token_expiring, expires=token_expires)
    plan = sa.plan_service_account(spec, service_user(), token)
    patch = dict(plan.calls[0][1][1]) if plan.calls else {}
    assert patch.pop("user", 12) == 12 and patch.pop("intent", "app_password") == "app_password"
    again = sa.plan_service_account(spec, service_user(), dict(token, **patch))
    assert again.action == "none"


def test_a_name_whose_token_identifier_would_be_too_long_is_refused():
    """Some characters become several letters in the slug: the name fits in 150 characters, its app password's
    identifier not in 255."""
    from ansible_collections.akops.authentik.plugins.module_utils import service_accounts

    fits = service_accounts.normalize_service_account_params(dict(name="a" * 150, state="present"))
    service_accounts.validate_service_account_params(fits)
    too_long = service_accounts.normalize_service_account_params(dict(name="\u33af" * 150, state="present"))
    with pytest.raises(ValidationError) as error:
        service_accounts.validate_service_account_params(too_long)
    assert error.value.msg.startswith("Invalid name: its app password's identifier")
    assert "more than authentik's 255" in error.value.msg
