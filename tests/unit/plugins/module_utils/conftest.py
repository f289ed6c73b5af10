"""Fixtures for the tests of plugins/module_utils: a client of the local server, a fake client that records the
requests it is sent, and builders of server objects as authentik returns them."""

import copy
import uuid

import pytest

from ansible_collections.akops.authentik.plugins.module_utils.api import Client
from tests.unit.plugins.module_utils import django_oracle


@pytest.fixture
def client(authentik):
    """A Client of the local server in its seed state; no retries, so every request shows in authentik.requests."""
    return Client(authentik.url, authentik.token, timeout=5, retries=0)


# ---------------------------------------------------------------- a fake client at the one seam


class FakeClient(object):
    """Stands in for api.Client: records each request as (method, path, body or query) and answers from a script.

    answer(method, path, *answers) queues answers for a request; the last one repeats. An answer that is an
    exception is raised. A request nobody scripted fails the test, except the calls that answer 204 with no body
    (DELETE, set_password, add_user, remove_user), which answer None."""

    base_url = "https://authentik.example.com/api/v3"
    retries = 0
    NO_CONTENT = ("set_password/", "add_user/", "remove_user/")

    def __init__(self):
        self.requests = []
        self._answers = {}

    def answer(self, method, path, *answers):
        self._answers.setdefault((method, path), []).extend(answers)
        return self

    def _request(self, method, path, payload):
        self.requests.append((method, path, copy.deepcopy(payload)))
        queue = self._answers.get((method, path))
        if not queue:
            if method == "DELETE" or (method == "POST" and path.endswith(self.NO_CONTENT)):
                return None
            raise AssertionError("unexpected request %s %s" % (method, path))
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return copy.deepcopy(answer)

    def get(self, path, query=None, expected=(200,)):
        return self._request("GET", path, query)

    def get_page(self, path, query=None):
        return self._request("GET", path, query)

    def paginate(self, path, query=None, first=None):
        return iter(self._request("GET", path, query)["results"])

    def post(self, path, body=None, expected=(200, 201, 204), retry=False):
        return self._request("POST", path, body)

    def patch(self, path, body, expected=(200,)):
        return self._request("PATCH", path, body)

    def delete(self, path, expected=(204,)):
        return self._request("DELETE", path, None)

    def wait(self, attempt, retry_after=None):
        pass

    @property
    def writes(self):
        return [request for request in self.requests if request[0] != "GET"]


@pytest.fixture
def fake():
    return FakeClient()


# ---------------------------------------------------------------- server objects


def group_uuid(number):
    return str(uuid.UUID(int=number))


def build_user(**fields):
    """A user as GET /core/users/{pk}/ returns it (2026.2); groups_obj follows `groups` unless given."""
    user = {"pk": 7, "username": "jdoe", "name": "Jane", "is_active": True, "last_login": None,
            "is_superuser": False, "groups": [], "email": "", "attributes": {}, "path": "users",
            "type": "internal", "uuid": str(uuid.UUID(int=99))}
    user.update(fields)
    if "groups_obj" not in fields:
        user["groups_obj"] = [{"pk": pk, "num_pk": 1, "name": "group-%s" % pk[-4:], "is_superuser": False,
                               "attributes": {}} for pk in user["groups"]]
    return user


def build_group(shape="parents", parents=(), **fields):
    """A group as authentik returns it: shape 'parents' (2025.12 and later: a list, parents_obj) or 'parent'
    (before: one UUID or None, parent_name). `parents` are (uuid, name) pairs."""
    group = {"pk": group_uuid(500), "num_pk": 500, "name": "team", "is_superuser": False, "attributes": {},
             "users": [], "users_obj": []}
    if shape == "parents":
        group["parents"] = [pk for pk, name in parents]
        group["parents_obj"] = [{"pk": pk, "name": name, "is_superuser": False, "attributes": {}}
                                for pk, name in parents]
    else:
        group["parent"] = parents[0][0] if parents else None
        group["parent_name"] = parents[0][1] if parents else None
    group.update(fields)
    if "users_obj" not in fields:
        group["users_obj"] = [{"pk": pk, "username": "user%d" % pk} for pk in group["users"]]
    return group


@pytest.fixture(scope="session")
def make_user():
    return build_user


@pytest.fixture(scope="session")
def make_group():
    return build_group


@pytest.fixture(scope="module")
def oracle():
    """Django and DRF as authentik runs them (see django_oracle.py); the test is skipped, saying why, when no
    Python 3.13 is found to run them."""
    shared, reason = django_oracle.shared()
    if shared is None:
        pytest.skip(reason)
    return shared
