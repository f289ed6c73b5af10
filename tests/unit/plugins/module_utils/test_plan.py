"""plugins/module_utils/plan.py: the Plan every planner returns, and the helpers shared by every resource."""

import pytest

from ansible_collections.akops.authentik.plugins.module_utils.plan import (
    ACTIONS,
    Plan,
    plan_delete,
    plan_diff,
    state_diff,
    write_action,
)

BEFORE = {"pk": 7, "username": "jdoe", "name": "Jane"}
PREDICTED = {"pk": 7, "username": "jdoe", "name": "Jane Doe"}


DEFAULT = object()


def plan(action, before=DEFAULT, body=None, calls=(), predicted=DEFAULT):
    """A user plan; `before` and `predicted` default to BEFORE and PREDICTED."""
    return Plan("user", action, BEFORE if before is DEFAULT else before, body, calls, [],
                PREDICTED if predicted is DEFAULT else predicted)


def test_fields_in_order():
    assert Plan._fields == ("resource", "action", "before", "body", "calls", "changed_fields", "predicted")
    assert ACTIONS == ("create", "update", "delete", "none")


@pytest.mark.parametrize("action, changed", [("create", True), ("update", True), ("delete", True), ("none", False)])
def test_changed_is_any_action_but_none(action, changed):
    assert plan(action).changed is changed


def test_pk_is_the_pk_of_the_object_as_read():
    assert plan("update").pk == 7
    assert plan("create", before=None).pk is None
    assert Plan("group", "update", {"pk": "a-uuid"}, {}, (), [], {}).pk == "a-uuid"


def test_calls_named_keeps_the_order_and_the_arguments():
    calls = (("add_user", 3), ("remove_user", 1), ("add_user", 2), ("set_password", None))
    subject = plan("update", calls=calls)
    assert subject.calls_named("add_user") == [3, 2]
    assert subject.calls_named("remove_user") == [1]
    assert subject.calls_named("set_password") == [None]
    assert subject.calls_named("nothing") == []


def test_a_plan_is_immutable_data():
    subject = plan("update")
    with pytest.raises(AttributeError):
        subject.action = "none"
    with pytest.raises(AttributeError):
        subject.extra = 1
    assert subject._replace(action="none").changed is False


def test_plan_delete_of_an_existing_object():
    assert plan_delete("group", BEFORE) == Plan("group", "delete", BEFORE, None, (), ["state"], {})


def test_plan_delete_of_nothing_is_no_change():
    subject = plan_delete("user", None)
    assert subject == Plan("user", "none", None, None, (), [], {})
    assert subject.changed is False and subject.pk is None


@pytest.mark.parametrize("before, body, calls, action", [
    (None, {}, (), "create"),
    (None, {"username": "n"}, (("set_password", None),), "create"),
    (BEFORE, {"name": "x"}, (), "update"),
    (BEFORE, {}, (("set_password", None),), "update"),
    (BEFORE, None, (("add_user", 3),), "update"),
    (BEFORE, {}, (), "none"),
    (BEFORE, None, (), "none"),
])
def test_write_action(before, body, calls, action):
    assert write_action(before, body, calls) == action


def test_state_diff_names_the_object():
    assert state_diff(plan("delete"), "username") == {
        "before": {"username": "jdoe", "state": "present"}, "after": {"username": "jdoe", "state": "absent"}}


def views():
    return (lambda obj: {"before": obj}), (lambda obj: {"after": obj})


def test_plan_diff_of_a_deletion_is_a_change_of_state():
    before_view, after_view = views()
    assert plan_diff(plan("delete"), before_view, after_view, "name") == {
        "before": {"name": "Jane", "state": "present"}, "after": {"name": "Jane", "state": "absent"}}


def test_plan_diff_of_nothing_to_delete_is_empty():
    before_view, after_view = views()
    assert plan_diff(plan_delete("user", None), before_view, after_view, "username") == {"before": {}, "after": {}}


@pytest.mark.parametrize("action", ["create", "update", "none"])
def test_plan_diff_draws_the_prediction_with_the_two_views(action):
    before = None if action == "create" else BEFORE
    before_view, after_view = views()
    assert plan_diff(plan(action, before=before), before_view, after_view, "username") == {
        "before": {"before": before}, "after": {"after": PREDICTED}}


def test_plan_diff_draws_the_servers_answer_when_given():
    before_view, after_view = views()
    answer = {"pk": 7, "username": "jdoe", "name": "Jane Doe", "last_updated": "now"}
    assert plan_diff(plan("update"), before_view, after_view, "username", answer)["after"] == {"after": answer}
