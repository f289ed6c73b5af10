"""A local stand-in for the authentik REST API (core users and groups, RBAC roles and permissions, tokens,
service accounts and recovery links).

Start it in-process with AuthentikServer, or out of process with
`python -m tests.server`. Besides /api/v3 it serves unauthenticated control
routes under /_test/ so tests running in another process can read the request
log, reset the state, inject faults and start chaos.
"""

import collections
import copy
import importlib
import json
import re
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import api, faults, fields, latency as latency_profile, rbac, recovery, tokens
from .state import USER_TYPES, ApiError, ServerError, Store, verify_password
from .token_store import RecoverySetup, is_expired
from .versions import DEFAULT as DEFAULT_VERSION
from .versions import Version

MASK = "********"
# Request fields whose values never reach the log: passwords and token keys (set_key).
SECRET_FIELDS = ("password", "key")
# Distinguishes "not given" (use the emulated release's sizes) from None (no cap).
FROM_VERSION = object()
USERS_PATH = "/api/v3/core/users/"


def _compile(routes):
    return [(re.compile(pattern + r"\Z"), methods) for pattern, methods in routes]


class AuthentikServer:
    """authentik users/groups/RBAC API on a loopback port, as of `version` (default 2026.2.2).

    version is "YYYY.M" from 2023.1; see versions.py for what changes. Page sizes
    follow the release (20/100 from 2025.12, 100/no cap before) unless given;
    page_size_max=None means no cap. ssl_context (a server-side ssl.SSLContext)
    serves HTTPS instead of HTTP.

    validate=True checks every request and response against the authentik-client
    models and fills each log entry's unknown_fields and schema_errors. Loading
    those models takes seconds, so they are imported only then; with
    validate=False both lists stay empty (except for server errors).

    latency (a latency.Latency, e.g. latency.DEFAULT_LATENCY) makes every request
    but the /_test/ ones wait before the answer as a real server across a
    network would; each log entry then has the "delay" in seconds, and at most
    `concurrency` requests are served at once (the others wait their turn).
    sleep replaces time.sleep for those waits (tests). Without latency neither
    applies.
    """

    def __init__(self, token, page_size_default=None, page_size_max=FROM_VERSION, host="127.0.0.1", port=0,
                 version=DEFAULT_VERSION, ssl_context=None, validate=True, latency=None,
                 concurrency=latency_profile.DEFAULT_CONCURRENCY, sleep=time.sleep):
        self.token = token
        self.validate = validate
        if latency is not None and not isinstance(latency, latency_profile.Latency):
            raise ValueError(f"latency must be a Latency, got {latency!r}")
        self.latency = latency
        self.concurrency = latency_profile.check_concurrency(concurrency)
        # The request slots of a real deployment's workers; without a profile nothing waits for them.
        self.slots = threading.BoundedSemaphore(concurrency) if latency is not None else None
        self.sleep = sleep
        # Imported here, not at module level: authentik_client and pydantic dominate the start-up time.
        self.schema = importlib.import_module(".schema", __package__) if validate else None
        self.version = Version(version)
        default_size, max_size = self.version.page_sizes()
        self.settings = {
            "page_size_default": default_size if page_size_default is None else page_size_default,
            "page_size_max": max_size if page_size_max is FROM_VERSION else page_size_max,
        }
        self.store = Store(self.version)
        # The token, service account and recovery routes come first: service_account/ is not a user pk.
        self.routes = _compile(tokens.routes(self.version) + recovery.routes(self.version) + api.ROUTES
                               + rbac.routes(self.version))
        self.owner_pk = self.store.seed()["pk"]
        self.faults = faults.FaultQueue()
        self._log = []
        self._log_lock = threading.Lock()
        self._httpd = _QuietServer((host, port), _make_handler(self))
        self._httpd.daemon_threads = True
        self._tls = ssl_context is not None
        if self._tls:
            # The handshake runs in the handler thread, so a stalled client cannot block accept().
            self._httpd.socket = ssl_context.wrap_socket(self._httpd.socket, server_side=True,
                                                         do_handshake_on_connect=False)
        # What request.build_absolute_uri() starts with (recovery links).
        self.settings["external_url"] = self.url
        self._thread = None

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self):
        host, port = self._httpd.server_address[:2]
        return f"{'https' if self._tls else 'http'}://{host}:{port}"

    def start(self):
        # A short poll interval keeps stop() quick.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        name="authentik-server", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        """Serve on the calling thread until stop() is called from another one."""
        self._httpd.serve_forever(0.05)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def fresh(self):
        """Back to the seed state with an empty request log, as each test wants it."""
        self.reset()
        self.clear_requests()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def reset(self):
        """Back to the seed state with no faults queued (the request log is kept; see clear_requests)."""
        self.faults.clear()
        self.owner_pk = self.store.seed()["pk"]

    # --------------------------------------------------------------- faults

    def inject(self, fault, count=1, match=None, **options):
        """Queue `fault` for the next `count` /api/v3 requests matching `match`.

        match: {"method": "POST", "path_prefix": "/core/users/"} (both optional;
        a prefix not starting with /api/v3 is taken relative to it). Faults and
        options: status (status=429|500|502|503|504, retry_after=seconds),
        reset, slow (delay=seconds), html, empty, truncated; every fault takes
        process=bool. hold (timeout=seconds, default 30) answers nothing until
        all `count` matching requests have arrived, then processes them
        together; under a latency profile, `count` must not exceed the
        concurrency. Returns the queued fault as a dict.
        """
        queued = faults.Fault(fault, count=count, match=match, **options)
        self.faults.add(queued)
        return queued.describe()

    def clear_faults(self):
        """Drop the queued faults and stop chaos."""
        self.faults.clear()

    def chaos(self, rate=0.05, seed=1234, kinds=faults.CHAOS_DEFAULT_KINDS, retry_after=1, match=None):
        """Fail each /api/v3 request matching `match` (as inject's) with probability `rate`, until stopped.

        The kind is drawn from `kinds` with the same generator, seeded with `seed`: "429" (Retry-After of
        `retry_after` seconds), "502" and "503" (a proxy's answers) and "reset" leave the request unprocessed;
        "lost" processes it and then resets the connection, so the answer is lost. Queued faults come first. The log
        entries are those of the queued faults plus "chaos": True. rate=0, clear_faults() and reset() stop it.
        Returns the settings as a dict, or None when stopped."""
        chaos = faults.Chaos(rate, seed, kinds, retry_after, match)
        self.faults.chaos = chaos if chaos.rate > 0 else None
        return self.faults.chaos.describe() if self.faults.chaos else None

    # ------------------------------------------------------------------ log

    @property
    def requests(self):
        with self._log_lock:
            return copy.deepcopy(self._log)

    def clear_requests(self):
        with self._log_lock:
            self._log.clear()

    def record(self, entry):
        with self._log_lock:
            self._log.append(entry)

    def successful_creates(self):
        """{username: count} of the POST /api/v3/core/users/ that created a user, by the request body's username.

        A create counts when its effective status is 201: processed_status when a fault hid the answer (so a
        "lost" one counts), else status. More than 1 for a name means it was created more than once."""
        counts = collections.Counter()
        with self._log_lock:
            for entry in self._log:
                status = entry.get("processed_status", entry["status"])
                body = entry["body"]
                if (entry["method"], entry["path"], status) == ("POST", USERS_PATH, 201) and isinstance(body, dict):
                    # As the serializer's CharField made it: a created user's name is the text, trimmed.
                    counts[str(body.get("username")).strip()] += 1
        return dict(counts)

    # -------------------------------------------------------- test helpers

    def add_user(self, username, name=None, email="", groups=(), attributes=None, path="users",
                 type="internal", is_active=True, last_login=None):  # noqa: A002 - mirrors the API field name
        """Create a user as POST /core/users/ validates it; returns the User JSON."""
        with self.store.lock:
            return self.store.user_json(self._insert_user(username, name, email, groups, attributes, path, type,
                                                          is_active, last_login))

    def add_users(self, users):
        """add_user for each dict of add_user's keyword arguments, under one lock and without rendering the users
        (fast seeding). Returns the new pks; an invalid one raises ApiError, keeping those before it."""
        with self.store.lock:
            return [self._insert_user(**user)["pk"] for user in users]

    def _insert_user(self, username, name=None, email="", groups=(), attributes=None, path="users",
                     type="internal", is_active=True, last_login=None):  # noqa: A002 - mirrors the API field name
        data = {"username": username, "name": username if name is None else name, "email": email,
                "groups": list(groups), "attributes": attributes or {}, "path": path,
                "is_active": is_active, "last_login": last_login}
        cleaned = self.store.validate_user(data)
        # Fixtures may seed internal service accounts, which the API refuses to create.
        cleaned["type"] = fields.choice(type, USER_TYPES)
        return self.store.insert_user(cleaned)

    def set_user_fields(self, username, /, **changes):
        """Change a user's fields as PATCH /core/users/{pk}/ validates them (e.g. name="x", is_active=False), without
        a request in the log; username=... renames. Returns the User JSON; KeyError for an unknown username."""
        with self.store.lock:
            user = self.store.user_by_username(username)
            if user is None:
                raise KeyError(f"no user {username!r}")
            self.store.update_user(user, self.store.validate_user(changes, instance=user, partial=True))
            return self.store.user_json(user)

    def add_group(self, name, is_superuser=False, attributes=None, parent=None):
        data = {"name": name, "is_superuser": is_superuser, "attributes": attributes or {}}
        if self.version.multiple_parents:
            data["parents"] = [parent] if parent else []
        else:
            data["parent"] = parent
        with self.store.lock:
            return self.store.group_json(self.store.insert_group(self.store.validate_group(data)))

    def get_user(self, pk):
        with self.store.lock:
            user = self.store.users.get(pk)
            return self.store.user_json(user) if user else None

    def find_user(self, username):
        with self.store.lock:
            user = self.store.user_by_username(username)
            return self.store.user_json(user) if user else None

    # roles (RBAC): the same records the API serves, for arranging and checking tests

    def add_role(self, name, permissions=(), object_permissions=(), users=(), groups=()):
        """Create a role as POST /rbac/roles/ would, then give it permissions and holders.

        permissions: "app_label.codename" strings, assigned globally. object_permissions: (permission,
        model label, object pk) triples, e.g. ("authentik_core.view_user", "authentik_core.user", 5).
        users (2025.12+): user pks holding the role directly; groups: group UUIDs (one group before 2025.12).
        Returns the Role JSON {"pk", "name"}."""
        if not self.version.rbac:
            raise ValueError("roles exist from authentik 2023.10 on")
        with self.store.lock:
            role = self.store.insert_role(self.store.validate_role({"name": name}))
            self._grant(role, permissions, object_permissions)
            for pk in users:
                self.assign_role_to_user(pk, role["uuid"])
            for group_uuid in groups:
                self.assign_role_to_group(group_uuid, role["uuid"])
            return self.store.role_json(role)

    def grant(self, role, permissions=(), object_permissions=()):
        """Assign more permissions to the role (name or UUID), as assigned_by_roles/{uuid}/assign/ does."""
        with self.store.lock:
            self._grant(self._role(role), permissions, object_permissions)

    def _grant(self, role, permissions, object_permissions):
        if permissions:
            self.store.assign_permissions(role, list(permissions), None)
        for perm, label, object_pk in object_permissions:
            found = self.store.find_object(label, object_pk)
            if found is None:
                raise ValueError(f"no {label} with pk {object_pk!r} in this server")
            self.store.assign_permissions(role, [perm], (label, found[0]))

    def _role(self, role):
        """A role record by name or UUID."""
        with self.store.lock:
            for record in self.store.roles.values():
                if role in (record["name"], record["uuid"]):
                    return record
        raise KeyError(f"no role {role!r}")

    def find_role(self, name):
        """The Role JSON {"pk", "name"} of the role with this name, or None."""
        with self.store.lock:
            for role in self.store.roles.values():
                if role["name"] == name:
                    return self.store.role_json(role)
        return None

    def role_permissions(self, role):
        """What the role (name or UUID) holds: {"global": sorted "app_label.codename" strings,
        "object": sorted ("app_label.codename", object_pk) pairs}."""
        with self.store.lock:
            record = self._role(role)
            return {
                "global": sorted(f"{row['app_label']}.{row['codename']}"
                                 for _i, row in self.store.role_model_permissions(record)),
                "object": sorted((f"{row['app_label']}.{row['codename']}", pk)
                                 for _i, row, pk in self.store.role_object_permissions(record)),
            }

    def role_members(self, role):
        """Usernames holding the role directly and names of the groups that have it, both sorted."""
        with self.store.lock:
            record = self._role(role)
            return {
                "users": sorted(u["username"] for u in self.store.role_users(record)),
                "groups": sorted(g["name"] for g in self.store.groups.values() if record["uuid"] in g["roles"]),
            }

    def assign_role_to_user(self, user_pk, role):
        """Give a user the role (name or UUID) directly, as add_user does (2025.12 and later)."""
        if not self.version.user_roles:
            raise ValueError("users hold roles directly only from authentik 2025.12 on")
        with self.store.lock:
            held = self.store.users[user_pk]["roles"]
            key = self._role(role)["uuid"]
            if key not in held:
                held.append(key)

    def assign_role_to_group(self, group_uuid, role):
        """Add the role (name or UUID) to a group's roles; before 2025.12 this fails as the API does when
        another group has it (ApiError 400)."""
        with self.store.lock:
            group = self.store.groups[group_uuid]
            key = self._role(role)["uuid"]
            if key not in group["roles"]:
                self.store.validate_group({"roles": group["roles"] + [key]}, instance=group, partial=True)
                group["roles"].append(key)

    def managed_role(self, user_pk=None, group_uuid=None, create=True):
        """authentik's get_managed_role(): ak-managed-role--user-<pk> (or --group-<uuid>), created on demand
        and added to the holder's roles (2025.12 and later). Returns the Role JSON, or None."""
        with self.store.lock:
            if user_pk is not None:
                role = self.store.managed_role("user", self.store.users[user_pk], create)
            else:
                role = self.store.managed_role("group", self.store.groups[group_uuid], create)
            return self.store.role_json(role) if role else None

    def check_password(self, username, password):
        with self.store.lock:
            user = self.store.user_by_username(username)
            return bool(user) and verify_password(password, user["password"])

    # tokens and recovery: the same records the API serves (API-lifecycle.md sections 3 to 5)

    def add_token(self, identifier, user=None, intent="api", key=None, expires=None, expiring=True,
                  description="", managed=None):
        """Store a token as Token.objects.create() does, without the API's rules: any intent, and intent api keeps
        the given `expires` (a datetime or an ISO string), so tests can arrange expired tokens. An expiring token
        without `expires` gets now + default_token_duration. user: pk or username (default: akadmin, the owner
        of the server's own token); key: generated when not given. Returns the Token JSON (no key: token_key)."""
        if isinstance(expires, str):
            expires = fields.parse_datetime(expires)
        with self.store.lock:
            if self.store.tokens.get(identifier) is not None:
                raise ValueError(f"a token {identifier!r} already exists")
            token = self.store.tokens.insert({
                "identifier": identifier, "user": self._user_pk(user), "intent": intent, "key": key,
                "expires": expires, "expiring": expiring, "description": description, "managed": managed,
            })
            return tokens.token_json(self.store, token)

    def _user_pk(self, user):
        if user is None:
            return self.owner_pk
        for record in self.store.users.values():
            if user in (record["pk"], record["username"]):
                return record["pk"]
        raise KeyError(f"no user {user!r}")

    def find_token(self, identifier):
        """The Token JSON of the token with this identifier (as the API shows it: no key), or None."""
        with self.store.lock:
            token = self.store.tokens.get(identifier)
            return tokens.token_json(self.store, token) if token else None

    def token_key(self, identifier):
        """The stored key of the token with this identifier, or None."""
        with self.store.lock:
            token = self.store.tokens.get(identifier)
            return token["key"] if token else None

    def configure_recovery(self, flow="default-recovery-flow", email_stages=(), inapplicable_users=()):
        """Set the brand's recovery flow (its slug; None means none, the state after reset()), the email stages
        (by name) and the users (pks or usernames) whose recovery the flow's policies refuse. Replaces the previous
        setup and forgets the emails sent. Returns {"flow": slug, "email_stages": {name: stage UUID}}."""
        with self.store.lock:
            refused = [self._user_pk(user) for user in inapplicable_users]
            setup = RecoverySetup(flow, email_stages, refused)
            self.store.tokens.recovery = setup
            return {"flow": setup.flow, "email_stages": setup.stage_pks()}

    @property
    def recovery_emails(self):
        """The recovery emails sent so far, oldest first: {"to", "user", "username", "email_stage", "stage_name",
        "link", "token" (the FlowToken's identifier), "expires"}."""
        with self.store.lock:
            return copy.deepcopy(self.store.tokens.recovery.sent)

    # ------------------------------------------------------------- requests

    def authenticate(self, header):
        """authentik's TokenAuthentication; returns the owner or raises 403."""
        credentials = (header or "").strip()
        if credentials == "" or " " not in credentials:
            raise ApiError(403, {"detail": "Authentication credentials were not provided."})
        scheme, key = credentials.split(" ", 1)
        if scheme.lower() != "bearer":
            raise ApiError(403, {"detail": "Unsupported authentication type"})
        owner = self.store.users.get(self.owner_pk) if key == self.token else self._api_token_owner(key)
        if owner is None or not owner["is_active"]:
            raise ApiError(403, {"detail": "Token invalid/expired"})
        return owner

    def _api_token_owner(self, key):
        """Besides the fixed test token: the owner of a stored token with intent api that has not expired
        (Token.filter_not_expired(key=..., intent=api) in api/authentication.py; API.md section 2). App passwords,
        recovery and verification tokens are refused (API-lifecycle.md section 0, fact 7)."""
        token = self.store.tokens.find_by_key(key)
        if token is None or token["intent"] != "api" or is_expired(token):
            return None
        return self.store.users.get(token["user"])

    def scrub(self, value):
        """Mask passwords, token keys and anything equal to the token before logging."""
        if isinstance(value, dict):
            return {k: MASK if k in SECRET_FIELDS else self.scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        if isinstance(value, str) and self.token and self.token in value:
            return value.replace(self.token, MASK)
        return value


def _make_handler(server):
    class Handler(_Handler):
        pass

    Handler.server_api = server
    return Handler


class _QuietServer(ThreadingHTTPServer):
    """Clients that vanish (timeouts, failed TLS handshakes) are expected here, not errors."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Thin HTTP adapter; all behaviour lives in api.py, listing.py and state.py."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's delayed ACK
    # (about 40 ms on Linux) on a keep-alive connection, which would swamp any latency profile.
    disable_nagle_algorithm = True
    server_api = None
    # What the API did for the current request, for the latency profile: (wrote, objects listed), None if it was
    # not reached.
    _work = None

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, *args):
        """Quiet: the request log is the record."""

    def _dispatch(self):
        split = urlsplit(self.path)
        raw = self._raw_body()
        if split.path.startswith("/_test/"):
            self._control(split.path, raw)
            return
        slots = self.server_api.slots
        if slots is None:
            self._serve(split, raw)
            return
        # A real deployment has a fixed pool of worker threads; a request waits for a free one.
        with slots:
            self._serve(split, raw)

    def _serve(self, split, raw):
        # One handler serves every request of a keep-alive connection: what the last one did must not count.
        self._work = None
        query = parse_qs(split.query, keep_blank_values=True)
        entry = {"method": self.command, "path": split.path, "query": query, "body": None,
                 "status": None, "unknown_fields": [], "schema_errors": []}
        fault = self.server_api.faults.take(self.command, split.path) if split.path.startswith("/api/v3") else None
        if fault is not None:
            self._faulted(fault, split.path, query, raw, entry)
            return
        status, body, headers = self._handle(split.path, query, raw, entry)
        self._record(entry, status)
        self._send(status, body, headers)

    def _record(self, entry, status):
        """Log the request, then take as long as the latency profile says the answer takes (never under the store
        lock, which no caller holds)."""
        srv = self.server_api
        delay = None
        if srv.latency is not None:
            wrote, objects = self._work or (False, 0)
            delay = entry["delay"] = srv.latency.delay(objects, wrote)
        entry["status"] = status
        entry["query"] = srv.scrub(entry["query"])
        entry["body"] = srv.scrub(entry["body"])
        srv.record(entry)
        if delay:
            srv.sleep(delay)

    # -------------------------------------------------------------- faults

    def _faulted(self, fault, path, query, raw, entry):
        """Answer with the fault; process the request first when the fault says so."""
        entry["fault"] = fault.name
        if fault.chaos:
            entry["chaos"] = True
        if fault.name == "hold" and not fault.hold():
            entry["hold_timed_out"] = True
        if fault.name == "slow" and not fault.process:
            # Unprocessed and slow: the change lands only after the client has given up.
            time.sleep(fault.delay)
        real = None
        if fault.process or fault.name == "slow":
            real = self._handle(path, query, raw, entry)
            entry["processed_status"] = real[0]
        elif fault.name == "truncated":
            real = self._dry_run(path, query, raw, entry)
        else:
            entry["body"] = _body_for_log(self.headers, raw)
        if fault.name == "reset":
            self._record(entry, None)
            self._reset_connection()
            return
        status, headers, payload = _fault_response(fault, real)
        self._record(entry, status)
        if fault.name == "slow" and fault.process:
            time.sleep(fault.delay)
        self._write(status, headers, payload)

    def _dry_run(self, path, query, raw, entry):
        """Produce the real response without keeping its changes, for unprocessed truncation."""
        store = self.server_api.store
        with store.lock:
            saved = store.snapshot()
            try:
                return self._handle(path, query, raw, entry)
            finally:
                store.restore(saved)

    def _reset_connection(self):
        """Close with SO_LINGER 0 so the peer gets a TCP RST instead of a clean FIN."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        # rfile holds a reference that would defer the real close() until after the
        # server's own shutdown(SHUT_WR), which would send a FIN first.
        self.rfile.close()
        self.connection.close()

    def _handle(self, path, query, raw, entry):
        srv = self.server_api
        call, model, headers = None, None, {}
        try:
            methods, params = _route(srv.routes, path)
            call = api.Call(srv.store, params, query, lambda: _parse_body(self.headers, raw), srv.settings)
            # One request at a time: list views must not see a half-applied write.
            with srv.store.lock:
                call.owner = srv.authenticate(self.headers.get("Authorization"))
                _check_permission(srv, call, methods, self.command)
                status, body, model = _method(methods, self.command)(call)
        except ApiError as exc:
            status, body, headers = exc.status, exc.body, exc.headers
        except ServerError:
            # Emulated on purpose (authentik fails there too), so not a schema error.
            status, body, headers = 500, _Html(faults.DJANGO_500), {"Content-Type": "text/html; charset=utf-8"}
        except Exception as exc:  # a bug in the double must fail the tests, not hang them
            status, body = 500, {"detail": "A server error occurred."}
            entry["schema_errors"].append(f"server error: {exc!r}")
        entry["body"] = _body_for_log(self.headers, raw)
        if srv.schema is not None:
            _guard(srv.schema, entry, call, status, body, model, srv.version)
        self._work = (self.command in latency_profile.WRITES, latency_profile.result_count(body))
        return status, body, headers

    def _raw_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _control(self, path, raw):
        srv = self.server_api
        if path == "/_test/faults":
            self._control_faults(raw)
        elif path == "/_test/chaos":
            self._control_chaos(raw)
        elif path == "/_test/requests" and self.command == "GET":
            self._send(200, srv.requests)
        elif path == "/_test/requests" and self.command == "DELETE":
            srv.clear_requests()
            self._send(204, None)
        elif path == "/_test/reset" and self.command == "POST":
            srv.reset()
            self._send(204, None)
        else:
            self._send(404, {"detail": "Not found."})

    def _control_faults(self, raw):
        """POST queues a fault ({"fault": ..., "count": ..., "match": ..., options}); DELETE clears."""
        srv = self.server_api
        if self.command == "GET":
            self._send(200, srv.faults.pending())
        elif self.command == "DELETE":
            srv.clear_faults()
            self._send(204, None)
        elif self.command == "POST":
            try:
                spec = json.loads(raw or b"{}")
                self._send(201, srv.inject(**spec))
            except (ValueError, TypeError) as exc:
                self._send(400, {"detail": str(exc)})
        else:
            self._send(405, {"detail": f'Method "{self.command}" not allowed.'})

    def _control_chaos(self, raw):
        """POST starts chaos with AuthentikServer.chaos's keyword arguments; it and GET answer {"chaos": settings},
        null when off. DELETE stops it (queued faults stay)."""
        srv = self.server_api
        if self.command == "GET":
            chaos = srv.faults.chaos
            self._send(200, {"chaos": chaos.describe() if chaos else None})
        elif self.command == "DELETE":
            srv.chaos(rate=0)
            self._send(204, None)
        elif self.command == "POST":
            try:
                self._send(200, {"chaos": srv.chaos(**json.loads(raw or b"{}"))})
            except (ValueError, TypeError) as exc:
                self._send(400, {"detail": str(exc)})
        else:
            self._send(405, {"detail": f'Method "{self.command}" not allowed.'})

    def _send(self, status, body, headers=None):
        payload = _encode(status, body)
        headers = dict(headers or {})
        if payload:
            headers.setdefault("Content-Type", "application/json")
        self._write(status, headers, payload)

    def _write(self, status, headers, payload):
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except OSError:
            # The client gave up (a timeout during a slow fault); nothing left to answer.
            self.close_connection = True


class _Html(str):
    """A response body sent as it is, not as JSON."""


def _encode(status, body):
    if isinstance(body, _Html):
        return body.encode()
    return b"" if body is None or status == 204 else json.dumps(body).encode()


def _fault_response(fault, real):
    """(status, headers, payload) that replaces the real response, or the real one delayed."""
    if fault.name == "status":
        return faults.status_response(fault)
    if fault.name == "html":
        return faults.html_response()
    if fault.name == "empty":
        return faults.empty_response()
    status, body, headers = real
    payload = _encode(status, body)
    if fault.name == "truncated":
        return faults.truncated_response(payload)
    headers = dict(headers)
    if payload:
        headers.setdefault("Content-Type", "application/json")
    return status, headers, payload


def _route(routes, path):
    for pattern, methods in routes:
        match = pattern.match(path)
        if match:
            return methods, match.groupdict()
    raise ApiError(404, {"detail": "Not found."})


def _method(methods, command):
    """The handler for this method; Django serves HEAD with the GET view."""
    if command == "HEAD" and "GET" in methods:
        command = "GET"
    if command not in methods:
        allow = ", ".join(sorted(methods) + (["HEAD"] if "GET" in methods else []))
        raise ApiError(405, {"detail": f'Method "{command}" not allowed.'}, {"Allow": allow})
    return methods[command]


def _check_permission(srv, call, methods, command):
    """The token owner acts as itself. Superusers pass every check. A non-superuser passes only into
    handlers marked api.rbac, which check the permissions of its roles themselves; elsewhere it gets 403."""
    call.access = srv.store.access(call.owner)
    if api.me in methods.values() or call.access.superuser:
        return
    handler = methods.get("GET" if command == "HEAD" else command)
    if not getattr(handler, "rbac", False):
        raise api.forbidden()


def _parse_body(headers, raw):
    """DRF request.data with only the JSON parser installed."""
    content_type = headers.get("Content-Type") or ""
    if not raw:
        return {}
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise ApiError(415, {"detail": f'Unsupported media type "{content_type}" in request.'})
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, {"detail": f"JSON parse error - {exc}"}) from None


def _reject_constant(name):
    raise ValueError(f"Out of range float values are not JSON compliant: {name!r}")


def _body_for_log(headers, raw):
    try:
        return _parse_body(headers, raw) if raw else None
    except ApiError:
        return None


def _guard(schema, entry, call, status, body, model, version):
    """Fill unknown_fields and schema_errors for the log entry, judged by the emulated release.

    The handlers name their models; schema is the tests.server.schema module that defines them."""
    request_model = schema.for_version(_model(schema, getattr(call, "body_model", None)), version)
    model = schema.for_version(_model(schema, model), version)
    if request_model is not None and entry["body"] is not None:
        unknown, errors = schema.check_request(request_model, entry["body"])
        entry["unknown_fields"] = unknown
        # A 400 means the server rejected the body itself, as authentik would.
        if status != 400:
            entry["schema_errors"].extend(errors)
    if model is not None:
        entry["schema_errors"].extend(schema.check_response(model, body))


def _model(schema, name):
    return None if name is None else getattr(schema, name)
