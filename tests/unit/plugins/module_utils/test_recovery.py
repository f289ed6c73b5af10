"""plugins/module_utils/recovery.py: the parameters, the token duration, and the one request a task sends."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.akops.authentik.plugins.module_utils import recovery
from ansible_collections.akops.authentik.plugins.module_utils.errors import ValidationError
from tests.unit.plugins.module_utils.strategies import anything

USER = {"pk": 7, "username": "jdoe", "email": "jdoe@example.com"}
STAGE = {"pk": "0b4c7a44-94b8-4d7e-a0a5-3c5d3a43a9f1", "name": "recovery-email"}
ALLOWED_KEYS = ("microseconds", "milliseconds", "seconds", "minutes", "hours", "days", "weeks")


def authentik_timedelta(expr):
    """authentik's lib/utils/time.py timedelta_from_string, as the server runs it."""
    kwargs = {}
    for duration_pair in expr.split(";"):
        key, value = duration_pair.split("=")
        if key.lower() not in ALLOWED_KEYS:
            continue
        kwargs[key.lower()] = float(value.strip())
    if len(kwargs) < 1:
        raise ValueError("No valid keys to pass to timedelta")
    return datetime.timedelta(**kwargs)


def params(**values):
    base = dict(username="jdoe", pk=None, method="link", email_stage=None, token_duration=None)
    base.update(values)
    return recovery.normalize_recovery_params(base)


@pytest.mark.parametrize("value", ["days=1", "Days=3", "hours=12;minutes=30", "weeks=1;days=2.5", "seconds= 90 ",
                                   "microseconds=1", "days=365000"])
def test_durations_authentik_reads(value):
    assert recovery.duration_problem(value) is None
    assert authentik_timedelta(value) > datetime.timedelta(0)


@pytest.mark.parametrize("value,problem", [
    ("hour=1", "is not a duration"),          # authentik would skip the key and fail after making the token
    ("days=1;hour=1", "is not a duration"),   # authentik would silently drop the typo
    (" days=1", "is not a duration"),         # authentik does not trim keys
    ("days=1;", "is not a duration"),
    ("days=-1", "is not a duration"),
    ("days=1e3", "is not a duration"),
    ("days=inf", "is not a duration"),
    ("days=1=2", "is not a duration"),
    ("days=0;hours=0", "is no time at all"),
    ("days=1;DAYS=2", "names days twice"),
    ("weeks=52143", "is longer than 365000 days"),
    ("", "must not be empty"),
    (3, "must be a string"),
])
def test_durations_refused_before_any_request(value, problem):
    assert problem in recovery.duration_problem(value)


@given(st.text(alphabet="dayshourminteckwl=;0123456789.- ", max_size=30))
def test_every_accepted_duration_is_a_positive_one_for_authentik(value):
    if recovery.duration_problem(value) is None:
        delta = authentik_timedelta(value)
        assert datetime.timedelta(0) < delta <= datetime.timedelta(days=recovery.LONGEST_DURATION_DAYS)


def test_a_link_plan_and_its_body():
    plan = recovery.plan_recovery(params(token_duration="days=3"), USER, None, True)
    assert (plan.method, plan.user_pk, plan.json_body) == ("link", 7, True)
    assert recovery.link_body(plan) == {"token_duration": "days=3"}
    assert recovery.link_body(recovery.plan_recovery(params(), USER, None, None)) == {}
    assert recovery.describe(plan) == "recovery link for jdoe"


def test_an_email_plan_names_the_stage():
    plan = recovery.plan_recovery(params(method="email", email_stage="recovery-email"), USER, STAGE, False)
    assert (plan.method, plan.stage_pk, plan.json_body) == ("email", STAGE["pk"], False)
    assert recovery.describe(plan) == "recovery email to jdoe through email stage recovery-email"


def test_what_authentik_would_refuse_or_ignore_is_refused():
    with pytest.raises(ValidationError, match="authentik takes it from 2026.2 on"):
        recovery.plan_recovery(params(token_duration="days=1"), USER, None, False)
    with pytest.raises(ValidationError, match="has no email address"):
        recovery.plan_recovery(params(method="email", email_stage="x"), dict(USER, email="  "), STAGE, True)


def test_the_release_is_asked_only_when_it_matters():
    assert recovery.needs_release(params()) is False
    assert recovery.needs_release(params(token_duration="days=1")) is True
    assert recovery.needs_release(params(method="email", email_stage="x")) is True


def test_stage_references_in_authentiks_spelling():
    assert params(email_stage=" %s " % STAGE["pk"].upper())["email_stage"] == STAGE["pk"]
    assert params(email_stage=" recovery-email ")["email_stage"] == "recovery-email"


@pytest.mark.parametrize("message,hint", [
    ("POST x returned HTTP 400: No recovery flow set.", "set a recovery flow on the brand"),
    ("POST x returned HTTP 400: Email stage not found.", "the email stage is unknown"),
    ("POST x returned HTTP 400: something else", None),
])
def test_refusal_hints(message, hint):
    found = recovery.refusal_hint(message)
    assert found == hint or (hint and hint in found)


@given(values=st.fixed_dictionaries({}, optional=dict(
    (option, anything()) for option in ("username", "pk", "method", "email_stage", "token_duration"))))
def test_any_params_are_refused_or_planned(values):
    wanted = recovery.normalize_recovery_params(dict(dict(username="jdoe", method="link"), **values))
    try:
        recovery.validate_recovery_params(wanted)
    except ValidationError as error:
        assert error.msg.startswith("Invalid ")
        return
    try:
        plan = recovery.plan_recovery(wanted, USER, STAGE, True)
    except ValidationError as error:
        assert "nothing was sent" in error.msg
        return
    assert plan.method == (wanted.get("method") or "link")
