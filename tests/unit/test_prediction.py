"""Property: what check mode predicts is what the server returns after the real PATCH (local server)."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.akops.authentik.plugins.module_utils import compare, resources, users
from ansible_collections.akops.authentik.plugins.module_utils.api import Client
from tests.server.authentik_server import AuthentikServer

TOKEN = "prediction-token-1"
SERVER_SET_ON_WRITE = ("last_updated", "password_change_date")
names = itertools.count()


@pytest.fixture(scope="module")
def env():
    srv = AuthentikServer(token=TOKEN).start()
    groups = [srv.add_group(name="g%d" % n, is_superuser=(n == 0)) for n in range(4)]
    yield srv, Client(srv.url, TOKEN, retries=0), dict((group["pk"], group) for group in groups)
    srv.stop()


def comparable(user):
    user = dict((key, value) for key, value in user.items() if key not in SERVER_SET_ON_WRITE)
    user["groups"] = sorted(user["groups"])
    user["groups_obj"] = sorted(user["groups_obj"], key=lambda group: group["pk"])
    return user


small_values = st.none() | st.integers(0, 3)
attributes = st.dictionaries(st.sampled_from(["a", "b", "settings"]),
                             small_values | st.dictionaries(st.sampled_from(["x", "y"]), small_values),
                             max_size=3)
desired = st.fixed_dictionaries({}, optional={
    "name": st.sampled_from(["", "Jane", "Jane Doe"]),
    "email": st.sampled_from(["", "j@example.com"]),
    "is_active": st.booleans(),
    "path": st.sampled_from(["users", "staff/berlin"]),
    "type": st.sampled_from(list(users.USER_TYPES)),
    "last_login": st.sampled_from(["2024-05-01T10:00:17.885Z", "2024-05-01T12:00:00+02:00"]),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scalars=desired, current_attrs=attributes, requested_attrs=attributes,
       attrs_mode=st.sampled_from(["merge", "replace"]), start=st.sets(st.integers(0, 3)),
       requested=st.sets(st.integers(0, 3)), mode=st.sampled_from(["add", "remove", "exact"]))
def test_check_mode_prediction_equals_the_servers_answer(env, scalars, current_attrs, requested_attrs, attrs_mode,
                                                         start, requested, mode):
    srv, client, group_info = env
    pks = sorted(group_info)
    created = srv.add_user(username="u%d" % next(names), name="N", attributes=compare.merge_patch({}, current_attrs),
                           groups=[pks[n] for n in start])
    current = resources.find_user(client, pk=created["pk"])
    wanted_attrs = compare.desired_attributes(current["attributes"], requested_attrs, attrs_mode)
    targets = compare.target_set(current["groups"], [pks[n] for n in requested], mode)
    patch = users.build_patch(current, scalars, wanted_attrs, targets)
    predicted = users.apply_patch(current, patch, group_info)
    if not patch:
        assert predicted == current
        return
    answer = resources.update_user(client, current["pk"], patch)
    assert comparable(predicted) == comparable(answer)
    assert users.build_patch(answer, scalars, compare.desired_attributes(answer["attributes"], requested_attrs,
                                                                         attrs_mode),
                             compare.target_set(answer["groups"], [pks[n] for n in requested], mode)) == {}
