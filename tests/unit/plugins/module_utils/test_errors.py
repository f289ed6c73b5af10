"""plugins/module_utils/errors.py: one readable line for a person, the details in separate keys."""

import pytest

from ansible_collections.akops.authentik.plugins.module_utils import errors
from ansible_collections.akops.authentik.plugins.module_utils.errors import (
    ApiError,
    AuthentikError,
    InvalidResponseError,
    NotAListError,
    RedirectError,
    TransportError,
    ValidationError,
)


def test_note_keeps_the_message_on_one_line():
    error = ValidationError("Invalid email: bad")
    error.note("in the entry for 'jdoe'")
    assert error.msg == str(error) == "Invalid email: bad; in the entry for 'jdoe'"
    assert error.to_fail_json() == {"msg": "Invalid email: bad; in the entry for 'jdoe'"}


def test_an_error_after_some_writes_reports_changed():
    error = AuthentikError("failed")
    error.changed = True
    assert error.to_fail_json() == {"msg": "failed", "changed": True}


def test_api_error_carries_the_request_and_the_answer():
    error = ApiError("PATCH", "/api/v3/core/users/4/", 400, {"username": ["This field must be unique."]})
    assert error.msg == "PATCH /api/v3/core/users/4/ returned HTTP 400: username: This field must be unique."
    assert error.to_fail_json() == {"msg": error.msg, "status": 400,
                                    "body": {"username": ["This field must be unique."]}}
    assert (error.method, error.path, error.transient, error.unprocessed) == ("PATCH", "/api/v3/core/users/4/",
                                                                              False, False)


@pytest.mark.parametrize("status, transient, unprocessed", [
    (429, True, True), (500, True, False), (502, True, False), (503, True, False), (504, True, False),
    (400, False, False), (404, False, False), (501, False, False),
])
def test_which_statuses_are_transient(status, transient, unprocessed):
    error = ApiError("GET", "/api/v3/core/users/", status, None)
    assert (error.transient, error.unprocessed) == (transient, unprocessed)


@pytest.mark.parametrize("status, body, text", [
    (403, {"detail": "Token invalid/expired"}, errors.FORBIDDEN_HINT + " (Token invalid/expired)"),
    (403, None, errors.FORBIDDEN_HINT + " (no detail)"),
    (404, {"detail": "Not found."}, "Not found."),
    (404, "<h1>Not Found</h1>",
     "not found, and the answer is not authentik's JSON (check api_url): <h1>Not Found</h1>"),
    (404, None, "not found, and the answer is not authentik's JSON (check api_url)"),
    (400, {}, "no error detail in the response"),
    (400, {"path": ["No leading or trailing slashes allowed."], "non_field_errors": ["x"], "detail": "y"},
     "path: No leading or trailing slashes allowed.; x; y"),
    (400, ["first", "second"], "first; second"),
    (500, "<html>\n  <h1>Server   Error</h1>\n</html>", "<html> <h1>Server Error</h1> </html>"),
])
def test_explain(status, body, text):
    assert errors.explain(status, body) == text


def test_server_messages_cut_a_long_page():
    assert errors.server_messages("x" * 300) == "x" * 200 + "..."
    assert errors.server_messages({"groups": ["a", "b"], "n": 5}) == "groups: a; b; n: 5"
    assert errors.server_messages("") == "" and errors.server_messages(None) == ""


@pytest.mark.parametrize("body, what, transient", [
    (None, "an empty body", True),
    ('{"pk": 1, "user', "a cut-off JSON body", True),
    ([1, 2], "JSON that is not an object (expected authentik's JSON API; check api_url)", False),
    ("<html>login</html>", "a body that is not JSON (expected authentik's JSON API; check api_url): <html>login</html>",
     False),
])
def test_invalid_response(body, what, transient):
    error = InvalidResponseError("GET", "/api/v3/core/users/", 200, body)
    assert error.msg == str(error) == "GET /api/v3/core/users/ returned HTTP 200 with %s" % what
    assert error.transient is transient


def test_not_a_list_names_api_url():
    error = NotAListError("GET", "/api/v3/core/users/", 200, {}, "https://h/api/v3")
    assert error.msg == ("GET /api/v3/core/users/ returned HTTP 200 with JSON that is not authentik's list answer "
                         "(no results/pagination); check api_url (https://h/api/v3)")
    assert error.transient is False


def test_redirect_names_the_target_and_is_never_retried():
    error = RedirectError("GET", "/api/v3/core/users/", 302, "https://login.example.com/")
    assert error.msg.startswith("GET /api/v3/core/users/ was redirected (HTTP 302) to https://login.example.com/; ")
    assert error.transient is False and error.to_fail_json()["status"] == 302


def test_transport_error():
    error = TransportError("POST", "/api/v3/core/users/", "could not connect: refused")
    assert error.msg == "POST /api/v3/core/users/ failed: could not connect: refused"
    assert error.transient is True and error.unprocessed is False
    assert error.to_fail_json() == {"msg": error.msg}
